package topology_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/tests/topology"
)

// The suite starts the topology once (building both services like their
// Dockerfiles, minutes on a cold cache), so `go test work` skips it; `make
// test-topology` runs it.
const suiteEnv = "TOPOLOGY_TESTS"

var (
	topo     *topology.Topology
	startErr error
)

func TestMain(m *testing.M) {
	if os.Getenv(suiteEnv) != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		level := slog.LevelWarn
		if os.Getenv("TOPOLOGY_LOG") != "" {
			level = slog.LevelDebug
		}
		topo, startErr = topology.Start(ctx, topology.Options{
			Repo: repoRoot(), PostgresURL: storagetest.PostgresURL(),
			Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		})
		cancel()
	}
	code := m.Run()
	if topo != nil {
		topo.Close()
	}
	os.Exit(code)
}

// needTopology returns the running topology, skipping without the suite's
// environment variable.
func needTopology(t *testing.T) *topology.Topology {
	t.Helper()
	if os.Getenv(suiteEnv) == "" {
		t.Skipf("starts the whole topology: run with %s=1 (make test-topology)", suiteEnv)
	}
	require.NoError(t, startErr, "start the topology")
	t.Cleanup(func() {
		if n := topo.Model.Pending(); n > 0 {
			topo.Model.ClearScript()
			t.Errorf("%d scripted model answers left unused", n)
		}
		if t.Failed() {
			t.Logf("topology logs:\n%s", topo.Logs())
		}
		require.Empty(t, topo.Model.Errors(), "the services sent the model only valid requests")
	})
	return topo
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// browser is one user agent talking to the ingress: its cookie jar (the
// anonymous identity) and session secret.
type browser struct {
	base   string
	http   *http.Client
	secret string
}

// newBrowser mints a session through the ingress. fresh: no keep-alive
// (a new connection per request; see the rolling restart test).
func newBrowser(t *testing.T, base string, fresh bool) *browser {
	t.Helper()
	b, err := tryBrowser(context.Background(), base, fresh)
	require.NoError(t, err)
	return b
}

func tryBrowser(ctx context.Context, base string, fresh bool) (*browser, error) {
	jar, _ := cookiejar.New(nil)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableKeepAlives = fresh
	// Each browser connects from an address of its own in 127.0.0.0/8, as
	// clients of a real ingress come from many addresses: per-address limits
	// see one client each (the ingress passes it in X-Forwarded-For).
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: clientIP()}, Timeout: 10 * time.Second}
	tr.DialContext = d.DialContext
	b := &browser{base: base, http: &http.Client{Jar: jar, Transport: tr}}
	if err := b.mint(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

var clientSeq atomic.Uint32

// clientIP returns the next client address, 127.1.0.1 onwards.
func clientIP() net.IP {
	n := clientSeq.Add(1)
	return net.IPv4(127, 1+byte(n>>16), byte(n>>8), byte(n))
}

// mint asks the session endpoint for a (new) secret.
func (b *browser) mint(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/api/chatkit/sessions", strings.NewReader("{}"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json") // as the front end sends it
	res, err := b.http.Do(req)
	if err != nil {
		return fmt.Errorf("mint: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("mint: read: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("mint: %d %s", res.StatusCode, body)
	}
	var s struct {
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &s); err != nil || s.ClientSecret == "" {
		return fmt.Errorf("mint: bad body %s: %w", body, err)
	}
	b.secret = s.ClientSecret
	return nil
}

// chatURL is chat-service's ChatKit endpoint at base (the ingress or a pod).
func (b *browser) chat(base string) *chatkittest.Client {
	return &chatkittest.Client{URL: base + "/api/v1/chatkit", Header: http.Header{"Authorization": {"Bearer " + b.secret}}, HTTP: b.http}
}

// do sends one ChatKit request to base and reads the whole answer.
func (b *browser) do(t *testing.T, base string, typ chatkit.RequestType, params any) *chatkittest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := b.chat(base).Do(ctx, chatkittest.Request(typ, params))
	require.NoError(t, err)
	return res
}

