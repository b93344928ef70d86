//go:build faults

package reliability_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent"
	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/tests/reliability"
)

// TestFaultStalledUpstreamEndsTheTurnAfterTheRequestTimeout: a model that stops
// answering, before its first byte or in the middle of the reply, is cut
// by the agent's request timeout (openaiagent.DefaultRequestTimeout, 60s;
// OPENAI_TIMEOUT only bounds non-streaming calls), and the turn ends with
// a retryable "took too long" error event; no half answer is kept, the
// user's message is, and the next turn works.
func TestFaultStalledUpstreamEndsTheTurnAfterTheRequestTimeout(t *testing.T) {
	t.Parallel()
	for _, style := range styles {
		for _, where := range []string{"before the first byte", "mid-reply"} {
			t.Run(style+" "+where, func(t *testing.T) {
				t.Parallel()
				a := startOpenAIApp(t, style, nil)
				u := newUser(t, a.URL)
				hold := make(chan struct{})
				defer close(hold)
				if where == "mid-reply" {
					a.fake.Enqueue(fakeopenai.Reply("Half of ", "an answer ", "that stalls"))
					a.proxy.Enqueue(reliability.Fault{StallAfter: firstDelta[style] + 1})
				} else {
					a.fake.Enqueue(fakeopenai.Step{Text: []string{"never sent"}, Hold: hold})
				}
				start := time.Now()
				res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("what is due today?")})
				took := time.Since(start)
				require.Equal(t, http.StatusOK, res.Status)
				assertFailedTurn(t, res, "took too long")
				assert.GreaterOrEqual(t, took, openaiagent.DefaultRequestTimeout, "ended by the request timeout")
				assert.Less(t, took, openaiagent.DefaultRequestTimeout+60*time.Second, "not much later")
				id := threadID(t, res)
				assert.Equal(t, []string{"user_message"}, itemTypes(u.items(t, id)))
				assert.Contains(t, metrics(t, a.URL), `taskpilot_agent_turns_total{agent="openai",outcome="upstream_timeout"} 1`)

				a.fake.Enqueue(fakeopenai.Reply("Nothing is due today."))
				next := u.do(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": id, "input": chatkittest.Input("again?")})
				_, failed := lastError(next)
				require.False(t, failed, "%v", next.Types())
				assert.Equal(t, "Nothing is due today.", assistantText(next.Events))
			})
		}
	}
}
