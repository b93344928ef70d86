package startup

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"go.opentelemetry.io/otel"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Binary is one of the three binaries: which target its configuration is
// loaded for and which services it serves, in mount order.
type Binary struct {
	Target   config.Target
	Services []Builder
	// LogOut receives the JSON log (the services: stdout; the all-in-one:
	// stderr, its stdout is for the person who started it).
	LogOut io.Writer
	// BodyLimit is the largest request body (0: httpserver's default).
	BodyLimit int
	// Announce, when set, is told the bound addresses once the server
	// listens: the app's, and the metrics listener's ("" when off). The
	// all-in-one prints the URL to open.
	Announce func(app net.Addr, metrics string)
}

// Main runs b until SIGTERM or Ctrl-C and exits the process: 1 with the
// error on stderr when it fails to start or to stop cleanly.
func Main(b Binary) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := Run(ctx, os.LookupEnv, b)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", b.Target.ServiceName(), err)
		os.Exit(1)
	}
}

// Run is a binary's whole life: load and check the configuration (Begin),
// start pprof when PPROF_ADDR asks, compose the services on one server
// (Compose), serve the metrics on METRICS_ADDR, then serve the app until
// ctx ends and shut down gracefully (drain, then stop long responses).
func Run(ctx context.Context, lookup config.Lookup, b Binary) error {
	p, err := Begin(ctx, lookup, b.Target, b.LogOut)
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
	env := Env{Config: cfg, Logger: logger, Registry: telemetry.NewRegistry(), TracerProvider: otel.GetTracerProvider()}
	app, err := Compose(ctx, env, Options{BodyLimit: b.BodyLimit}, b.Services...)
	if err != nil {
		return err
	}
	defer app.Close()
	metrics, err := ServeMetrics(ctx, cfg, env.Registry, logger)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "listening", slog.String("addr", ln.Addr().String()), slog.Any("config", cfg))
	if b.Announce != nil {
		b.Announce(ln.Addr(), metrics)
	}
	return app.Server.RunListener(ctx, ln, cfg.DrainDelay, cfg.ShutdownTimeout)
}
