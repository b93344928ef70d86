package chatkit

import "github.com/prometheus/client_golang/prometheus"

// Test hooks for the external test package.
func (s *Server) RequestsCounter(typ, outcome string) prometheus.Counter {
	return s.metrics.requests.WithLabelValues(typ, outcome)
}

func (s *Server) ActiveStreamsGauge() prometheus.Gauge { return s.metrics.activeStreams }
