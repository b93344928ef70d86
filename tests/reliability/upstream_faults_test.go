package reliability_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/tests/reliability"
)

var styles = []string{config.APIStyleResponses, config.APIStyleChatCompletions}

// firstDelta is the position of the first text delta among the SSE events
// of the fake's answer: Responses sends response.created,
// response.in_progress, output_item.added and content_part.added first;
// Chat Completions one role chunk.
var firstDelta = map[string]int{config.APIStyleResponses: 5, config.APIStyleChatCompletions: 2}

// openAIApp is the all-in-one app with the OpenAI agent talking to a fake
// OpenAI upstream through a SlowUpstream proxy.
type openAIApp struct {
	*app
	fake  *fakeopenai.Server
	proxy *reliability.SlowUpstream
}

func startOpenAIApp(t *testing.T, style string, env map[string]string) *openAIApp {
	t.Helper()
	fake := fakeopenai.New(t, openAIKey)
	proxy := reliability.NewSlowUpstream(fake.URL)
	t.Cleanup(proxy.Close)
	full := map[string]string{
		"OPENAI_API_KEY":   openAIKey,
		"OPENAI_BASE_URL":  proxy.URL,
		"OPENAI_API_STYLE": style,
	}
	for k, v := range env {
		full[k] = v
	}
	return &openAIApp{app: startApp(t, full), fake: fake, proxy: proxy}
}

// upstreamFault is one way the model's upstream fails a turn.
type upstreamFault struct {
	name string
	// steps are what the fake answers (the agent retries some failures,
	// so several steps may be used); proxy is applied to the first.
	steps []fakeopenai.Step
	proxy func(style string) reliability.Fault
	// message, when set, is expected in the error event.
	message string
}

func upstreamFaults() []upstreamFault {
	// Retry-After-Ms keeps the client's retries fast.
	quick := http.Header{"Retry-After-Ms": {"5"}}
	e500 := fakeopenai.Step{Status: http.StatusInternalServerError, Header: quick}
	e429 := fakeopenai.HTTPError(http.StatusTooManyRequests, 1e9) // Retry-After: 1
	half := []string{"Half of ", "an answer ", "that never ends"}
	return []upstreamFault{
		{name: "500 three times (retried twice)", steps: []fakeopenai.Step{e500, e500, e500}},
		{name: "429 with Retry-After", steps: []fakeopenai.Step{e429, e429, e429}, message: "try again in 1 second"},
		{name: "malformed stream", steps: []fakeopenai.Step{{Text: half, Malformed: true}}},
		{name: "connection aborted mid-reply", steps: []fakeopenai.Step{{Text: half, Break: true}}},
		{name: "stream truncated without its terminal event", steps: []fakeopenai.Step{{Text: half, Truncate: true}}},
		{name: "in-stream failure event", steps: []fakeopenai.Step{{Text: half, Fail: true, Message: "overloaded"}}},
		{name: "TCP reset mid-reply", steps: []fakeopenai.Step{fakeopenai.Reply(half...)},
			proxy: func(style string) reliability.Fault {
				return reliability.Fault{ResetAfter: firstDelta[style] + 1}
			}},
	}
}

// TestUpstreamFaultsEndTheTurnWithARetryableError drives each upstream
// failure through the composed app over HTTP/SSE, in both API styles: the
// turn ends with a retryable error event, the user's message is saved, no
// half-written assistant message is left (it is withdrawn with
// thread.item.removed, the documented behaviour), and the next turn on the
// same thread works.
func TestUpstreamFaultsEndTheTurnWithARetryableError(t *testing.T) {
	for _, style := range styles {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			a := startOpenAIApp(t, style, nil)
			u := newUser(t, a.URL)
			for _, tc := range upstreamFaults() {
				t.Run(tc.name, func(t *testing.T) {
					a.fake.Enqueue(tc.steps...)
					if tc.proxy != nil {
						a.proxy.Enqueue(tc.proxy(style))
					}
					res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("plan my week")})
					require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
					id := threadID(t, res)
					assertFailedTurn(t, res, tc.message)
					assert.Zero(t, a.fake.Pending(), "every scripted step was used")

					items := u.items(t, id)
					assert.Equal(t, []string{"user_message"}, itemTypes(items), "the user's message alone is saved")
					assert.Equal(t, "plan my week", items[0].(*chatkit.UserMessageItem).Text())

					a.fake.Enqueue(fakeopenai.Reply("All ", "good."))
					next := u.do(t, chatkit.ReqThreadsAddUserMessage,
						map[string]any{"thread_id": id, "input": chatkittest.Input("try again")})
					require.Equal(t, http.StatusOK, next.Status)
					_, failed := lastError(next)
					require.False(t, failed, "next turn: %v", next.Types())
					assert.Equal(t, "All good.", assistantText(next.Events))
					assert.Equal(t, []string{"user_message", "user_message", "assistant_message"}, itemTypes(u.items(t, id)))
				})
			}
		})
	}
}

// assertFailedTurn checks a stream that the upstream failed: its last
// event is a retryable error event, and any assistant message it started
// was withdrawn.
func assertFailedTurn(t *testing.T, res *chatkittest.Result, message string) {
	t.Helper()
	ev, ok := lastError(res)
	require.True(t, ok, "the stream ends with an error event: %v", res.Types())
	assert.True(t, ev.AllowRetry, "allow_retry")
	assert.NotEmpty(t, ev.Message)
	if message != "" {
		assert.Contains(t, ev.Message, message)
	}
	assert.NotContains(t, string(res.Body), openAIKey)
	added := map[string]bool{}
	for _, e := range res.Events {
		switch e := e.(type) {
		case chatkit.ThreadItemAddedEvent:
			if _, ok := e.Item.(*chatkit.AssistantMessageItem); ok {
				added[e.Item.Header().ID] = true
			}
		case chatkit.ThreadItemRemovedEvent:
			delete(added, e.ItemID)
		case chatkit.ThreadItemDoneEvent:
			_, isAssistant := e.Item.(*chatkit.AssistantMessageItem)
			assert.False(t, isAssistant, "no assistant message completes")
		}
	}
	assert.Empty(t, added, "every assistant message started is withdrawn")
}
