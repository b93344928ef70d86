// Package openaiagent is the task assistant backed by an OpenAI model (or
// any OpenAI-compatible server): a chatkit.Responder that streams the
// model's answer, lets it call the task tools in a bounded multi-step loop,
// and keeps no state of its own between turns.
//
// Each turn it loads the thread's recent items from the store (user and
// assistant messages, and the hidden records of earlier tool calls), adds a
// system prompt with the current date and time in the user's time zone, and
// calls the model in one of two API styles: the Responses API (default) or
// Chat Completions. Text deltas become assistant_message text_delta events
// as they arrive; each tool call shows a progress_update, runs through the
// tasks.Toolbox for the authenticated user and is fed back to the model.
// After the tools of a step ran, a hidden_context_item records the calls
// and their outputs so the next turn's model sees what was done.
//
// Upstream failures (HTTP errors, rate limits, timeouts, broken or malformed
// streams) end the turn with a retryable error event; see Respond.
package openaiagent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Defaults for Options.
const (
	DefaultModel          = "gpt-4.1"
	DefaultTemperature    = 0.7
	DefaultMaxSteps       = 8
	DefaultRequestTimeout = 60 * time.Second
	DefaultHistoryLimit   = 30
	DefaultMaxRetries     = 2
)

// Options configure the agent. Only APIKey and Tools are required.
type Options struct {
	// APIKey is OPENAI_API_KEY. It is sent to the upstream only.
	APIKey string
	// BaseURL is OPENAI_BASE_URL (any OpenAI-compatible server); empty
	// means OpenAI.
	BaseURL string
	// Style is StyleResponses (default) or StyleChatCompletions.
	Style string
	// Model is CHATKIT_MODEL (DefaultModel when empty).
	Model string
	// Temperature is CHATKIT_TEMPERATURE; nil means DefaultTemperature.
	Temperature *float64
	// MaxSteps bounds the model calls of one turn (DefaultMaxSteps when 0).
	MaxSteps int
	// RequestTimeout bounds each model call, stream included
	// (DefaultRequestTimeout when 0).
	RequestTimeout time.Duration
	// MaxRetries is how often the client retries a call that failed before
	// streaming began (connection error, 408, 409, 429, 5xx), honouring
	// Retry-After. nil means DefaultMaxRetries; 0 disables retries.
	MaxRetries *int
	// HistoryLimit is how many of the thread's newest items the model sees
	// (DefaultHistoryLimit when 0).
	HistoryLimit int
	// HTTPClient carries the upstream requests (the composition root passes
	// one with an otelhttp transport); nil means a default client.
	HTTPClient *http.Client
	// Tools are the task tools the model may call.
	Tools tasks.Toolbox
	// Logger receives operational logs (never prompts, messages or the
	// key); nil discards them.
	Logger *slog.Logger
	// Registerer receives the agent's metrics; nil keeps them unexported.
	Registerer prometheus.Registerer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Spender, when set, is told the tokens (input + output) each model
	// call spent, against the user's daily budgets (ratelimit.TurnGate).
	Spender TokenSpender
}

// TokenSpender records the model tokens a turn spent.
type TokenSpender interface {
	SpendTokens(ctx context.Context, user, clientIP string, tokens int64)
}

// Agent is the OpenAI-backed chatkit.Responder.
type Agent struct {
	stepper      stepper
	tools        tasks.Toolbox
	svc          *tasks.Service // for undo; nil when Tools is not *tasks.Tools
	maxSteps     int
	timeout      time.Duration
	historyLimit int
	log          *slog.Logger
	metrics      *metrics
	now          func() time.Time
	spender      TokenSpender
}

var _ chatkit.Responder = (*Agent)(nil)

// New builds the agent.
func New(opts Options) (*Agent, error) {
	if strings.TrimSpace(opts.APIKey) == "" {
		return nil, errors.New("openai agent: OPENAI_API_KEY is empty")
	}
	if opts.Tools == nil {
		return nil, errors.New("openai agent: no task tools")
	}
	if opts.Model == "" {
		opts.Model = DefaultModel
	}
	temperature := DefaultTemperature
	if opts.Temperature != nil {
		temperature = *opts.Temperature
	}
	if temperature < 0 || temperature > 2 {
		return nil, fmt.Errorf("openai agent: CHATKIT_TEMPERATURE %v is outside 0..2", temperature)
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = DefaultMaxSteps
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.HistoryLimit <= 0 {
		opts.HistoryLimit = DefaultHistoryLimit
	}
	retries := DefaultMaxRetries
	if opts.MaxRetries != nil {
		retries = max(*opts.MaxRetries, 0)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	clientOpts := []option.RequestOption{
		option.WithAPIKey(opts.APIKey), option.WithMaxRetries(retries), option.WithMiddleware(releaseRequestBody),
	}
	if opts.BaseURL != "" {
		clientOpts = append(clientOpts, option.WithBaseURL(opts.BaseURL))
	}
	if opts.HTTPClient != nil {
		clientOpts = append(clientOpts, option.WithHTTPClient(opts.HTTPClient))
	}
	client := openai.NewClient(clientOpts...)

	defs := opts.Tools.Definitions()
	var svc *tasks.Service
	if t, ok := opts.Tools.(*tasks.Tools); ok {
		svc = t.Service()
		defs = append(defs, undoDefinition())
	}
	var st stepper
	var err error
	switch opts.Style {
	case "", StyleResponses:
		st, err = newResponsesStepper(client, opts.Model, temperature, defs)
	case StyleChatCompletions:
		st, err = newChatStepper(client, opts.Model, temperature, defs)
	default:
		return nil, fmt.Errorf("openai agent: OPENAI_API_STYLE %q is not %q or %q", opts.Style, StyleResponses, StyleChatCompletions)
	}
	if err != nil {
		return nil, fmt.Errorf("openai agent: %w", err)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Agent{
		stepper: st, tools: opts.Tools, svc: svc,
		maxSteps: opts.MaxSteps, timeout: opts.RequestTimeout, historyLimit: opts.HistoryLimit,
		log: opts.Logger, metrics: m, now: opts.Now, spender: opts.Spender,
	}, nil
}
