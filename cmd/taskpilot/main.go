// Command taskpilot is the all-in-one local binary: session-service and
// chat-service on one Fiber app (default :8000) with an embedded SQLite
// store, serving the built front end at /. `make run` starts it.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"go.opentelemetry.io/otel"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "taskpilot:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	p, err := startup.Begin(ctx, os.LookupEnv, config.AllInOne, os.Stderr)
	if err != nil {
		return err
	}
	defer func() { _ = p.Shutdown(context.WithoutCancel(ctx)) }()
	cfg, logger := p.Config, p.Logger
	if cfg.PprofAddr != "" {
		if _, err := startPprof(ctx, cfg.PprofAddr, logger); err != nil {
			return err
		}
	}

	reg := telemetry.NewRegistry()
	srv, cleanup, err := build(ctx, cfg, logger, reg, otel.GetTracerProvider())
	if err != nil {
		return err
	}
	defer cleanup()
	if cfg.MetricsAddr != config.MetricsOff {
		addr, err := telemetry.ServeMetrics(ctx, cfg.MetricsAddr, reg, logger)
		if err != nil {
			return err
		}
		fmt.Printf("Metrics at http://%s%s\n", addr, telemetry.MetricsPath)
	}

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.Any("config", cfg))
	fmt.Printf("TaskPilotAI is running at %s (Ctrl-C to stop)\n", publicURL(ln.Addr()))
	return srv.RunListener(ctx, ln, cfg.DrainDelay, cfg.ShutdownTimeout)
}

// publicURL is the address to open in a browser.
func publicURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
