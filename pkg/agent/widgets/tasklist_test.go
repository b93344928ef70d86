package widgets_test

import (
	"encoding/json"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

var (
	nyc, _ = time.LoadLocation("America/New_York")
	now    = time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC) // Wed 10:00 in New York
)

func at(t time.Time) *time.Time { return &t }

func sample() []tasks.Task {
	return []tasks.Task{
		{ID: 4, Title: "Pay bills", Status: tasks.StatusPending, Priority: tasks.PriorityUrgent,
			DueAt: at(time.Date(2026, 11, 25, 4, 59, 0, 0, time.UTC)), DueAllDay: true, Tags: []string{"finance"}},
		{ID: 2, Title: "Call mom", Status: tasks.StatusPending, Priority: tasks.PriorityNone,
			DueAt: at(time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC))},
		{ID: 5, Title: "Buy milk", Status: tasks.StatusCompleted, Priority: tasks.PriorityLow},
	}
}

// The front end's formatDue (frontend/test/dates.test.ts) repeats these
// cases: keep the two lists the same.
func TestFormatDueAt(t *testing.T) {
	cases := []struct {
		due    time.Time
		allDay bool
		loc    *time.Location
		want   string
	}{
		{time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), false, nyc, "tomorrow at 5:00 PM"},
		{time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), false, time.UTC, "tomorrow at 10:00 PM"},
		{time.Date(2026, 11, 26, 4, 59, 0, 0, time.UTC), true, nyc, "today"},
		{time.Date(2026, 11, 26, 4, 59, 0, 0, time.UTC), false, nyc, "today at 11:59 PM"}, // a time the user chose
		{time.Date(2026, 11, 25, 4, 59, 0, 0, time.UTC), true, nyc, "yesterday"},
		{time.Date(2026, 11, 28, 14, 30, 0, 0, time.UTC), false, nyc, "Saturday at 9:30 AM"},
		{time.Date(2026, 11, 29, 4, 59, 0, 0, time.UTC), true, nyc, "Saturday"},
		{time.Date(2026, 12, 8, 4, 59, 0, 0, time.UTC), true, nyc, "Mon, Dec 7"},
		{time.Date(2028, 1, 6, 4, 59, 0, 0, time.UTC), true, nyc, "Jan 5, 2028"},
		{time.Date(2027, 1, 4, 4, 59, 0, 0, time.UTC), true, nyc, "Jan 3, 2027"},
		{time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC), false, nyc, "today at 12:00 PM"},
		{time.Date(2026, 11, 25, 5, 5, 0, 0, time.UTC), false, nyc, "today at 12:05 AM"},
		{time.Date(2025, 12, 31, 12, 0, 0, 0, time.UTC), false, nyc, "Dec 31, 2025 at 7:00 AM"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			assert.Equal(t, tc.want, widgets.FormatDueAt(tc.due, tc.allDay, tc.loc, now))
		})
	}
}

func TestDueTextFollowsTheFlag(t *testing.T) {
	endOfDay := time.Date(2026, 11, 26, 4, 59, 0, 0, time.UTC) // 23:59 in New York
	assert.Equal(t, "today", widgets.DueText(tasks.Task{DueAt: &endOfDay, DueAllDay: true}, nyc, now))
	assert.Equal(t, "today at 11:59 PM", widgets.DueText(tasks.Task{DueAt: &endOfDay}, nyc, now))
	assert.Empty(t, widgets.DueText(tasks.Task{}, nyc, now))
	// A bare parsed instant (no flag to read) still hides 23:59.
	assert.Equal(t, "today", widgets.FormatDue(endOfDay, nyc, now))
	assert.Equal(t, "tomorrow at 5:00 PM", widgets.FormatDue(time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), nyc, now))
}

// walk visits every component of a widget tree.
func walk(t *testing.T, n map[string]any, fn func(map[string]any)) {
	t.Helper()
	fn(n)
	if kids, ok := n["children"].([]any); ok {
		for _, k := range kids {
			m, ok := k.(map[string]any)
			require.True(t, ok, "child is an object: %v", k)
			walk(t, m, fn)
		}
	}
}

