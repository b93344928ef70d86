package sessionsvc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

const (
	signingKey = "test-signing-key-0123456789-abcdefghij"
	apiKey     = "sk-test-DO-NOT-LOG-0123456789"
	frontend   = "http://localhost:3000"
)

// logSink collects every log line of a harness.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

type harness struct {
	srv  *httpserver.Server
	app  *fiber.App
	reg  *prometheus.Registry
	cfg  *config.Config
	logs *logSink
}

// newHarness builds exactly what session-service's main builds, from env
// (merged over a base with the signing key set).
func newHarness(t *testing.T, env map[string]string) *harness {
	t.Helper()
	return newHarnessWithLogs(t, env, &logSink{})
}

func newHarnessWithLogs(t *testing.T, env map[string]string, logs *logSink) *harness {
	t.Helper()
	full := map[string]string{"SESSION_SIGNING_KEY": signingKey, "FRONTEND_URL": frontend}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := config.Load(config.MapLookup(full), config.SessionService)
	require.NoError(t, err)
	logger := telemetry.NewLogger(logs, cfg.LogLevel)
	reg := telemetry.NewRegistry()
	// Composed as main composes it.
	composed, err := startup.Compose(context.Background(), startup.Env{Config: cfg, Logger: logger, Registry: reg},
		startup.Options{MetricsOnApp: true}, sessionsvc.Build)
	require.NoError(t, err)
	t.Cleanup(composed.Close)
	srv := composed.Server
	return &harness{srv: srv, app: srv.App, reg: reg, cfg: cfg, logs: logs}
}

type reply struct {
	status  int
	header  http.Header
	cookies []*http.Cookie
	body    []byte
}

func (r reply) session(t *testing.T) sessionsvc.Response {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body %s", r.body)
	var s sessionsvc.Response
	require.NoError(t, json.Unmarshal(r.body, &s))
	return s
}

func (r reply) err(t *testing.T) httpserver.ErrorDetail {
	t.Helper()
	var eb httpserver.ErrorBody
	require.NoError(t, json.Unmarshal(r.body, &eb), "body %s", r.body)
	require.NotEmpty(t, eb.Error.Code, "body %s", r.body)
	return eb.Error
}

func (r reply) cookie(name string) string {
	for _, c := range r.cookies {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

type reqOpt func(*http.Request)

func withCookie(name, value string) reqOpt {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

func (h *harness) post(t *testing.T, body string, opts ...reqOpt) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(http.MethodPost, sessionsvc.PathSessions, rd)
	req.Header.Set("Content-Type", "application/json")
	for _, o := range opts {
		o(req)
	}
	return h.do(t, req)
}

func (h *harness) do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := h.app.Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, cookies: resp.Cookies(), body: b}
}

// fakeOpenAI is an httptest OpenAI that checks the session call the way the
// real API would and answers according to mode.
type fakeOpenAI struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	mode     string // ok, 500, 401, 404, 429, malformed, hang, empty
	requests []map[string]any
	problems []string
	secrets  []string
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	f := &fakeOpenAI{t: t, mode: "ok"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenAI) baseURL() string { return f.srv.URL + "/v1" }

func (f *fakeOpenAI) setMode(m string) {
	f.mu.Lock()
	f.mode = m
	f.mu.Unlock()
}

func (f *fakeOpenAI) problem(format string) {
	f.problems = append(f.problems, format)
}

func (f *fakeOpenAI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	mode := f.mode
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chatkit/sessions" {
		f.problem("unexpected " + r.Method + " " + r.URL.Path)
	}
	if got := r.Header.Get("OpenAI-Beta"); got != "chatkit_beta=v1" {
		f.problem("OpenAI-Beta header is " + got)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+apiKey {
		f.problem("Authorization header is wrong")
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.problem("body is not JSON: " + err.Error())
	}
	f.requests = append(f.requests, body)
	secret := "ek_upstream_secret_" + time.Now().Format("150405.000000000")
	f.secrets = append(f.secrets, secret)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	switch mode {
	case "500":
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":{"message":"upstream exploded: internal detail","type":"server_error"}}`)
	case "401":
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":{"message":"Incorrect API key provided: sk-test-DO-NOT-LOG-0123456789","type":"invalid_request_error","code":"invalid_api_key"}}`)
	case "404":
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"message":"Workflow not found","type":"invalid_request_error"}}`)
	case "429":
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"Rate limit reached","type":"rate_limit_error"}}`)
	case "malformed":
		_, _ = io.WriteString(w, `{"id": "cksess_1", "client_secret": `)
	case "empty":
		_, _ = io.WriteString(w, `{"object":"chatkit.session"}`)
	case "hang":
		<-r.Context().Done()
	default:
		user, _ := body["user"].(string)
		wf, _ := body["workflow"].(map[string]any)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "cksess_fake_1", "object": "chatkit.session", "client_secret": secret,
			"expires_at": 1796000000, "status": "active", "user": user,
			"workflow":                  map[string]any{"id": wf["id"], "version": "3", "state_variables": map[string]any{}, "tracing": map[string]any{"enabled": true}},
			"rate_limits":               map[string]any{"max_requests_per_1_minute": 10},
			"max_requests_per_1_minute": 10,
			"chatkit_configuration": map[string]any{
				"automatic_thread_titling": map[string]any{"enabled": true},
				"file_upload":              map[string]any{"enabled": false, "max_file_size": 512, "max_files": 10},
				"history":                  map[string]any{"enabled": true, "recent_threads": nil},
			},
		})
	}
}

func (f *fakeOpenAI) lastRequest(t *testing.T) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Empty(t, f.problems, "the fake saw a malformed call")
	require.NotEmpty(t, f.requests, "OpenAI was never called")
	return f.requests[len(f.requests)-1]
}

func (f *fakeOpenAI) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeOpenAI) allSecrets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.secrets...)
}
