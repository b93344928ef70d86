package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// outage is the fail-open rule every limit shares: a failing backend
// (Redis) is counted per check in taskpilot_ratelimit_backend_errors_total
// {service} and logged once per outage, and once when it answers again,
// never per request.
type outage struct {
	errors  prometheus.Counter
	logger  *slog.Logger
	what    string // "rate limiter", "budget tokens-user:"
	failing atomic.Bool
}

func newOutage(reg prometheus.Registerer, service, what string, logger *slog.Logger) *outage {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := telemetry.MustRegister(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_ratelimit_backend_errors_total",
		Help: "Rate-limit checks whose backend (Redis) failed; the request was allowed (fail open).",
	}, []string{"service"}))
	return &outage{errors: c.WithLabelValues(service), logger: logger, what: what}
}

// failed reports whether err is a backend failure, counting and logging it
// as above; a nil err ends an outage.
func (o *outage) failed(ctx context.Context, err error) bool {
	if err == nil {
		if o.failing.CompareAndSwap(true, false) {
			o.logger.LogAttrs(ctx, slog.LevelInfo, o.what+" backend answers again; limits apply")
		}
		return false
	}
	o.errors.Inc()
	if o.failing.CompareAndSwap(false, true) {
		o.logger.LogAttrs(ctx, slog.LevelError,
			o.what+" backend unavailable; allowing requests unlimited until it answers (counted in taskpilot_ratelimit_backend_errors_total)",
			slog.String("error", err.Error()))
	}
	return true
}
