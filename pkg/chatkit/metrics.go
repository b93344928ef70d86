package chatkit

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests      *prometheus.CounterVec
	activeStreams prometheus.Gauge
	eventsSent    *prometheus.CounterVec
	turnDuration  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
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
	if reg == nil {
		return m, nil
	}
	var err error
	if m.requests, err = register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.activeStreams, err = register(reg, m.activeStreams); err != nil {
		return nil, err
	}
	if m.eventsSent, err = register(reg, m.eventsSent); err != nil {
		return nil, err
	}
	if m.turnDuration, err = register(reg, m.turnDuration); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the identical collector already
// registered (two Servers sharing one registry share the metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, err
	}
	return c, nil
}
