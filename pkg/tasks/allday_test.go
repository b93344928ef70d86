package tasks_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func allDayField(t *testing.T, err error) string {
	t.Helper()
	ae, ok := apperr.As(err)
	require.True(t, ok, "want an apperr, got %v", err)
	assert.Equal(t, apperr.CodeValidation, ae.Code)
	return ae.Fields["due_all_day"]
}

// The date-only flag on SQLite and PostgreSQL: stored, returned, changed,
// refused without a due date, and kept by a recurring task's occurrences.
func TestStoreDueAllDay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		nyc, err := time.LoadLocation("America/New_York")
		require.NoError(t, err)
		monday := time.Date(2026, 12, 7, 23, 59, 0, 0, nyc) // "on Monday", no time

		t.Run("add, get and list keep the flag; a timed task has it false", func(t *testing.T) {
			svc, _ := newService(t, db)
			day, err := svc.Add(ctx, "ad", tasks.NewTask{Title: "Dentist", DueAt: &monday, DueAllDay: true})
			require.NoError(t, err)
			assert.True(t, day.DueAllDay)
			at := time.Date(2026, 12, 7, 17, 0, 0, 0, nyc)
			timed, err := svc.Add(ctx, "ad", tasks.NewTask{Title: "Call", DueAt: &at})
			require.NoError(t, err)
			assert.False(t, timed.DueAllDay)

			got, err := svc.Get(ctx, "ad", day.ID)
			require.NoError(t, err)
			assert.True(t, got.DueAllDay)
			assert.True(t, got.DueAt.Equal(monday))
			list, err := svc.List(ctx, "ad", tasks.Filter{})
			require.NoError(t, err)
			require.Len(t, list, 2)
			assert.Equal(t, []bool{false, true}, []bool{list[0].DueAllDay, list[1].DueAllDay}, "5 PM before the end of the day")
		})

		t.Run("without a due date the flag is refused", func(t *testing.T) {
			svc, _ := newService(t, db)
			_, err := svc.Add(ctx, "nd", tasks.NewTask{Title: "Someday", DueAllDay: true})
			assert.Contains(t, allDayField(t, err), "needs a due date")
			plain, err := svc.Add(ctx, "nd", tasks.NewTask{Title: "Plain"})
			require.NoError(t, err)
			yes := true
			_, err = svc.Update(ctx, "nd", plain.ID, tasks.Patch{DueAllDay: &yes})
			assert.Contains(t, allDayField(t, err), "needs a due date")
			_, err = svc.Update(ctx, "nd", plain.ID, tasks.Patch{DueAt: &monday, DueAllDay: &yes, ClearDue: false})
			require.NoError(t, err)
			_, err = svc.Update(ctx, "nd", plain.ID, tasks.Patch{ClearDue: true, DueAllDay: &yes})
			assert.Contains(t, allDayField(t, err), "needs a due date")
		})

		t.Run("update: a due time alone is timed, the flag alone toggles, clearing the due clears it", func(t *testing.T) {
			svc, _ := newService(t, db)
			task, err := svc.Add(ctx, "up", tasks.NewTask{Title: "Report", DueAt: &monday, DueAllDay: true})
			require.NoError(t, err)
			at := time.Date(2026, 12, 8, 9, 30, 0, 0, nyc)
			ch, err := svc.Update(ctx, "up", task.ID, tasks.Patch{DueAt: &at})
			require.NoError(t, err)
			assert.False(t, ch.After.DueAllDay)
			assert.ElementsMatch(t, []string{"due_at", "due_all_day"}, ch.Fields)

			yes := true
			ch, err = svc.Update(ctx, "up", task.ID, tasks.Patch{DueAllDay: &yes})
			require.NoError(t, err)
			assert.True(t, ch.After.DueAllDay)
			assert.Equal(t, []string{"due_all_day"}, ch.Fields)
			ch, err = svc.Update(ctx, "up", task.ID, tasks.Patch{DueAllDay: &yes})
			require.NoError(t, err)
			assert.False(t, ch.Changed, "same value: nothing changed")

			ch, err = svc.Update(ctx, "up", task.ID, tasks.Patch{ClearDue: true})
			require.NoError(t, err)
			assert.Nil(t, ch.After.DueAt)
			assert.False(t, ch.After.DueAllDay)
			got, err := svc.Get(ctx, "up", task.ID)
			require.NoError(t, err)
			assert.False(t, got.DueAllDay)
		})

		t.Run("a recurring date-only task stays date-only on its next occurrence", func(t *testing.T) {
			svc, _ := newService(t, db)
			task, err := svc.Add(ctx, "rec", tasks.NewTask{Title: "Bins", DueAt: &monday, DueAllDay: true,
				Repeat: "FREQ=WEEKLY", TimeZone: "America/New_York"})
			require.NoError(t, err)
			ch, err := svc.Complete(ctx, "rec", task.ID)
			require.NoError(t, err)
			require.NotNil(t, ch.Occurrence)
			assert.Equal(t, tasks.StatusPending, ch.After.Status)
			assert.True(t, ch.After.DueAt.Equal(time.Date(2026, 12, 14, 23, 59, 0, 0, nyc)), "next: %v", ch.After.DueAt)
			assert.True(t, ch.After.DueAllDay)
			got, err := svc.Get(ctx, "rec", task.ID)
			require.NoError(t, err)
			assert.True(t, got.DueAllDay)
		})

		t.Run("delete and restore keep the flag", func(t *testing.T) {
			svc, _ := newService(t, db)
			task, err := svc.Add(ctx, "undo", tasks.NewTask{Title: "Pay rent", DueAt: &monday, DueAllDay: true})
			require.NoError(t, err)
			gone, err := svc.Delete(ctx, "undo", task.ID)
			require.NoError(t, err)
			back, err := svc.Restore(ctx, "undo", gone)
			require.NoError(t, err)
			assert.True(t, back.DueAllDay)
			got, err := svc.Get(ctx, "undo", task.ID)
			require.NoError(t, err)
			assert.True(t, got.DueAllDay)
		})
	})
}

