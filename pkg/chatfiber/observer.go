package chatfiber

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Observer is the product's chatkit.Observer: the taskpilot_chatkit_*
// Prometheus metrics and one OpenTelemetry span per request ("chatkit
// <type>", attribute chatkit.request_type; a turn's span also carries
// chatkit.outcome and chatkit.thread_id and ends with its stream).
type Observer struct {
	tracer        trace.Tracer
	requests      *prometheus.CounterVec
	activeStreams prometheus.Gauge
	eventsSent    *prometheus.CounterVec
	turnDuration  *prometheus.HistogramVec
}

var _ chatkit.Observer = (*Observer)(nil)

// NewObserver registers the metrics on reg (nil: unregistered) and makes
// spans with tp (nil: the global provider). Two observers on one registry
// share the metrics.
func NewObserver(reg prometheus.Registerer, tp trace.TracerProvider) (*Observer, error) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	o := &Observer{
		tracer: tp.Tracer("github.com/taskpilotai/taskpilot/pkg/chatkit"),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_chatkit_requests_total",
			Help: "ChatKit requests by request type and outcome (ok or an error code).",
		}, []string{"type", "outcome"}),
		activeStreams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "taskpilot_chatkit_active_streams",
			Help: "ChatKit SSE streams currently open.",
		}),
		eventsSent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_chatkit_events_sent_total",
			Help: "ChatKit stream events written to clients, by event type.",
		}, []string{"event"}),
		turnDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "taskpilot_chatkit_turn_duration_seconds",
			Help:    "Duration of streamed ChatKit turns, by outcome.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160},
		}, []string{"outcome"}),
	}
	var err error
	if o.requests, err = telemetry.Register(reg, o.requests); err != nil {
		return nil, fmt.Errorf("chatkit metrics: %w", err)
	}
	if o.activeStreams, err = telemetry.Register(reg, o.activeStreams); err != nil {
		return nil, fmt.Errorf("chatkit metrics: %w", err)
	}
	if o.eventsSent, err = telemetry.Register(reg, o.eventsSent); err != nil {
		return nil, fmt.Errorf("chatkit metrics: %w", err)
	}
	if o.turnDuration, err = telemetry.Register(reg, o.turnDuration); err != nil {
		return nil, fmt.Errorf("chatkit metrics: %w", err)
	}
	return o, nil
}

// Request implements chatkit.Observer.
func (o *Observer) Request(ctx context.Context, typ string) context.Context {
	ctx, _ = o.tracer.Start(ctx, "chatkit "+typ, trace.WithAttributes(
		attribute.String("chatkit.request_type", typ)))
	return ctx
}

// RequestDone implements chatkit.Observer: the request's span is the one
// Request put into ctx.
func (o *Observer) RequestDone(ctx context.Context, typ string, e chatkit.RequestEnd) {
	o.requests.WithLabelValues(typ, e.Outcome).Inc()
	span := trace.SpanFromContext(ctx)
	if e.Turn {
		o.turnDuration.WithLabelValues(e.Outcome).Observe(e.Elapsed.Seconds())
		span.SetAttributes(attribute.String("chatkit.outcome", e.Outcome),
			attribute.String("chatkit.thread_id", e.ThreadID))
	}
	if e.Err != nil {
		span.RecordError(e.Err)
	}
	if e.Failed {
		span.SetStatus(codes.Error, e.Outcome)
	}
	span.End()
}

// StreamOpened implements chatkit.Observer.
func (o *Observer) StreamOpened() { o.activeStreams.Inc() }

// StreamClosed implements chatkit.Observer.
func (o *Observer) StreamClosed() { o.activeStreams.Dec() }

// EventSent implements chatkit.Observer.
func (o *Observer) EventSent(event string) { o.eventsSent.WithLabelValues(event).Inc() }
