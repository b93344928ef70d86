package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/services/chat-service/chatsvc"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

// allInOneBodyLimit leaves room for chat requests carrying attachments.
const allInOneBodyLimit = 8 << 20

// build composes the all-in-one app: the same constructors the services'
// mains use, mounted on one Fiber app, then the static front end. cleanup
// releases what the services opened (store, Redis).
func build(ctx context.Context, cfg *config.Config, logger *slog.Logger, reg *prometheus.Registry, tp trace.TracerProvider) (*httpserver.Server, func(), error) {
	var cleanups []func()
	cleanup := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	fail := func(err error) (*httpserver.Server, func(), error) {
		cleanup()
		return nil, func() {}, err
	}

	sessions, closeSessions, err := sessionsvc.Build(ctx, cfg, logger, reg)
	if err != nil {
		return fail(fmt.Errorf("session-service: %w", err))
	}
	cleanups = append(cleanups, closeSessions)

	// ---- chat-service (ChatKit, tasks REST, MCP) ----
	chat, closeChat, err := chatsvc.Build(ctx, cfg, logger, reg, tp)
	if err != nil {
		return fail(fmt.Errorf("chat-service: %w", err))
	}
	cleanups = append(cleanups, closeChat)
	// ---- end chat-service ----

	site := loadSite(cfg.StaticDir, logger)
	srv := httpserver.New(httpserver.Options{
		Service:        cfg.Target.ServiceName(),
		Logger:         logger,
		Registry:       reg,
		AllowOrigins:   cfg.FrontendURLs,
		BodyLimit:      allInOneBodyLimit,
		TracerProvider: tp,
		Limits:         startup.ConnLimits(cfg),
		Headers:        httpserver.SecurityHeaders(site.policy),
		Ready: func(ctx context.Context) error {
			return errors.Join(sessions.Ready(ctx), chat.Ready(ctx))
		},
	})
	sessions.Routes(srv.App)
	chat.Routes(srv.App)

	// The front end goes last: its catch-all must not shadow API routes.
	mountFrontend(srv.App, site)
	return srv, cleanup, nil
}
