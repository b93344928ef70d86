package agent_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func userTurn(title string) *chatkit.Turn {
	in := &chatkit.UserMessageItem{Content: []chatkit.UserContent{chatkit.TextContent("please do the thing")}}
	return &chatkit.Turn{UserID: "u", Request: chatkit.ReqThreadsAddUserMessage, Input: in,
		Thread: chatkit.ThreadMetadata{ID: "thr_1", Title: title}}
}

// titledAfter runs a responder that reports results as the agents do, wrapped
// in Titled, and returns the thread title the turn leaves.
func titledAfter(t *testing.T, turn *chatkit.Turn, results ...any) string {
	t.Helper()
	r := agent.Titled(chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		for _, x := range results {
			switch v := x.(type) {
			case tasks.Result:
				require.NoError(t, agent.RecordChangeOf(ctx, sink, v))
			case []tasks.Result: // one batch record, as a bulk change is kept
				require.NoError(t, agent.RecordChangesOf(ctx, sink, v))
			case widgets.List:
				require.NoError(t, chatkit.SendItem(ctx, sink, &chatkit.WidgetItem{Widget: v.Render(time.UTC, time.Now())}))
			}
		}
		_, err := agent.StreamMessage(ctx, sink, "ok")
		return err
	}))
	sink := chatkittest.NewSink(context.Background(), turn.Thread)
	require.NoError(t, r.Respond(context.Background(), turn, sink))
	return sink.Thread().Title
}

func TestTitledFromWhatTheTurnDid(t *testing.T) {
	milk := tasks.Task{ID: 4, Title: "Buy milk", Status: tasks.StatusPending}
	done := milk
	done.Status = tasks.StatusCompleted
	add := tasks.Result{Tool: tasks.ToolAddTask, OK: true, Changed: true, Task: &milk}
	cases := []struct {
		name    string
		results []any
		want    string
	}{
		{"add", []any{add}, "Add: Buy milk"},
		{"several adds", []any{add, add, add}, "Add: Buy milk +2"},
		{"one batch of adds", []any{[]tasks.Result{add, add, add}}, "Add: Buy milk +2"},
		{"complete", []any{tasks.Result{Tool: tasks.ToolCompleteTask, OK: true, Changed: true, Task: &done, Before: &milk}}, "Done: Buy milk"},
		{"reopen", []any{tasks.Result{Tool: tasks.ToolUpdateTask, OK: true, Changed: true, Task: &milk, Before: &done}}, "Reopen: Buy milk"},
		{"edit", []any{tasks.Result{Tool: tasks.ToolUpdateTask, OK: true, Changed: true, Task: &milk, Before: &milk}}, "Edit: Buy milk"},
		{"delete", []any{tasks.Result{Tool: tasks.ToolDeleteTask, OK: true, Changed: true, Task: &milk, Before: &milk}}, "Delete: Buy milk"},
		{"list", []any{widgets.NewList("Pending tasks", []tasks.Task{milk}, "")}, "Pending tasks"},
		{"a change beats a list", []any{widgets.NewList("Pending tasks", nil, ""), add}, "Add: Buy milk"},
		{"nothing done: left to the server", nil, ""},
		{"a failed call changes nothing", []any{tasks.Result{Tool: tasks.ToolAddTask, OK: false, Task: &milk}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, titledAfter(t, userTurn(""), tc.results...))
		})
	}
}

func TestTitledKeepsTitlesAndCutsLongOnes(t *testing.T) {
	milk := tasks.Task{ID: 4, Title: "Buy milk"}
	add := tasks.Result{Tool: tasks.ToolAddTask, OK: true, Changed: true, Task: &milk}
	assert.Equal(t, "Groceries", titledAfter(t, userTurn("Groceries"), add), "a thread with a title keeps it")

	long := tasks.Task{ID: 5, Title: strings.Repeat("very long task title ", 8)}
	got := titledAfter(t, userTurn(""), tasks.Result{Tool: tasks.ToolAddTask, OK: true, Changed: true, Task: &long})
	assert.True(t, strings.HasPrefix(got, "Add: very long task title"), got)
	assert.LessOrEqual(t, len([]rune(got)), 61, "cut like chatkit.DeriveTitle: %q", got)

	// A failed turn sets no title.
	r := agent.Titled(chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		require.NoError(t, agent.RecordChangeOf(ctx, sink, add))
		return errors.New("model down")
	}))
	sink := chatkittest.NewSink(context.Background(), chatkit.ThreadMetadata{ID: "thr_1"})
	require.Error(t, r.Respond(context.Background(), userTurn(""), sink))
	assert.Empty(t, sink.Thread().Title)
}
