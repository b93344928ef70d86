package offline

import (
	"bytes"
	"encoding/json"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// The offline agent keeps no state of its own: everything it remembers is
// read back from the thread's recent items on each turn (the service is
// stateless and any replica can serve the next message).
//
//   - The last list shown is the newest task-list widget in the thread
//     (widgets.Parse reads its rows back). Ordinals ("the first one") index
//     its rows. Widgets are refreshed in place when their tasks change, so
//     the list stays what the user sees.
//   - Changes are hidden context items (agent.Change, one per change made by
//     the offline agent or a widget button); "undo" reverses the newest one
//     not yet undone and records an agent.Undo, so repeated "undo" walks
//     back through the thread's changes.
//   - A question the agent asked ("which one?", "want me to add …?") is a
//     hidden context item too (recordQuestion); it is answered only by the
//     very next user message.

// recordQuestion is the hidden context type of a pending question.
const recordQuestion = "taskpilot.question"

// question is what a follow-up answer ("yes", "the second one", "task 3")
// completes.
type question struct {
	Type string `json:"type"` // recordQuestion
	// Intent is the request waiting for an answer: an add offered for
	// confirmation, a list offered, or a complete/delete/update waiting for
	// the user to pick a task.
	Intent Intent `json:"intent"`
	// Candidates are the task ids offered when a reference was ambiguous.
	Candidates []int64 `json:"candidates,omitempty"`
}

// memory is what the offline agent reads back from the thread.
type memory struct {
	// list is the newest task-list widget (nil when none).
	listItem *chatkit.WidgetItem
	list     widgets.List
	// changes are the changes not undone yet, oldest first.
	changes []agent.Change
	// question is the question asked in the previous turn, if any.
	question *question
}

// readMemory reads items (oldest first, including the current user message
// whose id is inputID).
func readMemory(items []chatkit.Item, inputID string) memory {
	var m memory
	prevUser := -1
	for i, it := range items {
		if u, ok := it.(*chatkit.UserMessageItem); ok && u.ID != inputID {
			prevUser = i
		}
	}
	// Newest first: only the newest task list and question matter.
	for i := len(items) - 1; i >= 0; i-- {
		switch v := items[i].(type) {
		case *chatkit.WidgetItem:
			if m.listItem != nil || !widgets.IsTaskList(v.Widget) {
				continue
			}
			if l, ok := widgets.Parse(v.Widget); ok {
				m.listItem, m.list = v, l
			}
		case *chatkit.HiddenContextItem:
			var q question
			if m.question == nil && i > prevUser && bytes.Contains(v.Content, []byte(recordQuestion)) &&
				json.Unmarshal(v.Content, &q) == nil && q.Type == recordQuestion {
				m.question = &q
			}
		}
	}
	m.changes = agent.Changes(items)
	return m
}

// lastTouched is the task the conversation last changed (for "it").
func (m memory) lastTouched() int64 {
	if n := len(m.changes); n > 0 {
		return m.changes[n-1].TaskID()
	}
	return 0
}
