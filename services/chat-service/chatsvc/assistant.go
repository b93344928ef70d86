package chatsvc

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/offline"
	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// turnHistory is how many items the assistant reads first in a turn, so
// that the turn's opening step reads them with the thread's lock.
func turnHistory(cfg *config.Config) int {
	if cfg.OpenAIAPIKey.IsSet() {
		return openaiagent.DefaultHistoryLimit
	}
	return offline.FirstHistory
}

// newAssistant picks the task assistant: the OpenAI agent when
// OPENAI_API_KEY is set, the offline agent otherwise; widget actions go to
// the task-list widget handler. New threads are titled from what their first
// turn did (agent.Titled).
// The OpenAI agent reports the tokens it spends to spender (the turn
// gate's daily budgets).
func newAssistant(cfg *config.Config, tools *tasks.Tools, svc *tasks.Service, logger *slog.Logger,
	reg prometheus.Registerer, httpClient *http.Client, spender openaiagent.TokenSpender) (chatkit.Responder, chatkit.ActionHandler, error) {
	metrics, err := agent.NewMetrics(reg)
	if err != nil {
		return nil, nil, err
	}
	actions, err := widgets.NewHandler(widgets.HandlerOptions{Tools: tools, Service: svc, Metrics: metrics, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	if cfg.OpenAIAPIKey.IsSet() {
		temp := cfg.Temperature
		a, err := openaiagent.New(openaiagent.Options{
			APIKey: cfg.OpenAIAPIKey.Reveal(), BaseURL: cfg.OpenAIBaseURL, Style: cfg.OpenAIAPIStyle,
			Model: cfg.Model, Temperature: &temp, HTTPClient: httpClient, Tools: tools,
			Logger: logger, Registerer: reg, Spender: spender,
		})
		if err != nil {
			return nil, nil, err
		}
		return agent.Titled(a), actions, nil
	}
	a, err := offline.New(offline.Options{Tools: tools, Service: svc, Metrics: metrics, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	return agent.Titled(a), actions, nil
}
