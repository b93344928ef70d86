package tasks_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// typedPair is two toolboxes over two stores in the same state: one is
// called with JSON arguments, the other with the typed calls.
type typedPair struct {
	json, typed *tasks.Tools
	jsonReg     *prometheus.Registry
	typedReg    *prometheus.Registry
}

func newTypedPair(tb testing.TB) *typedPair {
	tb.Helper()
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	now := func() time.Time { return at }
	p := &typedPair{jsonReg: prometheus.NewRegistry(), typedReg: prometheus.NewRegistry()}
	var err error
	p.json, err = tasks.NewTools(tasks.NewService(tasks.NewSQLStore(storagetest.SQLite(tb)), now), p.jsonReg)
	require.NoError(tb, err)
	p.typed, err = tasks.NewTools(tasks.NewService(tasks.NewSQLStore(storagetest.SQLite(tb)), now), p.typedReg)
	require.NoError(tb, err)
	return p
}

// run makes one call both ways and requires the same outcome. args are the
// typed arguments (tasks.AddArgs, tasks.ListArgs or tasks.UpdateArgs; nil
// for complete and delete), id the task id (update, complete, delete).
func (p *typedPair) run(t *testing.T, user, tool string, id int64, args any) tasks.Result {
	t.Helper()
	ctx := context.Background()
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	if tool != tasks.ToolAddTask && tool != tasks.ToolListTasks {
		var m map[string]any
		require.NoError(t, json.Unmarshal(raw, &m))
		if m == nil {
			m = map[string]any{}
		}
		m["task_id"] = id
		raw, err = json.Marshal(m)
		require.NoError(t, err)
	}
	want, wantErr := p.json.Call(ctx, user, tool, raw)
	var got tasks.Result
	var gotErr error
	switch tool {
	case tasks.ToolAddTask:
		got, gotErr = p.typed.AddTask(ctx, user, args.(tasks.AddArgs))
	case tasks.ToolListTasks:
		got, gotErr = p.typed.ListTasks(ctx, user, args.(tasks.ListArgs))
	case tasks.ToolUpdateTask:
		got, gotErr = p.typed.UpdateTask(ctx, user, id, args.(tasks.UpdateArgs))
	case tasks.ToolCompleteTask:
		got, gotErr = p.typed.CompleteTask(ctx, user, id)
	case tasks.ToolDeleteTask:
		got, gotErr = p.typed.DeleteTask(ctx, user, id)
	}
	require.Equal(t, wantErr, gotErr, "%s %s", tool, raw)
	require.Equal(t, want, got, "%s %s", tool, raw)
	require.Equal(t, string(want.JSON), string(got.JSON))
	return got
}

func (p *typedPair) sameMetrics(t *testing.T) {
	t.Helper()
	counts := func(reg *prometheus.Registry) map[string]float64 {
		mfs, err := reg.Gather()
		require.NoError(t, err)
		out := map[string]float64{}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				key := mf.GetName()
				for _, l := range m.GetLabel() {
					key += " " + l.GetName() + "=" + l.GetValue()
				}
				out[key] = m.GetCounter().GetValue()
			}
		}
		return out
	}
	want := counts(p.jsonReg)
	require.NotEmpty(t, want)
	require.Equal(t, want, counts(p.typedReg))
}