// The tools (every agent and MCP) take due_all_day on add_task, add_tasks
// and update_task and return it in the task JSON.
func TestToolsDueAllDay(t *testing.T) {
	tools, _, _ := newTools(t, storagetest.SQLite(t))
	const u = "tool-all-day"
	res := call(t, tools, u, "add_task", `{"title":"Dentist","due_at":"2026-12-07T23:59:00-05:00","due_all_day":true}`)
	require.True(t, res.OK, res.Error)
	task := out(t, res)["task"].(map[string]any)
	assert.Equal(t, true, task["due_all_day"])
	assert.Equal(t, "2026-12-08T04:59:00Z", task["due_at"])

	res = call(t, tools, u, "add_task", `{"title":"Someday","due_all_day":true}`)
	assert.False(t, res.OK)
	assert.Equal(t, "invalid_argument", res.Code)
	assert.Contains(t, res.Error, "due_all_day")

	res = call(t, tools, u, "update_task", `{"task_id":1,"due_at":"2026-12-07T17:00:00-05:00","due_all_day":null}`)
	require.True(t, res.OK, res.Error)
	assert.Equal(t, false, out(t, res)["task"].(map[string]any)["due_all_day"])
	res = call(t, tools, u, "update_task", `{"task_id":1,"due_at":"2026-12-08T23:59:00-05:00","due_all_day":true}`)
	require.True(t, res.OK, res.Error)
	assert.Equal(t, true, out(t, res)["task"].(map[string]any)["due_all_day"])
	assert.Equal(t, []any{"due_at", "due_all_day"}, out(t, res)["changed_fields"])

	res = call(t, tools, u, "add_tasks", `{"tasks":[{"title":"A","due_at":"2026-12-09T23:59:00-05:00","due_all_day":true},{"title":"B"}]}`)
	require.True(t, res.OK, res.Error)
	require.Len(t, res.Tasks, 2)
	assert.True(t, res.Tasks[0].DueAllDay)
	assert.False(t, res.Tasks[1].DueAllDay)
}

// add_task and update_task publish due_all_day to models (strict: nullable
// boolean) and to MCP (loose: optional boolean).
func TestSchemaDueAllDay(t *testing.T) {
	tools, _, _ := newTools(t, storagetest.SQLite(t))
	seen := 0
	for _, d := range tools.Definitions() {
		if d.Name != tasks.ToolAddTask && d.Name != tasks.ToolUpdateTask {
			continue
		}
		seen++
		var strict, loose struct {
			Properties map[string]struct {
				Type any `json:"type"`
			} `json:"properties"`
			Required []string `json:"required"`
		}
		require.NoError(t, json.Unmarshal(d.Parameters, &strict))
		require.NoError(t, json.Unmarshal(d.InputSchema, &loose))
		assert.Equal(t, []any{"boolean", "null"}, strict.Properties["due_all_day"].Type, d.Name)
		assert.Contains(t, strict.Required, "due_all_day", d.Name)
		assert.Equal(t, "boolean", loose.Properties["due_all_day"].Type, d.Name)
		assert.NotContains(t, loose.Required, "due_all_day", d.Name)
	}
	assert.Equal(t, 2, seen)
}
