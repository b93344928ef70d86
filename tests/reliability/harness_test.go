package reliability_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
	"github.com/taskpilotai/taskpilot/services/chat-service/chatsvc"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

const (
	signingKey = "reliability-signing-key-0123456789abcdef0123456789"
	openAIKey  = "sk-reliability-0123456789abcdef"
)

// app is the all-in-one application composed in process exactly as
// cmd/taskpilot composes it (startup.Compose of sessionsvc.Build and
// chatsvc.Build), served on a 127.0.0.1 port by its RunListener.
type app struct {
	URL string
	Reg *prometheus.Registry
	// Stop cancels the run context (as SIGTERM does) and waits for the
	// graceful shutdown; it returns RunListener's error.
	Stop func() error
}

// baseEnv is the configuration every in-process app starts from.
func baseEnv(t *testing.T) map[string]string {
	dir := t.TempDir()
	return map[string]string{
		"DATABASE_URL":          "sqlite://" + filepath.Join(dir, "taskpilot.db"),
		"DATA_DIR":              dir,
		"STATIC_DIR":            filepath.Join(dir, "no-frontend"),
		"SESSION_SIGNING_KEY":   signingKey,
		"RATE_LIMIT_PER_MINUTE": "0",
		// The abuse limits are off here (these tests send many turns from
		// one address); abuse_limits_test.go turns them on.
		"CHAT_TURNS_PER_MINUTE":        "0",
		"CHAT_STREAMS_PER_USER":        "0",
		"CHAT_TURNS_PER_IP_PER_MINUTE": "0",
		"SESSIONS_PER_IP_PER_MINUTE":   "0",
		"API_REQUESTS_PER_MINUTE":      "0",
		"SHUTDOWN_DRAIN_DELAY":         "0s",
		"SHUTDOWN_TIMEOUT":             "10s",
	}
}

// startApp composes and serves the all-in-one app with env (on top of
// baseEnv when base is true).
func startApp(t *testing.T, env map[string]string) *app {
	t.Helper()
	full := baseEnv(t)
	for k, v := range env {
		full[k] = v
	}
	cfg, err := config.Load(config.MapLookup(full), config.AllInOne)
	require.NoError(t, err)
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("RELIABILITY_LOG") != "" {
		logger = telemetry.NewLogger(os.Stderr, slog.LevelInfo)
	}
	reg := telemetry.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	tp := noop.NewTracerProvider()

	composed, err := startup.Compose(ctx, startup.Env{Config: cfg, Logger: logger, Registry: reg, TracerProvider: tp},
		startup.Options{BodyLimit: 8 << 20, MetricsOnApp: true}, sessionsvc.Build, chatsvc.Build)
	require.NoError(t, err)
	fa := composed.Server

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- fa.RunListener(ctx, ln, cfg.DrainDelay, cfg.ShutdownTimeout) }()
	var stopped bool
	var runErr error
	stop := func() error {
		if stopped {
			return runErr
		}
		stopped = true
		cancel()
		runErr = <-done
		composed.Close()
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return &app{URL: "http://" + ln.Addr().String(), Reg: reg, Stop: stop}
}

// user is one browser: its tp_uid cookie and its session secret.
type user struct {
	Secret string
	HTTP   *http.Client
	base   string
}

// newUser asks the session endpoint for a secret, as the browser does.
func newUser(t *testing.T, base string) *user {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	u := &user{HTTP: &http.Client{Jar: jar}, base: base}
	resp, err := u.HTTP.Post(base+sessionsvc.PathSessions, "application/json", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var s sessionsvc.Response
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	require.NotEmpty(t, s.ClientSecret)
	u.Secret = s.ClientSecret
	return u
}

// chat is a ChatKit client for u.
func (u *user) chat() *chatkittest.Client {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+u.Secret)
	return &chatkittest.Client{URL: u.base + chatsvc.ChatKitPath, Header: h, HTTP: &http.Client{}}
}

// do sends one ChatKit request and reads the whole answer.
func (u *user) do(t *testing.T, typ chatkit.RequestType, params any) *chatkittest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := u.chat().Do(ctx, chatkittest.Request(typ, params))
	require.NoError(t, err)
	return res
}

