package tasks_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func newTools(t *testing.T, db *storage.DB) (*tasks.Tools, *prometheus.Registry, *clock) {
	t.Helper()
	svc, c := newService(t, db)
	reg := prometheus.NewRegistry()
	tools, err := tasks.NewTools(svc, reg)
	require.NoError(t, err)
	return tools, reg, c
}

func call(t *testing.T, tb tasks.Toolbox, user, name, args string) tasks.Result {
	t.Helper()
	res, err := tb.Call(context.Background(), user, name, json.RawMessage(args))
	require.NoError(t, err)
	assert.Equal(t, name, res.Tool)
	require.True(t, json.Valid(res.JSON), "result JSON: %s", res.JSON)
	return res
}

// out decodes a result's model-facing JSON.
func out(t *testing.T, res tasks.Result) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(res.JSON, &m))
	return m
}

func TestDefinitions(t *testing.T) {
	tools, _, _ := newTools(t, storagetest.SQLite(t))
	defs := tools.Definitions()
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.Name
	}
	assert.Equal(t, []string{"add_task", "list_tasks", "complete_task", "update_task", "delete_task",
		"add_tasks", "complete_tasks", "delete_tasks"}, names)

	wantRequired := map[string][]string{
		"add_task": {"title"}, "list_tasks": {}, "complete_task": {"task_id"},
		"update_task": {"task_id"}, "delete_task": {"task_id"},
		"add_tasks": {"tasks"}, "complete_tasks": {"task_ids"}, "delete_tasks": {"task_ids"},
	}
	for _, d := range defs {
		t.Run(d.Name, func(t *testing.T) {
			assert.NotEmpty(t, d.Description)
			type schema struct {
				Type                 string                    `json:"type"`
				Properties           map[string]map[string]any `json:"properties"`
				Required             []string                  `json:"required"`
				AdditionalProperties *bool                     `json:"additionalProperties"`
			}
			var strict, loose schema
			require.NoError(t, json.Unmarshal(d.Parameters, &strict))
			require.NoError(t, json.Unmarshal(d.InputSchema, &loose))
			for _, s := range []schema{strict, loose} {
				assert.Equal(t, "object", s.Type)
				require.NotNil(t, s.AdditionalProperties)
				assert.False(t, *s.AdditionalProperties)
			}
			// Strict: every property required; the optional ones nullable.
			assert.ElementsMatch(t, keys(strict.Properties), strict.Required)
			assert.Equal(t, wantRequired[d.Name], loose.Required)
			for name, prop := range strict.Properties {
				assert.NotEmpty(t, prop["description"], name)
				typ := prop["type"]
				if contains(wantRequired[d.Name], name) {
					assert.IsType(t, "", typ, "%s is required, not nullable", name)
				} else {
					assert.Contains(t, typ, "null", "%s is optional so nullable", name)
					if enum, ok := prop["enum"].([]any); ok {
						assert.Contains(t, enum, nil, "%s enum allows null", name)
					}
				}
				assert.IsType(t, "", loose.Properties[name]["type"], "loose %s is not nullable", name)
			}
		})
	}
}

