package chatfiber

import "github.com/prometheus/client_golang/prometheus"

// RequestsCounter exposes one taskpilot_chatkit_requests_total series for
// tests.
func (o *Observer) RequestsCounter(typ, outcome string) prometheus.Counter {
	return o.requests.WithLabelValues(typ, outcome)
}
