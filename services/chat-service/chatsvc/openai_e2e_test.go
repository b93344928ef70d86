package chatsvc_test

// The OpenAI agent end to end: chat-service built exactly as main builds it
// with OPENAI_API_KEY set and OPENAI_BASE_URL pointing at a fake OpenAI
// upstream (pkg/agent/openaiagent/fakeopenai, driven through the real
// openai-go client), for both OPENAI_API_STYLE values. Owned by the OpenAI
// agent's author.

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/config"
)

const openAIKey = "sk-e2e-0123456789abcdef"

func TestOpenAIAssistantOverHTTP(t *testing.T) {
	for _, style := range []string{config.APIStyleResponses, config.APIStyleChatCompletions} {
		t.Run(style, func(t *testing.T) {
			ctx := context.Background()
			fake := fakeopenai.New(t, openAIKey)
			dir := t.TempDir()
			cfg, err := config.Load(config.MapLookup(map[string]string{
				"DATABASE_URL":        "sqlite://" + filepath.Join(dir, "chat.db"),
				"DATA_DIR":            dir,
				"SESSION_SIGNING_KEY": signingKey,
				"FRONTEND_URL":        "http://localhost:3000",
				"OPENAI_API_KEY":      openAIKey,
				"OPENAI_BASE_URL":     fake.URL,
				"OPENAI_API_STYLE":    style,
				"CHATKIT_MODEL":       "gpt-e2e",
				"CHATKIT_TEMPERATURE": "0.3",
			}), config.ChatService)
			require.NoError(t, err)
			url, _ := serve(t, cfg)
			token := mint(t, "alice", nil)
			c := client(url, token)
			c.Header.Set("X-Timezone", "Europe/Paris")

			// Turn 1: the model adds a task, then streams its answer.
			fake.Enqueue(
				fakeopenai.CallTools(fakeopenai.Call{Name: "add_task",
					Arguments: `{"title":"Buy milk","description":null,"due_at":"2026-12-01T17:00:00+01:00","priority":null,"tags":null}`}),
				fakeopenai.Reply("Added task 1 ", "\"Buy milk\"."),
			)
			res, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate,
				map[string]any{"input": chatkittest.Input("add a task to buy milk on Tuesday at 5pm")}))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
			assert.Equal(t, []string{
				"thread.created", "thread.item.done", "stream_options",
				"progress_update", "client_effect",
				"thread.item.added", "thread.item.updated", "thread.item.updated", "thread.item.updated",
				"thread.item.updated", "thread.item.done", "thread.updated",
			}, res.Types())
			assert.Equal(t, "Added task 1 \"Buy milk\".", assistantText(res.Events))
			threadID := res.Events[0].(chatkit.ThreadCreatedEvent).Thread.ID

			// The REST view agrees, with the due time converted to UTC.
			all := restTasks(t, url, token, "")
			require.Len(t, all, 1)
			assert.Equal(t, "Buy milk", all[0].Title)
			require.NotNil(t, all[0].DueAt)
			assert.Equal(t, "2026-12-01T16:00:00Z", *all[0].DueAt)

			// The upstream got the configured model, temperature and key,
			// and the user's time zone in the system prompt.
			first := fake.Requests()[0]
			assert.Equal(t, "gpt-e2e", first.Model)
			require.NotNil(t, first.Temperature)
			assert.InDelta(t, 0.3, *first.Temperature, 1e-9)
			assert.Equal(t, "Bearer "+openAIKey, first.Authorization)
			assert.Contains(t, first.Conversation[0].Text, "Europe/Paris")
			// The date-only flag is offered to the model and explained to it.
			assert.Contains(t, string(first.Raw), `"due_all_day"`)
			assert.Contains(t, first.Conversation[0].Text, "due_all_day true")
			assert.False(t, all[0].DueAllDay, "a time of day: a timed due date")

			// Turn 2: the history (from the store) reaches the model.
			fake.Enqueue(fakeopenai.Reply("You have one task."))
			res, err = c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
				map[string]any{"thread_id": threadID, "input": chatkittest.Input("what do I have?")}))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.Status)
			var roles []string
			for _, turn := range fake.Requests()[2].Conversation {
				roles = append(roles, turn.Role)
			}
			assert.Equal(t, []string{"system", "user", "tool_call", "tool_result", "assistant", "user"}, roles)

			// Turn 3: the upstream fails → a retryable error event; the
			// user's message stays saved.
			// (chat-service retries twice before giving up.)
			fail := fakeopenai.Step{Status: http.StatusInternalServerError, Header: http.Header{"Retry-After-Ms": {"5"}}}
			fake.Enqueue(fail, fail, fail)
			res, err = c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
				map[string]any{"thread_id": threadID, "input": chatkittest.Input("delete it")}))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, res.Status)
			last := res.Events[len(res.Events)-1]
			errEv, ok := last.(chatkit.ErrorEvent)
			require.True(t, ok, "types: %v", res.Types())
			assert.True(t, errEv.AllowRetry)
			assert.NotContains(t, string(res.Body), openAIKey)
			got, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}))
			require.NoError(t, err)
			assert.Contains(t, string(got.Body), "delete it")
			assert.Len(t, restTasks(t, url, token, ""), 1, "nothing was deleted")

			// The agent's metrics are exported.
			resp, err := http.Get(url + "/metrics")
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			metrics := string(body)
			assert.Contains(t, metrics, `taskpilot_agent_turns_total{agent="openai",outcome="ok"} 2`)
			assert.Contains(t, metrics, `taskpilot_agent_turns_total{agent="openai",outcome="upstream_error"} 1`)
			assert.Contains(t, metrics, `taskpilot_upstream_tokens_total{direction="input"} 33`)
			assert.Contains(t, metrics, `taskpilot_upstream_request_duration_seconds_count{operation="`+style+`",outcome="ok",upstream="openai"} 3`)
			assert.False(t, strings.Contains(metrics, openAIKey))
		})
	}
}
