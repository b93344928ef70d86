package openaiagent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// The agent's tool calls: the shared task tools (tasks.Toolbox), with two
// things only a conversation can do added here.
//
//   - Confirmation of a bulk delete. delete_tasks of more than one task
//     answers needs_confirmation unless confirm is true; the agent also
//     refuses confirm true unless a needs_confirmation for the same tasks
//     was answered before the user's latest message, so the model cannot
//     confirm on the user's behalf within one turn.
//   - undo_last_change: reverses the newest change of this thread not
//     undone yet, read from the hidden change records (agent.Changes), as
//     the offline agent's "undo" does. A bulk change (add_tasks,
//     complete_tasks, delete_tasks) is recorded as one change per task plus
//     a batch record naming them, and is undone as a whole.

// toolUndo is the agent's own tool.
const toolUndo = "undo_last_change"

// codeNothingToUndo is the undo tool's failure code when there is nothing
// to undo.
const codeNothingToUndo = "nothing_to_undo"

// undoHistoryLimit is how many of the thread's newest items undo reads for
// change records.
const undoHistoryLimit = 500

func undoDefinition() tasks.Tool {
	schema := json.RawMessage(`{"type":"object","properties":{},"required":[],"additionalProperties":false}`)
	return tasks.Tool{Name: toolUndo,
		Description: "Undo the newest change made in this conversation that is not undone yet (an add, " +
			"complete, update or delete; a change of several tasks at once is undone as a whole). Call it " +
			"again to go further back.",
		Parameters: schema, InputSchema: schema}
}

// runTools runs a step's calls in order for the turn's user, in the user's
// time zone (the zone a repeating task follows). It returns the exchanges
// that completed; a Go error from the toolbox (the store is unreachable)
// ends the turn.
func (r *turnRun) runTools(calls []toolCall) ([]toolExchange, error) {
	ctx, sink := r.ctx, r.sink
	if r.turn.Info.TimeZone != "" {
		ctx = tasks.WithTimeZone(ctx, r.turn.Info.TimeZone)
	}
	var done []toolExchange
	for i, c := range calls {
		if c.callID == "" {
			c.callID = "call_" + strconv.Itoa(i) + "_" + chatkit.NewID("tc")
		}
		p, ok := progressText[c.name]
		if !ok {
			p.text = "Working…"
		}
		if err := chatkit.SendProgress(ctx, sink, p.icon, p.text); err != nil {
			return done, err
		}
		var res tasks.Result
		var err error
		switch {
		case c.name == toolUndo && r.a.svc != nil:
			res, err = r.undo(ctx)
		case c.name == tasks.ToolDeleteTasks && !r.confirmed(c.arguments):
			res = unconfirmed()
		default:
			res, err = r.a.tools.Call(ctx, r.turn.UserID, c.name, json.RawMessage(c.arguments))
		}
		if err != nil {
			return done, fmt.Errorf("task tool %s: %w", c.name, err)
		}
		done = append(done, toolExchange{CallID: c.callID, Name: c.name, Arguments: c.arguments, Output: string(res.JSON)})
		if err := present(ctx, sink, r.req.now.Location(), r.req.now, c, res); err != nil {
			return done, err
		}
	}
	return done, nil
}

// deleteArgs are what the confirmation check reads of delete_tasks's
// arguments (the tool itself checks them fully).
type deleteArgs struct {
	TaskIDs []json.RawMessage `json:"task_ids"`
	Confirm *bool             `json:"confirm"`
}

func parseDeleteArgs(arguments string) (ids []int64, confirm bool) {
	var a deleteArgs
	if json.Unmarshal([]byte(arguments), &a) != nil {
		return nil, false
	}
	for _, raw := range a.TaskIDs {
		s := strings.TrimPrefix(strings.Trim(string(bytes.TrimSpace(raw)), `"`), "#")
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, n)
		} else if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
			ids = append(ids, int64(f))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), a.Confirm != nil && *a.Confirm
}

