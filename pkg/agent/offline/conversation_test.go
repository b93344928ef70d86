package offline_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// convCase is one utterance of the conversation suite: optional earlier
// turns, the utterance, the tool call it must make (with a subset of its
// arguments), key words of the reply and a check of the resulting tasks.
type convCase struct {
	name   string
	seed   bool     // start from the five standard tasks (see harness.seed)
	before []string // earlier turns in the same thread
	say    string
	tool   string         // the tool call the utterance makes; "" = none
	args   map[string]any // subset of the call's arguments
	reply  []string       // key words the reply contains (case-insensitive)
	check  func(t *testing.T, h *harness)
}

func status(id int64, want tasks.Status) func(*testing.T, *harness) {
	return func(t *testing.T, h *harness) {
		task, ok := h.task(id)
		require.True(t, ok, "task %d exists", id)
		assert.Equal(t, want, task.Status, "status of task %d", id)
	}
}

func gone(id int64) func(*testing.T, *harness) {
	return func(t *testing.T, h *harness) {
		_, ok := h.task(id)
		assert.False(t, ok, "task %d is deleted", id)
	}
}

func titled(id int64, want string) func(*testing.T, *harness) {
	return func(t *testing.T, h *harness) {
		task, ok := h.task(id)
		require.True(t, ok, "task %d exists", id)
		assert.Equal(t, want, task.Title)
	}
}

func count(n int) func(*testing.T, *harness) {
	return func(t *testing.T, h *harness) { assert.Len(t, h.all(), n) }
}

