package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func TestRecurrenceTools(t *testing.T) {
	tools, _, _ := newTools(t, storagetest.SQLite(t))
	const u = "tool-rec"
	ctx := tasks.WithTimeZone(context.Background(), "Europe/Paris")

	res, err := tools.Call(ctx, u, "add_task", json.RawMessage(`{"title":"Water the plants","repeat":"FREQ=WEEKLY;BYDAY=MO"}`))
	require.NoError(t, err)
	require.True(t, res.OK, res.Error)
	assert.Equal(t, `Added task 1 "Water the plants" (repeats every Monday).`, res.Message)
	assert.Equal(t, "Europe/Paris", res.Task.Recurrence.TimeZone, "the context's zone")
	assert.Equal(t, "2026-11-30T08:00:00Z", tasks.FormatTime(*res.Task.DueAt), "Monday 9:00 Paris")
	rec := out(t, res)["task"].(map[string]any)["recurrence"].(map[string]any)
	assert.Equal(t, "repeats every Monday", rec["text"])

	res = call(t, tools, u, "complete_task", `{"task_id":1}`)
	require.True(t, res.OK, res.Error)
	assert.Equal(t, `Completed this occurrence of task 1 "Water the plants" (due 2026-11-30T08:00:00Z); `+
		`it repeats every Monday, next due 2026-12-07T08:00:00Z.`, res.Message)
	assert.Equal(t, tasks.StatusPending, res.Task.Status)
	assert.Equal(t, []string{"due_at"}, res.Fields)

	res = call(t, tools, u, "update_task", `{"task_id":1,"repeat":"FREQ=WEEKLY;INTERVAL=2","time_zone":"America/New_York"}`)
	require.True(t, res.OK, res.Error)
	assert.Equal(t, `Updated task 1 "Water the plants": recurrence (repeats every 2 weeks).`, res.Message)
	assert.Equal(t, "America/New_York", res.Task.Recurrence.TimeZone)

	res = call(t, tools, u, "update_task", `{"task_id":1,"repeat":""}`)
	require.True(t, res.OK, res.Error)
	assert.Equal(t, `Task 1 "Water the plants" no longer repeats.`, res.Message)
	assert.NotContains(t, string(res.JSON), "recurrence\":{")

	// A model that fills time_zone on every call is not refused.
	res = call(t, tools, u, "add_task", `{"title":"Once","repeat":null,"time_zone":"Europe/Paris"}`)
	require.True(t, res.OK, res.Error)
	assert.Nil(t, res.Task.Recurrence)

	res = call(t, tools, u, "add_task", `{"title":"x","repeat":"every monday"}`)
	assert.Equal(t, tasks.CodeInvalidArgument, res.Code)
	assert.Contains(t, res.Error, "recurrence: is not a valid RFC 5545 RRULE")
	res = call(t, tools, u, "add_task", `{"title":"x","repeat":"FREQ=DAILY","time_zone":"Paris"}`)
	assert.Equal(t, tasks.CodeInvalidArgument, res.Code)
	assert.Contains(t, res.Error, `time_zone: "Paris" is not an IANA time zone name`)
}

