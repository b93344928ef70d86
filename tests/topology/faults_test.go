package topology_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/tests/reliability"
	"github.com/taskpilotai/taskpilot/tests/topology"
)

// Case 4: kill -9 of the chat-service replica serving a stream, mid-turn.
// The client's stream ends without the turn completing; the next requests
// succeed through the ingress with no client retry (nginx's
// proxy_next_upstream moves a request whose connection to the dead pod is
// refused to the survivor: its upstream header lists both attempts); the
// thread is consistent: the user message is kept and no half-written
// assistant item is visible.
func TestKill9ChatServiceMidStream(t *testing.T) {
	tp := needTopology(t)
	ctx := context.Background()
	b := newBrowser(t, tp.IngressURL, false)
	first := b.do(t, tp.IngressURL, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")})
	thread := threadOf(t, first)

	tp.Model.Enqueue(topology.ModelTurn{
		Step:  fakeopenai.Reply("This ", "answer ", "is ", "cut ", "short ", "by ", "a ", "crash ", "of ", "the ", "pod."),
		Fault: reliability.Fault{Delay: 400 * time.Millisecond},
	})
	streamCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := b.chat(tp.IngressURL).Post(streamCtx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
		map[string]any{"thread_id": thread, "input": chatkittest.Input("tell me a long story")}))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	served := resp.Header.Get(topology.UpstreamHeader)
	var victim *topology.Pod
	for _, p := range tp.Pods("chat-service") {
		if p.Spec.HTTPAddr == served {
			victim = p
		}
	}
	require.NotNil(t, victim, "the stream's pod (%s) is a chat-service pod", served)

	// Read until the first text delta, then kill the pod.
	r := bufio.NewReader(resp.Body)
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.Contains(line, "text_delta") {
			break
		}
	}
	require.NoError(t, tp.Kill(victim))
	rest, readErr := io.ReadAll(r)
	assert.Error(t, readErr, "the stream ends cut (no clean end after a crash)")
	// What arrived after the first delta: whole events, none completing
	// the reply.
	if cut := strings.LastIndex(string(rest), "\n\n"); cut >= 0 {
		res, err := parseStream(strings.TrimLeft(string(rest[:cut+2]), "\n"))
		require.NoError(t, err)
		assert.False(t, completed(res), "the turn did not complete: %v", res.Types())
	}

	// The next requests, at once: each succeeds at the first attempt.
	retried := 0
	for i := range 4 {
		code, hdr, body, err := b.rest(ctx, http.MethodGet, "/api/v1/tasks", "")
		require.NoError(t, err, "request %d", i)
		assert.Equal(t, http.StatusOK, code, "request %d: %s", i, body)
		if strings.Contains(hdr.Get(topology.UpstreamHeader), ",") {
			retried++ // "dead:port, survivor:port": nginx moved it on
		}
	}
	assert.Positive(t, retried, "round robin sent a request to the dead pod and nginx retried it on the survivor")
	turn := b.do(t, tp.IngressURL, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": thread, "input": chatkittest.Input("are you there?")})
	assert.Equal(t, http.StatusOK, turn.Status)
	assert.True(t, completed(turn), "a turn on the same thread completes on the survivor: %s", turn.Body)

	conv := conversation(b.items(t, tp.IngressURL, thread))
	assert.Equal(t, []string{"u:hello", "a:Noted.", "u:tell me a long story", "u:are you there?", "a:Noted."}, conv,
		"the cut turn's user message is kept and no partial assistant item is visible")

	// The kubelet restarts the container; it rejoins.
	require.NoError(t, tp.Restart(ctx, victim))
	require.NoError(t, tp.WaitReady(ctx, "chat-service", time.Minute))
}

// loadStats counts the outcomes of the steady load.
type loadStats struct {
	spans                    []streamSpan
	mints, mintFails         atomic.Int64
	rest, restFails          atomic.Int64
	streams, streamsOK       atomic.Int64
	streamsCleanErr, streamX atomic.Int64
	mu                       sync.Mutex
	failures                 []string
}

// streamSpan is one stream of the load: when it ran and which pod served it.
type streamSpan struct {
	pod        string
	start, end time.Time
}

func (s *loadStats) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) < 20 {
		s.failures = append(s.failures, fmt.Sprintf(format, args...))
	}
}

