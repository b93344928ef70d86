// Command chat-service serves the ChatKit endpoint (POST /api/v1/chatkit),
// the task REST API and the MCP endpoint.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"go.opentelemetry.io/otel"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
	"github.com/taskpilotai/taskpilot/services/chat-service/chatsvc"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "chat-service:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := config.Load(os.LookupEnv, config.ChatService)
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

	svc, cleanup, err := chatsvc.Build(ctx, cfg, logger, reg, otel.GetTracerProvider())
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