func both(fs ...func(*testing.T, *harness)) func(*testing.T, *harness) {
	return func(t *testing.T, h *harness) {
		for _, f := range fs {
			f(t, h)
		}
	}
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

var suite = []convCase{
	// --- add ---------------------------------------------------------------
	{name: "add basic", say: "Add a task to buy groceries", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Buy groceries"}, reply: []string{"Added task 1", "Buy groceries"}, check: titled(1, "Buy groceries")},
	{name: "add trailing period", say: "add a task to buy groceries.", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Buy groceries"}, reply: []string{"Added", "Buy groceries"}, check: count(1)},
	{name: "add please", say: "Please add a task to buy groceries", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Buy groceries"}, reply: []string{"Added"}, check: titled(1, "Buy groceries")},
	{name: "add can you", say: "can you add a task to buy groceries?", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Buy groceries"}, reply: []string{"Added"}, check: titled(1, "Buy groceries")},
	{name: "add could you please", say: "Could you please add a task to buy groceries", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Buy groceries"}, reply: []string{"Added"}, check: titled(1, "Buy groceries")},
	{name: "add upper case", say: "ADD A TASK TO BUY GROCERIES", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "BUY GROCERIES"}, reply: []string{"Added"}, check: count(1)},
	{name: "add remember", say: "I need to remember to pay bills", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Pay bills"}, reply: []string{"Added task 1", "Pay bills"}, check: titled(1, "Pay bills")},
	{name: "add remember please", say: "i need to remember to pay bills please", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Pay bills"}, reply: []string{"Pay bills"}, check: titled(1, "Pay bills")},
	{name: "add remind me with time", say: "Remind me to call mom tomorrow at 5pm", tool: tasks.ToolAddTask,
		args:  map[string]any{"title": "Call mom", "due_at": rfc(ny(11, 26, 17, 0))},
		reply: []string{"Call mom", "due tomorrow at 5:00 PM"}, check: titled(1, "Call mom")},
	{name: "add remind me exclamation", say: "remind me to call mom tomorrow at 5pm!", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Call mom", "due_at": rfc(ny(11, 26, 17, 0))}, reply: []string{"5:00 PM"}},
	{name: "add priority due tag", say: "Create a high priority task to submit the report by Friday #work", tool: tasks.ToolAddTask,
		args:  map[string]any{"title": "Submit the report", "priority": "high", "tags": []any{"work"}, "due_at": rfc(ny(11, 27, 23, 59))},
		reply: []string{"Submit the report", "due Friday", "high priority", "#work"},
		check: func(t *testing.T, h *harness) {
			task, ok := h.task(1)
			require.True(t, ok)
			assert.Equal(t, tasks.PriorityHigh, task.Priority)
			assert.Equal(t, []string{"work"}, task.Tags)
			require.NotNil(t, task.DueAt)
			assert.Equal(t, ny(11, 27, 23, 59), *task.DueAt)
		}},
	{name: "add date only", say: "add buy milk tomorrow", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Buy milk", "due_at": rfc(ny(11, 26, 23, 59))}, reply: []string{"Buy milk", "due tomorrow"}},
	{name: "add new task colon", say: "new task: water the plants", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Water the plants"}, reply: []string{"Water the plants"}},
	{name: "add greeting first", say: "hey, add call the dentist in 2 hours", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Call the dentist", "due_at": rfc(ny(11, 25, 12, 0))}, reply: []string{"today at 12:00 PM"}},
	{name: "add dont forget", say: "don't let me forget to renew my passport next Monday", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Renew my passport", "due_at": rfc(ny(11, 30, 23, 59))}, reply: []string{"Renew my passport", "Monday"}},
	{name: "add to my list", say: "add milk to my shopping list", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Milk"}},
	{name: "add this weekend", say: "add a low priority task to clean the garage this weekend", tool: tasks.ToolAddTask,
		args:  map[string]any{"title": "Clean the garage", "priority": "low", "due_at": rfc(ny(11, 28, 23, 59))},
		reply: []string{"due Saturday", "low priority"}},
	{name: "add with description", say: "add a task to book flights with description window seat", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Book flights", "description": "window seat"}, reply: []string{"Book flights"}},
	{name: "add without title asks", say: "add", reply: []string{"What should the task be"}, check: count(0)},

	// --- list --------------------------------------------------------------
	{name: "list all", seed: true, say: "Show me all my tasks", tool: tasks.ToolListTasks,
		args: map[string]any{"status": "all"}, reply: []string{"5 tasks", "1 overdue"}, check: widgetRows(4, 2, 1, 3, 5)},
	{name: "list mine", seed: true, say: "show my tasks", tool: tasks.ToolListTasks, args: map[string]any{},
		reply: []string{"5 tasks"}, check: widgetRows(4, 2, 1, 3, 5)},
	{name: "list polite", seed: true, say: "Can you show me my tasks please?", tool: tasks.ToolListTasks,
		reply: []string{"5 tasks"}, check: widgetRows(4, 2, 1, 3, 5)},
	{name: "list pending", seed: true, say: "What's pending?", tool: tasks.ToolListTasks,
		args: map[string]any{"status": "pending"}, reply: []string{"4 pending tasks"}, check: widgetRows(4, 2, 1, 3)},
	{name: "list pending no punctuation", seed: true, say: "whats pending", tool: tasks.ToolListTasks,
		args: map[string]any{"status": "pending"}, reply: []string{"pending tasks"}, check: widgetRows(4, 2, 1, 3)},
	{name: "list completed", seed: true, say: "What have I completed?", tool: tasks.ToolListTasks,
		args: map[string]any{"status": "completed"}, reply: []string{"completed 1 task"}, check: widgetRows(5)},
	{name: "list completed tasks", seed: true, say: "show completed tasks", tool: tasks.ToolListTasks,
		args: map[string]any{"status": "completed"}, check: widgetRows(5)},
	{name: "list this week", seed: true, say: "What's due this week?", tool: tasks.ToolListTasks,
		args:  map[string]any{"status": "pending", "due_after": rfc(ny(11, 25, 0, 0)), "due_before": rfc(ny(11, 30, 0, 0))},
		reply: []string{"2 pending tasks due this week"}, check: widgetRows(2, 1)},
	{name: "list today", seed: true, say: "what do I have to do today?", tool: tasks.ToolListTasks,
		args:  map[string]any{"status": "pending", "due_after": rfc(ny(11, 25, 0, 0)), "due_before": rfc(ny(11, 26, 0, 0))},
		reply: []string{"1 pending task due today"}, check: widgetRows(2)},
	{name: "list tomorrow", seed: true, say: "what's due tomorrow", tool: tasks.ToolListTasks,
		args: map[string]any{"due_after": rfc(ny(11, 26, 0, 0)), "due_before": rfc(ny(11, 27, 0, 0))}, check: widgetRows(1)},
	{name: "list overdue", seed: true, say: "Show overdue tasks", tool: tasks.ToolListTasks,
		args: map[string]any{"status": "pending", "overdue": true}, reply: []string{"1 overdue task"}, check: widgetRows(4)},
	{name: "list high priority", seed: true, say: "List my high priority tasks", tool: tasks.ToolListTasks,
		args: map[string]any{"status": "pending"}, reply: []string{"2 high-priority pending tasks"}, check: widgetRows(4, 2)},
	{name: "list tag", seed: true, say: "show tasks tagged #work", tool: tasks.ToolListTasks,
		args: map[string]any{"tag": "work"}, reply: []string{"tagged #work"}, check: widgetRows(2, 3)},
	{name: "list query", seed: true, say: "find tasks about groceries", tool: tasks.ToolListTasks,
		args: map[string]any{"query": "groceries"}, reply: []string{"matching “groceries”"}, check: widgetRows(1)},
	{name: "list empty", say: "What's pending?", tool: tasks.ToolListTasks,
		reply: []string{"no pending tasks"}, check: widgetRows()},

	// --- complete / reopen -------------------------------------------------
	{name: "complete by id", seed: true, say: "Mark task 3 as complete", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 3}, reply: []string{"task 3", "Meeting notes", "done"}, check: status(3, tasks.StatusCompleted)},
	{name: "complete no as", seed: true, say: "mark task 3 complete.", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 3}, check: status(3, tasks.StatusCompleted)},
	{name: "complete done with", seed: true, say: "Done with task 2", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 2}, reply: []string{"Team meeting"}, check: status(2, tasks.StatusCompleted)},
	{name: "complete fuzzy", seed: true, say: "I finished buying groceries", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 1}, reply: []string{"Buy groceries", "done"}, check: status(1, tasks.StatusCompleted)},
	{name: "complete fuzzy variant", seed: true, say: "i've finished the groceries", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 1}, check: status(1, tasks.StatusCompleted)},
	{name: "complete check off", seed: true, say: "check off #4", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 4}, check: status(4, tasks.StatusCompleted)},
	{name: "complete polite", seed: true, say: "Please mark task 3 as complete, thanks", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 3}, check: status(3, tasks.StatusCompleted)},
	{name: "complete already", seed: true, say: "Mark task 5 as done", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 5}, reply: []string{"already completed"}, check: status(5, tasks.StatusCompleted)},
	{name: "complete unknown id", seed: true, say: "mark task 99 as done", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 99}, reply: []string{"Task 99 doesn't exist", "5 tasks", "list them"}},
	{name: "complete remark", seed: true, say: "I paid the bills", tool: tasks.ToolCompleteTask,
		args: map[string]any{"task_id": 4}, reply: []string{"Pay bills", "done"}, check: status(4, tasks.StatusCompleted)},
	{name: "remark without task", seed: true, say: "I called the plumber", reply: []string{"didn't understand"}, check: count(5)},
	{name: "complete first after list", seed: true, before: []string{"show my tasks"}, say: "Mark the first one as done",
		tool: tasks.ToolCompleteTask, args: map[string]any{"task_id": 4}, reply: []string{"Pay bills"}, check: status(4, tasks.StatusCompleted)},
	{name: "complete second after pending", seed: true, before: []string{"what's pending?"}, say: "complete the second one",
		tool: tasks.ToolCompleteTask, args: map[string]any{"task_id": 2}, check: status(2, tasks.StatusCompleted)},
	{name: "complete last after pending", seed: true, before: []string{"what's pending?"}, say: "mark the last one as done",
		tool: tasks.ToolCompleteTask, args: map[string]any{"task_id": 3}, check: status(3, tasks.StatusCompleted)},
	{name: "complete first without list", seed: true, say: "Mark the first one as done",
		reply: []string{"haven't shown you a list"}, check: status(4, tasks.StatusPending)},
	{name: "reopen", seed: true, say: "reopen task 5", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 5, "status": "pending"}, reply: []string{"Reopened", "Call mom"}, check: status(5, tasks.StatusPending)},
	{name: "reopen not done", seed: true, say: "mark task 5 as not done", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 5, "status": "pending"}, check: status(5, tasks.StatusPending)},

	// --- delete ------------------------------------------------------------
	{name: "delete ambiguous asks", seed: true, say: "Delete the meeting task",
		reply: []string{"2 tasks matching", "Team meeting", "Meeting notes", "Which one"},
		check: both(count(5), widgetRows(2, 3))},
	{name: "delete ambiguous then ordinal", seed: true, before: []string{"Delete the meeting task"}, say: "the first one",
		tool: tasks.ToolDeleteTask, args: map[string]any{"task_id": 2}, reply: []string{"Deleted task 2"}, check: gone(2)},
	{name: "delete ambiguous then name", seed: true, before: []string{"Delete the meeting task"}, say: "the meeting notes",
		tool: tasks.ToolDeleteTask, args: map[string]any{"task_id": 3}, check: both(gone(3), count(4))},
	{name: "delete by id", seed: true, say: "Remove task 2", tool: tasks.ToolDeleteTask,
		args: map[string]any{"task_id": 2}, reply: []string{"Deleted task 2", "Team meeting", "undo"}, check: gone(2)},
	{name: "delete fuzzy", seed: true, say: "delete the grocery task", tool: tasks.ToolDeleteTask,
		args: map[string]any{"task_id": 1}, check: gone(1)},
	{name: "delete unknown id", seed: true, say: "delete task 42", tool: tasks.ToolDeleteTask,
		args: map[string]any{"task_id": 42}, reply: []string{"Task 42 doesn't exist"}, check: count(5)},
	{name: "delete no match", seed: true, say: "delete the dentist task",
		reply: []string{"couldn't find", "dentist"}, check: count(5)},

	// --- update ------------------------------------------------------------
	{name: "rename quoted", seed: true, say: "Change task 1 to 'Call mom tonight'", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 1, "title": "Call mom tonight"}, reply: []string{"Renamed task 1", "Call mom tonight"},
		check: titled(1, "Call mom tonight")},
	{name: "rename colon", seed: true, say: "Rename task 3 to Urgent: submit report", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 3, "title": "Urgent: submit report"}, check: titled(3, "Urgent: submit report")},
	// Task 2 is due at 15:00: a new day without a time keeps it (issue 14).
	{name: "move due", seed: true, say: "Move task 2 to next Monday", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 2, "due_at": rfc(ny(11, 30, 15, 0))}, reply: []string{"Team meeting” is now due Monday at 3:00 PM"}},
	{name: "reschedule with time", seed: true, say: "reschedule task 1 for tomorrow at 9am", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 1, "due_at": rfc(ny(11, 26, 9, 0))}, reply: []string{"tomorrow at 9:00 AM"}},
	{name: "set priority", seed: true, say: "Set task 4 to high priority", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 4, "priority": "high"}, reply: []string{"is now high priority"},
		check: func(t *testing.T, h *harness) {
			task, _ := h.task(4)
			assert.Equal(t, tasks.PriorityHigh, task.Priority)
		}},
	{name: "make urgent", seed: true, say: "make task 1 urgent", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 1, "priority": "urgent"}},
	{name: "clear due", seed: true, say: "remove the due date from task 1", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 1, "clear_due": true}, reply: []string{"Removed the due date from task 1"},
		check: func(t *testing.T, h *harness) {
			task, _ := h.task(1)
			assert.Nil(t, task.DueAt)
		}},
	{name: "tag", seed: true, say: "tag task 1 with errands", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 1, "tags": []any{"errands"}}, reply: []string{"is now tagged #errands"}},
	{name: "add hashtag keeps tags", seed: true, say: "add #home to task 3", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 3, "tags": []any{"work", "home"}}},
	{name: "bad date asks", seed: true, say: "move task 2 to whenever-ish", reply: []string{"couldn't work out the date"}},
	{name: "update unknown id", seed: true, say: "rename task 9 to foo", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 9, "title": "Foo"}, reply: []string{"Task 9 doesn't exist"}},
	{name: "pronoun after add", before: []string{"add a task to buy milk"}, say: "make it urgent", tool: tasks.ToolUpdateTask,
		args: map[string]any{"task_id": 1, "priority": "urgent"}},

	// --- undo --------------------------------------------------------------
	{name: "undo add", seed: true, before: []string{"add a task to buy milk"}, say: "undo",
		reply: []string{"Undone", "Buy milk"}, check: both(gone(6), count(5))},
	{name: "undo delete", seed: true, before: []string{"Remove task 2"}, say: "undo that",
		reply: []string{"Undone", "Team meeting", "back"}, check: titled(2, "Team meeting")},
	{name: "undo complete", seed: true, before: []string{"Mark task 3 as complete"}, say: "Undo",
		reply: []string{"pending again"}, check: status(3, tasks.StatusPending)},
	{name: "undo rename", seed: true, before: []string{"Rename task 3 to Notes from the meeting"}, say: "undo",
		reply: []string{"Meeting notes"}, check: titled(3, "Meeting notes")},
	{name: "undo twice", before: []string{"add a task to buy milk", "add a task to walk the dog", "undo"}, say: "undo",
		reply: []string{"Buy milk"}, check: count(0)},
	{name: "undo reaches back", seed: true, before: []string{"Mark task 3 as complete", "hi", "help", "thanks", "hi", "help",
		"thanks", "hi"}, say: "undo", reply: []string{"pending again"}, check: status(3, tasks.StatusPending)},
	{name: "ordinal reaches back", seed: true, before: []string{"what's pending?", "hi", "help", "thanks", "hi", "help",
		"thanks", "hi"}, say: "delete the first one", tool: tasks.ToolDeleteTask, args: map[string]any{"task_id": 4}, check: gone(4)},
	{name: "undo nothing", say: "undo", reply: []string{"nothing to undo"}},

	// --- the rest ----------------------------------------------------------
	{name: "empty", say: "", reply: []string{"didn't catch"}},
	{name: "dots", say: "...", reply: []string{"didn't catch"}},
	{name: "meaningless", seed: true, say: "do the thing", reply: []string{"didn't understand", "What would you like"}, check: count(5)},
	{name: "greeting", seed: true, say: "hi", reply: []string{"Hi", "4 pending tasks", "1 overdue"}},
	{name: "help", say: "help", reply: []string{"Add", "List", "Undo"}},
	{name: "thanks", say: "thanks!", reply: []string{"welcome"}},
	{name: "suggest add", say: "buy milk tomorrow", reply: []string{"add “Buy milk”", "tomorrow"}, check: count(0)},
	{name: "suggest add yes", before: []string{"buy milk tomorrow"}, say: "yes", tool: tasks.ToolAddTask,
		args: map[string]any{"title": "Buy milk", "due_at": rfc(ny(11, 26, 23, 59))}, check: titled(1, "Buy milk")},
	{name: "unknown id then list", seed: true, before: []string{"mark task 99 as done"}, say: "yes please",
		tool: tasks.ToolListTasks, reply: []string{"5 tasks"}},
	{name: "unknown id then no", seed: true, before: []string{"mark task 99 as done"}, say: "no", reply: []string{"OK"}},
}

