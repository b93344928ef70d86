package tasks

// The tools that act on several tasks in one call: add_tasks,
// complete_tasks and delete_tasks. Each checks every argument before it
// changes anything; add_tasks is all or none (a task that fails validation
// after others were added removes them again). Their Result carries one
// Items entry per task, each the Result the single-task tool would have
// given (Tool add_task, complete_task or delete_task, with Before), so an
// agent records and undoes them as it does single changes.
//
// delete_tasks with more than one id deletes nothing unless confirm is
// true: it answers {"ok":false,"code":"needs_confirmation",...} naming the
// tasks, so the model asks the user first.

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// MaxBulk is the most tasks one bulk call takes.
const MaxBulk = 50

// CodeNeedsConfirmation is the Result.Code of a delete_tasks call of more
// than one task without confirm.
const CodeNeedsConfirmation = "needs_confirmation"

type addTasksArgs struct {
	Tasks *[]addArgs `json:"tasks"`
}

type idsArgs struct {
	TaskIDs *[]taskID `json:"task_ids"`
	Confirm *bool     `json:"confirm"`
}

// ids checks a task_ids argument: given, 1..MaxBulk ids, no duplicates.
func (a idsArgs) ids(tool string) ([]int64, *Result) {
	if a.TaskIDs == nil || len(*a.TaskIDs) == 0 {
		r := invalid(tool, map[string]string{"task_ids": "is required: a list of task numbers like [2, 5]"})
		return nil, &r
	}
	if len(*a.TaskIDs) > MaxBulk {
		r := invalid(tool, map[string]string{"task_ids": fmt.Sprintf("at most %d tasks per call", MaxBulk)})
		return nil, &r
	}
	out := make([]int64, 0, len(*a.TaskIDs))
	for _, id := range *a.TaskIDs {
		if !slices.Contains(out, int64(id)) {
			out = append(out, int64(id))
		}
	}
	return out, nil
}

// bulkResult is the Result of a bulk call from its items.
func bulkResult(tool, msg string, items []Result) Result {
	list := make([]Task, len(items))
	changed := false
	for i, it := range items {
		list[i] = *it.Task
		changed = changed || it.Changed
	}
	r := Result{Tool: tool, OK: true, Code: CodeOK, Message: msg, Tasks: list, Items: items, Changed: changed}
	r.JSON = listResultJSON(msg, list)
	return r
}

func titles(list []Task) string {
	parts := make([]string, len(list))
	for i, t := range list {
		parts[i] = quoteTitle(t)
	}
	return strings.Join(parts, ", ")
}

// existing returns the user's tasks with ids (in the order of ids), or a
// not_found Result naming the missing ones.
func (t *Tools) existing(ctx context.Context, tool, user string, ids []int64) ([]Task, *Result, error) {
	all, err := t.svc.List(ctx, user, Filter{})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", tool, err)
	}
	var found []Task
	var missing []string
	for _, id := range ids {
		i := slices.IndexFunc(all, func(x Task) bool { return x.ID == id })
		if i < 0 {
			missing = append(missing, fmt.Sprint(id))
			continue
		}
		found = append(found, all[i])
	}
	if len(missing) > 0 {
		what := "task " + missing[0] + " does not exist"
		if len(missing) > 1 {
			what = "tasks " + strings.Join(missing, ", ") + " do not exist"
		}
		r := failure(tool, CodeNotFound, what+"; nothing was changed; "+describeIDs(all))
		return nil, &r, nil
	}
	return found, nil, nil
}

