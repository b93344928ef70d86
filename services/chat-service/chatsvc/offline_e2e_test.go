package chatsvc_test

// The acceptance conversation of the task assistant, against chat-service
// built exactly as main builds it (no OPENAI_API_KEY: the offline agent):
// "add a task to buy milk tomorrow" → "show my tasks" → "mark the first one
// as done" → "what have I completed?" over /api/v1/chatkit (SSE), with
// GET /api/v1/tasks agreeing at each step, then a widget button press
// (threads.custom_action) end to end. Owned by the agent package's author.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
)

type restTask struct {
	ID        int64   `json:"id"`
	Title     string  `json:"title"`
	Status    string  `json:"status"`
	DueAt     *string `json:"due_at"`
	DueAllDay bool    `json:"due_all_day"`
}

func restTasks(t *testing.T, url, token, query string) []restTask {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url+"/api/v1/tasks"+query, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		Tasks []restTask `json:"tasks"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Tasks
}

func assistantText(events []chatkit.Event) string {
	var parts []string
	for _, ev := range events {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if m, ok := d.Item.(*chatkit.AssistantMessageItem); ok {
				parts = append(parts, m.Text())
			}
		}
	}
	return strings.Join(parts, "\n")
}

func listWidget(t *testing.T, events []chatkit.Event) (*chatkit.WidgetItem, widgets.List) {
	t.Helper()
	for _, ev := range events {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if w, ok := d.Item.(*chatkit.WidgetItem); ok {
				l, ok := widgets.Parse(w.Widget)
				require.True(t, ok, "a task-list widget")
				return w, l
			}
		}
	}
	t.Fatalf("no widget among %d events", len(events))
	return nil, widgets.List{}
}

func hasTasksChanged(events []chatkit.Event) bool {
	for _, ev := range events {
		if e, ok := ev.(chatkit.ClientEffectEvent); ok && e.Name == "tasks_changed" {
			return true
		}
	}
	return false
}

func TestOfflineAssistantAcceptance(t *testing.T) {
	url, _ := serve(t, testConfig(t, t.TempDir()))
	token := mint(t, "alice", time.Now)
	c := client(url, token)
	c.Header.Set(chatkit.HeaderTimezone, "America/New_York")
	ctx := context.Background()
	do := func(typ chatkit.RequestType, params any) []chatkit.Event {
		t.Helper()
		res, err := c.Do(ctx, chatkittest.Request(typ, params))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.Status, "body %s", res.Body)
		return res.Events
	}

	// 1. add
	events := do(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add a task to buy milk tomorrow")})
	threadID := events[0].(chatkit.ThreadCreatedEvent).Thread.ID
	assert.Contains(t, assistantText(events), "Added task 1 “Buy milk” — due tomorrow")
	assert.True(t, hasTasksChanged(events))
	rest := restTasks(t, url, token, "")
	require.Len(t, rest, 1)
	assert.Equal(t, "Buy milk", rest[0].Title)
	assert.Equal(t, "pending", rest[0].Status)
	require.NotNil(t, rest[0].DueAt)
	due, err := time.Parse(time.RFC3339, *rest[0].DueAt)
	require.NoError(t, err)
	nyc, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	assert.Equal(t, time.Now().In(nyc).AddDate(0, 0, 1).Format("2006-01-02 "), due.In(nyc).Format("2006-01-02 "))
	assert.True(t, rest[0].DueAllDay, "tomorrow, without a time: date-only")
	// The thread is titled from what the turn did, not the first words.
	res, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}))
	require.NoError(t, err)
	var th chatkit.Thread
	require.NoError(t, json.Unmarshal(res.Body, &th))
	assert.Equal(t, "Add: Buy milk", th.Title)

	say := func(text string) []chatkit.Event {
		return do(chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input(text)})
	}

	// 2. list: the widget shows what the REST API lists.
	events = say("show my tasks")
	widget, l := listWidget(t, events)
	var restIDs []int64
	for _, r := range restTasks(t, url, token, "") {
		restIDs = append(restIDs, r.ID)
	}
	assert.Equal(t, restIDs, l.IDs())

	// 3. the first one
	events = say("mark the first one as done")
	assert.Contains(t, assistantText(events), "Marked task 1 “Buy milk” as done")
	assert.True(t, hasTasksChanged(events))
	rest = restTasks(t, url, token, "")
	require.Len(t, rest, 1)
	assert.Equal(t, "completed", rest[0].Status)

	// 4. what have I completed?
	events = say("what have I completed?")
	assert.Contains(t, assistantText(events), "You've completed 1 task")
	_, done := listWidget(t, events)
	var completedIDs []int64
	for _, r := range restTasks(t, url, token, "?status=completed") {
		completedIDs = append(completedIDs, r.ID)
	}
	assert.Equal(t, completedIDs, done.IDs())

	// 5. the Reopen button on the first list, end to end.
	events = do(chatkit.ReqThreadsCustomAction, map[string]any{"thread_id": threadID, "item_id": widget.ID,
		"action": map[string]any{"type": widgets.ActionReopen, "payload": map[string]any{"task_id": 1}}})
	var replaced bool
	for _, ev := range events {
		if r, ok := ev.(chatkit.ThreadItemReplacedEvent); ok && r.Item.Header().ID == widget.ID {
			replaced = true
		}
	}
	assert.True(t, replaced, "the widget is replaced in place")
	assert.Contains(t, assistantText(events), "Reopened task 1 “Buy milk”")
	assert.True(t, hasTasksChanged(events))
	rest = restTasks(t, url, token, "")
	require.Len(t, rest, 1)
	assert.Equal(t, "pending", rest[0].Status)

	// Another user sees none of it.
	assert.Empty(t, restTasks(t, url, mint(t, "bob", time.Now), ""))
}
