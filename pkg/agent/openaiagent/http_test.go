package openaiagent_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent"
	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatfiber"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// serveChatKit serves the ChatKit endpoint with the agent as Responder on
// 127.0.0.1:0, behind a test middleware that authenticates X-Test-User,
// and returns a client for user.
func serveChatKit(t *testing.T, agent chatkit.Responder, actions chatkit.ActionHandler, store chatkit.Store, user string) *chatkittest.Client {
	t.Helper()
	srv, err := chatkit.NewServer(chatkit.Options{Store: store, Responder: agent, ActionHandler: actions,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	app := fiber.New(fiber.Config{DisableStartupMessage: true,
		ErrorHandler: httpserver.ErrorHandler(slog.New(slog.DiscardHandler))})
	app.Use(func(c *fiber.Ctx) error {
		if u := c.Get("X-Test-User"); u != "" {
			c.SetUserContext(auth.WithUser(c.UserContext(), strings.Clone(u)))
		}
		return c.Next()
	})
	app.Post("/api/v1/chatkit", chatfiber.Handler(srv, chatfiber.Options{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return &chatkittest.Client{URL: "http://" + ln.Addr().String() + "/api/v1/chatkit",
		Header: http.Header{"X-Test-User": {user}, "X-Timezone": {zone}}}
}

// TestOverHTTP drives whole turns through the ChatKit endpoint (SSE) with
// the agent talking to the fake upstream: a tool call and a streamed
// answer, a second turn that sees the first, then an upstream failure.
func TestOverHTTP(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		ctx := context.Background()
		fake := fakeopenai.New(t, apiKey)
		svc := tasks.NewService(tasks.NewSQLStore(storagetest.SQLite(t)), func() time.Time { return fixedNow })
		tools, err := tasks.NewTools(svc, nil)
		require.NoError(t, err)
		noRetries := 0
		agent, err := openaiagent.New(openaiagent.Options{APIKey: apiKey, BaseURL: fake.URL, Style: style,
			Tools: tools, MaxRetries: &noRetries, Registerer: prometheus.NewRegistry(), Now: func() time.Time { return fixedNow }})
		require.NoError(t, err)
		store := memstore.New()
		client := serveChatKit(t, agent, nil, store, userID)

		// Turn 1: the model adds a task, then answers in three deltas.
		fake.Enqueue(
			fakeopenai.CallTools(fakeopenai.Call{Name: "add_task",
				Arguments: `{"title":"Buy milk","description":null,"due_at":"2026-11-29T23:59:00-05:00","priority":null,"tags":null}`}),
			fakeopenai.Reply("Added ", "task 1 ", "\"Buy milk\"."),
		)
		res, err := client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate,
			map[string]any{"input": chatkittest.Input("add a task to buy milk tomorrow")}))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
		assert.Equal(t, []string{
			"thread.created", "thread.item.done", "stream_options",
			"progress_update", "client_effect",
			"thread.item.added", "thread.item.updated", "thread.item.updated", "thread.item.updated", "thread.item.updated",
			"thread.item.updated", "thread.item.done", "thread.updated",
		}, res.Types(), "the hidden tool record is stored but never sent")
		threadID := res.Events[0].(chatkit.ThreadCreatedEvent).Thread.ID
		var deltas []string
		for _, ev := range res.Events {
			if up, ok := ev.(chatkit.ThreadItemUpdatedEvent); ok {
				if d, ok := up.Update.(chatkit.ContentPartTextDelta); ok {
					deltas = append(deltas, d.Delta)
				}
			}
		}
		assert.Equal(t, []string{"Added ", "task 1 ", "\"Buy milk\"."}, deltas)
		effect := res.Events[4].(chatkit.ClientEffectEvent)
		assert.Equal(t, "tasks_changed", effect.Name)

		all, err := svc.List(ctx, userID, tasks.Filter{})
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, "Buy milk", all[0].Title)
		assert.Equal(t, time.Date(2026, 11, 30, 4, 59, 0, 0, time.UTC), all[0].DueAt.UTC())

		// The system prompt used the X-Timezone header.
		assert.Contains(t, fake.Requests()[0].Conversation[0].Text, "America/New_York")

		// Turn 2: the model sees turn 1 (user, tool exchange, answer).
		fake.Enqueue(fakeopenai.Reply("You have one task."))
		res, err = client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
			map[string]any{"thread_id": threadID, "input": chatkittest.Input("what do I have?")}))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status)
		conv := fake.Requests()[2].Conversation
		roles := make([]string, len(conv))
		for i, turn := range conv {
			roles[i] = turn.Role
		}
		assert.Equal(t, []string{"system", "user", "tool_call", "tool_result", "assistant", "user"}, roles)

		// Turn 3: the upstream breaks mid-reply → the half answer is
		// withdrawn and a retryable error event ends the stream.
		fake.Enqueue(fakeopenai.Step{Text: []string{"Let me "}, Break: true})
		res, err = client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
			map[string]any{"thread_id": threadID, "input": chatkittest.Input("mark it done")}))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status)
		types := res.Types()
		assert.Equal(t, []string{"thread.item.done", "stream_options", "thread.item.added", "thread.item.updated",
			"thread.item.updated", "thread.item.removed", "error"}, types)
		errEv := res.Events[len(res.Events)-1].(chatkit.ErrorEvent)
		assert.Equal(t, "custom", errEv.Code)
		assert.True(t, errEv.AllowRetry)
		assert.NotContains(t, string(res.Body), apiKey)

		// The user's message is saved; no half answer is.
		got, err := client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}))
		require.NoError(t, err)
		var thread struct {
			Items struct {
				Data []json.RawMessage `json:"data"`
			} `json:"items"`
		}
		require.NoError(t, json.Unmarshal(got.Body, &thread))
		var kinds []string
		for _, raw := range thread.Items.Data {
			var head struct{ Type string }
			require.NoError(t, json.Unmarshal(raw, &head))
			kinds = append(kinds, head.Type)
		}
		assert.Equal(t, []string{"user_message", "assistant_message", "user_message", "assistant_message", "user_message"}, kinds)
		assert.Contains(t, string(thread.Items.Data[4]), "mark it done")
	})
}

