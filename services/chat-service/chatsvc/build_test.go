package chatsvc_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/services/chat-service/chatsvc"
)

const signingKey = "0123456789abcdef0123456789abcdef0123456789abcdef"

func testConfig(t *testing.T, dir string) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.MapLookup(map[string]string{
		"DATABASE_URL":        "sqlite://" + filepath.Join(dir, "chat.db"),
		"DATA_DIR":            dir,
		"SESSION_SIGNING_KEY": signingKey,
		"FRONTEND_URL":        "http://localhost:3000",
	}), config.ChatService)
	require.NoError(t, err)
	return cfg
}

// serve builds chat-service exactly as main does and serves it on
// 127.0.0.1:0; stop shuts it down and closes the store.
func serve(t *testing.T, cfg *config.Config, extra ...storage.Option) (url string, stop func()) {
	t.Helper()
	composed, err := startup.Compose(context.Background(), startup.Env{Config: cfg, Logger: slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(), TracerProvider: noop.NewTracerProvider()},
		startup.Options{MetricsOnApp: true}, chatsvc.BuildWith(extra...))
	require.NoError(t, err)
	app, cleanup := composed.Server.App, composed.Close
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = app.ShutdownWithTimeout(5 * time.Second)
		cleanup()
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

func mint(t *testing.T, user string, now func() time.Time) string {
	t.Helper()
	s, err := auth.NewSigner([]byte(signingKey), 10*time.Minute, now)
	require.NoError(t, err)
	tok, err := s.Mint(user)
	require.NoError(t, err)
	return tok.Secret
}

func client(url, token string) *chatkittest.Client {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return &chatkittest.Client{URL: url + chatsvc.ChatKitPath, Header: h}
}

func TestRestartKeepsThreads(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	url, stop := serve(t, cfg)
	c := client(url, mint(t, "alice", time.Now))
	ctx := context.Background()
	res, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add a task to buy milk tomorrow")}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.Equal(t, "thread.created", res.Types()[0])
	threadID := res.Events[0].(chatkit.ThreadCreatedEvent).Thread.ID
	before, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, before.Status)
	stop()

	// A new process on the same SQLite file.
	url, _ = serve(t, testConfig(t, dir))
	c = client(url, mint(t, "alice", time.Now))
	after, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, after.Status, "%s", after.Body)
	assert.JSONEq(t, string(before.Body), string(after.Body))
	var th chatkit.Thread
	require.NoError(t, json.Unmarshal(after.Body, &th))
	require.GreaterOrEqual(t, len(th.Items.Data), 2)
	assert.Equal(t, "add a task to buy milk tomorrow", th.Items.Data[0].(*chatkit.UserMessageItem).Text())
	assert.NotEmpty(t, th.Title)

	// The next turn works on the restarted service.
	res, err = c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("show my tasks")}))
	require.NoError(t, err)
	assert.Equal(t, []string{"thread.item.done", "stream_options"}, res.Types()[:2])
	assert.NotContains(t, res.Types(), "error")
}

func TestAuthentication(t *testing.T) {
	url, _ := serve(t, testConfig(t, t.TempDir()))
	body := chatkittest.Request(chatkit.ReqThreadsList, map[string]any{})
	expired := mint(t, "alice", func() time.Time { return time.Now().Add(-time.Hour) })
	otherKey, err := auth.NewSigner([]byte(strings.Repeat("k", 40)), time.Minute, time.Now)
	require.NoError(t, err)
	forged, err := otherKey.Mint("alice")
	require.NoError(t, err)
	for name, token := range map[string]string{"missing": "", "garbage": "not-a-token", "expired": expired, "wrong key": forged.Secret} {
		t.Run(name, func(t *testing.T) {
			res, err := client(url, token).Do(context.Background(), body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusUnauthorized, res.Status)
			var e httpserver.ErrorBody
			require.NoError(t, json.Unmarshal(res.Body, &e), "%s", res.Body)
			assert.Equal(t, "unauthorized", e.Error.Code)
			if token != "" {
				assert.NotContains(t, string(res.Body), token)
			}
		})
	}
	res, err := client(url, mint(t, "alice", time.Now)).Do(context.Background(), body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.Status)
	assert.JSONEq(t, `{"data":[],"has_more":false}`, string(res.Body))
}
