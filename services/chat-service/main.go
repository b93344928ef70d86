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
	"github.com/taskpilotai/taskpilot/pkg/startup"
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
	p, err := startup.Begin(ctx, os.LookupEnv, config.ChatService, os.Stdout)
	if err != nil {
		return err
	}
	defer func() { _ = p.Shutdown(context.WithoutCancel(ctx)) }()
	cfg, logger := p.Config, p.Logger
	reg := telemetry.NewRegistry()

	svc, cleanup, err := chatsvc.Build(ctx, cfg, logger, reg, otel.GetTracerProvider())
	if err != nil {
		return err
	}
	defer cleanup()
	srv := httpserver.New(httpserver.Options{Service: cfg.Target.ServiceName(), Logger: logger,
		Registry: reg, AllowOrigins: cfg.FrontendURLs, Ready: svc.Ready,
		Limits: startup.ConnLimits(cfg), Headers: httpserver.SecurityHeaders(httpserver.APIPolicy)})
	svc.Routes(srv.App)

	if err := startup.ServeMetrics(ctx, cfg, reg, logger); err != nil {
		return err
	}
	logger.Info("listening", slog.String("addr", cfg.ListenAddr), slog.Any("config", cfg))
	return srv.Run(ctx, cfg.ListenAddr, cfg.DrainDelay, cfg.ShutdownTimeout)
}
