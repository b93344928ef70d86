package openaiagent_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func step(calls ...fakeopenai.Call) fakeopenai.Step { return fakeopenai.CallTools(calls...) }

func tool(name, args string) fakeopenai.Call { return fakeopenai.Call{Name: name, Arguments: args} }

// lastToolResult is the output the model got for its latest call.
func lastToolResult(t *testing.T, h *harness) map[string]any {
	t.Helper()
	reqs := h.fake.Requests()
	conv := reqs[len(reqs)-1].Conversation
	for i := len(conv) - 1; i >= 0; i-- {
		if conv[i].Role == "tool_result" {
			var out map[string]any
			require.NoError(t, json.Unmarshal([]byte(conv[i].Text), &out))
			return out
		}
	}
	t.Fatal("no tool result in the last request")
	return nil
}

// effects returns the task ids of each tasks_changed effect, by action.
func effects(events []chatkit.Event) map[string][]any {
	out := map[string][]any{}
	for _, ev := range events {
		if e, ok := ev.(chatkit.ClientEffectEvent); ok && e.Name == "tasks_changed" {
			data, _ := json.Marshal(e.Data)
			var d struct {
				Action string `json:"action"`
				IDs    []any  `json:"task_ids"`
			}
			_ = json.Unmarshal(data, &d)
			out[d.Action] = append(out[d.Action], d.IDs...)
		}
	}
	return out
}

func TestSeveralTasksAndRecurrenceInOneCall(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		h.fake.Enqueue(
			step(tool("add_tasks", `{"tasks":[`+
				`{"title":"Water the plants","description":null,"due_at":null,"priority":null,"tags":null,"repeat":"FREQ=WEEKLY;BYDAY=MO","time_zone":null},`+
				`{"title":"Pay rent","description":null,"due_at":"2026-12-01T09:00:00-05:00","priority":"high","tags":null,"repeat":"FREQ=MONTHLY;BYMONTHDAY=1","time_zone":null},`+
				`{"title":"Buy milk","description":null,"due_at":null,"priority":null,"tags":null,"repeat":null,"time_zone":null}]}`)),
			fakeopenai.Reply("Added 3 tasks."),
		)
		events, err := h.say("water the plants every monday, pay rent monthly on the 1st, and buy milk")
		require.NoError(t, err)
		assert.Equal(t, map[string][]any{"add_tasks": {1.0, 2.0, 3.0}}, effects(events))
		out := lastToolResult(t, h)
		assert.Equal(t, true, out["ok"])
		assert.Contains(t, out["message"], `Added 3 tasks`)

		all := h.listTasks()
		require.Len(t, all, 3)
		byTitle := map[string]tasks.Task{}
		for _, task := range all {
			byTitle[task.Title] = task
		}
		plants := byTitle["Water the plants"]
		require.NotNil(t, plants.Recurrence)
		assert.Equal(t, "America/New_York", plants.Recurrence.TimeZone, "the user's zone")
		assert.Equal(t, "2026-11-30T14:00:00Z", tasks.FormatTime(*plants.DueAt), "next Monday 9:00 in New York")
		assert.Equal(t, "repeats monthly on the 1st", byTitle["Pay rent"].Recurrence.Text())
		assert.Nil(t, byTitle["Buy milk"].Recurrence)

		// Stopping the repetition through update_task, then undo.
		h.fake.Enqueue(
			step(tool("update_task", `{"task_id":2,"title":null,"description":null,"due_at":null,"clear_due":null,`+
				`"priority":null,"tags":null,"status":null,"repeat":"","time_zone":null}`)),
			fakeopenai.Reply("The rent task no longer repeats."),
		)
		_, err = h.say("stop repeating the rent task")
		require.NoError(t, err)
		assert.Contains(t, lastToolResult(t, h)["message"], "no longer repeats")
		rent, err := h.tasks.Get(context.Background(), userID, 2)
		require.NoError(t, err)
		assert.Nil(t, rent.Recurrence)

		h.fake.Enqueue(step(tool("undo_last_change", `{}`)), fakeopenai.Reply("Done."))
		events, err = h.say("undo")
		require.NoError(t, err)
		assert.Equal(t, map[string][]any{"undo": {2.0}}, effects(events))
		rent, err = h.tasks.Get(context.Background(), userID, 2)
		require.NoError(t, err)
		require.NotNil(t, rent.Recurrence, "repeats again")
	})
}

