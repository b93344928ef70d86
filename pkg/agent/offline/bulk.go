package offline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// addCall turns one parsed task to add into its add_task call: the one
// place where an add request becomes a tasks call (single adds and lists
// of tasks alike).
func addCall(f Fields, loc *time.Location) toolCall {
	args := tasks.AddArgs{Title: f.Title}
	if f.Description != nil && *f.Description != "" {
		args.Description = f.Description
	}
	if f.Due != nil {
		args.DueAt = rfc3339(f.Due)
		args.DueAllDay = new(!f.DueHasTime)
	}
	if f.Priority != "" {
		args.Priority = &f.Priority
	}
	if len(f.Tags) > 0 {
		args.Tags = &f.Tags
	}
	args.Repeat, args.TimeZone = repeatArgs(f, loc) // recurrence.go
	return toolCall{tool: tasks.ToolAddTask, add: args}
}

// statusCall is the call that completes, deletes or reopens task id (the
// zero call for other kinds).
func statusCall(kind Kind, id int64) toolCall {
	c := toolCall{id: id}
	switch kind {
	case KindComplete:
		c.tool = tasks.ToolCompleteTask
	case KindDelete:
		c.tool = tasks.ToolDeleteTask
	case KindReopen:
		c.tool = tasks.ToolUpdateTask
		pending := string(tasks.StatusPending)
		c.upd.Status = &pending
	}
	return c
}

// addMany adds the tasks of a message listing several, and records them as
// one change (one undo removes them all).
func (a *Agent) addMany(ctx context.Context, st *turnState, in Intent) (*reply, error) {
	if n := max(len(in.Items), in.TooMany); n > MaxItems {
		return &reply{text: fmt.Sprintf("That's %d tasks — I can add up to %d in one message. Could you send them "+
			"in smaller groups?", n, MaxItems)}, nil
	}
	for _, f := range in.Items {
		if tooLong(*f.Title) {
			return &reply{text: fmt.Sprintf("“%.40s…” is too long for a task title — titles can have up to %d "+
				"characters. Could you shorten it? I haven't added any of the tasks yet.", *f.Title, tasks.MaxTitleLen)}, nil
		}
	}
	var (
		results []tasks.Result
		added   []tasks.Task
		lines   []string
		failed  []string
	)
	for _, f := range in.Items {
		res, err := a.call(ctx, st, addCall(f, st.loc))
		if err != nil {
			return nil, err
		}
		if !res.OK || res.Task == nil {
			failed = append(failed, fmt.Sprintf("“%s” (%s)", *f.Title, res.Error))
			continue
		}
		results = append(results, res)
		added = append(added, *res.Task)
		lines = append(lines, "- "+strings.TrimSuffix(strings.TrimPrefix(widgets.Confirm(res, st.loc, st.now), "Added "), "."))
	}
	r := &reply{}
	if len(added) > 0 {
		r.text = fmt.Sprintf("Added %s:\n%s", plural(len(added), "task"), strings.Join(lines, "\n"))
		if overdue := countOverdue(added, st.now); overdue > 0 {
			r.text += fmt.Sprintf("\n(%s already past, so %s overdue.)", plural(overdue, "due time is"), itThey(overdue))
		}
		l := widgets.NewList("Added tasks", added, "")
		r.list, r.changes = &l, results
		r.effect, r.effectID = tasks.ToolAddTask, ids(added)
	}
	if len(failed) > 0 {
		if r.text != "" {
			r.text += "\n"
		}
		r.text += "I couldn't add " + joinAnd(failed) + "."
	}
	return r, nil
}

func itThey(n int) string {
	if n == 1 {
		return "it is"
	}
	return "they are"
}