func keys(m map[string]map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestToolsCall(t *testing.T) {
	tools, reg, c := newTools(t, storagetest.SQLite(t))
	const u = "tool-user"

	t.Run("add_task with every argument", func(t *testing.T) {
		res := call(t, tools, u, "add_task", `{"title":"Submit the report","description":"Q4","due_at":"2026-12-04T17:00:00-05:00",
			"priority":"high","tags":["#Work"]}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, "ok", res.Code)
		assert.True(t, res.Changed)
		assert.Nil(t, res.Before)
		require.NotNil(t, res.Task)
		assert.Equal(t, int64(1), res.Task.ID)
		assert.Equal(t, `Added task 1 "Submit the report".`, res.Message)
		m := out(t, res)
		assert.Equal(t, true, m["ok"])
		task := m["task"].(map[string]any)
		assert.Equal(t, map[string]any{
			"id": 1.0, "title": "Submit the report", "description": "Q4", "status": "pending", "priority": "high",
			"due_at": "2026-12-04T22:00:00Z", "due_all_day": false, "tags": []any{"work"}, "created_at": "2026-11-28T12:00:00Z",
			"updated_at": "2026-11-28T12:00:00Z", "completed_at": nil,
		}, task)
	})

	t.Run("add_task in strict form (nulls) and minimal form", func(t *testing.T) {
		res := call(t, tools, u, "add_task", `{"title":"Buy milk","description":null,"due_at":null,"priority":null,"tags":null}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, int64(2), res.Task.ID)
		assert.Equal(t, tasks.PriorityNone, res.Task.Priority)
		res = call(t, tools, u, "add_task", `{"title":"Call mom"}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, int64(3), res.Task.ID)
	})

	t.Run("list_tasks", func(t *testing.T) {
		res := call(t, tools, u, "list_tasks", `{}`)
		require.True(t, res.OK)
		assert.Equal(t, []int64{1, 2, 3}, ids(res.Tasks))
		m := out(t, res)
		assert.Equal(t, 3.0, m["count"])
		assert.Len(t, m["tasks"], 3)
		assert.Equal(t, "3 tasks.", res.Message)

		res = call(t, tools, u, "list_tasks", `{"status":"pending","query":"MILK","tag":null,"priority":null,
			"due_before":null,"due_after":null,"overdue":null}`)
		assert.Equal(t, []int64{2}, ids(res.Tasks))
		res = call(t, tools, u, "list_tasks", `{"tag":"work","priority":"high","due_after":"2026-12-01T00:00:00Z",
			"due_before":"2026-12-08T00:00:00Z"}`)
		assert.Equal(t, []int64{1}, ids(res.Tasks))
		res = call(t, tools, u, "list_tasks", `{"query":"nothing like this"}`)
		assert.Equal(t, "No tasks match.", res.Message)
		assert.NotNil(t, res.Tasks)
		assert.Equal(t, `[]`, string(mustMarshal(t, out(t, res)["tasks"])))
	})

	t.Run("list_tasks overdue uses the clock", func(t *testing.T) {
		res := call(t, tools, u, "list_tasks", `{"overdue":true}`)
		assert.Empty(t, res.Tasks)
		c.Advance(7 * 24 * time.Hour)
		res = call(t, tools, u, "list_tasks", `{"overdue":true}`)
		assert.Equal(t, []int64{1}, ids(res.Tasks))
	})

	t.Run("complete_task is idempotent and says so", func(t *testing.T) {
		res := call(t, tools, u, "complete_task", `{"task_id":3}`)
		require.True(t, res.OK)
		assert.True(t, res.Changed)
		assert.Equal(t, `Task 3 "Call mom" is now completed.`, res.Message)
		assert.Equal(t, tasks.StatusPending, res.Before.Status)
		assert.Equal(t, tasks.StatusCompleted, res.Task.Status)
		assert.Equal(t, true, out(t, res)["changed"])

		res = call(t, tools, u, "complete_task", `{"task_id":"3"}`)
		require.True(t, res.OK)
		assert.False(t, res.Changed)
		assert.Equal(t, `Task 3 "Call mom" was already completed.`, res.Message)
		assert.Equal(t, false, out(t, res)["changed"])
	})

	t.Run("update_task: fields, reopen, clear due", func(t *testing.T) {
		res := call(t, tools, u, "update_task", `{"task_id":1,"title":"Urgent: submit report","description":null,
			"due_at":null,"clear_due":null,"priority":"urgent","tags":null,"status":null}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, `Updated task 1 "Urgent: submit report": title, priority.`, res.Message)
		assert.Equal(t, "Submit the report", res.Before.Title)
		assert.Equal(t, []any{"title", "priority"}, out(t, res)["changed_fields"])

		res = call(t, tools, u, "update_task", `{"task_id":3,"status":"pending"}`)
		require.True(t, res.OK, res.Error)
		assert.Equal(t, tasks.StatusPending, res.Task.Status)
		assert.Nil(t, res.Task.CompletedAt)
		assert.Equal(t, `Updated task 3 "Call mom": status.`, res.Message)

		res = call(t, tools, u, "update_task", `{"task_id":1,"clear_due":true}`)
		require.True(t, res.OK, res.Error)
		assert.Nil(t, res.Task.DueAt)
		m := out(t, res)
		assert.Nil(t, m["task"].(map[string]any)["due_at"])

		res = call(t, tools, u, "update_task", `{"task_id":1,"priority":"urgent"}`)
		require.True(t, res.OK)
		assert.False(t, res.Changed)
		assert.Contains(t, res.Message, "nothing changed")
	})

	t.Run("delete_task returns the deleted task", func(t *testing.T) {
		res := call(t, tools, u, "delete_task", `{"task_id":2}`)
		require.True(t, res.OK)
		assert.Equal(t, `Deleted task 2 "Buy milk".`, res.Message)
		assert.Equal(t, "Buy milk", res.Task.Title)
		require.NotNil(t, res.Before)
		assert.Equal(t, int64(2), res.Before.ID)
		assert.Equal(t, "Buy milk", out(t, res)["task"].(map[string]any)["title"])

		// Undo through the service puts it back with its id.
		restored, err := tools.Service().Revert(context.Background(), u, res.Before, res.Task)
		require.NoError(t, err)
		assert.Equal(t, int64(2), restored.ID)
	})

	errorCases := []struct {
		name, tool, args string
		code             string
		contains         []string
	}{
		{"unknown id", "complete_task", `{"task_id":99}`, "not_found",
			[]string{"task 99 does not exist", "you have 3 tasks (ids 1, 2, 3)"}},
		{"unknown id on update", "update_task", `{"task_id":42,"title":"x"}`, "not_found", []string{"task 42 does not exist"}},
		{"unknown id on delete", "delete_task", `{"task_id":7}`, "not_found", []string{"task 7 does not exist"}},
		{"missing title", "add_task", `{}`, "invalid_argument", []string{"title: is required"}},
		{"empty title", "add_task", `{"title":"   "}`, "invalid_argument", []string{"title: must not be empty"}},
		{"bad priority", "add_task", `{"title":"x","priority":"extreme"}`, "invalid_argument",
			[]string{"priority: must be one of none, low, medium, high, urgent"}},
		{"bad due", "add_task", `{"title":"x","due_at":"tomorrow at 5pm"}`, "invalid_argument",
			[]string{"due_at:", "RFC 3339"}},
		{"due without offset", "add_task", `{"title":"x","due_at":"2026-12-01T17:00:00"}`, "invalid_argument",
			[]string{"due_at:"}},
		{"bad tag", "add_task", `{"title":"x","tags":["no spaces! allowed"]}`, "invalid_argument", []string{"tags:"}},
		{"unknown argument", "add_task", `{"title":"x","colour":"red"}`, "invalid_argument",
			[]string{`unknown argument "colour"`}},
		{"wrong type", "add_task", `{"title":5}`, "invalid_argument", []string{"argument title has the wrong type"}},
		{"not an object", "list_tasks", `[1,2]`, "invalid_argument", []string{"arguments"}},
		{"bad task id", "complete_task", `{"task_id":"three"}`, "invalid_argument", []string{"task_id must be a task number"}},
		{"missing task id", "delete_task", `{}`, "invalid_argument", []string{"task_id: is required"}},
		{"bad status filter", "list_tasks", `{"status":"done"}`, "invalid_argument",
			[]string{"status: must be one of all, pending, completed"}},
		{"empty update", "update_task", `{"task_id":1}`, "invalid_argument", []string{"nothing to change"}},
		{"set and clear due", "update_task", `{"task_id":1,"due_at":"2026-12-01T00:00:00Z","clear_due":true}`,
			"invalid_argument", []string{"cannot both set and clear"}},
		{"unknown tool", "drop_tables", `{}`, "unknown_tool",
			[]string{`unknown tool "drop_tables"`, "add_task, list_tasks, complete_task, update_task, delete_task"}},
	}
	for _, tc := range errorCases {
		t.Run("error: "+tc.name, func(t *testing.T) {
			res := call(t, tools, u, tc.tool, tc.args)
			assert.False(t, res.OK)
			assert.Equal(t, tc.code, res.Code)
			for _, want := range tc.contains {
				assert.Contains(t, res.Error, want)
			}
			m := out(t, res)
			assert.Equal(t, false, m["ok"])
			assert.Equal(t, res.Error, m["error"])
			assert.Equal(t, tc.code, m["code"])
		})
	}

	t.Run("metrics count calls by tool and outcome", func(t *testing.T) {
		problems, err := testutil.GatherAndLint(reg)
		require.NoError(t, err)
		assert.Empty(t, problems)
		count := func(tool, outcome string) float64 {
			return testutil.ToFloat64(mustCounter(t, reg, tool, outcome))
		}
		assert.Equal(t, 3.0, count("add_task", "ok"))
		assert.Equal(t, 2.0, count("complete_task", "ok"))
		assert.Equal(t, 1.0, count("complete_task", "not_found"))
		assert.Equal(t, 1.0, count("unknown", "unknown_tool"))
		assert.Equal(t, 8.0, count("add_task", "invalid_argument"))
	})
}

// mustCounter finds one taskpilot_agent_tool_calls_total series.
func mustCounter(t *testing.T, reg *prometheus.Registry, tool, outcome string) prometheus.Collector {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "taskpilot_agent_tool_calls_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["tool"] == tool && labels["outcome"] == outcome {
				return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "x", Help: "x"},
					func() float64 { return m.GetCounter().GetValue() })
			}
		}
	}
	t.Fatalf("no series tool=%s outcome=%s", tool, outcome)
	return nil
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestToolsRegisterTwice(t *testing.T) {
	db := storagetest.SQLite(t)
	svc, _ := newService(t, db)
	reg := prometheus.NewRegistry()
	first, err := tasks.NewTools(svc, reg)
	require.NoError(t, err)
	second, err := tasks.NewTools(svc, reg)
	require.NoError(t, err, "a second toolbox on the same registry shares the counter")
	call(t, first, "u", "list_tasks", `{}`)
	call(t, second, "u", "list_tasks", `{}`)
	assert.Equal(t, 2.0, testutil.ToFloat64(mustCounter(t, reg, "list_tasks", "ok")))
}

