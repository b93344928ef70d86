package reliability_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/tests/reliability"
)

// TestClientDisconnectMidStreamKeepsThePartialReply: the browser goes away
// while a slow model is answering. The turn notices at its next write,
// cancels the upstream call, and saves what was streamed (chatkit §5.7:
// the partial reply is kept); the stream gauge returns to zero and the
// next turn on the thread works.
func TestClientDisconnectMidStreamKeepsThePartialReply(t *testing.T) {
	for _, style := range styles {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			a := startOpenAIApp(t, style, nil)
			u := newUser(t, a.URL)

			a.fake.Enqueue(fakeopenai.Reply("Hi!"))
			first := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")})
			id := threadID(t, first)

			chunks := make([]string, 40)
			for i := range chunks {
				chunks[i] = "word" + string(rune('a'+i%26)) + " "
			}
			a.fake.Enqueue(fakeopenai.Reply(chunks...))
			a.proxy.Enqueue(reliability.Fault{Delay: 50 * time.Millisecond})
			ctx, cut := context.WithCancel(context.Background())
			defer cut()
			resp, err := u.chat().Post(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
				map[string]any{"thread_id": id, "input": chatkittest.Input("tell me a long story")}))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			r := bufio.NewReader(resp.Body)
			var got []string
			for !strings.Contains(strings.Join(got, "\n"), "text_delta") {
				got = append(got, readFrames(t, r, 1)...)
			}
			cut()
			_ = resp.Body.Close()

			var items []chatkit.Item
			eventually(t, 30*time.Second, func() bool {
				items = u.items(t, id)
				return len(items) == 4
			}, "the partial reply is saved")
			require.Equal(t, []string{"user_message", "assistant_message", "user_message", "assistant_message"}, itemTypes(items))
			partial := items[3].(*chatkit.AssistantMessageItem).Text()
			full := strings.Join(chunks, "")
			assert.NotEmpty(t, partial)
			assert.True(t, strings.HasPrefix(full, partial), "partial %q is a prefix of the answer", partial)
			assert.Less(t, len(partial), len(full), "the answer was cut")
			eventually(t, 30*time.Second, func() bool {
				return strings.Contains(metrics(t, a.URL), "\ntaskpilot_chatkit_active_streams 0\n")
			}, "no stream is left open")
			assert.Contains(t, metrics(t, a.URL), `taskpilot_agent_turns_total{agent="openai",outcome="cancelled"} 1`)

			a.fake.Enqueue(fakeopenai.Reply("Back again."))
			next := u.do(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": id, "input": chatkittest.Input("still there?")})
			_, failed := lastError(next)
			require.False(t, failed, "next turn: %v", next.Types())
			assert.Equal(t, "Back again.", assistantText(next.Events))
			assert.Len(t, u.items(t, id), 6)
		})
	}
}
