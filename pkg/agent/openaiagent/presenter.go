package openaiagent

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// present shows a tool result the way the offline agent does: a list_tasks
// answer as the task-list widget (with Complete/Delete buttons that the
// widgets action handler serves), and after a change the hidden change
// record (for undo; one per task of a bulk call, grouped by a batch record)
// and the tasks_changed client effect.
func present(ctx context.Context, sink chatkit.Sink, loc *time.Location, now time.Time, call toolCall, res tasks.Result) error {
	switch {
	case !res.OK:
		return nil
	case res.Tool == tasks.ToolListTasks:
		l := widgets.NewList(listTitle(call.arguments), res.Tasks, "No tasks match.")
		_, err := chatkit.SendWidget(ctx, sink, l.Render(loc, now), l.CopyText(loc, now))
		return err
	case res.Tool == toolUndo:
		return nil // undo records and announces its own changes
	case res.Changed:
		ids, err := recordChanges(ctx, sink, res)
		if err != nil {
			return err
		}
		if len(ids) == 0 && res.Task != nil {
			ids = append(ids, res.Task.ID)
		}
		return agent.SendTasksChanged(ctx, sink, res.Tool, ids...)
	}
	return nil
}

// listTitle heads the widget of a list_tasks call, from its filters.
func listTitle(arguments string) string {
	var f struct {
		Status   *string `json:"status"`
		Query    *string `json:"query"`
		Tag      *string `json:"tag"`
		Priority *string `json:"priority"`
		Overdue  *bool   `json:"overdue"`
	}
	_ = json.Unmarshal([]byte(arguments), &f) // the tool already accepted them
	title := "Your tasks"
	switch {
	case f.Overdue != nil && *f.Overdue:
		title = "Overdue tasks"
	case f.Status != nil && *f.Status == "pending":
		title = "Pending tasks"
	case f.Status != nil && *f.Status == "completed":
		title = "Completed tasks"
	}
	if f.Priority != nil && *f.Priority != "" {
		title = fmt.Sprintf("%s (%s priority)", title, *f.Priority)
	}
	if f.Tag != nil && *f.Tag != "" {
		title += " tagged #" + *f.Tag
	}
	if f.Query != nil && *f.Query != "" {
		title += fmt.Sprintf(" matching %q", *f.Query)
	}
	return title
}