// widgetRows checks the task-list widget the turn showed.
func widgetRows(ids ...int64) func(*testing.T, *harness) {
	return func(t *testing.T, h *harness) {
		shown := h.widgetsShown()
		require.Len(t, shown, 1, "one widget")
		l, ok := widgets.Parse(shown[0].Widget)
		require.True(t, ok, "a task-list widget: %s", shown[0].Widget)
		if ids == nil {
			ids = []int64{}
		}
		assert.Equal(t, ids, l.IDs())
	}
}

func TestConversationSuite(t *testing.T) { runSuite(t, true) }

// TestConversationSuiteJSONTools runs the suite with a toolbox that has
// Call only: the agent sends JSON arguments, with the same outcomes.
func TestConversationSuiteJSONTools(t *testing.T) { runSuite(t, false) }

func runSuite(t *testing.T, typed bool) {
	require.GreaterOrEqual(t, len(suite), 60)
	for _, tc := range suite {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarnessWith(t, nyc, typed)
			if tc.seed {
				h.seed()
			}
			for _, b := range tc.before {
				h.say(b)
			}
			h.tools.take()
			got := h.say(tc.say)
			calls := h.tools.take()
			if tc.tool == "" {
				assert.Empty(t, calls, "no tool call for %q", tc.say)
			} else {
				require.Len(t, calls, 1, "one tool call for %q", tc.say)
				assert.Equal(t, tc.tool, calls[0].Name)
				for k, want := range tc.args {
					wj, _ := json.Marshal(want)
					gj, _ := json.Marshal(calls[0].Args[k])
					assert.JSONEq(t, string(wj), string(gj), "argument %s of %s", k, tc.tool)
				}
				if len(tc.args) == 0 && tc.args != nil {
					assert.Empty(t, calls[0].Args, "no arguments")
				}
			}
			for _, w := range tc.reply {
				assert.Contains(t, strings.ToLower(got), strings.ToLower(w), "reply to %q", tc.say)
			}
			assert.NotEmpty(t, got, "always a reply")
			if tc.check != nil {
				tc.check(t, h)
			}
		})
	}
}