// confirmed reports whether a delete_tasks call may run: anything but a
// confirmed deletion of several tasks goes to the tool (which asks for
// confirmation itself); a confirmed one needs a needs_confirmation answer
// for the same tasks before the user's latest message.
func (r *turnRun) confirmed(arguments string) bool {
	ids, confirm := parseDeleteArgs(arguments)
	if !confirm || len(ids) < 2 {
		return true
	}
	lastUser := -1
	for i, e := range r.req.history {
		if e.kind == entryUser {
			lastUser = i
		}
	}
	for _, e := range r.req.history[:max(lastUser, 0)] {
		if e.kind != entryTools {
			continue
		}
		for _, x := range e.calls {
			if x.Name != tasks.ToolDeleteTasks {
				continue
			}
			var out struct {
				Code string `json:"code"`
			}
			if json.Unmarshal([]byte(x.Output), &out) != nil || out.Code != tasks.CodeNeedsConfirmation {
				continue
			}
			if asked, _ := parseDeleteArgs(x.Arguments); slices.Equal(asked, ids) {
				return true
			}
		}
	}
	return false
}

// unconfirmed is delete_tasks's answer to a confirm the user did not give.
func unconfirmed() tasks.Result {
	msg := "the user has not confirmed deleting these tasks: nothing was deleted. Ask the user (name the tasks) " +
		"and call delete_tasks with confirm true only after they agree in their next message."
	return tasks.Result{Tool: tasks.ToolDeleteTasks, Code: tasks.CodeNeedsConfirmation, Error: msg,
		JSON: mustJSON(map[string]any{"ok": false, "code": tasks.CodeNeedsConfirmation, "error": msg})}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and bools: cannot fail
	}
	return b
}

// recordChanges stores the change record of a result (of a bulk call, one
// batch record: agent.RecordChangesOf, as the offline agent does, so one
// undo reverses it whichever agent made it) and returns the ids of the
// tasks that changed.
func recordChanges(ctx context.Context, sink chatkit.Sink, res tasks.Result) ([]int64, error) {
	items := res.Items
	if items == nil {
		items = []tasks.Result{res}
	}
	var ids []int64
	for _, it := range items {
		if c, ok := agent.ChangeOf(it); ok {
			ids = append(ids, c.TaskID())
		}
	}
	if err := agent.RecordChangesOf(ctx, sink, items); err != nil {
		return nil, fmt.Errorf("change record: %w", err)
	}
	return ids, nil
}

// undo reverses the newest change of the thread not undone yet, or the
// whole bulk call it was part of.
func (r *turnRun) undo(ctx context.Context) (tasks.Result, error) {
	items, err := r.turn.History(ctx, undoHistoryLimit)
	if err != nil {
		return tasks.Result{}, err
	}
	changes := agent.Changes(items)
	if len(changes) == 0 {
		msg := "there is nothing to undo in this conversation"
		return tasks.Result{Tool: toolUndo, Code: codeNothingToUndo, Error: msg,
			JSON: mustJSON(map[string]any{"ok": false, "code": codeNothingToUndo, "error": msg})}, nil
	}
	newest := changes[len(changes)-1]
	// A batch (a bulk call, or several tasks of one offline request) is
	// reversed as a whole, newest first.
	group := []agent.Change{newest}
	if newest.Tool == agent.ToolBatch {
		group = slices.Clone(newest.Batch)
		slices.Reverse(group)
	}
	var parts []string
	var ids []int64
	for _, c := range group {
		now, err := r.a.svc.Revert(ctx, r.turn.UserID, c.Before, c.After)
		switch {
		case err != nil && !isNotFound(err):
			return tasks.Result{}, fmt.Errorf("undo %s of task %d: %w", c.Tool, c.TaskID(), err)
		case err != nil:
			parts = append(parts, fmt.Sprintf("task %d no longer exists", c.TaskID()))
		case now == nil:
			parts = append(parts, "removed "+widgets.Name(*c.After)+" again")
		case c.Before != nil && c.After == nil:
			parts = append(parts, widgets.Name(*now)+" is back")
		default:
			parts = append(parts, widgets.Name(*now)+" is back as it was")
		}
		ids = append(ids, c.TaskID())
	}
	if err := chatkit.SendHiddenContext(ctx, r.sink, agent.Undo{Type: agent.RecordUndo, Change: newest.ID}); err != nil {
		return tasks.Result{}, err
	}
	if err := agent.SendTasksChanged(ctx, r.sink, "undo", ids...); err != nil {
		return tasks.Result{}, err
	}
	msg := "Undone: " + strings.Join(parts, "; ") + "."
	return tasks.Result{Tool: toolUndo, OK: true, Code: tasks.CodeOK, Message: msg, Changed: true,
		JSON: mustJSON(map[string]any{"ok": true, "message": msg})}, nil
}

func isNotFound(err error) bool { return errors.Is(err, tasks.ErrNotFound) }