func TestBulkDeleteNeedsTheUsersConfirmation(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		ctx := context.Background()
		for _, title := range []string{"Buy milk", "Call mom", "Pay rent"} {
			_, err := h.tasks.Add(ctx, userID, tasks.NewTask{Title: title})
			require.NoError(t, err)
		}

		// The model tries to delete two tasks, then to confirm by itself
		// in the same turn: both answer needs_confirmation.
		h.fake.Enqueue(
			step(tool("delete_tasks", `{"task_ids":[1,2],"confirm":null}`)),
			step(tool("delete_tasks", `{"task_ids":[2,1],"confirm":true}`)),
			fakeopenai.Reply(`Delete "Buy milk" and "Call mom"?`),
		)
		events, err := h.say("delete the milk and mom tasks")
		require.NoError(t, err)
		assert.Empty(t, effects(events))
		out := lastToolResult(t, h)
		assert.Equal(t, "needs_confirmation", out["code"])
		assert.Contains(t, out["error"], "has not confirmed")
		assert.Len(t, h.listTasks(), 3, "nothing deleted")

		// A confirmation for other tasks does not count.
		h.fake.Enqueue(step(tool("delete_tasks", `{"task_ids":[1,3],"confirm":true}`)), fakeopenai.Reply("Hm."))
		_, err = h.say("yes")
		require.NoError(t, err)
		assert.Equal(t, "needs_confirmation", lastToolResult(t, h)["code"])
		assert.Len(t, h.listTasks(), 3)

		// After the user's yes, the same tasks are deleted.
		h.fake.Enqueue(step(tool("delete_tasks", `{"task_ids":["1",2],"confirm":true}`)), fakeopenai.Reply("Deleted both."))
		events, err = h.say("yes, milk and mom")
		require.NoError(t, err)
		assert.Equal(t, map[string][]any{"delete_tasks": {1.0, 2.0}}, effects(events))
		assert.Equal(t, true, lastToolResult(t, h)["ok"])
		left := h.listTasks()
		require.Len(t, left, 1)
		assert.Equal(t, "Pay rent", left[0].Title)

		// Undo brings both back, with their ids.
		h.fake.Enqueue(step(tool("undo_last_change", `{}`)), fakeopenai.Reply("They're back."))
		events, err = h.say("undo that")
		require.NoError(t, err)
		assert.ElementsMatch(t, []any{1.0, 2.0}, effects(events)["undo"])
		assert.Equal(t, "Undone: task 2 “Call mom” is back; task 1 “Buy milk” is back.", lastToolResult(t, h)["message"])
		assert.Len(t, h.listTasks(), 3)

		// One task needs no confirmation.
		h.fake.Enqueue(step(tool("delete_tasks", `{"task_ids":[3],"confirm":null}`)), fakeopenai.Reply("Deleted."))
		_, err = h.say("delete the rent task")
		require.NoError(t, err)
		assert.Len(t, h.listTasks(), 2)
	})
}

func TestCompleteSeveralWithARecurringOneAndUndo(t *testing.T) {
	forEachStyle(t, func(t *testing.T, style string) {
		h := newHarness(t, style)
		ctx := tasks.WithTimeZone(context.Background(), zone)
		due := fixedNow.Add(-2 * 24 * 60 * 60 * 1e9) // Thursday 2026-11-26 11:30 New York
		rent, err := h.tasks.Add(ctx, userID, tasks.NewTask{Title: "Standup", DueAt: &due,
			Repeat: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"})
		require.NoError(t, err)
		_, err = h.tasks.Add(ctx, userID, tasks.NewTask{Title: "Buy milk"})
		require.NoError(t, err)

		h.fake.Enqueue(step(tool("complete_tasks", `{"task_ids":[1,2]}`)), fakeopenai.Reply("Done."))
		events, err := h.say("done with both")
		require.NoError(t, err)
		assert.Equal(t, map[string][]any{"complete_tasks": {1.0, 2.0}}, effects(events))
		got, err := h.tasks.Get(ctx, userID, rent.ID)
		require.NoError(t, err)
		assert.Equal(t, tasks.StatusPending, got.Status)
		assert.Equal(t, "2026-11-27T16:30:00Z", tasks.FormatTime(*got.DueAt), "Friday, same time")
		occ, err := h.tasks.Occurrences(ctx, userID, rent.ID, 0)
		require.NoError(t, err)
		assert.Len(t, occ, 1)

		h.fake.Enqueue(step(tool("undo_last_change", `{}`)), fakeopenai.Reply("Undone."))
		_, err = h.say("undo")
		require.NoError(t, err)
		got, err = h.tasks.Get(ctx, userID, rent.ID)
		require.NoError(t, err)
		assert.Equal(t, due.UTC(), got.DueAt.UTC())
		occ, err = h.tasks.Occurrences(ctx, userID, rent.ID, 0)
		require.NoError(t, err)
		assert.Empty(t, occ, "the occurrence is undone too")
		milk, err := h.tasks.Get(ctx, userID, 2)
		require.NoError(t, err)
		assert.Equal(t, tasks.StatusPending, milk.Status)

		h.fake.Enqueue(step(tool("undo_last_change", `{}`)), fakeopenai.Reply("Nothing."))
		_, err = h.say("undo")
		require.NoError(t, err)
		assert.Equal(t, "nothing_to_undo", lastToolResult(t, h)["code"])
	})
}
