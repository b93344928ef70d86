package widgets_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func TestRecurrenceInTheList(t *testing.T) {
	list := sample()
	list[1].Recurrence = &tasks.Recurrence{Rule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=30",
		TimeZone: "America/New_York", Start: *list[1].DueAt}
	l := widgets.NewList("Your tasks", list, "")
	var root map[string]any
	require.NoError(t, json.Unmarshal(l.Render(nyc, now), &root))

	captions := map[string][]string{} // row key → caption values
	for _, k := range root["children"].([]any) {
		item := k.(map[string]any)
		key, _ := item["key"].(string)
		walk(t, item, func(n map[string]any) {
			if n["type"] == "Caption" {
				captions[key] = append(captions[key], n["value"].(string))
			}
		})
	}
	assert.Contains(t, captions["task-2"], "Repeats every weekday at 9:30")
	for _, key := range []string{"task-4", "task-5"} {
		for _, c := range captions[key] {
			assert.NotContains(t, c, "Repeats", key)
		}
	}
	assert.Equal(t, "#2 Call mom (due tomorrow at 5:00 PM, repeats every weekday at 9:30)",
		widgets.Describe(list[1], nyc, now))
}

func TestRecurrenceReplies(t *testing.T) {
	due := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Monday 9:00 New York
	plants := tasks.Task{ID: 7, Title: "Water the plants", Status: tasks.StatusPending, DueAt: &due,
		Recurrence: &tasks.Recurrence{Rule: "FREQ=WEEKLY;BYDAY=MO", TimeZone: "America/New_York", Start: due}}
	cases := []struct {
		name string
		res  tasks.Result
		want string
	}{
		{"added", tasks.Result{Tool: tasks.ToolAddTask, OK: true, Changed: true, Task: &plants},
			"Added task 7 “Water the plants” — due Monday at 9:00 AM, repeats every Monday."},
		{"completed an occurrence", tasks.Result{Tool: tasks.ToolCompleteTask, OK: true, Changed: true, Task: &plants,
			Fields: []string{"due_at"}},
			"Nice work! Marked this one done; task 7 “Water the plants” repeats every Monday, so the next one is due Monday at 9:00 AM."},
		{"now repeats", tasks.Result{Tool: tasks.ToolUpdateTask, OK: true, Changed: true, Task: &plants,
			Fields: []string{"recurrence"}},
			"Task 7 “Water the plants” now repeats every Monday."},
		{"stopped", tasks.Result{Tool: tasks.ToolUpdateTask, OK: true, Changed: true,
			Task: &tasks.Task{ID: 7, Title: "Water the plants"}, Fields: []string{"recurrence"}},
			"Task 7 “Water the plants” no longer repeats."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, widgets.Confirm(tc.res, nyc, now))
		})
	}
}
