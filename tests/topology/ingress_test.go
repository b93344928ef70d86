package topology_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent"
	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/tests/reliability"
	"github.com/taskpilotai/taskpilot/tests/topology"
)

// The local ingress is the chart's Ingress: every path reaches the Service
// the Ingress names (Prefix paths match whole segments), and every
// ingress-nginx annotation is in the generated nginx.conf as its directive.
// The SSE annotations are there and sufficient: no proxy buffering, a read
// timeout above the longest turn the OpenAI agent can take, HTTP/1.1 with
// keep-alive connections to the upstreams.
func TestIngressFollowsTheChart(t *testing.T) {
	tp := needTopology(t)
	ctx := context.Background()
	require.NotEmpty(t, tp.Routes)
	var catchAll string
	for _, r := range tp.Routes {
		if r.Path == "/" && r.Prefix {
			catchAll = r.Service
		}
	}
	for _, r := range tp.Routes {
		probes := []string{r.Path}
		if r.Prefix && r.Path != "/" {
			probes = append(probes, strings.TrimRight(r.Path, "/")+"/topology-probe")
		}
		for _, p := range probes {
			res, err := http.Get(tp.IngressURL + p)
			require.NoError(t, err)
			_ = res.Body.Close()
			assert.Equal(t, r.Service, res.Header.Get(topology.BackendHeader), "GET %s reaches the Ingress's backend", p)
		}
		if r.Prefix && r.Path != "/" && catchAll != "" {
			// Whole segments: /api/chatkitx is not under /api/chatkit.
			res, err := http.Get(tp.IngressURL + strings.TrimRight(r.Path, "/") + "x")
			require.NoError(t, err)
			_ = res.Body.Close()
			assert.Equal(t, catchAll, res.Header.Get(topology.BackendHeader), "%sx is not under the Prefix path %s", r.Path, r.Path)
		}
	}

	conf, err := os.ReadFile(filepath.Join(tp.IngressConfigDir(), "nginx.conf"))
	require.NoError(t, err)
	directives, err := tp.Chart.AnnotationDirectives()
	require.NoError(t, err)
	for _, d := range directives {
		assert.Contains(t, string(conf), d)
	}
	ann := tp.Chart.Ingress.Annotations
	assert.Equal(t, "off", ann["nginx.ingress.kubernetes.io/proxy-buffering"], "SSE: no response buffering")
	assert.Contains(t, string(conf), "proxy_buffering off;")
	readTimeout, err := strconv.Atoi(ann["nginx.ingress.kubernetes.io/proxy-read-timeout"])
	require.NoError(t, err, "proxy-read-timeout")
	longestTurn := openaiagent.DefaultMaxSteps * openaiagent.DefaultRequestTimeout
	assert.Greater(t, time.Duration(readTimeout)*time.Second, longestTurn, "read timeout above the longest turn (%d model calls of at most %s)", openaiagent.DefaultMaxSteps, openaiagent.DefaultRequestTimeout)
	assert.Equal(t, "1.1", ann["nginx.ingress.kubernetes.io/proxy-http-version"])
	assert.Contains(t, string(conf), "proxy_http_version 1.1;")
	assert.Contains(t, string(conf), `proxy_set_header Connection "";`, "keep-alive to upstreams")
	ups, err := os.ReadFile(filepath.Join(tp.IngressConfigDir(), "upstreams.conf"))
	require.NoError(t, err)
	assert.Contains(t, string(ups), "keepalive ")

	// The front end through the ingress, as its image serves it.
	code, body, err := get(ctx, tp.IngressURL+"/chatkit/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), "<html")
}

// Case 1: the browser flow (built-in client) through nginx: ask for a task
// in the chat, see it in the task pane, complete it there, reload.
func TestBrowserFlowThroughIngress(t *testing.T) {
	tp := needTopology(t)
	node, err := exec.LookPath("node")
	require.NoError(t, err, "node (.ci/setup.d/50-frontend.sh)")
	const title = "Water the ferns"
	tp.Model.Enqueue(
		topology.ModelTurn{Step: fakeopenai.CallTools(fakeopenai.Call{Name: "add_task",
			Arguments: `{"title":"` + title + `","description":null,"due_at":null,"priority":null,"tags":null}`})},
		topology.ModelTurn{Step: fakeopenai.Reply("Added task ", `"`+title+`".`)},
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("browser", "flow.mjs"), tp.IngressURL, title)
	out, err := cmd.Output()
	var stderr string
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		stderr = string(ee.Stderr)
	}
	require.NoError(t, err, "browser flow: %s%s", out, stderr)
	var seen struct{ Added, Completed, Reloaded, Log string }
	require.NoError(t, json.Unmarshal(out, &seen), "%s", out)
	// The script waited for each state by role (pending, completed, still
	// completed after the reload); here, what it read.
	assert.Contains(t, seen.Added, title)
	assert.Contains(t, seen.Completed, title)
	assert.Contains(t, seen.Reloaded, title, "the completed task survives a reload")
	assert.Contains(t, seen.Log, `Added task "`+title+`".`, "the assistant's answer streamed into the chat")
	assert.Zero(t, tp.Model.Pending(), "both scripted model answers were used")
}