func TestChangesEmitTasksChanged(t *testing.T) {
	h := newHarness(t, nyc)
	h.say("add a task to buy milk")
	eff := h.effects()
	require.Len(t, eff, 1)
	assert.Equal(t, "tasks_changed", eff[0].Name)
	assert.Equal(t, "add_task", eff[0].Data["action"])

	h.say("show my tasks")
	assert.Empty(t, h.effects(), "a list changes nothing")

	h.say("undo")
	eff = h.effects()
	require.Len(t, eff, 1)
	assert.Equal(t, "undo", eff[0].Data["action"])
}

func TestListWidgetRefreshedInPlace(t *testing.T) {
	h := newHarness(t, nyc)
	h.seed()
	h.say("what's pending?")
	h.say("mark the first one as done")
	var replaced *chatkit.WidgetItem
	for _, ev := range h.events {
		if r, ok := ev.(chatkit.ThreadItemReplacedEvent); ok {
			replaced, _ = r.Item.(*chatkit.WidgetItem)
		}
	}
	require.NotNil(t, replaced, "the list widget is replaced in place")
	assert.Contains(t, string(replaced.Widget), `"label":"Done"`)
	assert.Contains(t, string(replaced.Widget), `"task.reopen"`, "a completed row offers Reopen")
	l, ok := widgets.Parse(replaced.Widget)
	require.True(t, ok)
	assert.Equal(t, []int64{4, 2, 1, 3}, l.IDs(), "rows keep their positions")

	// "the second one" still means the second row of what the user sees.
	h.say("delete the second one")
	_, ok = h.task(2)
	assert.False(t, ok)
}

func TestTimeZones(t *testing.T) {
	for _, tc := range []struct {
		zone string
		loc  *time.Location
		want time.Time
	}{
		{"UTC", time.UTC, time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)},
		{"America/New_York", nyc, time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			h := newHarness(t, tc.loc)
			reply := h.say("Remind me to call mom tomorrow at 5pm")
			task, ok := h.task(1)
			require.True(t, ok)
			require.NotNil(t, task.DueAt)
			assert.Equal(t, tc.want, *task.DueAt, "due instant in UTC")
			assert.Contains(t, reply, "tomorrow at 5:00 PM", "shown in the user's zone")
		})
	}
}