// resolveMany turns a reference to several tasks into their ids, or a reply
// asking back. Tasks already in the state the change leads to are left out
// (completing finished ones, reopening pending ones).
func (a *Agent) resolveMany(ctx context.Context, st *turnState, in Intent) ([]int64, *reply, error) {
	ref := in.Ref
	if len(ref.IDs) > 0 {
		out := make([]int64, len(ref.IDs))
		for i, id := range ref.IDs {
			out[i] = int64(id)
		}
		return out, nil, nil
	}
	if len(ref.Ordinals) > 0 || ref.Both || ref.All && ref.Filter == nil {
		if st.mem.listItem == nil {
			if err := st.more(); err != nil {
				return nil, nil, err
			}
		}
		rows := st.mem.list.Rows
		if st.mem.listItem != nil && len(rows) > 0 {
			return a.pickRows(ctx, st, ref, in.Kind, rows)
		}
		if len(ref.Ordinals) > 0 || ref.Both {
			return nil, &reply{text: "Which tasks do you mean? I haven't shown you a list in this conversation yet — " +
				"say “show my tasks” first, or use their numbers (like “tasks 2 and 3”)."}, nil
		}
	}
	// Every task (of the filter): the ones the change applies to.
	f := Filter{}
	if ref.Filter != nil {
		f = *ref.Filter
	}
	ts, err := a.query(ctx, st, f)
	if err != nil {
		return nil, nil, err
	}
	// "all my work tasks": a word no title has may be a tag.
	if len(ts) == 0 && f.Query != "" && f.Tag == "" && !strings.Contains(f.Query, " ") {
		f.Tag, f.Query = strings.TrimPrefix(f.Query, "#"), ""
		if ts, err = a.query(ctx, st, f); err != nil {
			return nil, nil, err
		}
	}
	var out []int64
	for _, t := range ts {
		if applies(in.Kind, t) {
			out = append(out, t.ID)
		}
	}
	if len(out) == 0 {
		_, noun := describeFilter(f)
		return nil, &reply{text: fmt.Sprintf("I found no %s to %s.", strings.Replace(noun, "task", "tasks", 1),
			verbFor(in.Kind))}, nil
	}
	return out, nil, nil
}

// resolveTitles finds the task of each part of a reference listing several
// ("the groceries and the bills") when the whole matches no task: the ids
// when every part names one task, else nil.
func (a *Agent) resolveTitles(ctx context.Context, st *turnState, in Intent) ([]int64, error) {
	all, err := a.svc.List(ctx, st.user, tasks.Filter{})
	if err != nil {
		return nil, fmt.Errorf("offline agent: list tasks: %w", err)
	}
	var cands []Candidate
	for _, t := range all {
		if applies(in.Kind, t) {
			cands = append(cands, Candidate{ID: int(t.ID), Title: t.Title})
		}
	}
	if best, tied, ok := Best(MatchTitles(in.Ref.Title, cands)); ok && len(tied) == 0 && best.Score == 1 {
		return nil, nil
	}
	var out []int64
	for _, part := range in.Ref.Titles {
		best, tied, ok := Best(MatchTitles(part, cands))
		if !ok || len(tied) > 0 {
			return nil, nil
		}
		if !slices.Contains(out, int64(best.ID)) {
			out = append(out, int64(best.ID))
		}
	}
	return out, nil
}

// pickRows picks the rows of the last list a reference names ("all of
// them": those the change applies to, as the tasks are now).
func (a *Agent) pickRows(ctx context.Context, st *turnState, ref Ref, kind Kind, rows []widgets.Row) ([]int64, *reply, error) {
	var out []int64
	switch {
	case ref.Both:
		if len(rows) != 2 {
			return nil, &reply{text: fmt.Sprintf("The last list I showed has %s, not two. Which ones do you mean?",
				plural(len(rows), "task"))}, nil
		}
		out = []int64{rows[0].Task.ID, rows[1].Task.ID}
	case len(ref.Ordinals) > 0:
		for _, o := range ref.Ordinals {
			i := o - 1
			if o < 0 {
				i = len(rows) + o
			}
			if i < 0 || i >= len(rows) {
				return nil, &reply{text: fmt.Sprintf("The last list I showed has only %s. Which ones do you mean?",
					plural(len(rows), "task"))}, nil
			}
			out = append(out, rows[i].Task.ID)
		}
	default:
		for _, r := range rows {
			if r.Deleted {
				continue
			}
			t, err := a.svc.Get(ctx, st.user, r.Task.ID)
			switch {
			case isNotFound(err):
				continue
			case err != nil:
				return nil, nil, fmt.Errorf("offline agent: read task %d: %w", r.Task.ID, err)
			}
			if applies(kind, t) {
				out = append(out, t.ID)
			}
		}
		if len(out) == 0 {
			return nil, &reply{text: fmt.Sprintf("None of the tasks in the last list needs that — nothing to %s.",
				verbFor(kind))}, nil
		}
	}
	return out, nil, nil
}

