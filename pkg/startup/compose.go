package startup

import (
	"context"
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
)

// Env is what every service of a binary is built from.
type Env struct {
	Config *config.Config
	Logger *slog.Logger
	// Registry holds every metric of the binary; it is served on
	// METRICS_ADDR.
	Registry       *prometheus.Registry
	TracerProvider trace.TracerProvider
}

// Service is one part a binary serves: session-service, chat-service, the
// built front end.
type Service interface {
	// Mount adds the service's routes to srv (srv.App; long responses end
	// with srv.StopContext()).
	Mount(srv *httpserver.Server)
	// Ready reports whether the service can take traffic (/readyz).
	Ready(ctx context.Context) error
	// Close releases what its Builder opened (stores, clients).
	Close()
}

// Builder builds one service from the binary's Env.
type Builder func(ctx context.Context, env Env) (Service, error)

// PolicySetter is implemented by a service that decides the
// Content-Security-Policy of every response (the front end, whose policy
// names the hashes of its inline scripts). Without one the server sends
// httpserver.APIPolicy.
type PolicySetter interface {
	ContentSecurityPolicy() string
}

// Options are the per-binary server settings Compose does not take from
// the configuration.
type Options struct {
	// BodyLimit is the largest request body (0: httpserver's default).
	BodyLimit int
	// MetricsOnApp also serves the registry on /metrics of the app (for
	// in-process tests; binaries serve it on METRICS_ADDR only).
	MetricsOnApp bool
}

// App is a composed binary: one server with its services mounted in order.
type App struct {
	Server   *httpserver.Server
	services []Service
}

// Compose builds each service in order, then one server whose readiness is
// every service's and whose security headers follow the PolicySetter among
// them, and mounts the services on it in the same order (a catch-all, like
// the front end's, goes last). On error, what was built is closed.
func Compose(ctx context.Context, env Env, opts Options, builders ...Builder) (*App, error) {
	app := &App{}
	for _, build := range builders {
		svc, err := build(ctx, env)
		if err != nil {
			app.Close()
			return nil, err
		}
		app.services = append(app.services, svc)
	}
	policy := httpserver.APIPolicy
	for _, svc := range app.services {
		if p, ok := svc.(PolicySetter); ok {
			policy = p.ContentSecurityPolicy()
		}
	}
	cfg := env.Config
	app.Server = httpserver.New(httpserver.Options{
		Service:        cfg.Target.ServiceName(),
		Logger:         env.Logger,
		Registry:       env.Registry,
		AllowOrigins:   cfg.FrontendURLs,
		BodyLimit:      opts.BodyLimit,
		TracerProvider: env.TracerProvider,
		Limits:         ConnLimits(cfg),
		Headers:        httpserver.SecurityHeaders(policy),
		MetricsOnApp:   opts.MetricsOnApp,
		Ready:          app.ready,
	})
	for _, svc := range app.services {
		svc.Mount(app.Server)
	}
	return app, nil
}

func (a *App) ready(ctx context.Context) error {
	errs := make([]error, 0, len(a.services))
	for _, svc := range a.services {
		errs = append(errs, svc.Ready(ctx))
	}
	return errors.Join(errs...)
}

// Close closes the services, last built first.
func (a *App) Close() {
	for i := len(a.services) - 1; i >= 0; i-- {
		a.services[i].Close()
	}
	a.services = nil
}
