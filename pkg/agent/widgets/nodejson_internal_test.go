package widgets

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// FuzzRenderIsEncodingJSON: a rendered list is byte for byte what
// encoding/json writes for the same widget tree.
func FuzzRenderIsEncodingJSON(f *testing.F) {
	f.Add("Pending tasks", "Call <mom> & \"dad\"", "work", "high", int64(3), int64(1795885200), true, false, 0, "")
	f.Add("", "\u2028\xff\x00 ünï", "a\\b", "", int64(-1), int64(0), false, true, 7, "nothing <here>")
	f.Add("T", "Buy milk", "", "urgent", int64(1)<<60, int64(-1), true, true, 0, "")
	f.Add("a<b", "x>y", "t<", "low", int64(4), int64(2), false, false, 1, "e>")
	f.Add("a<b", "x", "t", "low", int64(3), int64(2), false, false, 1, "e>")
	f.Fuzz(func(t *testing.T, title, taskTitle, tag, prio string, id, due int64, done, deleted bool, more int, empty string) {
		at := time.Unix(due%(1<<34), 0).UTC()
		task := tasks.Task{ID: id, Title: taskTitle, Priority: tasks.Priority(prio), Tags: []string{tag},
			Status: tasks.StatusPending}
		if done {
			task.Status = tasks.StatusCompleted
		}
		if due%2 == 0 {
			task.DueAt = &at
		}
		l := List{Title: title, More: more % 100, Empty: empty}
		if id%3 != 0 {
			l.Rows = []Row{{Task: task, Deleted: deleted}, {Task: tasks.Task{ID: id + 1, Title: tag}}}
		}
		now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
		want, err := json.Marshal(l.tree(time.UTC, now))
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Render(time.UTC, now); string(got) != string(want) {
			t.Fatalf("render:\n got %s\nwant %s", got, want)
		}
	})
}