// applies reports whether a change of kind would change t.
func applies(kind Kind, t tasks.Task) bool {
	switch kind {
	case KindComplete:
		return t.Status == tasks.StatusPending
	case KindReopen:
		return t.Status == tasks.StatusCompleted
	}
	return true
}

// query reads the tasks matching f (as list shows them, without a tool call).
func (a *Agent) query(ctx context.Context, st *turnState, f Filter) ([]tasks.Task, error) {
	tf := tasks.Filter{Query: f.Query, Tag: f.Tag, DueAfter: f.DueAfter, DueBefore: f.DueBefore, Overdue: f.Overdue}
	switch f.Status {
	case StatusPending:
		tf.Status = tasks.FilterPending
	case StatusCompleted:
		tf.Status = tasks.FilterCompleted
	}
	if f.Priority != "" && f.Priority != PriorityHigh {
		tf.Priority = tasks.Priority(f.Priority)
	}
	ts, err := a.svc.List(ctx, st.user, tf)
	if err != nil {
		return nil, fmt.Errorf("offline agent: select tasks: %w", err)
	}
	if f.Priority == PriorityHigh {
		kept := ts[:0:0]
		for _, t := range ts {
			if t.Priority.Rank() >= tasks.PriorityHigh.Rank() {
				kept = append(kept, t)
			}
		}
		ts = kept
	}
	return ts, nil
}

// changeMany completes, reopens or deletes several tasks, as one change
// (one undo reverses all). Deleting more than one asks first.
func (a *Agent) changeMany(ctx context.Context, st *turnState, in Intent) (*reply, error) {
	if in.Kind == KindUpdate {
		return &reply{text: "I can change one task at a time. Which one? You can say its number (“task 3”) or, " +
			"after a list, “the first one”."}, nil
	}
	idList, ask, err := a.resolveMany(ctx, st, in)
	if err != nil || ask != nil {
		return ask, err
	}
	if len(idList) == 1 {
		one := in
		one.Ref = Ref{ID: int(idList[0])}
		return a.change(ctx, st, one)
	}
	if len(idList) > MaxItems {
		return &reply{text: fmt.Sprintf("That's %d tasks — I can %s up to %d at once. Could you narrow it down?",
			len(idList), verbFor(in.Kind), MaxItems)}, nil
	}
	if in.Kind == KindDelete && !in.Confirmed {
		var names []string
		var shown []tasks.Task
		for _, id := range idList {
			t, err := a.svc.Get(ctx, st.user, id)
			if err != nil {
				names = append(names, fmt.Sprintf("task %d", id))
				continue
			}
			names = append(names, widgets.Name(t))
			shown = append(shown, t)
		}
		confirm := in
		confirm.Ref, confirm.Confirmed = Ref{IDs: toInts(idList)}, true
		l := widgets.NewList("Tasks to delete", shown, "")
		return &reply{text: fmt.Sprintf("Delete these %d tasks: %s? Say “yes” to confirm or “no” to keep them.",
			len(idList), joinAnd(names)), list: &l, question: &question{Type: recordQuestion, Intent: confirm}}, nil
	}
	var (
		results  []tasks.Result
		done     []string
		skipped  []string
		missing  []string
		touched  []int64
		refresh  = map[int64]*tasks.Task{}
		selected = len(idList)
	)
	for _, id := range idList {
		c := statusCall(in.Kind, id)
		res, err := a.call(ctx, st, c)
		if err != nil {
			return nil, err
		}
		switch {
		case res.Code == tasks.CodeNotFound:
			missing = append(missing, fmt.Sprintf("task %d", id))
		case !res.OK || res.Task == nil:
			skipped = append(skipped, fmt.Sprintf("task %d (%s)", id, res.Error))
		case !res.Changed:
			skipped = append(skipped, widgets.Name(*res.Task)+" (already "+string(res.Task.Status)+")")
		default:
			results = append(results, res)
			done = append(done, widgets.Name(*res.Task))
			touched = append(touched, res.Task.ID)
			if in.Kind == KindDelete {
				refresh[res.Task.ID] = nil
			} else {
				refresh[res.Task.ID] = res.Task
			}
		}
	}
	r := &reply{}
	if len(done) > 0 {
		verb := map[Kind]string{KindComplete: "Marked %s as done: %s.", KindReopen: "Reopened %s: %s.",
			KindDelete: "Deleted %s: %s. Say “undo” to bring them back."}[in.Kind]
		r.text = fmt.Sprintf(verb, plural(len(done), "task"), joinAnd(done))
		r.changes, r.refresh = results, refresh
		r.effect, r.effectID = results[0].Tool, touched
	}
	if len(skipped) > 0 {
		r.text = strings.TrimSpace(r.text + " I left " + joinAnd(skipped) + ".")
	}
	if len(missing) > 0 {
		r.text = strings.TrimSpace(r.text + " " + capitalizeFirst(joinAnd(missing)) + " " +
			map[bool]string{true: "doesn't", false: "don't"}[len(missing) == 1] + " exist.")
	}
	if r.text == "" {
		r.text = fmt.Sprintf("Nothing changed among the %d tasks.", selected)
	}
	return r, nil
}

