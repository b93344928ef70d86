package openaiagent

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Metric help texts. Another package registering the same metric on the
// same registry (session-service's upstream histogram) must use the same
// name, help and labels; the first registration is then shared. The turn
// metrics are the agent package's, shared with the offline agent.
const (
	helpTokens          = "Tokens exchanged with the model upstream by direction (input, output)."
	helpUpstreamLatency = "Duration of upstream API requests by upstream, operation and outcome, in seconds."
)

// Turn outcomes (label values of taskpilot_agent_turns_total and
// taskpilot_upstream_request_duration_seconds besides "ok").
const (
	outcomeOK              = "ok"
	outcomeUpstreamError   = "upstream_error"
	outcomeUpstreamTimeout = "upstream_timeout"
	outcomeRateLimited     = "rate_limited"
	outcomeNotConfigured   = "not_configured"
	outcomeCancelled       = "cancelled"
	outcomeStepLimit       = "step_limit"
	outcomeInternal        = "internal_error"
)

type metrics struct {
	turns    *agent.Metrics           // taskpilot_agent_turns_total, taskpilot_agent_turn_duration_seconds
	tokens   *prometheus.CounterVec   // direction
	upstream *prometheus.HistogramVec // upstream, operation, outcome
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	turns, err := agent.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	m := &metrics{
		turns: turns,
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_upstream_tokens_total", Help: helpTokens,
		}, []string{"direction"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "taskpilot_upstream_request_duration_seconds", Help: helpUpstreamLatency,
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80},
		}, []string{"upstream", "operation", "outcome"}),
	}
	if reg == nil {
		return m, nil
	}
	if m.tokens, err = telemetry.Register(reg, m.tokens); err != nil {
		return nil, fmt.Errorf("register openai agent metrics: %w", err)
	}
	if m.upstream, err = telemetry.Register(reg, m.upstream); err != nil {
		return nil, fmt.Errorf("register openai agent metrics: %w", err)
	}
	return m, nil
}
