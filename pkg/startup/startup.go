// Package startup is the composition root of every binary, in the manner of
// Tempo's -target: a main names its target and its services (Binary) and
// calls Main. Run loads and validates the configuration, builds the JSON
// logger, reports configuration warnings, starts tracing (Begin) and
// pprof (PPROF_ADDR), owns the metrics registry, builds the services and
// one server for them (Compose: readiness is every service's, security
// headers follow the front end's policy when it is served), serves
// /metrics on METRICS_ADDR and runs the server until SIGTERM with a
// graceful shutdown. Nothing else composes a binary: in-process tests call
// Compose with the same builders.
package startup

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Process is what a started binary has: its configuration, its logger and
// the function that flushes and stops tracing.
type Process struct {
	Config *config.Config
	Logger *slog.Logger
	// Shutdown flushes pending spans; call it once, after the server stops.
	Shutdown func(context.Context) error
}

// Begin loads the configuration for target through lookup (os.LookupEnv in
// mains), logs to logOut, and sets up tracing (a no-op unless
// OTEL_EXPORTER_OTLP_ENDPOINT is set).
func Begin(ctx context.Context, lookup config.Lookup, target config.Target, logOut io.Writer) (*Process, error) {
	cfg, err := config.Load(lookup, target)
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	logger := telemetry.NewLogger(logOut, cfg.LogLevel)
	for _, w := range cfg.Warnings() {
		logger.WarnContext(ctx, w)
	}
	headers, err := cfg.OTLPHeaderMap()
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	shutdown, err := telemetry.Setup(ctx, telemetry.Options{ServiceName: cfg.OTelServiceName,
		Endpoint: cfg.OTLPEndpoint, Headers: headers, SampleRatio: cfg.TraceSampleRate})
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	return &Process{Config: cfg, Logger: logger, Shutdown: shutdown}, nil
}
