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
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
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
	cfg, err := config.Load(os.LookupEnv, config.AllInOne)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	logger := telemetry.NewLogger(os.Stderr, cfg.LogLevel)
	for _, w := range cfg.Warnings() {
		logger.Warn(w)
	}
	headers, _ := cfg.OTLPHeaderMap()
	shutdownTracing, err := telemetry.Setup(ctx, telemetry.Options{ServiceName: cfg.OTelServiceName,
		Endpoint: cfg.OTLPEndpoint, Headers: headers, SampleRatio: cfg.TraceSampleRate})
	if err != nil {
		return err
	}
	defer func() { _ = shutdownTracing(context.WithoutCancel(ctx)) }()
	if addr, ok := os.LookupEnv(pprofEnv); ok && addr != "" {
		if _, err := startPprof(ctx, addr, logger); err != nil {
			return err
		}
	}

	app, cleanup, err := build(ctx, cfg, logger, telemetry.NewRegistry(), otel.GetTracerProvider())
	if err != nil {
		return err
	}
	defer cleanup()

	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.Any("config", cfg))
	fmt.Printf("TaskPilotAI is running at %s (Ctrl-C to stop)\n", publicURL(ln.Addr()))
	return httpserver.RunListener(ctx, app, ln, cfg.DrainDelay, cfg.ShutdownTimeout)
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
