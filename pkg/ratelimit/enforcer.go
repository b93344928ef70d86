package ratelimit

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Enforcer applies a Limiter to requests: it answers 429 with Retry-After,
// counts rejections in taskpilot_ratelimit_rejected_total{service}, and fails
// open when the limiter itself fails, so a Redis outage does not take the
// service down with it. A failing backend is counted per request in
// taskpilot_ratelimit_backend_errors_total{service} but logged once per
// outage (and once when it recovers), not per request.
type Enforcer struct {
	limiter  Limiter
	rejected prometheus.Counter
	outage   *outage
}

// NewEnforcer wraps limiter; a nil limiter allows everything (limits off).
func NewEnforcer(limiter Limiter, reg prometheus.Registerer, service string, logger *slog.Logger) *Enforcer {
	rejected := telemetry.MustRegister(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_ratelimit_rejected_total",
		Help: "Requests rejected by a rate limit.",
	}, []string{"service"}))
	return &Enforcer{limiter: limiter, rejected: rejected.WithLabelValues(service),
		outage: newOutage(reg, service, "rate limiter", logger)}
}

// Check records a hit for key: nil when allowed, otherwise a 429
// *apperr.Error carrying RetryAfter. With c non-nil it also sets the
// RateLimit-Limit and RateLimit-Remaining headers.
func (e *Enforcer) Check(ctx context.Context, c *fiber.Ctx, key string) error {
	if e.limiter == nil {
		return nil
	}
	res, err := e.limiter.Allow(ctx, key)
	if e.outage.failed(ctx, err) {
		return nil
	}
	if c != nil {
		c.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
		c.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	}
	if !res.Allowed {
		e.rejected.Inc()
		return apperr.RateLimited(res.RetryAfter)
	}
	return nil
}

// Middleware limits requests by key(c); an empty key skips the limit.
func (e *Enforcer) Middleware(key func(c *fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if k := key(c); k != "" {
			if err := e.Check(c.UserContext(), c, k); err != nil {
				return err
			}
		}
		return c.Next()
	}
}