func TestToolsStoreFailureIsAGoError(t *testing.T) {
	db := storagetest.SQLite(t)
	tools, _, _ := newTools(t, db)
	require.NoError(t, db.Close())
	_, err := tools.Call(context.Background(), "u", "list_tasks", json.RawMessage(`{}`))
	require.Error(t, err, "an unreachable store ends the turn")
	assert.True(t, strings.HasPrefix(err.Error(), "list_tasks: "), err.Error())
}

// TestToolsIsolation: no tool ever reaches another user's tasks.
func TestToolsIsolation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		tools, _, _ := newTools(t, db)
		a := call(t, tools, "alice", "add_task", `{"title":"Alice's secret plan","tags":["secret"]}`)
		require.True(t, a.OK)

		res := call(t, tools, "bob", "list_tasks", `{"query":"secret"}`)
		assert.Empty(t, res.Tasks)
		for _, tc := range []struct{ tool, args string }{
			{"complete_task", `{"task_id":1}`},
			{"update_task", `{"task_id":1,"title":"mine now"}`},
			{"delete_task", `{"task_id":1}`},
		} {
			res := call(t, tools, "bob", tc.tool, tc.args)
			assert.False(t, res.OK, tc.tool)
			assert.Equal(t, "not_found", res.Code, tc.tool)
			assert.Equal(t, "task 1 does not exist; you have no tasks", res.Error, tc.tool)
			assert.NotContains(t, string(res.JSON), "secret", tc.tool)
		}
		res = call(t, tools, "alice", "list_tasks", `{}`)
		require.Len(t, res.Tasks, 1)
		assert.Equal(t, "Alice's secret plan", res.Tasks[0].Title)
		assert.Equal(t, tasks.StatusPending, res.Tasks[0].Status)
	})
}

