// Package httpserver is the Fiber bootstrap every TaskPilotAI service shares:
// panic recovery, request ids, CORS limited to an allow-list, a body size
// limit, the JSON error handler, an access log line and Prometheus metrics per
// request, OpenTelemetry server spans, security headers, /healthz and
// /readyz (/metrics is served on a listener of its own:
// telemetry.ServeMetrics), per-connection limits (read deadlines from the
// first byte, a write stall timeout, connections per address: ConnLimits),
// and a graceful shutdown that drains in-flight requests.
//
// The app runs with fiber.Config{Immutable: true}: strings taken from the
// request (c.Params, c.Get, c.Query, ...) stay valid after the handler
// returns, so SSE stream writers may keep them.
package httpserver

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// Probe and metrics paths every service serves.
const (
	PathHealthz = "/healthz"
	PathReadyz  = "/readyz"
	PathMetrics = "/metrics"
)

// HeaderRequestID is the request id header, echoed when the caller sends a
// well-formed one and generated otherwise.
const HeaderRequestID = "X-Request-Id"

// DefaultBodyLimit is the request body limit when Options.BodyLimit is 0.
const DefaultBodyLimit = 1 << 20

// Options configures New.
type Options struct {
	// Service is the value of the metrics' service label
	// ("session-service", "chat-service" or "taskpilot").
	Service string
	// Logger receives the access log and error logs. Build it with
	// telemetry.NewLogger so that lines carry request_id and trace_id.
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served on /metrics.
	Registry *prometheus.Registry
	// AllowOrigins is the CORS allow-list (FRONTEND_URL), e.g.
	// "http://localhost:3000". Credentials are allowed for these origins.
	AllowOrigins []string
	// BodyLimit is the largest accepted request body in bytes; larger
	// bodies get 413 with the JSON error shape. 0 means DefaultBodyLimit.
	BodyLimit int
	// Ready reports whether the service can take traffic (store reachable,
	// configuration usable); nil means always ready. /readyz answers 503
	// when it fails and once shutdown has started.
	Ready func(ctx context.Context) error
	// ReadyTimeout bounds one Ready call; 0 means 2s.
	ReadyTimeout time.Duration
	// TracerProvider and Propagator default to the OpenTelemetry globals
	// (installed by telemetry.Setup).
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
	// Limits bound each client connection (read and idle timeouts, the
	// write stall timeout, connections per peer address); nil means
	// DefaultConnLimits. RunListener applies them to its listener. There
	// is deliberately no timeout on a whole response: SSE streams last as
	// long as a turn does.
	Limits *ConnLimits
	// MetricsOnApp serves the registry on /metrics of this app. Mains leave
	// it off and serve /metrics on a listener of its own (METRICS_ADDR,
	// telemetry.ServeMetrics), so the public port never exposes it;
	// in-process tests turn it on.
	MetricsOnApp bool
	// Headers are set on every response (security headers; see
	// SecurityHeaders). Nil sets none.
	Headers map[string]string
}

// Server is one HTTP server: the Fiber app with the shared middleware stack
// and the probe and metrics endpoints, and the lifecycle it owns (the
// connection limits, readiness, and the stop context of long responses).
// Services add their routes to App (Routes(srv.App)); Run serves it.
type Server struct {
	// App is the Fiber app; add routes to it.
	App *fiber.App

	draining atomic.Bool
	limits   ConnLimits
	rejected prometheus.Counter
	logger   *slog.Logger
	// stop is cancelled when long-running responses must wrap up (see
	// StopContext).
	stop       context.Context
	stopCancel context.CancelFunc
}