// TestWidgetButtonsAfterAnOpenAIList: the list widget the agent shows is the
// shared one, so its Complete button works through the widget action
// handler, and the model sees the outcome on the next turn.
func TestWidgetButtonsAfterAnOpenAIList(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		ctx := context.Background()
		fake := fakeopenai.New(t, apiKey)
		svc := tasks.NewService(tasks.NewSQLStore(storagetest.SQLite(t)), func() time.Time { return fixedNow })
		tools, err := tasks.NewTools(svc, nil)
		require.NoError(t, err)
		noRetries := 0
		agent, err := openaiagent.New(openaiagent.Options{APIKey: apiKey, BaseURL: fake.URL, Style: style,
			Tools: tools, MaxRetries: &noRetries, Now: func() time.Time { return fixedNow }})
		require.NoError(t, err)
		actions, err := widgets.NewHandler(widgets.HandlerOptions{Tools: tools, Now: func() time.Time { return fixedNow }})
		require.NoError(t, err)
		client := serveChatKit(t, agent, actions, memstore.New(), userID)
		task, err := svc.Add(ctx, userID, tasks.NewTask{Title: "Water the plants"})
		require.NoError(t, err)

		fake.Enqueue(
			fakeopenai.CallTools(fakeopenai.Call{Name: "list_tasks",
				Arguments: `{"status":null,"query":null,"tag":null,"priority":null,"due_before":null,"due_after":null,"overdue":null}`}),
			fakeopenai.Reply("Here is your task."),
		)
		res, err := client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate,
			map[string]any{"input": chatkittest.Input("show my tasks")}))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
		threadID := res.Events[0].(chatkit.ThreadCreatedEvent).Thread.ID
		var widgetID string
		for _, ev := range res.Events {
			if done, ok := ev.(chatkit.ThreadItemDoneEvent); ok && done.Item.ItemType() == chatkit.ItemWidget {
				widgetID = done.Item.Header().ID
			}
		}
		require.NotEmpty(t, widgetID, "events: %v", res.Types())

		res, err = client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCustomAction, map[string]any{
			"thread_id": threadID, "item_id": widgetID,
			"action": map[string]any{"type": widgets.ActionComplete, "payload": map[string]any{"task_id": task.ID}},
		}))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
		assert.Contains(t, res.Types(), "thread.item.replaced")
		assert.Contains(t, res.Types(), "client_effect")
		got, err := svc.Get(ctx, userID, task.ID)
		require.NoError(t, err)
		assert.Equal(t, tasks.StatusCompleted, got.Status)

		fake.Enqueue(fakeopenai.Reply("All done!"))
		res, err = client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
			map[string]any{"thread_id": threadID, "input": chatkittest.Input("anything left?")}))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status)
		conv := fake.Requests()[2].Conversation
		require.GreaterOrEqual(t, len(conv), 2)
		confirmation := conv[len(conv)-2]
		assert.Equal(t, "assistant", confirmation.Role, "the button's confirmation is part of the history")
		assert.Contains(t, confirmation.Text, "Water the plants")
	})
}