// rest sends a REST request with the session secret.
func (b *browser) rest(ctx context.Context, method, path, body string) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+b.secret)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := b.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer func() { _ = res.Body.Close() }()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, data, err
}

// items lists a thread's items oldest first.
func (b *browser) items(t *testing.T, base, threadID string) []chatkit.Item {
	t.Helper()
	res := b.do(t, base, chatkit.ReqItemsList, map[string]any{"thread_id": threadID, "order": "asc", "limit": 100})
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

// threadOf returns the id from a threads.create stream.
func threadOf(t *testing.T, res *chatkittest.Result) string {
	t.Helper()
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	require.NotEmpty(t, res.Events, "body: %s", res.Body)
	tc, ok := res.Events[0].(chatkit.ThreadCreatedEvent)
	require.True(t, ok, "first event is thread.created: %v", res.Types())
	return tc.Thread.ID
}

// completed reports whether a stream finished its turn: an assistant
// message done and no error event.
func completed(res *chatkittest.Result) bool {
	done := false
	for _, ev := range res.Events {
		switch e := ev.(type) {
		case chatkit.ErrorEvent:
			return false
		case chatkit.ThreadItemDoneEvent:
			if _, ok := e.Item.(*chatkit.AssistantMessageItem); ok {
				done = true
			}
		}
	}
	return done
}

// conversation renders items as "u:<text>"/"a:<text>" lines.
func conversation(items []chatkit.Item) []string {
	var out []string
	for _, it := range items {
		switch x := it.(type) {
		case *chatkit.UserMessageItem:
			out = append(out, "u:"+x.Text())
		case *chatkit.AssistantMessageItem:
			out = append(out, "a:"+x.Text())
		}
	}
	return out
}

// eventually polls cond every 100ms until it holds or timeout passes.
func eventually(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// get fetches url (no auth) and returns status and body.
func get(ctx context.Context, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// post sends one ChatKit request to base and reads the whole answer; it
// also returns the pod that answered (the ingress's upstream header).
func (b *browser) post(t *testing.T, base string, typ chatkit.RequestType, params any) (*chatkittest.Result, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resp, err := b.chat(base).Post(ctx, chatkittest.Request(typ, params))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	res := &chatkittest.Result{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: body}
	if strings.HasPrefix(res.ContentType, "text/event-stream") {
		frames, err := chatkittest.ParseSSE(bytes.NewReader(body))
		require.NoError(t, err)
		for _, f := range frames {
			ev, err := chatkit.UnmarshalEvent(f)
			require.NoError(t, err)
			res.Events = append(res.Events, ev)
		}
	}
	return res, resp.Header.Get(topology.UpstreamHeader)
}

// stream posts a ChatKit request to base and reads the whole answer,
// returning it with the pod that served it (the ingress's upstream header).
func (b *browser) stream(ctx context.Context, base string, body []byte) (*chatkittest.Result, string, error) {
	resp, err := b.chat(base).Post(ctx, body)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	pod := resp.Header.Get(topology.UpstreamHeader)
	data, err := io.ReadAll(resp.Body)
	res := &chatkittest.Result{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: data}
	if err != nil {
		return res, pod, err
	}
	if strings.HasPrefix(res.ContentType, "text/event-stream") {
		frames, err := chatkittest.ParseSSE(bytes.NewReader(data))
		if err != nil {
			return res, pod, err
		}
		for _, f := range frames {
			ev, err := chatkit.UnmarshalEvent(f)
			if err != nil {
				return res, pod, err
			}
			res.Events = append(res.Events, ev)
		}
	}
	return res, pod, nil
}

// parseStream decodes SSE text (whole events) into a result.
func parseStream(text string) (*chatkittest.Result, error) {
	frames, err := chatkittest.ParseSSE(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	res := &chatkittest.Result{Status: http.StatusOK, Body: []byte(text)}
	for _, f := range frames {
		ev, err := chatkit.UnmarshalEvent(f)
		if err != nil {
			return nil, err
		}
		res.Events = append(res.Events, ev)
	}
	return res, nil
}
