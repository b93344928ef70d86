package widgets

import (
	"context"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Presenter shows a tool result in the chat the way the offline agent
// does, for agents that call the tools themselves (the OpenAI agent's
// Presenter option): a list_tasks result becomes a task-list widget (so its
// buttons work and "the first one" refers to it), and a change is recorded
// in the thread (undo) and announced with the tasks_changed client effect.
type Presenter struct {
	// Now is the clock for relative due dates (time.Now when nil).
	Now func() time.Time
}

// Present shows res; turn supplies the user's time zone.
func (p Presenter) Present(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink, res tasks.Result) error {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	var loc *time.Location
	if turn != nil {
		loc = turn.Info.Location
	}
	switch {
	case res.OK && res.Tool == tasks.ToolListTasks:
		l := NewList("Tasks", res.Tasks, "No tasks match.")
		_, err := chatkit.SendWidget(ctx, sink, l.Render(loc, now()), l.CopyText(loc, now()))
		return err
	case res.OK && res.Changed && res.Task != nil:
		if err := agent.RecordChangeOf(ctx, sink, res); err != nil {
			return err
		}
		return agent.SendTasksChanged(ctx, sink, res.Tool, res.Task.ID)
	}
	return nil
}
