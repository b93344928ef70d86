package openaiagent

import (
	"context"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Presenter shows a tool call's result in the chat besides the model's
// text: a task-list widget, a client effect. Present is called after every
// tool call, in order.
type Presenter interface {
	Present(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink, res tasks.Result) error
}

// EffectPresenter sends the tasks_changed client effect after a call that
// changed the user's tasks, so the page refreshes its task pane.
type EffectPresenter struct{}

// Present implements Presenter.
func (EffectPresenter) Present(ctx context.Context, _ *chatkit.Turn, sink chatkit.Sink, res tasks.Result) error {
	if !res.Changed {
		return nil
	}
	return chatkit.SendClientEffect(ctx, sink, "tasks_changed", map[string]any{"tool": res.Tool})
}