// TestTypedCallsAreCall: each typed call answers and counts exactly as Call
// with the same arguments as JSON, for successes and every kind of failure.
func TestTypedCallsAreCall(t *testing.T) {
	p := newTypedPair(t)
	const u = "typed"
	p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{Title: new("Buy milk"), DueAt: new("2026-12-01T17:00:00Z"),
		Priority: new("HIGH"), Tags: &[]string{"#Shop", "home"}, Description: new("2 litres <fresh> & cold")})
	p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{Title: new("Call mom")})
	p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{})                                                     // title missing
	p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{Title: new(" "), DueAt: new("friday")})                // both wrong
	p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{Title: new("x"), Priority: new("extreme")})            // bad priority
	p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{Title: new(strings.Repeat("long ", 50))})              // too long
	p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{Title: new("tags"), Tags: &[]string{"a b", "#", "x"}}) // bad tag
	p.run(t, u, tasks.ToolListTasks, 0, tasks.ListArgs{})
	p.run(t, u, tasks.ToolListTasks, 0, tasks.ListArgs{Status: new("Pending"), Query: new("milk"), Tag: new("shop"),
		Priority: new("high"), DueAfter: new("2026-11-01T00:00:00Z"), DueBefore: new("2026-12-02T00:00:00Z")})
	p.run(t, u, tasks.ToolListTasks, 0, tasks.ListArgs{Overdue: new(true)})
	p.run(t, u, tasks.ToolListTasks, 0, tasks.ListArgs{Status: new("someday"), DueBefore: new("soon")})
	p.run(t, u, tasks.ToolCompleteTask, 1, nil)
	p.run(t, u, tasks.ToolCompleteTask, 1, nil) // already completed
	p.run(t, u, tasks.ToolCompleteTask, 99, nil)
	p.run(t, u, tasks.ToolUpdateTask, 1, tasks.UpdateArgs{Status: new("pending"), Title: new("Buy oat milk")})
	p.run(t, u, tasks.ToolUpdateTask, 1, tasks.UpdateArgs{ClearDue: new(true), Tags: &[]string{}})
	p.run(t, u, tasks.ToolUpdateTask, 2, tasks.UpdateArgs{DueAt: new("2026-12-03T09:00:00-05:00"), Priority: new("urgent")})
	p.run(t, u, tasks.ToolUpdateTask, 2, tasks.UpdateArgs{DueAt: new("2026-12-03T09:00:00-05:00")}) // no change
	p.run(t, u, tasks.ToolUpdateTask, 2, tasks.UpdateArgs{})                                        // nothing to change
	p.run(t, u, tasks.ToolUpdateTask, 2, tasks.UpdateArgs{Tags: new([]string)})                     // null tags: none given
	p.run(t, u, tasks.ToolUpdateTask, 2, tasks.UpdateArgs{DueAt: new("tomorrow")})
	p.run(t, u, tasks.ToolUpdateTask, 2, tasks.UpdateArgs{Status: new("archived")})
	p.run(t, u, tasks.ToolUpdateTask, 7, tasks.UpdateArgs{Title: new("nope")})
	p.run(t, u, tasks.ToolDeleteTask, 2, nil)
	p.run(t, u, tasks.ToolDeleteTask, 2, nil)
	p.run(t, "", tasks.ToolDeleteTask, 1, nil) // no user: a Go error both ways
	p.run(t, u, tasks.ToolListTasks, 0, tasks.ListArgs{Status: new("all")})
	p.sameMetrics(t)
}

// FuzzTypedCalls compares the two ways on arbitrary values.
func FuzzTypedCalls(f *testing.F) {
	f.Add("Buy milk", "desc", "2026-12-01T17:00:00Z", "high", "work", "pending", int64(1), true)
	f.Add("", "\xff<>&", "not a time", "", "#", "completed", int64(-3), false)
	f.Add(" x ", "", "", "urgent", "a b", "", int64(1)<<40, true)
	p := newTypedPair(f)
	f.Fuzz(func(t *testing.T, title, desc, due, prio, tag, status string, id int64, flag bool) {
		const u = "fuzz"
		p.run(t, u, tasks.ToolAddTask, 0, tasks.AddArgs{Title: &title, Description: &desc, DueAt: &due,
			Priority: &prio, Tags: &[]string{tag}})
		p.run(t, u, tasks.ToolListTasks, 0, tasks.ListArgs{Status: &status, Query: &title, Tag: &tag,
			Priority: &prio, DueBefore: &due, Overdue: &flag})
		p.run(t, u, tasks.ToolUpdateTask, id, tasks.UpdateArgs{Title: &title, DueAt: &due, ClearDue: &flag,
			Status: &status, Tags: &[]string{tag}})
		if flag {
			p.run(t, u, tasks.ToolCompleteTask, id, nil)
		} else {
			p.run(t, u, tasks.ToolDeleteTask, id, nil)
		}
	})
}