// Case 2: SSE arrives incrementally through nginx. The model streams its
// answer slowly (each upstream event delayed by delay); through the
// ingress the client gets the first event long before the turn ends, and
// the text deltas arrive spread out at the model's pace rather than in one
// buffered burst.
func TestSSEIsIncrementalThroughIngress(t *testing.T) {
	tp := needTopology(t)
	const delay = 300 * time.Millisecond
	chunks := []string{"One ", "two ", "three ", "four ", "five ", "six."}
	tp.Model.Enqueue(topology.ModelTurn{Step: fakeopenai.Reply(chunks...), Fault: reliability.Fault{Delay: delay}})
	b := newBrowser(t, tp.IngressURL, false)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	resp, err := b.chat(tp.IngressURL).Post(ctx, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("count to six")}))
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	type arrival struct {
		typ string
		at  time.Duration
	}
	var got []arrival
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		ev, err := chatkit.UnmarshalEvent(json.RawMessage(line))
		require.NoError(t, err)
		typ := ev.EventType()
		if u, ok := ev.(chatkit.ThreadItemUpdatedEvent); ok {
			if raw, err := json.Marshal(u.Update); err == nil && strings.Contains(string(raw), "assistant_message.content_part.text_delta") {
				typ = "text_delta"
			}
		}
		got = append(got, arrival{typ, time.Since(start)})
	}
	require.NoError(t, sc.Err())
	end := time.Since(start)
	require.NotEmpty(t, got)
	var deltas []time.Duration
	for _, a := range got {
		if a.typ == "text_delta" {
			deltas = append(deltas, a.at)
		}
	}
	require.Len(t, deltas, len(chunks), "one text delta per model chunk: %v", got)
	// The turn takes at least one delay per upstream event.
	require.GreaterOrEqual(t, end, time.Duration(len(chunks))*delay)
	assert.Less(t, got[0].at, end/4, "the first event (%s) reaches the client well before the turn ends (%s)", got[0].at, end)
	assert.GreaterOrEqual(t, deltas[len(deltas)-1]-deltas[0], time.Duration(len(chunks)-1)*delay/2,
		"text deltas arrive at the model's pace (%v), not in one burst", deltas)
}

// Case 3: no stickiness. A conversation whose requests alternate between
// the chat-service replicas (the ingress balances them; its upstream
// header shows which pod answered) works; then two turns on one thread sent
// to both replicas at once are serialized: both complete, the items are in
// order (each reply after its own message) and nothing is duplicated.
func TestNoStickinessNeeded(t *testing.T) {
	tp := needTopology(t)
	b := newBrowser(t, tp.IngressURL, false)
	turnPods, allPods := map[string]bool{}, map[string]bool{}
	first := b.do(t, tp.IngressURL, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("message 0")})
	thread := threadOf(t, first)
	require.True(t, completed(first), "%s", first.Body)
	want := []string{"u:message 0", "a:Noted."}
	for i := 1; i <= 6; i++ {
		text := "message " + strconv.Itoa(i)
		res, pod := b.post(t, tp.IngressURL, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": thread, "input": chatkittest.Input(text)})
		require.True(t, completed(res), "turn %d: %s", i, res.Body)
		turnPods[pod], allPods[pod] = true, true
		want = append(want, "u:"+text, "a:Noted.")
		// The reads go through the ingress too, to either replica; an extra
		// one every other turn shifts the balancer's phase, so turns land
		// on both replicas.
		for range 1 + i%2 {
			res, pod = b.post(t, tp.IngressURL, chatkit.ReqThreadsGetByID, map[string]any{"thread_id": thread})
			require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
			allPods[pod] = true
		}
		assert.Equal(t, want, conversation(b.items(t, tp.IngressURL, thread)))
	}
	chat := tp.Pods("chat-service")
	require.Len(t, chat, 2)
	for _, p := range chat {
		assert.True(t, turnPods[p.Spec.HTTPAddr], "pod %s served turns of the conversation (turns: %v, all: %v)", p.Name, turnPods, allPods)
	}

	// Two turns on the same thread, one to each replica, at once. The model
	// answers slowly so that the turns overlap.
	tp.Model.Enqueue(
		topology.ModelTurn{Step: fakeopenai.Reply("first ", "reply"), Fault: reliability.Fault{Delay: 150 * time.Millisecond}},
		topology.ModelTurn{Step: fakeopenai.Reply("second ", "reply"), Fault: reliability.Fault{Delay: 150 * time.Millisecond}},
	)
	var wg sync.WaitGroup
	results := make([]*chatkittest.Result, 2)
	for i, p := range chat {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := b.chat(p.URL).Do(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
				map[string]any{"thread_id": thread, "input": chatkittest.Input("concurrent " + strconv.Itoa(i))}))
			if assert.NoError(t, err) {
				results[i] = res
			}
		}()
	}
	wg.Wait()
	for i, res := range results {
		require.NotNil(t, res)
		assert.True(t, completed(res), "turn %d completed: %s", i, res.Body)
	}
	conv := conversation(b.items(t, tp.IngressURL, thread))
	require.Len(t, conv, len(want)+4, "two messages and two replies added, nothing duplicated: %v", conv)
	assert.Equal(t, want, conv[:len(want)])
	tailConv := conv[len(want):]
	// Serialized: each user message is followed by one reply, and the two
	// user messages are the two sent.
	assert.True(t, strings.HasPrefix(tailConv[0], "u:concurrent "), "%v", tailConv)
	assert.True(t, strings.HasPrefix(tailConv[1], "a:"), "%v", tailConv)
	assert.True(t, strings.HasPrefix(tailConv[2], "u:concurrent "), "%v", tailConv)
	assert.True(t, strings.HasPrefix(tailConv[3], "a:"), "%v", tailConv)
	assert.NotEqual(t, tailConv[0], tailConv[2])
	assert.ElementsMatch(t, []string{"a:first reply", "a:second reply"}, []string{tailConv[1], tailConv[3]})
}
