package sessionsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// OpenAIOptions configures NewOpenAI.
type OpenAIOptions struct {
	APIKey string
	// BaseURL is OPENAI_BASE_URL (e.g. http://127.0.0.1:9999/v1); empty
	// means OpenAI.
	BaseURL    string
	WorkflowID string
	// Timeout bounds one session creation (OPENAI_TIMEOUT).
	Timeout time.Duration
	// HTTPClient carries the requests; use telemetry.NewHTTPClient so they
	// are traced.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Registry   prometheus.Registerer
}

// OpenAI creates hosted sessions through openai-go's
// client.Beta.ChatKit.Sessions.New.
type OpenAI struct {
	client     openai.Client
	workflowID string
	timeout    time.Duration
	logger     *slog.Logger
	latency    *prometheus.HistogramVec
}

// NewOpenAI builds the hosted-mode upstream.
func NewOpenAI(opts OpenAIOptions) (*OpenAI, error) {
	if opts.APIKey == "" {
		return nil, errors.New("an OpenAI API key is required")
	}
	if opts.WorkflowID == "" {
		return nil, errors.New("a workflow id is required")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	reqOpts := []option.RequestOption{
		option.WithAPIKey(opts.APIKey),
		// The browser's ChatKit retries; an extra upstream retry would
		// only stretch a failing request past the caller's patience.
		option.WithMaxRetries(0),
	}
	if opts.BaseURL != "" {
		reqOpts = append(reqOpts, option.WithBaseURL(opts.BaseURL))
	}
	if opts.HTTPClient != nil {
		reqOpts = append(reqOpts, option.WithHTTPClient(opts.HTTPClient))
	}
	return &OpenAI{
		client:     openai.NewClient(reqOpts...),
		workflowID: opts.WorkflowID,
		timeout:    opts.Timeout,
		logger:     opts.Logger,
		latency:    UpstreamLatency(opts.Registry),
	}, nil
}

// UpstreamLatency is taskpilot_upstream_request_duration_seconds, shared
// with the OpenAI agent (same name, help and labels, so the all-in-one
// registers it once).
func UpstreamLatency(reg prometheus.Registerer) *prometheus.HistogramVec {
	return telemetry.MustRegister(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "taskpilot_upstream_request_duration_seconds",
		Help:    "Duration of upstream API requests by upstream, operation and outcome, in seconds.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80},
	}, []string{"upstream", "operation", "outcome"}))
}

// CreateSession implements Upstream.
func (o *OpenAI) CreateSession(ctx context.Context, userID string) (HostedSession, error) {
	start := time.Now()
	sess, err := o.create(ctx, userID)
	o.latency.WithLabelValues("openai", "chatkit.sessions.create", outcome(err)).Observe(time.Since(start).Seconds())
	if err != nil {
		o.logger.LogAttrs(ctx, slog.LevelWarn, "create hosted session failed", slog.String("error", err.Error()))
	}
	return sess, err
}

func (o *OpenAI) create(ctx context.Context, userID string) (HostedSession, error) {
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	res, err := o.client.Beta.ChatKit.Sessions.New(cctx, openai.BetaChatKitSessionNewParams{
		User:     userID,
		Workflow: openai.ChatSessionWorkflowParam{ID: o.workflowID},
	})
	if err != nil {
		return HostedSession{}, o.mapError(ctx, cctx, err)
	}
	if res == nil || res.ClientSecret == "" || res.ID == "" || res.ExpiresAt == 0 {
		return HostedSession{}, apperr.Upstream(errors.New("session response lacks id, client_secret or expires_at"),
			"OpenAI returned an unusable session")
	}
	return HostedSession{ID: res.ID, ClientSecret: res.ClientSecret, ExpiresAt: time.Unix(res.ExpiresAt, 0).UTC()}, nil
}

// mapError turns an openai-go failure into the caller-facing error. Upstream
// bodies and the key never reach the caller; the cause is kept for logs.
func (o *OpenAI) mapError(parent, cctx context.Context, err error) error {
	if parent.Err() != nil {
		return fmt.Errorf("create hosted session: %w", parent.Err())
	}
	if errors.Is(cctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.UpstreamTimeout(err, "OpenAI did not answer within %s", o.timeout)
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		cause := fmt.Errorf("openai %d %s", apiErr.StatusCode, apiErr.Code)
		switch apiErr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return apperr.Upstream(cause,
				"OpenAI rejected the request (%d): check that OPENAI_API_KEY is valid and may use CHATKIT_WORKFLOW_ID", apiErr.StatusCode)
		case http.StatusNotFound:
			return apperr.Upstream(cause, "OpenAI does not know the workflow: check CHATKIT_WORKFLOW_ID")
		case http.StatusTooManyRequests:
			e := apperr.RateLimited(retryAfter(apiErr.Response))
			e.Message = "OpenAI is rate limiting session creation; retry later"
			e.Err = cause
			return e
		}
		return apperr.Upstream(cause, "OpenAI failed to create the session (%d)", apiErr.StatusCode)
	}
	return apperr.Upstream(err, "OpenAI could not be reached or answered nonsense")
}

func retryAfter(resp *http.Response) time.Duration {
	if resp != nil {
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			return time.Duration(secs) * time.Second
		}
	}
	return 10 * time.Second
}