// steadyLoad runs session mints, REST reads and writes and chat turns
// through the ingress until ctx ends (each worker paced, so the load is
// steady and bounded). Each request uses a new connection: a reload of the
// local nginx (how endpoint changes reach it here; ingress-nginx applies
// them without one) closes idle client connections.
func steadyLoad(ctx context.Context, t *testing.T, base string, s *loadStats) *sync.WaitGroup {
	var wg sync.WaitGroup
	pace := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
			return true
		}
	}
	// Session mints: a new browser each time.
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pace() {
				s.mints.Add(1)
				if _, err := tryBrowser(context.WithoutCancel(ctx), base, true); err != nil {
					s.mintFails.Add(1)
					s.fail("mint: %v", err)
				}
			}
		}()
	}
	// Non-streaming requests: list and create tasks. Each worker is one
	// user at a time, replaced every 200 requests: at 20 requests a second
	// one user would spend API_REQUESTS_PER_MINUTE (600, refilled at 10 a
	// second) within a minute, and this is load from many people.
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b *browser
			for i := 0; pace(); i++ {
				if b == nil || i%200 == 0 {
					nb, err := tryBrowser(context.WithoutCancel(ctx), base, true)
					if err != nil {
						s.restFails.Add(1)
						s.fail("rest: mint: %v", err)
						continue
					}
					b = nb
				}
				method, body := http.MethodGet, ""
				if i%2 == 1 {
					method, body = http.MethodPost, `{"title":"load `+strconv.Itoa(w)+"-"+strconv.Itoa(i)+`"}`
				}
				s.rest.Add(1)
				code, _, data, err := b.rest(context.WithoutCancel(ctx), method, "/api/v1/tasks", body)
				if err != nil || code >= 300 {
					s.restFails.Add(1)
					s.fail("%s /api/v1/tasks: %d %v %s", method, code, err, data)
				}
			}
		}()
	}
	// Streams: chat turns, three at a time.
	for range 3 {
		wg.Add(1)
		go streamLoad(ctx, base, s, &wg, pace)
	}
	return &wg
}

// streamLoad runs chat turns, each from a new user, until pace says stop.
func streamLoad(ctx context.Context, base string, s *loadStats, wg *sync.WaitGroup, pace func() bool) {
	defer wg.Done()
	for i := 0; pace(); i++ {
		s.streams.Add(1)
		// Many users, as in production (one user's turns are rate-limited).
		u, err := tryBrowser(context.WithoutCancel(ctx), base, true)
		if err != nil {
			s.streamX.Add(1)
			s.fail("stream: mint: %v", err)
			continue
		}
		start := time.Now()
		res, pod, err := u.stream(context.WithoutCancel(ctx), base, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("load " + strconv.Itoa(i))}))
		s.mu.Lock()
		s.spans = append(s.spans, streamSpan{pod: pod, start: start, end: time.Now()})
		s.mu.Unlock()
		switch {
		case err == nil && completed(res):
			s.streamsOK.Add(1)
		case err == nil && res.Status == http.StatusOK && endsWithError(res):
			s.streamsCleanErr.Add(1)
		default:
			s.streamX.Add(1)
			var status int
			var body []byte
			if res != nil {
				status, body = res.Status, res.Body
			}
			s.fail("stream: %v %d %s", err, status, body)
		}
	}
}

// endsWithError reports whether a stream ended with a well-formed error
// event (followed by nothing but thread metadata).
func endsWithError(res *chatkittest.Result) bool {
	for i := len(res.Events) - 1; i >= 0; i-- {
		switch res.Events[i].(type) {
		case chatkit.ErrorEvent:
			return true
		case chatkit.ThreadUpdatedEvent:
			continue
		}
		return false
	}
	return false
}

