package httpserver

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// RouteUnmatched is the route label of requests no route matched, so that
// scanners probing random paths cannot blow up metric cardinality.
const RouteUnmatched = "unmatched"

const (
	localRequestID = "request_id"
	localUnmatched = "httpserver.unmatched"
)

// RequestID returns the id of the request being handled.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// requestID echoes a well-formed X-Request-Id or generates one, and puts it
// into the response header, c.Locals and the user context (for logs).
func requestID() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = uuid.NewString()
		}
		c.Set(HeaderRequestID, id)
		c.Locals(localRequestID, id)
		c.SetUserContext(telemetry.WithRequestID(c.UserContext(), id))
		return c.Next()
	}
}

// validRequestID accepts 1–128 characters of [A-Za-z0-9._:-], so that a
// caller cannot inject anything odd into logs or headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9',
			b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

// routeLabel is the route template the request matched ("/api/v1/tasks/:id"),
// never the raw path. Requests no route answered (Fiber's own 404/405) are
// RouteUnmatched.
func routeLabel(c *fiber.Ctx) string {
	if unmatched, _ := c.Locals(localUnmatched).(bool); unmatched {
		return RouteUnmatched
	}
	if r := c.Route(); r != nil {
		return r.Path
	}
	return RouteUnmatched
}

// isUnmatched reports whether err is Fiber's answer for a path or method no
// route serves (handlers report their own 404s with apperr.NotFound).
func isUnmatched(err error) bool {
	var fe *fiber.Error
	return errors.As(err, &fe) && (fe.Code == http.StatusNotFound || fe.Code == http.StatusMethodNotAllowed)
}

// tracing starts a server span per request (probes and /metrics excluded)
// from the propagated trace context and puts it into c.UserContext(). It
// replaces otelfiber: otelfiber reads c.Response().Body() to size the
// response, which drains a SetBodyStreamWriter stream before the first byte
// is sent and so breaks SSE.
func tracing(tp trace.TracerProvider, prop propagation.TextMapPropagator) fiber.Handler {
	tracer := tp.Tracer("github.com/taskpilotai/taskpilot/pkg/httpserver")
	return func(c *fiber.Ctx) error {
		if isProbe(c) {
			return c.Next()
		}
		parent := c.UserContext()
		ctx := prop.Extract(parent, fiberCarrier{c})
		ctx, span := tracer.Start(ctx, c.Method(), trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(
				semconv.HTTPRequestMethodKey.String(c.Method()),
				semconv.URLPath(c.Path()),
				semconv.URLScheme(c.Protocol()),
				semconv.ServerAddress(c.Hostname()),
				semconv.UserAgentOriginal(c.Get(fiber.HeaderUserAgent)),
			))
		defer span.End()
		c.SetUserContext(ctx)

		err := c.Next()
		// observe (inside this middleware) has already answered errors.
		status := c.Response().StatusCode()
		route := routeLabel(c)
		span.SetName(c.Method() + " " + route)
		span.SetAttributes(semconv.HTTPRoute(route), semconv.HTTPResponseStatusCode(status))
		if status >= http.StatusInternalServerError {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		c.SetUserContext(parent)
		return err
	}
}

type fiberCarrier struct{ c *fiber.Ctx }

func (f fiberCarrier) Get(key string) string { return f.c.Get(key) }
func (f fiberCarrier) Set(key, value string) { f.c.Request().Header.Set(key, value) }
func (f fiberCarrier) Keys() []string {
	var keys []string
	f.c.Request().Header.VisitAll(func(k, _ []byte) { keys = append(keys, string(k)) })
	return keys
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer, service string) *httpMetrics {
	requests := telemetry.MustRegister(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_http_requests_total",
		Help: "HTTP requests handled, by route template, method and status.",
	}, []string{"service", "route", "method", "status"}))
	duration := telemetry.MustRegister(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "taskpilot_http_request_duration_seconds",
		Help:    "Time from request to the handler's return (for streams: until the stream starts).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"service", "route", "method", "status"}))
	inFlight := telemetry.MustRegister(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "taskpilot_http_requests_in_flight",
		Help: "HTTP requests being handled.",
	}, []string{"service"}))
	return &httpMetrics{requests: requests, duration: duration, inFlight: inFlight.WithLabelValues(service)}
}

// observe answers handler errors through the app's ErrorHandler, then
// records the request's metrics and writes one access log line. It never
// touches the response body, so streamed responses pass through untouched.
func observe(logger *slog.Logger, m *httpMetrics, service string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()

		if err := c.Next(); err != nil {
			if isUnmatched(err) {
				c.Locals(localUnmatched, true)
			}
			trace.SpanFromContext(c.UserContext()).RecordError(err)
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}

		elapsed := time.Since(start)
		status := c.Response().StatusCode()
		route := routeLabel(c)
		method := c.Method()
		code := strconv.Itoa(status)
		m.requests.WithLabelValues(service, route, method, code).Inc()
		m.duration.WithLabelValues(service, route, method, code).Observe(elapsed.Seconds())

		if isProbe(c) {
			return nil
		}
		level := slog.LevelInfo
		if status >= http.StatusInternalServerError && !apperr.ClientFault(status) {
			level = slog.LevelError
		}
		logger.LogAttrs(c.UserContext(), level, "request",
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		)
		return nil
	}
}
