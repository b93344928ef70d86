package widgets_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

const actionUser = "widget-user"

type actionEnv struct {
	svc     *tasks.Service
	handler *widgets.Handler
	thread  chatkit.ThreadMetadata
	sender  *chatkit.WidgetItem
}

func newActionEnv(t *testing.T, titles ...string) *actionEnv {
	t.Helper()
	svc := tasks.NewService(tasks.NewSQLStore(storagetest.SQLite(t)), func() time.Time { return now })
	tools, err := tasks.NewTools(svc, nil)
	require.NoError(t, err)
	h, err := widgets.NewHandler(widgets.HandlerOptions{Tools: tools, Now: func() time.Time { return now }})
	require.NoError(t, err)
	var list []tasks.Task
	for _, title := range titles {
		task, err := svc.Add(context.Background(), actionUser, tasks.NewTask{Title: title})
		require.NoError(t, err)
		list = append(list, task)
	}
	thread := chatkit.ThreadMetadata{ID: chatkit.NewID(chatkit.IDThread), CreatedAt: now,
		Status: chatkit.ThreadStatus{Type: "active"}}
	sender := &chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.IDMessage), ThreadID: thread.ID,
		CreatedAt: now}, Widget: widgets.NewList("Pending tasks", list, "").Render(nyc, now)}
	return &actionEnv{svc: svc, handler: h, thread: thread, sender: sender}
}

// press runs one button's action and returns the events; the sender widget
// follows the replacements, as in a thread.
func (e *actionEnv) press(t *testing.T, typ, payload string) []chatkit.Event {
	t.Helper()
	ctx := context.Background()
	sink := chatkittest.NewSink(ctx, e.thread)
	turn := &chatkit.Turn{UserID: actionUser, Request: chatkit.ReqThreadsCustomAction, Thread: e.thread,
		Action: &chatkit.Action{Type: typ, Payload: json.RawMessage(payload)}, Sender: e.sender,
		Info: chatkit.RequestInfo{TimeZone: "America/New_York", Location: nyc, Metadata: map[string]any{}}}
	require.NoError(t, e.handler.Action(ctx, turn, sink))
	return sink.Events()
}

// buttons lists the labels and actions of the buttons of row key.
func buttons(t *testing.T, widget json.RawMessage, key string) (labels []string, actions []map[string]any) {
	t.Helper()
	var root map[string]any
	require.NoError(t, json.Unmarshal(widget, &root))
	for _, k := range root["children"].([]any) {
		item := k.(map[string]any)
		if item["key"] != key {
			continue
		}
		walk(t, item, func(n map[string]any) {
			if n["type"] == "Button" {
				labels = append(labels, n["label"].(string))
				actions = append(actions, n["onClickAction"].(map[string]any))
			}
		})
	}
	return labels, actions
}

func TestButtonsNameTheirTask(t *testing.T) {
	list := sample()
	raw := widgets.NewList("Tasks", list, "").Render(nyc, now)
	labels, _ := buttons(t, raw, "task-4")
	assert.Equal(t, []string{"Complete #4", "Delete #4"}, labels)
	labels, _ = buttons(t, raw, "task-5")
	assert.Equal(t, []string{"Reopen #5", "Delete #5"}, labels, "a completed task")
	seen := map[string]bool{}
	for _, key := range []string{"task-4", "task-2", "task-5"} {
		labels, _ := buttons(t, raw, key)
		for _, l := range labels {
			assert.False(t, seen[l], "button name %q is unique in the list", l)
			seen[l] = true
		}
	}
}