func TestBulkTools(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		tools, reg, _ := newTools(t, db)
		const u = "bulk"

		res := call(t, tools, u, "add_tasks", `{"tasks":[{"title":"Buy milk","priority":"high"},`+
			`{"title":"Pay rent","due_at":"2026-12-01T09:00:00Z","repeat":"FREQ=MONTHLY;BYMONTHDAY=1"},{"title":"Call mom"}]}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, `Added 3 tasks: task 1 "Buy milk", task 2 "Pay rent", task 3 "Call mom".`, res.Message)
		require.Len(t, res.Items, 3)
		for i, it := range res.Items {
			assert.Equal(t, "add_task", it.Tool)
			assert.Equal(t, int64(i+1), it.Task.ID)
		}
		assert.InDelta(t, 3, out(t, res)["count"], 0)

		// All or none: the third is invalid, so the first two are removed.
		res = call(t, tools, u, "add_tasks", `{"tasks":[{"title":"a"},{"title":"b"},{"title":" "}]}`)
		assert.False(t, res.OK)
		assert.Equal(t, tasks.CodeInvalidArgument, res.Code)
		assert.Contains(t, res.Error, "tasks[2]: invalid arguments: title: must not be empty; no task was added")
		assert.Equal(t, []int64{1, 2, 3}, serviceIDs(t, tools.Service(), u))
		for _, bad := range []string{`{}`, `{"tasks":[]}`, `{"tasks":[{"title":"a","colour":"red"}]}`} {
			res = call(t, tools, u, "add_tasks", bad)
			assert.Equal(t, tasks.CodeInvalidArgument, res.Code, bad)
		}

		res = call(t, tools, u, "complete_tasks", `{"task_ids":[1,2,9]}`)
		assert.Equal(t, tasks.CodeNotFound, res.Code)
		assert.Contains(t, res.Error, "task 9 does not exist; nothing was changed")
		res = call(t, tools, u, "complete_tasks", `{"task_ids":[1,"2"]}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, `Completed task 1 "Buy milk". Completed this occurrence of task 2 "Pay rent" `+
			`(repeating: moved to the next one).`, res.Message)
		require.Len(t, res.Items, 2)
		assert.Equal(t, "complete_task", res.Items[0].Tool)
		assert.Equal(t, tasks.StatusPending, res.Items[0].Before.Status)
		assert.Equal(t, "2027-01-01T09:00:00Z", tasks.FormatTime(*res.Items[1].Task.DueAt))

		// Deleting several needs confirmation; one does not.
		res = call(t, tools, u, "delete_tasks", `{"task_ids":[1,3]}`)
		assert.False(t, res.OK)
		assert.Equal(t, tasks.CodeNeedsConfirmation, res.Code)
		assert.Contains(t, res.Error, `deleting 2 tasks (task 1 "Buy milk", task 3 "Call mom") needs the user's confirmation`)
		assert.Equal(t, []int64{1, 2, 3}, serviceIDs(t, tools.Service(), u), "nothing deleted")
		res = call(t, tools, u, "delete_tasks", `{"task_ids":[1,3],"confirm":false}`)
		assert.Equal(t, tasks.CodeNeedsConfirmation, res.Code)
		res = call(t, tools, u, "delete_tasks", `{"task_ids":[1,3],"confirm":true}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, `Deleted 2 tasks: task 1 "Buy milk", task 3 "Call mom".`, res.Message)
		require.Len(t, res.Items, 2)
		assert.Equal(t, "delete_task", res.Items[1].Tool)
		assert.Equal(t, int64(3), res.Items[1].Before.ID)
		assert.Equal(t, []int64{2}, serviceIDs(t, tools.Service(), u))
		res = call(t, tools, u, "delete_tasks", `{"task_ids":[2]}`)
		require.True(t, res.OK, res.Error)

		res = call(t, tools, u, "complete_tasks", `{"task_ids":[]}`)
		assert.Equal(t, tasks.CodeInvalidArgument, res.Code)
		res = call(t, tools, u, "complete_tasks", `{"task_ids":[1],"confirm":true}`)
		assert.Equal(t, tasks.CodeInvalidArgument, res.Code)

		assert.InDelta(t, 2, testutil.ToFloat64(mustCounter(t, reg, "delete_tasks", "needs_confirmation")), 0)
	})
}

func serviceIDs(t *testing.T, svc *tasks.Service, user string) []int64 {
	t.Helper()
	list, err := svc.List(context.Background(), user, tasks.Filter{})
	require.NoError(t, err)
	out := ids(list)
	slices.Sort(out)
	return out
}

// TestBulkSchemas: the nested task objects of add_tasks follow the same two
// forms as the top level (strict: every property required, optional ones
// nullable; loose: only the title required), and task_ids are integers.
func TestBulkSchemas(t *testing.T) {
	tools, _, _ := newTools(t, storagetest.SQLite(t))
	type object struct {
		Properties           map[string]map[string]any `json:"properties"`
		Required             []string                  `json:"required"`
		AdditionalProperties *bool                     `json:"additionalProperties"`
	}
	type schema struct {
		Properties map[string]struct {
			Type  any    `json:"type"`
			Items object `json:"items"`
		} `json:"properties"`
	}
	for _, d := range tools.Definitions() {
		var strict, loose schema
		require.NoError(t, json.Unmarshal(d.Parameters, &strict))
		require.NoError(t, json.Unmarshal(d.InputSchema, &loose))
		switch d.Name {
		case "add_tasks":
			s, l := strict.Properties["tasks"].Items, loose.Properties["tasks"].Items
			require.NotNil(t, s.AdditionalProperties)
			assert.False(t, *s.AdditionalProperties)
			assert.ElementsMatch(t, []string{"title", "description", "due_at", "due_all_day", "priority", "tags", "repeat", "time_zone"}, s.Required)
			assert.Equal(t, "string", s.Properties["title"]["type"])
			assert.Equal(t, []any{"string", "null"}, s.Properties["repeat"]["type"])
			assert.Equal(t, []string{"title"}, l.Required)
			assert.Equal(t, "string", l.Properties["repeat"]["type"])
		case "complete_tasks", "delete_tasks":
			assert.Equal(t, "array", strict.Properties["task_ids"].Type)
			assert.Equal(t, "integer", fmt.Sprint(mustItemsType(t, d.Parameters)))
		case "add_task", "update_task":
			assert.Contains(t, strict.Properties, "repeat")
			assert.Contains(t, strict.Properties, "time_zone")
		}
	}
}

func mustItemsType(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var s struct {
		Properties struct {
			TaskIDs struct {
				Items struct {
					Type any `json:"type"`
				} `json:"items"`
			} `json:"task_ids"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(raw, &s))
	return s.Properties.TaskIDs.Items.Type
}
