package widgets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Name is how a task is named in replies: task 3 “Call mom”.
func Name(t tasks.Task) string {
	return fmt.Sprintf("task %d “%s”", t.ID, t.Title)
}

// Confirm is the friendly confirmation of a successful tool result that
// changed (or, for complete, did not need to change) a task, shown in loc
// relative to now: "Added task 4 “Buy milk” — due tomorrow at 5:00 PM.".
func Confirm(res tasks.Result, loc *time.Location, now time.Time) string {
	if res.Task == nil {
		return res.Message
	}
	t := *res.Task
	switch res.Tool {
	case tasks.ToolAddTask:
		s := "Added " + Name(t)
		if d := details(t, loc, now); d != "" {
			s += " — " + d
		}
		return s + "."
	case tasks.ToolCompleteTask:
		if !res.Changed {
			return capitalize(Name(t)) + " was already completed."
		}
		if t.Status == tasks.StatusPending && t.Recurrence != nil && t.DueAt != nil {
			return "Nice work! Marked this one done; " + Name(t) + " " + t.Recurrence.Text() +
				", so the next one is due " + DueText(t, loc, now) + "."
		}
		return "Nice work! Marked " + Name(t) + " as done."
	case tasks.ToolDeleteTask:
		return "Deleted " + Name(t) + ". Say “undo” if that was a mistake."
	case tasks.ToolUpdateTask:
		if !res.Changed {
			return capitalize(Name(t)) + " already looks like that — nothing changed."
		}
		return updateText(res, loc, now)
	}
	return res.Message
}

func updateText(res tasks.Result, loc *time.Location, now time.Time) string {
	t := *res.Task
	var parts []string
	reopened := false
	for _, f := range res.Fields {
		switch f {
		case "title":
			if res.Before != nil {
				return fmt.Sprintf("Renamed task %d from “%s” to “%s”.", t.ID, res.Before.Title, t.Title) + rest(res, "title", loc, now)
			}
			parts = append(parts, fmt.Sprintf("renamed it to “%s”", t.Title))
		case "due_at":
			if t.DueAt == nil {
				parts = append(parts, "removed the due date")
			} else {
				parts = append(parts, "it's now due "+DueText(t, loc, now))
			}
		case "priority":
			parts = append(parts, "priority is now "+string(t.Priority))
		case "tags":
			if len(t.Tags) == 0 {
				parts = append(parts, "removed its tags")
			} else {
				parts = append(parts, "tags are now #"+strings.Join(t.Tags, " #"))
			}
		case "description":
			parts = append(parts, "updated the description")
		case "recurrence":
			if t.Recurrence == nil {
				parts = append(parts, "it no longer repeats")
			} else {
				parts = append(parts, "it now "+t.Recurrence.Text())
			}
		case "status":
			if t.Status == tasks.StatusPending {
				reopened = true
			} else {
				parts = append(parts, "marked it done")
			}
		}
	}
	if reopened && len(parts) == 0 {
		return "Reopened " + Name(t) + " — it's pending again."
	}
	if len(parts) == 1 && !reopened {
		// One field: say it as a sentence about the task.
		shown := capitalize(Name(t))
		switch p := parts[0]; {
		case strings.HasPrefix(p, "it's now due "):
			return shown + " is now due " + strings.TrimPrefix(p, "it's now due ") + "."
		case strings.HasPrefix(p, "priority is now "):
			return shown + " is now " + string(t.Priority) + " priority."
		case strings.HasPrefix(p, "tags are now "):
			return shown + " is now tagged " + strings.TrimPrefix(p, "tags are now ") + "."
		case p == "removed the due date":
			return "Removed the due date from " + Name(t) + "."
		case strings.HasPrefix(p, "it no longer repeats"), strings.HasPrefix(p, "it now repeats"):
			return shown + strings.TrimPrefix(p, "it") + "."
		}
	}
	if reopened {
		parts = append([]string{"reopened it"}, parts...)
	}
	return "Updated " + Name(t) + ": " + strings.Join(parts, "; ") + "."
}

// rest describes the fields other than skip of an update, as a sentence
// (empty when there are none).
func rest(res tasks.Result, skip string, loc *time.Location, now time.Time) string {
	var fields []string
	for _, f := range res.Fields {
		if f != skip && f != "completed_at" {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return ""
	}
	r := res
	r.Fields = fields
	r.Before = nil
	s := updateText(r, loc, now)
	return " " + s
}

// details lists due date, priority and tags: "due tomorrow at 5:00 PM, high
// priority, #work".
func details(t tasks.Task, loc *time.Location, now time.Time) string {
	var parts []string
	if t.DueAt != nil {
		parts = append(parts, "due "+DueText(t, loc, now))
	}
	if t.Recurrence != nil {
		parts = append(parts, t.Recurrence.Text())
	}
	if t.Priority != "" && t.Priority != tasks.PriorityNone {
		parts = append(parts, string(t.Priority)+" priority")
	}
	if len(t.Tags) > 0 {
		parts = append(parts, "#"+strings.Join(t.Tags, " #"))
	}
	return strings.Join(parts, ", ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Getter reads one task of the current user (tasks.Service.Get bound to a
// user); it returns an error wrapping tasks.ErrNotFound for a missing task.
type Getter func(ctx context.Context, id int64) (tasks.Task, error)

// Refresh re-reads every row of l; a row whose task no longer exists is
// kept, marked deleted, with the title it had. known overrides the read for
// tasks the caller already has (nil value: deleted).
func Refresh(ctx context.Context, get Getter, l List, known map[int64]*tasks.Task) (List, error) {
	out := l
	out.Rows = make([]Row, len(l.Rows))
	for i, r := range l.Rows {
		if t, ok := known[r.Task.ID]; ok {
			if t == nil {
				out.Rows[i] = Row{Task: r.Task, Deleted: true}
			} else {
				out.Rows[i] = Row{Task: *t}
			}
			continue
		}
		t, err := get(ctx, r.Task.ID)
		switch {
		case errors.Is(err, tasks.ErrNotFound):
			out.Rows[i] = Row{Task: r.Task, Deleted: true}
		case err != nil:
			return l, fmt.Errorf("refresh task list: %w", err)
		default:
			out.Rows[i] = Row{Task: t}
		}
	}
	return out, nil
}