// items lists a thread's visible items, oldest first.
func (u *user) items(t *testing.T, threadID string) []chatkit.Item {
	t.Helper()
	res := u.do(t, chatkit.ReqItemsList, map[string]any{"thread_id": threadID, "order": "asc", "limit": 100})
	require.Equal(t, http.StatusOK, res.Status, "items.list: %s", res.Body)
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &page))
	out := make([]chatkit.Item, 0, len(page.Data))
	for _, raw := range page.Data {
		it, err := chatkit.UnmarshalItem(raw)
		require.NoError(t, err)
		out = append(out, it)
	}
	return out
}

func itemTypes(items []chatkit.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ItemType()
	}
	return out
}

// threadID returns the id from a threads.create stream's first event.
func threadID(t *testing.T, res *chatkittest.Result) string {
	t.Helper()
	require.NotEmpty(t, res.Events, "body: %s", res.Body)
	tc, ok := res.Events[0].(chatkit.ThreadCreatedEvent)
	require.True(t, ok, "first event is thread.created: %v", res.Types())
	return tc.Thread.ID
}

// lastError returns the stream's error event when the stream ends with
// one: an error event followed by nothing but thread.updated (the server
// still saves a derived title after a failed first turn).
func lastError(res *chatkittest.Result) (chatkit.ErrorEvent, bool) {
	for i := len(res.Events) - 1; i >= 0; i-- {
		switch ev := res.Events[i].(type) {
		case chatkit.ErrorEvent:
			return ev, true
		case chatkit.ThreadUpdatedEvent:
			continue
		}
		break
	}
	return chatkit.ErrorEvent{}, false
}

// assistantText joins the text of the completed assistant messages.
func assistantText(events []chatkit.Event) string {
	var parts []string
	for _, ev := range events {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if am, ok := d.Item.(*chatkit.AssistantMessageItem); ok {
				parts = append(parts, am.Text())
			}
		}
	}
	return strings.Join(parts, "\n")
}

// readFrames reads n SSE data frames from r.
func readFrames(t *testing.T, r *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		line, err := r.ReadString('\n')
		require.NoError(t, err, "after %d frames: %v", len(out), out)
		if strings.HasPrefix(line, "data: ") {
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, "data: ")))
		}
	}
	return out
}

// metric returns the text of /metrics.
func metrics(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// eventually polls cond every 50ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s: %s", timeout, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// streamResult is what one client read from a turn's stream.
type streamResult struct {
	status  int
	res     *chatkittest.Result
	readErr error // reading the body failed (connection cut)
	parse   error // the SSE framing was broken
}

// openStream starts a threads.create turn and reports when its first frame
// arrived; the result is sent on out when the stream ends.
func openStream(ctx context.Context, c *chatkittest.Client, text string, opened chan<- struct{}, out chan<- streamResult) {
	resp, err := c.Post(ctx, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(text)}))
	if err != nil {
		opened <- struct{}{}
		out <- streamResult{readErr: err}
		return
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	_, _ = r.Peek(1) // the first byte of the first frame
	opened <- struct{}{}
	data, err := io.ReadAll(r)
	sr := streamResult{status: resp.StatusCode, readErr: err, res: &chatkittest.Result{Status: resp.StatusCode, Body: data}}
	frames, perr := chatkittest.ParseSSE(bytesReader(data))
	sr.parse = perr
	for _, f := range frames {
		ev, err := chatkit.UnmarshalEvent(f)
		if err != nil {
			sr.parse = err
			break
		}
		sr.res.Events = append(sr.res.Events, ev)
	}
	out <- sr
}

// completed reports whether a stream that was read to its end answered:
// no error event, and an assistant message completed. (A ChatKit stream
// has no terminal event; a cut stream shows as a read error.)
func completed(res *chatkittest.Result) bool {
	if _, failed := lastError(res); failed {
		return false
	}
	for _, ev := range res.Events {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if _, ok := d.Item.(*chatkit.AssistantMessageItem); ok {
				return true
			}
		}
	}
	return false
}

// get fetches url and returns the status.
func get(url string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