func toInts(ids []int64) []int {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

// undoBatch reverses a change of several tasks, newest first.
func (a *Agent) undoBatch(ctx context.Context, st *turnState, c agent.Change) (*reply, error) {
	r := &reply{undo: &c, refresh: map[int64]*tasks.Task{}}
	var names, gone []string
	for i := len(c.Batch) - 1; i >= 0; i-- {
		sub := c.Batch[i]
		id := sub.TaskID()
		now, err := a.svc.Revert(ctx, st.user, sub.Before, sub.After)
		switch {
		case err != nil && isNotFound(err):
			gone = append(gone, fmt.Sprintf("task %d", id))
			continue
		case err != nil:
			return nil, fmt.Errorf("undo %s of task %d: %w", sub.Tool, id, err)
		}
		r.refresh[id] = now
		r.effectID = append(r.effectID, id)
		switch {
		case now != nil:
			names = append([]string{widgets.Name(*now)}, names...)
		case sub.After != nil:
			names = append([]string{widgets.Name(*sub.After)}, names...)
		}
	}
	r.effect = "undo"
	tool := ""
	if len(c.Batch) > 0 {
		tool = c.Batch[0].Tool
	}
	switch tool {
	case tasks.ToolAddTask:
		r.text = fmt.Sprintf("Undone: I removed %s again: %s.", plural(len(names), "task"), joinAnd(names))
	case tasks.ToolDeleteTask:
		r.text = fmt.Sprintf("Undone: %s %s back: %s.", plural(len(names), "task"), isAreBack(len(names)), joinAnd(names))
	case tasks.ToolCompleteTask:
		r.text = fmt.Sprintf("Undone: %s %s pending again: %s.", plural(len(names), "task"), isAreBack(len(names)), joinAnd(names))
	default:
		r.text = fmt.Sprintf("Undone: %s %s back to how %s were: %s.", plural(len(names), "task"), isAreBack(len(names)),
			"they", joinAnd(names))
	}
	if len(gone) > 0 {
		r.text += " I couldn't restore " + joinAnd(gone) + ": no longer there."
	}
	return r, nil
}

func isAreBack(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