func (t *Tools) addTasks(ctx context.Context, user string, a addTasksArgs) (Result, error) {
	if a.Tasks == nil || len(*a.Tasks) == 0 {
		return invalid(ToolAddTasks, map[string]string{"tasks": "is required: a list of tasks, each with a title"}), nil
	}
	if len(*a.Tasks) > MaxBulk {
		return invalid(ToolAddTasks, map[string]string{"tasks": fmt.Sprintf("at most %d tasks per call", MaxBulk)}), nil
	}
	items := make([]Result, 0, len(*a.Tasks))
	for i, ta := range *a.Tasks {
		res, err := t.addTask(ctx, user, AddArgs(ta))
		if err == nil && res.OK {
			items = append(items, res)
			continue
		}
		// All or none: remove the ones added before this one.
		for _, done := range items {
			if _, derr := t.svc.Delete(ctx, user, done.Task.ID); derr != nil && err == nil {
				err = fmt.Errorf("%s: roll back task %d: %w", ToolAddTasks, done.Task.ID, derr)
			}
		}
		if err != nil {
			return Result{}, err
		}
		msg := fmt.Sprintf("tasks[%d]: %s; no task was added", i, res.Error)
		return failure(ToolAddTasks, res.Code, msg), nil
	}
	list := make([]Task, len(items))
	for i, it := range items {
		list[i] = *it.Task
	}
	return bulkResult(ToolAddTasks, fmt.Sprintf("Added %d tasks: %s.", len(items), titles(list)), items), nil
}

func (t *Tools) completeTasks(ctx context.Context, user string, a idsArgs) (Result, error) {
	ids, bad := a.ids(ToolCompleteTasks)
	if bad != nil {
		return *bad, nil
	}
	if a.Confirm != nil {
		return failure(ToolCompleteTasks, CodeInvalidArgument, "unknown argument \"confirm\""), nil
	}
	if _, missing, err := t.existing(ctx, ToolCompleteTasks, user, ids); err != nil || missing != nil {
		return deref(missing), err
	}
	items := make([]Result, 0, len(ids))
	var done, already, moved []string
	for _, id := range ids {
		res, err := t.completeTask(ctx, user, id)
		if err != nil {
			return Result{}, err
		}
		if !res.OK { // deleted meanwhile
			return res, nil
		}
		items = append(items, res)
		switch {
		case !res.Changed:
			already = append(already, quoteTitle(*res.Task))
		case res.Task.Status == StatusPending:
			moved = append(moved, quoteTitle(*res.Task))
		default:
			done = append(done, quoteTitle(*res.Task))
		}
	}
	var parts []string
	if len(done) > 0 {
		parts = append(parts, "Completed "+strings.Join(done, ", ")+".")
	}
	if len(moved) > 0 {
		parts = append(parts, "Completed this occurrence of "+strings.Join(moved, ", ")+" (repeating: moved to the next one).")
	}
	if len(already) > 0 {
		parts = append(parts, "Already completed: "+strings.Join(already, ", ")+".")
	}
	return bulkResult(ToolCompleteTasks, strings.Join(parts, " "), items), nil
}

func (t *Tools) deleteTasks(ctx context.Context, user string, a idsArgs) (Result, error) {
	ids, bad := a.ids(ToolDeleteTasks)
	if bad != nil {
		return *bad, nil
	}
	found, missing, err := t.existing(ctx, ToolDeleteTasks, user, ids)
	if err != nil || missing != nil {
		return deref(missing), err
	}
	if len(ids) > 1 && (a.Confirm == nil || !*a.Confirm) {
		r := failure(ToolDeleteTasks, CodeNeedsConfirmation, fmt.Sprintf(
			"deleting %d tasks (%s) needs the user's confirmation; nothing was deleted. Ask the user, and if they "+
				"agree call delete_tasks again with the same task_ids and confirm true.", len(ids), titles(found)))
		r.Tasks = found
		return r, nil
	}
	items := make([]Result, 0, len(ids))
	for _, id := range ids {
		res, err := t.deleteTask(ctx, user, id)
		if err != nil {
			return Result{}, err
		}
		if !res.OK {
			return res, nil
		}
		items = append(items, res)
	}
	return bulkResult(ToolDeleteTasks, fmt.Sprintf("Deleted %d tasks: %s.", len(items), titles(found)), items), nil
}

func deref(r *Result) Result {
	if r == nil {
		return Result{}
	}
	return *r
}
