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
// open (logging) when the limiter itself fails, so a Redis outage does not
// take the service down with it.
type Enforcer struct {
	limiter  Limiter
	rejected prometheus.Counter
	logger   *slog.Logger
}

// NewEnforcer wraps limiter; a nil limiter allows everything (limits off).
func NewEnforcer(limiter Limiter, reg prometheus.Registerer, service string, logger *slog.Logger) *Enforcer {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rejected := telemetry.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_ratelimit_rejected_total",
		Help: "Requests rejected by a rate limit.",
	}, []string{"service"}))
	return &Enforcer{limiter: limiter, rejected: rejected.WithLabelValues(service), logger: logger}
}

// Check records a hit for key: nil when allowed, otherwise a 429
// *apperr.Error carrying RetryAfter. With c non-nil it also sets the
// RateLimit-Limit and RateLimit-Remaining headers.
func (e *Enforcer) Check(ctx context.Context, c *fiber.Ctx, key string) error {
	if e.limiter == nil {
		return nil
	}
	res, err := e.limiter.Allow(ctx, key)
	if err != nil {
		e.logger.LogAttrs(ctx, slog.LevelError, "rate limiter unavailable; allowing request",
			slog.String("error", err.Error()))
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
