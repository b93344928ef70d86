//go:build faults

package reliability_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/tests/reliability"
)

// outcomes counts request outcomes by a label ("200", "503", "stream
// error event", "connection error", ...).
type outcomes struct {
	mu sync.Mutex
	m  map[string]int
}

func (o *outcomes) add(label string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[string]int{}
	}
	o.m[label]++
}

func (o *outcomes) snapshot() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := map[string]int{}
	for k, v := range o.m {
		out[k] = v
	}
	return out
}

func (o *outcomes) String() string {
	s := o.snapshot()
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s×%d ", k, s[k])
	}
	return strings.TrimSpace(b.String())
}

// TestFaultPostgresOutageUnderLoad runs the composed app on PostgreSQL through a
// TCP proxy and cuts the proxy (every connection reset, new ones refused)
// while clients keep sending REST and chat requests, then restores it. The
// machine's shared PostgreSQL server is never touched. /readyz drops to
// 503 and comes back; requests during the outage get 503 or a clear error
// (never a 500 storm, never a cut stream); afterwards everything works.
func TestFaultPostgresOutageUnderLoad(t *testing.T) {
	t.Parallel()
	schema := storagetest.NewPostgresSchema(t)
	pgURL, err := url.Parse(storagetest.PostgresURL())
	require.NoError(t, err)
	proxy, err := reliability.NewTCPProxy(t.Context(), pgURL.Host)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	pgURL.Host = proxy.Addr
	q := pgURL.Query()
	q.Set("search_path", schema)
	q.Set("connect_timeout", "2")
	pgURL.RawQuery = q.Encode()
	a := startApp(t, map[string]string{"DATABASE_URL": pgURL.String()})
	users := []*user{newUser(t, a.URL), newUser(t, a.URL), newUser(t, a.URL)}

	var phase struct {
		sync.Mutex
		cur *outcomes
	}
	record := func(label string) {
		phase.Lock()
		o := phase.cur
		phase.Unlock()
		o.add(label)
	}
	setPhase := func(o *outcomes) {
		phase.Lock()
		phase.cur = o
		phase.Unlock()
	}
	before, during, after := &outcomes{}, &outcomes{}, &outcomes{}
	setPhase(before)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Add(2)
		go func() { defer wg.Done(); restLoad(ctx, u, i, record) }()
		go func() { defer wg.Done(); chatLoad(ctx, u, i, record) }()
	}
	ready := func() int { s, _ := get(a.URL + "/readyz"); return s }

	time.Sleep(1500 * time.Millisecond)
	setPhase(during)
	proxy.Cut()
	eventually(t, 15*time.Second, func() bool { return ready() == http.StatusServiceUnavailable }, "/readyz drops to 503")
	time.Sleep(3 * time.Second)
	proxy.Restore()
	eventually(t, 30*time.Second, func() bool { return ready() == http.StatusOK }, "/readyz recovers")
	// Pooled connections broken by the cut are discarded on first use;
	// give the pool a moment, then measure.
	time.Sleep(1 * time.Second)
	setPhase(after)
	time.Sleep(2 * time.Second)
	stop()
	wg.Wait()

	t.Logf("before the outage: %s", before)
	t.Logf("during the outage: %s", during)
	t.Logf("after the outage:  %s", after)
	for label := range before.snapshot() {
		assert.True(t, strings.HasPrefix(label, "ok"), "before: %s", label)
	}
	for label, n := range during.snapshot() {
		assert.False(t, strings.HasPrefix(label, "500"), "during the outage: %d× %s (a 500 storm)", n, label)
		assert.False(t, strings.Contains(label, "cut"), "during the outage: %d× %s", n, label)
	}
	for label := range after.snapshot() {
		assert.True(t, strings.HasPrefix(label, "ok"), "after recovery: %s", label)
	}
	assert.NotEmpty(t, after.snapshot(), "requests were served after recovery")
	assert.NotRegexp(t, `taskpilot_http_requests_total\{[^}]*status="5\d\d"[^}]*\} [1-9]`, requestTotals(t, a.URL),
		"no 5xx other than 503")
}

// restLoad creates and lists tasks until ctx ends, recording outcomes.
func restLoad(ctx context.Context, u *user, n int, record func(string)) {
	for i := 0; ctx.Err() == nil; i++ {
		var req *http.Request
		if i%2 == 0 {
			body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("pg task %d-%d", n, i)})
			req, _ = http.NewRequestWithContext(ctx, http.MethodPost, u.base+"/api/v1/tasks", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req, _ = http.NewRequestWithContext(ctx, http.MethodGet, u.base+"/api/v1/tasks?limit=10", nil)
		}
		req.Header.Set("Authorization", "Bearer "+u.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				record("connection error " + req.Method)
			}
			continue
		}
		var body struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		_ = resp.Body.Close()
		switch {
		case resp.StatusCode < 300:
			record("ok " + req.Method + " tasks")
		default:
			record(fmt.Sprintf("%d %s tasks (%s)", resp.StatusCode, req.Method, body.Error.Code))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// chatLoad runs turns (a new thread each time) until ctx ends.
func chatLoad(ctx context.Context, u *user, n int, record func(string)) {
	c := u.chat()
	for i := 0; ctx.Err() == nil; i++ {
		res, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate,
			map[string]any{"input": chatkittest.Input(fmt.Sprintf("add a task to call %d-%d", n, i))}))
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			record("stream cut: " + err.Error())
		case res.Status != http.StatusOK:
			var body struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			_ = json.Unmarshal(res.Body, &body)
			record(fmt.Sprintf("%d chat (%s)", res.Status, body.Error.Code))
		case completed(res):
			record("ok chat turn")
		default:
			if ev, ok := lastError(res); ok {
				record(fmt.Sprintf("chat error event (%s, allow_retry %v)", ev.Code, ev.AllowRetry))
			} else {
				record(fmt.Sprintf("stream cut without a final event: %v", res.Types()))
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requestTotals returns the taskpilot_http_requests_total lines of
// /metrics other than 503s and probes.
func requestTotals(t *testing.T, base string) string {
	var out []string
	for _, line := range strings.Split(metrics(t, base), "\n") {
		if strings.HasPrefix(line, "taskpilot_http_requests_total{") && !strings.Contains(line, `status="503"`) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