// Delete in a list asks first: the row turns into a question; Keep puts it
// back, the question's Delete deletes. Nothing changes before the answer.
func TestDeleteAsksFirst(t *testing.T) {
	e := newActionEnv(t, "Buy milk", "Call mom")
	labels, actions := buttons(t, e.sender.Widget, "task-1")
	require.Equal(t, []string{"Complete #1", "Delete #1"}, labels)
	assert.Equal(t, widgets.ActionAskDelete, actions[1]["type"])

	events := e.press(t, widgets.ActionAskDelete, `{"task_id":1}`)
	require.Len(t, events, 1, "only the list is redrawn: no message, no effect, no change record")
	replaced, ok := events[0].(chatkit.ThreadItemReplacedEvent)
	require.True(t, ok, "%T", events[0])
	assert.Equal(t, e.sender.ID, replaced.Item.(*chatkit.WidgetItem).ID, "in place")
	assert.Contains(t, string(e.sender.Widget), `"value":"Delete this task?"`)
	labels, actions = buttons(t, e.sender.Widget, "task-1")
	assert.Equal(t, []string{"Delete #1", "Keep #1"}, labels)
	assert.Equal(t, map[string]any{"type": widgets.ActionDelete, "payload": map[string]any{"task_id": 1.0, "confirmed": true},
		"handler": "server", "loadingBehavior": "container"}, actions[0])
	assert.Equal(t, widgets.ActionKeep, actions[1]["type"])
	labels, _ = buttons(t, e.sender.Widget, "task-2")
	assert.Equal(t, []string{"Complete #2", "Delete #2"}, labels, "other rows unchanged")
	_, err := e.svc.Get(context.Background(), actionUser, 1)
	require.NoError(t, err, "asking deletes nothing")

	e.press(t, widgets.ActionKeep, `{"task_id":1}`)
	labels, _ = buttons(t, e.sender.Widget, "task-1")
	assert.Equal(t, []string{"Complete #1", "Delete #1"}, labels, "Keep puts the row back")
	assert.NotContains(t, string(e.sender.Widget), "Delete this task?")

	e.press(t, widgets.ActionAskDelete, `{"task_id":1}`)
	events = e.press(t, widgets.ActionDelete, `{"task_id":1,"confirmed":true}`)
	_, err = e.svc.Get(context.Background(), actionUser, 1)
	require.ErrorIs(t, err, tasks.ErrNotFound, "the answer deletes")
	l, ok := widgets.Parse(e.sender.Widget)
	require.True(t, ok)
	assert.True(t, l.Rows[0].Deleted)
	labels, _ = buttons(t, e.sender.Widget, "task-1")
	assert.Empty(t, labels, "a deleted row has no buttons")
	var text string
	for _, ev := range events {
		text += fmt.Sprintf("%T ", ev)
	}
	assert.Contains(t, text, "ClientEffectEvent", "tasks_changed after the delete")
}

func TestAskDeleteNeedsAList(t *testing.T) {
	e := newActionEnv(t, "Buy milk")
	e.sender = nil
	ctx := context.Background()
	turn := &chatkit.Turn{UserID: actionUser, Request: chatkit.ReqThreadsCustomAction, Thread: e.thread,
		Action: &chatkit.Action{Type: widgets.ActionAskDelete, Payload: json.RawMessage(`{"task_id":1}`)},
		Info:   chatkit.RequestInfo{Location: nyc, Metadata: map[string]any{}}}
	err := e.handler.Action(ctx, turn, chatkittest.NewSink(ctx, e.thread))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "only works in a task list")
	_, err = e.svc.Get(ctx, actionUser, 1)
	require.NoError(t, err)
}

// threads.sync_custom_action answers the question the same way: the list
// comes back redrawn, nothing is deleted.
func TestAskDeleteSync(t *testing.T) {
	e := newActionEnv(t, "Buy milk")
	turn := &chatkit.Turn{UserID: actionUser, Request: chatkit.ReqThreadsSyncCustomAction, Thread: e.thread,
		Action: &chatkit.Action{Type: widgets.ActionAskDelete, Payload: json.RawMessage(`{"task_id":1}`)},
		Sender: e.sender, Info: chatkit.RequestInfo{Location: nyc, Metadata: map[string]any{}}}
	item, err := e.handler.SyncAction(context.Background(), turn)
	require.NoError(t, err)
	w, ok := item.(*chatkit.WidgetItem)
	require.True(t, ok, "%T", item)
	labels, _ := buttons(t, w.Widget, "task-1")
	assert.Equal(t, []string{"Delete #1", "Keep #1"}, labels)
	_, err = e.svc.Get(context.Background(), actionUser, 1)
	require.NoError(t, err)
}