// Case 5: a rolling restart of each service under steady load, as the
// Deployment's RollingUpdate does it (a new pod ready first, then an old
// one gets SIGTERM, leaves the endpoints, drains for the chart's delay and
// exits within its grace period): no session mint and no non-streaming
// request fails; every stream completes or ends with a clean error event.
func TestRollingRestartUnderLoad(t *testing.T) {
	tp := needTopology(t)
	require.Positive(t, tp.DrainDelay, "the chart gives the pods a drain delay")
	// Turns take about a second (each model event 80ms late), so streams
	// are open on a pod when it gets SIGTERM.
	tp.Model.SetDefault(topology.ModelTurn{Step: fakeopenai.Reply("Noted", "."), Fault: reliability.Fault{Delay: 80 * time.Millisecond}})
	defer tp.Model.SetDefault(topology.ModelTurn{Step: fakeopenai.Reply("Noted", ".")})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var s loadStats
	wg := steadyLoad(ctx, t, tp.IngressURL, &s)
	// Just before each chat-service pod gets SIGTERM, a stream opens on it
	// (straight to the pod, as the ingress did for the load's streams until
	// a moment ago) and is read up to its first text delta: it is mid-turn
	// when the pod is told to stop, and must complete.
	var draining []chan error
	chatPods := len(tp.Pods("chat-service"))
	hook := func(old *topology.Pod) {
		if old.Component != "chat-service" {
			return
		}
		done := make(chan error, 1)
		draining = append(draining, done)
		u := newBrowser(t, tp.IngressURL, true)
		opened := make(chan struct{})
		go func() {
			resp, err := u.chat(old.URL).Post(context.Background(), chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("mid-drain")}))
			if err != nil {
				close(opened)
				done <- err
				return
			}
			defer func() { _ = resp.Body.Close() }()
			r := bufio.NewReader(resp.Body)
			signalled := false
			var all strings.Builder
			for {
				line, err := r.ReadString('\n')
				all.WriteString(line)
				if !signalled && strings.Contains(line, "text_delta") {
					close(opened)
					signalled = true
				}
				if err != nil {
					if !signalled {
						close(opened)
					}
					if !errors.Is(err, io.EOF) {
						done <- fmt.Errorf("stream on %s cut: %w", old.Name, err)
						return
					}
					break
				}
			}
			if res, err := parseStream(all.String()); err != nil || !completed(res) {
				done <- fmt.Errorf("stream on %s ended without its reply (%w): %s", old.Name, err, all.String())
				return
			}
			done <- nil
		}()
		<-opened
	}
	for _, comp := range []string{"session-service", "chat-service"} {
		before := tp.Pods(comp)
		require.NoError(t, tp.RollingRestartWith(context.Background(), comp, hook), "old pods exit 0 within the grace period")
		after := tp.Pods(comp)
		require.Len(t, after, len(before))
		for _, p := range after {
			for _, old := range before {
				assert.NotEqual(t, old.Name, p.Name, "every %s pod was replaced", comp)
			}
		}
	}
	time.Sleep(time.Second) // load on the new pods alone
	stop()
	wg.Wait()
	t.Logf("mints %d (failed %d), REST %d (failed %d), streams %d (completed %d, clean error %d, broken %d)",
		s.mints.Load(), s.mintFails.Load(), s.rest.Load(), s.restFails.Load(), s.streams.Load(), s.streamsOK.Load(), s.streamsCleanErr.Load(), s.streamX.Load())
	assert.Positive(t, s.mints.Load())
	assert.Positive(t, s.rest.Load())
	assert.Positive(t, s.streams.Load())
	assert.Zero(t, s.mintFails.Load(), "failed session mints: %v", s.failures)
	assert.Zero(t, s.restFails.Load(), "failed non-streaming requests: %v", s.failures)
	assert.Zero(t, s.streamX.Load(), "streams neither completed nor ended with an error event: %v", s.failures)
	require.Len(t, draining, chatPods, "a stream was open on each chat-service pod at its SIGTERM")
	for _, done := range draining {
		assert.NoError(t, <-done, "a stream open at SIGTERM completes during the drain")
	}
	// The load's own streams that were open on a pod at its SIGTERM.
	drained := 0
	for _, term := range tp.Terminations() {
		for _, sp := range s.spans {
			if term.Component == "chat-service" && sp.pod == term.Addr && sp.start.Before(term.At) && sp.end.After(term.At) {
				drained++
			}
		}
	}
	t.Logf("%d of the load's streams were open on a chat-service pod when it got SIGTERM", drained)
	require.NoError(t, tp.WaitReady(context.Background(), "", time.Minute))
}

