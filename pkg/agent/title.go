package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Titled wraps a responder so that a new thread is titled from what its
// first turn did rather than from the user's first words: "Add: Buy milk",
// "Done: Call mom", "Edit: Pay rent", "Delete: Old note", "Reopen: Taxes"
// (with " +2" when the turn changed more tasks), or the list it showed
// ("Pending tasks"). A turn that changed nothing and showed no list leaves
// the title to the chatkit Server (chatkit.DeriveTitle of the message), as
// does a thread that already has one. The title is read from the change
// records and task-list widgets the agents emit, so every agent gets it.
func Titled(r chatkit.Responder) chatkit.Responder {
	return chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		if turn.Input == nil || turn.Thread.Title != "" {
			return r.Respond(ctx, turn, sink)
		}
		w := &titleSink{Sink: sink}
		if err := r.Respond(ctx, turn, w); err != nil {
			return err
		}
		if title := w.title(); title != "" && sink.Thread().Title == "" {
			chatkit.SetTitle(sink, chatkit.DeriveTitle(title))
		}
		return nil
	})
}

// titleSink notes the changes and the first list a turn emits.
type titleSink struct {
	chatkit.Sink
	mu      sync.Mutex
	changes []Change
	list    string
}

func (s *titleSink) Emit(ctx context.Context, ev chatkit.Event) error {
	if done, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
		s.note(done.Item)
	}
	return s.Sink.Emit(ctx, ev)
}

func (s *titleSink) note(item chatkit.Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch it := item.(type) {
	case *chatkit.HiddenContextItem:
		if !bytes.Contains(it.Content, []byte(RecordChange)) {
			return
		}
		var c Change
		if json.Unmarshal(it.Content, &c) == nil && c.Type == RecordChange {
			if c.Tool == ToolBatch {
				s.changes = append(s.changes, c.Batch...)
			} else {
				s.changes = append(s.changes, c)
			}
		}
	case *chatkit.WidgetItem:
		if s.list != "" {
			return
		}
		var root struct {
			Status *struct {
				Text string `json:"text"`
			} `json:"status"`
		}
		if json.Unmarshal(it.Widget, &root) == nil && root.Status != nil {
			// "Pending tasks · 3": the list's title without its count.
			text := root.Status.Text
			if i := strings.LastIndex(text, " · "); i >= 0 {
				text = text[:i]
			}
			s.list = strings.TrimSpace(text)
		}
	}
}

// title is the thread title the turn earned, or "".
func (s *titleSink) title() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.changes) == 0 {
		return s.list
	}
	c := s.changes[0]
	task := c.After
	if task == nil {
		task = c.Before
	}
	if task == nil {
		return s.list
	}
	verb := "Edit"
	switch c.Tool {
	case tasks.ToolAddTask:
		verb = "Add"
	case tasks.ToolDeleteTask:
		verb = "Delete"
	case tasks.ToolCompleteTask:
		verb = "Done"
	case tasks.ToolUpdateTask:
		if c.Before != nil && c.After != nil && c.Before.Status == tasks.StatusCompleted && c.After.Status == tasks.StatusPending {
			verb = "Reopen"
		}
	}
	title := verb + ": " + task.Title
	if more := len(s.changes) - 1; more > 0 {
		title += " +" + strconv.Itoa(more)
	}
	return title
}