func TestRenderFollowsWidgetSchema(t *testing.T) {
	raw := widgets.NewList("Pending tasks", sample(), "").Render(nyc, now)
	var root map[string]any
	require.NoError(t, json.Unmarshal(raw, &root))
	assert.Equal(t, "ListView", root["type"])
	assert.Equal(t, map[string]any{"text": "Pending tasks · 3", "icon": "check-circle"}, root["status"])

	known := map[string]bool{"ListView": true, "ListViewItem": true, "Row": true, "Col": true, "Text": true,
		"Caption": true, "Badge": true, "Button": true}
	var actions []map[string]any
	walk(t, root, func(n map[string]any) {
		typ, _ := n["type"].(string)
		assert.True(t, known[typ], "known component type %q", typ)
		assert.True(t, unicode.IsUpper(rune(typ[0])), "PascalCase type %q", typ)
		for k := range n {
			assert.False(t, k != "" && unicode.IsUpper(rune(k[0])), "camelCase prop %q", k)
			assert.NotContains(t, k, "_", "camelCase prop %q", k)
		}
		if a, ok := n["onClickAction"].(map[string]any); ok {
			actions = append(actions, a)
		}
	})
	// Two buttons per task: Complete (or Reopen when done) and Delete.
	require.Len(t, actions, 6)
	assert.Equal(t, map[string]any{"type": "task.complete", "payload": map[string]any{"task_id": float64(4)},
		"handler": "server", "loadingBehavior": "container"}, actions[0])
	assert.Equal(t, "task.ask_delete", actions[1]["type"])
	assert.Equal(t, "task.reopen", actions[4]["type"], "a completed task offers Reopen")
	assert.Equal(t, map[string]any{"task_id": float64(5)}, actions[4]["payload"])

	s := string(raw)
	assert.Contains(t, s, `"value":"Pay bills"`)
	assert.Contains(t, s, `"value":"Overdue · due yesterday"`, "date-only: no clock time")
	assert.Contains(t, s, `"value":"Due tomorrow at 5:00 PM"`, "due shown in the user's zone")
	assert.Contains(t, s, `"label":"Urgent"`)
	assert.Contains(t, s, `"label":"#finance"`)
	assert.Contains(t, s, `"label":"Done"`)
}

func TestRenderEmptyState(t *testing.T) {
	raw := widgets.NewList("Completed tasks", nil, "You haven't completed any tasks yet.").Render(nyc, now)
	assert.Contains(t, string(raw), `"value":"You haven't completed any tasks yet."`)
	assert.Contains(t, string(raw), `"text":"Completed tasks · 0"`)
	l, ok := widgets.Parse(raw)
	require.True(t, ok)
	assert.Empty(t, l.Rows)
}

func TestParseRoundTrip(t *testing.T) {
	l := widgets.NewList("Pending tasks", sample(), "")
	l.Rows[1].Deleted = true
	got, ok := widgets.Parse(l.Render(nyc, now))
	require.True(t, ok)
	assert.Equal(t, "Pending tasks", got.Title)
	assert.Equal(t, []int64{4, 2, 5}, got.IDs())
	assert.Equal(t, "Call mom", got.Rows[1].Task.Title)
	assert.True(t, got.Rows[1].Deleted)
	assert.False(t, got.Rows[0].Deleted)

	_, ok = widgets.Parse(json.RawMessage(`{"type":"Card","children":[]}`))
	assert.False(t, ok, "other widgets are not task lists")
}

func TestRenderCapsRows(t *testing.T) {
	var many []tasks.Task
	for i := 1; i <= widgets.MaxRows+7; i++ {
		many = append(many, tasks.Task{ID: int64(i), Title: "t", Status: tasks.StatusPending})
	}
	l := widgets.NewList("All tasks", many, "")
	assert.Len(t, l.Rows, widgets.MaxRows)
	raw := string(l.Render(time.UTC, now))
	assert.Contains(t, raw, "…and 7 more")
	assert.Contains(t, raw, `"text":"All tasks · 57"`)
}

func TestConfirm(t *testing.T) {
	task := tasks.Task{ID: 4, Title: "Buy milk", Status: tasks.StatusPending, Priority: tasks.PriorityHigh,
		DueAt: at(time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC)), Tags: []string{"errands"}}
	got := widgets.Confirm(tasks.Result{Tool: tasks.ToolAddTask, OK: true, Changed: true, Task: &task}, nyc, now)
	assert.Equal(t, "Added task 4 “Buy milk” — due tomorrow at 5:00 PM, high priority, #errands.", got)

	before := task
	before.Title = "Buy mlik"
	got = widgets.Confirm(tasks.Result{Tool: tasks.ToolUpdateTask, OK: true, Changed: true, Task: &task,
		Before: &before, Fields: []string{"title"}}, nyc, now)
	assert.Equal(t, "Renamed task 4 from “Buy mlik” to “Buy milk”.", got)

	done := task
	done.Status = tasks.StatusCompleted
	got = widgets.Confirm(tasks.Result{Tool: tasks.ToolCompleteTask, OK: true, Changed: false, Task: &done}, nyc, now)
	assert.Equal(t, "Task 4 “Buy milk” was already completed.", got)
}