// Case 6a: Redis stopped and started. Rate limiting fails open as the
// README says (a Redis outage does not take session minting down: requests
// keep succeeding), and the per-user limit (RATE_LIMIT_PER_MINUTE from the
// chart) is enforced again once Redis is back.
func TestRedisOutageRateLimitFailsOpenAndRecovers(t *testing.T) {
	tp := needTopology(t)
	ctx := context.Background()
	limit, err := strconv.Atoi(tp.Pods("session-service")[0].Spec.Env["RATE_LIMIT_PER_MINUTE"])
	require.NoError(t, err)
	require.Positive(t, limit, "the chart turns the limit on")

	tp.StopRedis()
	redisUp := false
	defer func() {
		if !redisUp {
			_ = tp.StartRedis(ctx)
		}
	}()
	b := newBrowser(t, tp.IngressURL, false)
	for i := range limit + 5 {
		require.NoError(t, b.mint(ctx), "mint %d with Redis down (fails open)", i)
	}
	require.NoError(t, tp.StartRedis(ctx))
	redisUp = true

	var limited error
	eventually(t, 30*time.Second, func() error {
		err := b.mint(ctx)
		if err != nil && strings.Contains(err.Error(), "429") {
			limited = err
			return nil
		}
		return fmt.Errorf("not limited yet (last: %w)", err)
	})
	assert.Contains(t, limited.Error(), "rate_limited")
	// Another browser is not limited.
	newBrowser(t, tp.IngressURL, false)
}

// Case 6b: PostgreSQL restarted (every connection cut and refused, then
// accepted again, through the relay). Readiness drops on both
// chat-service replicas and recovers. Before readiness catches up the
// replicas answer 503 themselves; once they are out of the endpoints the
// ingress answers 503 (no ready endpoint); never a 500. Afterwards
// requests and turns succeed again.
func TestPostgresRestartReadinessDropsAndRecovers(t *testing.T) {
	tp := needTopology(t)
	ctx := context.Background()
	b := newBrowser(t, tp.IngressURL, false)
	code, _, _, err := b.rest(ctx, http.MethodGet, "/api/v1/tasks", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)

	tp.Postgres.Cut()
	restored := false
	defer func() {
		if !restored {
			tp.Postgres.Restore()
		}
	}()
	// Until readiness takes the replicas out (the chart's probe period
	// times its failure threshold), requests still reach them: they must
	// answer 503 (store unavailable), not 500. Paced at 10 a second.
	window := map[int]int{}
	for _, p := range tp.Pods("chat-service") {
		eventually(t, 30*time.Second, func() error {
			code, _, err := get(ctx, p.URL+"/readyz")
			if err == nil && code == http.StatusServiceUnavailable {
				return nil
			}
			return fmt.Errorf("%s /readyz: %d %w", p.Name, code, err)
		})
	}
	for len(tp.Ready("chat-service")) > 0 {
		code, _, _, err := b.rest(ctx, http.MethodGet, "/api/v1/tasks", "")
		require.NoError(t, err)
		window[code]++
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("while readiness caught up: %v", window)
	for code, n := range window {
		assert.Equal(t, http.StatusServiceUnavailable, code, "%d answers %d before readiness caught up: the store outage is a 503, not a 500", n, code)
	}
	require.NoError(t, tp.WaitNotReady(ctx, "chat-service", time.Minute), "both replicas leave the endpoints")
	statuses := map[int]int{}
	for range 20 {
		code, _, _, err := b.rest(ctx, http.MethodGet, "/api/v1/tasks", "")
		require.NoError(t, err)
		statuses[code]++
	}
	tp.Postgres.Restore()
	restored = true
	require.NoError(t, tp.WaitReady(ctx, "chat-service", time.Minute), "both replicas ready again")
	assert.Equal(t, map[int]int{http.StatusServiceUnavailable: 20}, statuses, "during the outage: 503 from the ingress, no 500s")
	eventually(t, 30*time.Second, func() error {
		code, _, body, err := b.rest(ctx, http.MethodGet, "/api/v1/tasks", "")
		if err != nil || code != http.StatusOK {
			return errors.Join(err, fmt.Errorf("%d %s", code, body))
		}
		return nil
	})
	res := b.do(t, tp.IngressURL, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("back again")})
	assert.True(t, completed(res), "a turn works after the restart: %s", res.Body)
}