func TestToolsRequireUser(t *testing.T) {
	tools, _, _ := newTools(t, storagetest.SQLite(t))
	_, err := tools.Call(context.Background(), "", "list_tasks", json.RawMessage(`{}`))
	assert.Error(t, err)
}

func TestTaskJSONRoundTrip(t *testing.T) {
	due := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	in := tasks.Task{ID: 4, Title: "x", Status: tasks.StatusCompleted, Priority: tasks.PriorityLow, DueAt: &due,
		Tags: []string{"a"}, CreatedAt: due.Add(-time.Hour), UpdatedAt: due, CompletedAt: &due}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	var back tasks.Task
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, in, back)
}

// FuzzToolsCall: whatever the model sends, a tool answers with a valid
// JSON result (OK or an explainable error), never a Go error or a panic.
func FuzzToolsCall(f *testing.F) {
	seeds := []struct{ tool, args string }{
		{"add_task", `{"title":"Buy milk","due_at":"2026-12-01T17:00:00Z","tags":["#a"]}`},
		{"add_task", `{"title":null}`},
		{"list_tasks", `{"status":"pending","query":"%_\\","overdue":true}`},
		{"list_tasks", `{"due_before":"2026-12-01T00:00:00Z","due_after":"2027-01-01T00:00:00Z"}`},
		{"complete_task", `{"task_id":1}`},
		{"complete_task", `{"task_id":-5}`},
		{"update_task", `{"task_id":"1","tags":[],"clear_due":true,"status":"pending"}`},
		{"update_task", `{"task_id":1e300}`},
		{"delete_task", `{"task_id":1}`},
		{"delete_task", `"just a string"`},
		{"nope", `{}`},
		{"add_task", ``},
		{"add_task", `{"title":"` + strings.Repeat("x", 300) + `"}`},
		{"add_task", `{"title":"Rent","repeat":"FREQ=MONTHLY;BYMONTHDAY=31","time_zone":"Europe/Paris"}`},
		{"add_task", `{"title":"x","repeat":"FREQ=YEARLY;BYWEEKNO=53;BYDAY=SU;COUNT=3"}`},
		{"update_task", `{"task_id":1,"repeat":"","time_zone":"UTC"}`},
		{"update_task", `{"task_id":1,"repeat":"RRULE:FREQ=DAILY;UNTIL=20260101T000000Z"}`},
		{"add_tasks", `{"tasks":[{"title":"a"},{"title":"b","repeat":"FREQ=WEEKLY;BYDAY=MO,FR;BYSETPOS=-1"}]}`},
		{"complete_tasks", `{"task_ids":[1,1,"2",3.0]}`},
		{"delete_tasks", `{"task_ids":[1,2],"confirm":true}`},
		{"delete_tasks", `{"task_ids":[],"confirm":false}`},
	}
	for _, s := range seeds {
		f.Add(s.tool, s.args)
	}
	db := storagetest.SQLite(f)
	svc := tasks.NewService(tasks.NewSQLStore(db), nil)
	tools, err := tasks.NewTools(svc, nil)
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, tool, args string) {
		res, err := tools.Call(context.Background(), "fuzz", tool, json.RawMessage(args))
		require.NoError(t, err)
		require.True(t, json.Valid(res.JSON), "result JSON: %s", res.JSON)
		if res.OK {
			assert.Empty(t, res.Error)
		} else {
			assert.NotEmpty(t, res.Error)
			assert.NotEqual(t, tasks.CodeOK, res.Code)
		}
	})
}