// New builds a Server from opts.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Service == "" {
		opts.Service = "taskpilot"
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = DefaultBodyLimit
	}
	limits := DefaultConnLimits()
	if opts.Limits != nil {
		limits = *opts.Limits
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 2 * time.Second
	}
	if opts.TracerProvider == nil {
		opts.TracerProvider = otel.GetTracerProvider()
	}
	if opts.Propagator == nil {
		opts.Propagator = otel.GetTextMapPropagator()
	}

	app := fiber.New(fiber.Config{
		AppName:        opts.Service,
		Immutable:      true,
		BodyLimit:      opts.BodyLimit,
		ReadTimeout:    limits.ReadTimeout,
		IdleTimeout:    limits.IdleTimeout,
		ReadBufferSize: 16 << 10, // room for JWTs in Authorization headers
		// The write buffer is held for as long as a response is being
		// written, so an open SSE stream keeps it for the whole turn. At 1
		// KiB (fasthttp's default is 4 KiB) a stream holds 3 KiB less; a
		// write larger than the buffer goes to the socket directly, so only
		// responses of 1–4 KiB take a second write (measured: +2% write
		// syscalls per turn and per history request, none per session).
		WriteBufferSize: 1 << 10,
		// Return a connection's read buffer (16 KiB) to the pool once its
		// request is read, and the write buffer once a response is sent:
		// an open SSE stream or an idle keep-alive connection then holds
		// neither (bench/RESULTS.md, streams).
		ReduceMemoryUsage:     true,
		DisableStartupMessage: true,
		ErrorHandler:          ErrorHandler(opts.Logger),
	})
	srv := &Server{App: app, limits: limits, logger: opts.Logger,
		rejected: newConnMetrics(opts.Registry, opts.Service)}
	// Cancelled by RunListener near the end of a shutdown; a server that is
	// never run holds nothing (Background is never done).
	srv.stop, srv.stopCancel = context.WithCancel(context.Background())

	m := newHTTPMetrics(opts.Registry, opts.Service)
	if len(opts.Headers) > 0 {
		app.Use(setHeaders(opts.Headers))
	}
	app.Use(requestID())
	app.Use(tracing(opts.TracerProvider, opts.Propagator))
	app.Use(observe(opts.Logger, m, opts.Service))
	app.Use(recover.New())
	if origins := normalizeOrigins(opts.AllowOrigins); origins != "" {
		app.Use(cors.New(cors.Config{
			AllowOrigins:     origins,
			AllowMethods:     "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS",
			AllowHeaders:     "Authorization, Content-Type, X-Timezone, X-Request-Id",
			ExposeHeaders:    "X-Request-Id, Retry-After",
			AllowCredentials: origins != "*",
			MaxAge:           600,
		}))
	}

	app.Get(PathHealthz, func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	app.Get(PathReadyz, readyHandler(srv, opts.Ready, opts.ReadyTimeout, opts.Logger))
	if opts.MetricsOnApp {
		app.Get(PathMetrics, adaptor.HTTPHandler(promhttp.HandlerFor(opts.Registry,
			promhttp.HandlerOpts{Registry: opts.Registry})))
	}
	return srv
}

func normalizeOrigins(origins []string) string {
	out := make([]string, 0, len(origins))
	for _, o := range origins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o != "" {
			out = append(out, o)
		}
	}
	return strings.Join(out, ",")
}

func readyHandler(st *Server, ready func(context.Context) error, timeout time.Duration, logger *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if st.draining.Load() {
			return apperr.Unavailable(nil, "shutting down")
		}
		if ready != nil {
			ctx, cancel := context.WithTimeout(c.UserContext(), timeout)
			defer cancel()
			if err := ready(ctx); err != nil {
				logger.LogAttrs(c.UserContext(), slog.LevelWarn, "not ready", slog.String("error", err.Error()))
				if ae, ok := apperr.As(err); ok {
					return ae
				}
				return apperr.Unavailable(err, "not ready")
			}
		}
		return c.JSON(fiber.Map{"status": "ready"})
	}
}

// isProbe reports whether the request is for a probe or the metrics
// endpoint, which get neither spans nor access log lines.
func isProbe(c *fiber.Ctx) bool {
	switch c.Path() {
	case PathHealthz, PathReadyz, PathMetrics:
		return true
	}
	return false
}
