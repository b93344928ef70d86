// Command session-service serves POST /api/chatkit/sessions.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "session-service:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := config.Load(os.LookupEnv, config.SessionService)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	logger := telemetry.NewLogger(os.Stdout, cfg.LogLevel)
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
	reg := telemetry.NewRegistry()

	svc, cleanup, err := sessionsvc.Build(ctx, cfg, logger, reg)
	if err != nil {
		return err
	}
	defer cleanup()
	app := httpserver.New(httpserver.Options{Service: cfg.Target.ServiceName(), Logger: logger,
		Registry: reg, AllowOrigins: cfg.FrontendURLs, Ready: svc.Ready})
	svc.Routes(app)

	logger.Info("listening", slog.String("addr", cfg.ListenAddr), slog.Any("config", cfg))
	return httpserver.Run(ctx, app, cfg.ListenAddr, cfg.DrainDelay, cfg.ShutdownTimeout)
}
