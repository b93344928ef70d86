// Package startup is the first half of every binary's main: load and
// validate the configuration, build the JSON logger, report configuration
// warnings and start tracing. Each main then builds its service and runs it.
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
