package startup

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// ConnLimits are the per-connection limits of cfg for httpserver.Options.
func ConnLimits(cfg *config.Config) *httpserver.ConnLimits {
	return &httpserver.ConnLimits{
		ReadTimeout:   cfg.HTTPReadTimeout,
		IdleTimeout:   cfg.HTTPIdleTimeout,
		WriteStall:    cfg.HTTPWriteStallTimeout,
		MaxConnsPerIP: cfg.MaxConnsPerIP,
	}
}

// ServeMetrics serves reg on METRICS_ADDR until ctx ends, logs where and
// returns the bound address ("" when METRICS_ADDR is "off").
func ServeMetrics(ctx context.Context, cfg *config.Config, reg *prometheus.Registry, logger *slog.Logger) (string, error) {
	if cfg.MetricsAddr == config.MetricsOff {
		return "", nil
	}
	addr, err := telemetry.ServeMetrics(ctx, cfg.MetricsAddr, reg, logger)
	if err != nil {
		return "", err
	}
	logger.LogAttrs(ctx, slog.LevelInfo, "metrics listening", slog.String("addr", addr),
		slog.String("path", telemetry.MetricsPath))
	return addr, nil
}
