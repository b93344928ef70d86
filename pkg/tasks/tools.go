package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Toolbox is what agents and MCP need from the task tools.
type Toolbox interface {
	// Definitions lists the tools with their JSON schemas.
	Definitions() []Tool
	// Call runs a tool for user. Problems the agent can explain (unknown
	// id, bad argument, unknown tool) come back as a Result with OK false
	// and Error set, not as a Go error; a Go error means the turn cannot
	// continue (the store is unreachable).
	Call(ctx context.Context, user, name string, args json.RawMessage) (Result, error)
}

// Result codes (Result.Code, and the outcome label of
// taskpilot_agent_tool_calls_total together with "ok" and "error").
const (
	CodeOK              = "ok"
	CodeNotFound        = "not_found"
	CodeInvalidArgument = "invalid_argument"
	CodeUnknownTool     = "unknown_tool"
	// CodeQuotaExceeded: the user holds MAX_TASKS_PER_USER tasks
	// (WithMaxTasks); the agent says so instead of failing the turn.
	CodeQuotaExceeded = "quota_exceeded"
)

// Result is the outcome of one tool call.
type Result struct {
	Tool string
	// OK is false when the call failed in a way the agent can explain.
	OK bool
	// Code is CodeOK, CodeNotFound, CodeInvalidArgument, CodeQuotaExceeded
	// or CodeUnknownTool.
	Code string
	// Error is a human-readable explanation when OK is false, e.g.
	// "task 99 does not exist; you have 4 tasks (ids 1, 2, 3, 5)".
	Error string
	// Message is a one-line summary when OK is true, e.g.
	// "Added task 4 \"Buy milk\"." or "Task 3 \"Call mom\" was already completed."
	Message string
	// Task is the task the call affected, as it is now (for delete_task:
	// as it was before being deleted).
	Task *Task
	// Tasks is the list_tasks answer (empty, not nil, when nothing matched).
	Tasks []Task
	// Before is the task before the change (complete, update, delete);
	// nil for add_task and list_tasks. See Service.Revert for undo: for
	// add_task Revert(nil, Task), otherwise Revert(Before, Task).
	Before *Task
	// Changed reports whether the store changed.
	Changed bool
	// Fields lists the JSON names of the fields that changed (update_task,
	// complete_task).
	Fields []string
	// Items are the per-task results of a bulk tool (add_tasks,
	// complete_tasks, delete_tasks), each as the single-task tool gives it
	// (Tool add_task, complete_task or delete_task); Tasks then lists their
	// tasks. For delete_tasks answering needs_confirmation, Tasks lists the
	// tasks it would delete.
	Items []Result
	// JSON is the exact tool output to hand to the model:
	//   {"ok":true,"message":"…","task":{…}}             (add, complete, update, delete)
	//   {"ok":true,"message":"…","count":2,"tasks":[…]}  (list and the bulk tools)
	//   {"ok":false,"error":"…","code":"not_found"}      (failure)
	// complete/update also carry "changed" (bool) and "changed_fields".
	JSON json.RawMessage
}

// Tools is the Toolbox over a Service.
type Tools struct {
	svc   *Service
	defs  []Tool
	calls *prometheus.CounterVec
}

var _ Toolbox = (*Tools)(nil)

// NewTools builds the task tools over svc. reg (may be nil) receives
// taskpilot_agent_tool_calls_total{tool,outcome}; registering twice on the
// same registry reuses the first counter.
func NewTools(svc *Service, reg prometheus.Registerer) (*Tools, error) {
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_agent_tool_calls_total",
		Help: "Task tool calls by tool and outcome (ok, not_found, invalid_argument, unknown_tool, error).",
	}, []string{"tool", "outcome"})
	calls, err := telemetry.Register(reg, calls)
	if err != nil {
		return nil, fmt.Errorf("register tool call metric: %w", err)
	}
	return &Tools{svc: svc, defs: definitions(), calls: calls}, nil
}

// Service returns the service the tools run on (typed access for agents).
func (t *Tools) Service() *Service { return t.svc }

// Definitions lists the five tools. The slice is a copy.
func (t *Tools) Definitions() []Tool { return slices.Clone(t.defs) }

// Call runs the tool name for user with the JSON arguments args.
func (t *Tools) Call(ctx context.Context, user, name string, args json.RawMessage) (Result, error) {
	res, err := t.call(ctx, user, name, args)
	return t.count(name, res, err)
}

// The typed calls: each is Call with its arguments as JSON (same checks,
// Result and metrics), without encoding and decoding them. Strings are
// taken as a JSON round trip would leave them: each byte of invalid UTF-8
// becomes U+FFFD.

// AddTask runs add_task.
func (t *Tools) AddTask(ctx context.Context, user string, a AddArgs) (Result, error) {
	if user == "" {
		return t.count(ToolAddTask, Result{}, errNoUser)
	}
	a.Title, a.Description, a.DueAt, a.Priority = jsonText(a.Title), jsonText(a.Description), jsonText(a.DueAt), jsonText(a.Priority)
	a.Tags, a.Repeat, a.TimeZone = jsonTexts(a.Tags), jsonText(a.Repeat), jsonText(a.TimeZone)
	res, err := t.addTask(ctx, user, a)
	return t.count(ToolAddTask, res, err)
}

// ListTasks runs list_tasks.
func (t *Tools) ListTasks(ctx context.Context, user string, a ListArgs) (Result, error) {
	if user == "" {
		return t.count(ToolListTasks, Result{}, errNoUser)
	}
	a.Status, a.Query, a.Tag, a.Priority = jsonText(a.Status), jsonText(a.Query), jsonText(a.Tag), jsonText(a.Priority)
	a.DueBefore, a.DueAfter = jsonText(a.DueBefore), jsonText(a.DueAfter)
	res, err := t.listTasks(ctx, user, a)
	return t.count(ToolListTasks, res, err)
}

// CompleteTask runs complete_task for task id.
func (t *Tools) CompleteTask(ctx context.Context, user string, id int64) (Result, error) {
	if user == "" {
		return t.count(ToolCompleteTask, Result{}, errNoUser)
	}
	res, err := t.completeTask(ctx, user, id)
	return t.count(ToolCompleteTask, res, err)
}

// UpdateTask runs update_task for task id.
func (t *Tools) UpdateTask(ctx context.Context, user string, id int64, a UpdateArgs) (Result, error) {
	if user == "" {
		return t.count(ToolUpdateTask, Result{}, errNoUser)
	}
	a.Title, a.Description, a.DueAt = jsonText(a.Title), jsonText(a.Description), jsonText(a.DueAt)
	a.Priority, a.Status, a.Tags = jsonText(a.Priority), jsonText(a.Status), jsonTexts(a.Tags)
	a.Repeat, a.TimeZone = jsonText(a.Repeat), jsonText(a.TimeZone)
	res, err := t.updateTask(ctx, user, &id, a)
	return t.count(ToolUpdateTask, res, err)
}

// DeleteTask runs delete_task for task id.
func (t *Tools) DeleteTask(ctx context.Context, user string, id int64) (Result, error) {
	if user == "" {
		return t.count(ToolDeleteTask, Result{}, errNoUser)
	}
	res, err := t.deleteTask(ctx, user, id)
	return t.count(ToolDeleteTask, res, err)
}

// count records one call of tool name in taskpilot_agent_tool_calls_total.
func (t *Tools) count(name string, res Result, err error) (Result, error) {
	label := name
	if !slices.ContainsFunc(t.defs, func(d Tool) bool { return d.Name == name }) {
		label = "unknown"
	}
	outcome := res.Code
	if err != nil {
		outcome = "error"
	}
	t.calls.WithLabelValues(label, outcome).Inc()
	return res, err
}

var errNoUser = errors.New("task tool call without a user")

// jsonText is *s as encoding it to JSON and back leaves it: each byte of
// invalid UTF-8 replaced by U+FFFD. s itself is returned when valid.
func jsonText(s *string) *string {
	if s == nil || utf8.ValidString(*s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(*s); {
		r, size := utf8.DecodeRuneInString((*s)[i:])
		b.WriteRune(r) // utf8.RuneError for an invalid byte
		i += size
	}
	out := b.String()
	return &out
}

// jsonTexts is jsonText for each string of *ss (a copy when one changes);
// a nil slice is JSON null, which leaves the argument out.
func jsonTexts(ss *[]string) *[]string {
	if ss == nil || *ss == nil {
		return nil
	}
	if !slices.ContainsFunc(*ss, func(s string) bool { return !utf8.ValidString(s) }) {
		return ss
	}
	out := make([]string, len(*ss))
	for i := range *ss {
		out[i] = *jsonText(&(*ss)[i])
	}
	return &out
}

func (t *Tools) call(ctx context.Context, user, name string, args json.RawMessage) (Result, error) {
	if user == "" {
		return Result{}, errNoUser
	}
	switch name {
	case ToolAddTask:
		var a addArgs
		if msg := decodeArgs(args, &a); msg != "" {
			return failure(name, CodeInvalidArgument, msg), nil
		}
		return t.addTask(ctx, user, AddArgs(a))
	case ToolListTasks:
		var a listArgs
		if msg := decodeArgs(args, &a); msg != "" {
			return failure(name, CodeInvalidArgument, msg), nil
		}
		return t.listTasks(ctx, user, ListArgs(a))
	case ToolCompleteTask, ToolDeleteTask:
		var a idArgs
		if msg := decodeArgs(args, &a); msg != "" {
			return failure(name, CodeInvalidArgument, msg), nil
		}
		if a.TaskID == nil {
			return invalid(name, map[string]string{"task_id": "is required"}), nil
		}
		if name == ToolCompleteTask {
			return t.completeTask(ctx, user, int64(*a.TaskID))
		}
		return t.deleteTask(ctx, user, int64(*a.TaskID))
	case ToolUpdateTask:
		var a updateArgs
		if msg := decodeArgs(args, &a); msg != "" {
			return failure(name, CodeInvalidArgument, msg), nil
		}
		return t.updateTask(ctx, user, (*int64)(a.TaskID), UpdateArgs{Title: a.Title, Description: a.Description,
			DueAt: a.DueAt, DueAllDay: a.DueAllDay, ClearDue: a.ClearDue, Priority: a.Priority, Tags: a.Tags, Status: a.Status,
			Repeat: a.Repeat, TimeZone: a.TimeZone})
	case ToolAddTasks:
		var a addTasksArgs
		if msg := decodeArgs(args, &a); msg != "" {
			return failure(name, CodeInvalidArgument, msg), nil
		}
		return t.addTasks(ctx, user, a)
	case ToolCompleteTasks, ToolDeleteTasks:
		var a idsArgs
		if msg := decodeArgs(args, &a); msg != "" {
			return failure(name, CodeInvalidArgument, msg), nil
		}
		if name == ToolCompleteTasks {
			return t.completeTasks(ctx, user, a)
		}
		return t.deleteTasks(ctx, user, a)
	}
	names := make([]string, len(t.defs))
	for i, d := range t.defs {
		names[i] = d.Name
	}
	return failure(name, CodeUnknownTool, fmt.Sprintf("unknown tool %q; the tools are %s",
		name, strings.Join(names, ", "))), nil
}

// argument types --------------------------------------------------------

// taskID accepts 3, 3.0 and "3" (models sometimes quote numbers).
type taskID int64

func (id *taskID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*id = taskID(n)
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 1 && f <= 1<<53 && f == float64(int64(f)) {
		*id = taskID(int64(f))
		return nil
	}
	return fmt.Errorf("task_id must be a task number like 3, got %s", string(b))
}

// AddArgs are add_task's arguments as Go values; nil is a property not
// given. Their JSON is the tool's JSON arguments.
type AddArgs struct {
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	DueAt       *string `json:"due_at,omitempty"`
	// DueAllDay true: due_at is a date-only due date (see Task.DueAllDay).
	DueAllDay *bool     `json:"due_all_day,omitempty"`
	Priority  *string   `json:"priority,omitempty"`
	Tags      *[]string `json:"tags,omitempty"`
	// Repeat is an RRULE (see NewTask.Repeat); TimeZone its IANA zone.
	Repeat   *string `json:"repeat,omitempty"`
	TimeZone *string `json:"time_zone,omitempty"`
}

// ListArgs are list_tasks's arguments as Go values; nil is a property not
// given. Their JSON is the tool's JSON arguments.
type ListArgs struct {
	Status    *string `json:"status,omitempty"`
	Query     *string `json:"query,omitempty"`
	Tag       *string `json:"tag,omitempty"`
	Priority  *string `json:"priority,omitempty"`
	DueBefore *string `json:"due_before,omitempty"`
	DueAfter  *string `json:"due_after,omitempty"`
	Overdue   *bool   `json:"overdue,omitempty"`
}

// UpdateArgs are update_task's arguments besides task_id, as Go values;
// nil is a property not given.
type UpdateArgs struct {
	Title       *string `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	DueAt       *string `json:"due_at,omitempty"`
	// DueAllDay sets whether the due date is date-only (Patch.DueAllDay).
	DueAllDay *bool     `json:"due_all_day,omitempty"`
	ClearDue  *bool     `json:"clear_due,omitempty"`
	Priority  *string   `json:"priority,omitempty"`
	Tags      *[]string `json:"tags,omitempty"`
	Status    *string   `json:"status,omitempty"`
	// Repeat sets the RRULE ("" stops repeating); TimeZone its IANA zone.
	Repeat   *string `json:"repeat,omitempty"`
	TimeZone *string `json:"time_zone,omitempty"`
}

// The JSON arguments decode into these (their names appear in decoding
// errors the model reads).
type (
	addArgs  AddArgs
	listArgs ListArgs
)

type idArgs struct {
	TaskID *taskID `json:"task_id"`
}

type updateArgs struct {
	TaskID      *taskID   `json:"task_id"`
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	DueAt       *string   `json:"due_at"`
	DueAllDay   *bool     `json:"due_all_day"`
	ClearDue    *bool     `json:"clear_due"`
	Priority    *string   `json:"priority"`
	Tags        *[]string `json:"tags"`
	Status      *string   `json:"status"`
	Repeat      *string   `json:"repeat"`
	TimeZone    *string   `json:"time_zone"`
}

// decodeArgs reads args strictly (unknown properties are reported so the
// model can correct itself); empty args mean {}.
func decodeArgs(args json.RawMessage, v any) string {
	if len(bytes.TrimSpace(args)) == 0 || string(bytes.TrimSpace(args)) == "null" {
		args = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute) && ute.Field != "":
			return fmt.Sprintf("argument %s has the wrong type (want %s)", ute.Field, ute.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return "unknown argument " + strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		return "arguments are not a valid JSON object: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	if dec.More() {
		return "arguments must be one JSON object"
	}
	return ""
}

func parseTimeArg(name string, s *string, problems map[string]string) *time.Time {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	v, err := ParseTime(*s)
	if err != nil {
		problems[name] = err.Error()
		return nil
	}
	return &v
}

func priorityArg(s *string) *Priority {
	if s == nil || *s == "" {
		return nil
	}
	p := Priority(strings.ToLower(strings.TrimSpace(*s)))
	return &p
}

// results ---------------------------------------------------------------

func failure(tool, code, msg string) Result {
	return Result{Tool: tool, Code: code, Error: msg, JSON: failureJSON(code, msg)}
}

func invalid(tool string, problems map[string]string) Result {
	keys := slices.Sorted(maps.Keys(problems))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + problems[k]
	}
	return failure(tool, CodeInvalidArgument, "invalid arguments: "+strings.Join(parts, "; "))
}

// explain turns a Service error into a Result, or returns the error when
// it is not the caller's to fix.
func (t *Tools) explain(ctx context.Context, tool, user string, err error) (Result, error) {
	ae, ok := apperr.As(err)
	if !ok {
		return Result{}, fmt.Errorf("%s: %w", tool, err)
	}
	switch {
	case errors.Is(err, ErrNotFound):
		msg := ae.Message
		all, lerr := t.svc.List(ctx, user, Filter{})
		if lerr != nil {
			return Result{}, fmt.Errorf("%s: %w", tool, lerr)
		}
		msg += "; " + describeIDs(all)
		return failure(tool, CodeNotFound, msg), nil
	case len(ae.Fields) > 0:
		return invalid(tool, ae.Fields), nil
	case ae.Code == apperr.CodeInvalidRequest:
		return failure(tool, CodeInvalidArgument, ae.Message), nil
	case ae.Code == apperr.CodeQuotaExceeded:
		return failure(tool, CodeQuotaExceeded, ae.Message), nil
	}
	return Result{}, fmt.Errorf("%s: %w", tool, err)
}

// describeIDs says which tasks exist, e.g. "you have 4 tasks (ids 1, 2, 3, 5)".
func describeIDs(all []Task) string {
	switch len(all) {
	case 0:
		return "you have no tasks"
	case 1:
		return fmt.Sprintf("you have 1 task (id %d)", all[0].ID)
	}
	ids := make([]int64, len(all))
	for i, task := range all {
		ids[i] = task.ID
	}
	slices.Sort(ids)
	const show = 20
	parts := make([]string, 0, show)
	for i, id := range ids {
		if i == show {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	return fmt.Sprintf("you have %d tasks (ids %s)", len(all), strings.Join(parts, ", "))
}

func quoteTitle(t Task) string { return fmt.Sprintf("task %d %q", t.ID, t.Title) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// repeatNote is " (repeats every Monday)" for a recurring task, else "".
func repeatNote(t Task) string {
	if t.Recurrence == nil {
		return ""
	}
	return " (" + t.Recurrence.Text() + ")"
}

func taskResult(tool, msg string, task Task, before *Task, changed bool, fields []string) Result {
	r := Result{Tool: tool, OK: true, Code: CodeOK, Message: msg, Task: &task, Before: before,
		Changed: changed, Fields: fields}
	r.JSON = taskResultJSON(msg, &task, tool == ToolCompleteTask || tool == ToolUpdateTask, changed, fields)
	return r
}

// tools -----------------------------------------------------------------

func (t *Tools) addTask(ctx context.Context, user string, a AddArgs) (Result, error) {
	problems := map[string]string{}
	in := NewTask{}
	if a.Title == nil {
		problems["title"] = "is required"
	} else {
		in.Title = *a.Title
	}
	if a.Description != nil {
		in.Description = *a.Description
	}
	in.DueAt = parseTimeArg("due_at", a.DueAt, problems)
	if a.DueAllDay != nil {
		in.DueAllDay = *a.DueAllDay
	}
	if p := priorityArg(a.Priority); p != nil {
		in.Priority = *p
	}
	if a.Tags != nil {
		in.Tags = *a.Tags
	}
	if a.Repeat != nil && strings.TrimSpace(*a.Repeat) != "" {
		// time_zone goes with repeat; a model that fills it on every call
		// is not refused for a task that does not repeat.
		in.Repeat = *a.Repeat
		if a.TimeZone != nil {
			in.TimeZone = *a.TimeZone
		}
	}
	if len(problems) > 0 {
		return invalid(ToolAddTask, problems), nil
	}
	task, err := t.svc.Add(ctx, user, in)
	if err != nil {
		return t.explain(ctx, ToolAddTask, user, err)
	}
	return taskResult(ToolAddTask, "Added "+quoteTitle(task)+repeatNote(task)+".", task, nil, true, nil), nil
}

func (t *Tools) listTasks(ctx context.Context, user string, a ListArgs) (Result, error) {
	problems := map[string]string{}
	f := Filter{}
	if a.Status != nil {
		f.Status = StatusFilter(strings.ToLower(strings.TrimSpace(*a.Status)))
	}
	if a.Query != nil {
		f.Query = *a.Query
	}
	if a.Tag != nil {
		f.Tag = *a.Tag
	}
	if p := priorityArg(a.Priority); p != nil {
		f.Priority = *p
	}
	f.DueBefore = parseTimeArg("due_before", a.DueBefore, problems)
	f.DueAfter = parseTimeArg("due_after", a.DueAfter, problems)
	if a.Overdue != nil {
		f.Overdue = *a.Overdue
	}
	if len(problems) > 0 {
		return invalid(ToolListTasks, problems), nil
	}
	list, err := t.svc.List(ctx, user, f)
	if err != nil {
		return t.explain(ctx, ToolListTasks, user, err)
	}
	if list == nil {
		list = []Task{}
	}
	var msg string
	switch len(list) {
	case 0:
		msg = "No tasks match."
	case 1:
		msg = "1 task."
	default:
		msg = fmt.Sprintf("%d tasks.", len(list))
	}
	r := Result{Tool: ToolListTasks, OK: true, Code: CodeOK, Message: msg, Tasks: list}
	r.JSON = listResultJSON(msg, list)
	return r, nil
}

func (t *Tools) completeTask(ctx context.Context, user string, id int64) (Result, error) {
	ch, err := t.svc.Complete(ctx, user, id)
	if err != nil {
		return t.explain(ctx, ToolCompleteTask, user, err)
	}
	msg := capitalize(quoteTitle(*ch.After)) + " is now completed."
	if ch.Occurrence != nil && ch.After.Status == StatusPending {
		msg = fmt.Sprintf("Completed this occurrence of %s (due %s); it %s, next due %s.", quoteTitle(*ch.After),
			FormatTime(ch.Occurrence.DueAt), ch.After.Recurrence.Text(), FormatTime(*ch.After.DueAt))
	}
	if !ch.Changed {
		msg = capitalize(quoteTitle(*ch.After)) + " was already completed."
	}
	return taskResult(ToolCompleteTask, msg, *ch.After, ch.Before, ch.Changed, ch.Fields), nil
}

// updateTask runs update_task; id is nil when task_id was not given.
func (t *Tools) updateTask(ctx context.Context, user string, id *int64, a UpdateArgs) (Result, error) {
	problems := map[string]string{}
	if id == nil {
		problems["task_id"] = "is required"
	}
	p := Patch{Title: a.Title, Description: a.Description, Priority: priorityArg(a.Priority), Tags: a.Tags,
		Repeat: a.Repeat}
	if a.TimeZone != nil && strings.TrimSpace(*a.TimeZone) != "" && a.Repeat != nil && strings.TrimSpace(*a.Repeat) != "" {
		p.TimeZone = a.TimeZone // time_zone goes with repeat (see addTask)
	}
	p.DueAt = parseTimeArg("due_at", a.DueAt, problems)
	p.DueAllDay = a.DueAllDay
	if a.ClearDue != nil {
		p.ClearDue = *a.ClearDue
	}
	if a.Status != nil && *a.Status != "" {
		st := Status(strings.ToLower(strings.TrimSpace(*a.Status)))
		p.Status = &st
	}
	if len(problems) > 0 {
		return invalid(ToolUpdateTask, problems), nil
	}
	if p.Empty() {
		return failure(ToolUpdateTask, CodeInvalidArgument,
			"nothing to change: give at least one of title, description, due_at, due_all_day, clear_due, priority, tags, status, repeat"), nil
	}
	ch, err := t.svc.Update(ctx, user, *id, p)
	if err != nil {
		return t.explain(ctx, ToolUpdateTask, user, err)
	}
	msg := capitalize(quoteTitle(*ch.After)) + " already had those values; nothing changed."
	if ch.Changed {
		var shown []string
		for _, f := range ch.Fields {
			if f != "completed_at" {
				shown = append(shown, f)
			}
		}
		msg = "Updated " + quoteTitle(*ch.After) + ": " + strings.Join(shown, ", ") + "."
		if slices.Contains(ch.Fields, "recurrence") {
			if ch.After.Recurrence == nil {
				msg = capitalize(quoteTitle(*ch.After)) + " no longer repeats."
			} else {
				msg = strings.TrimSuffix(msg, ".") + repeatNote(*ch.After) + "."
			}
		}
	}
	return taskResult(ToolUpdateTask, msg, *ch.After, ch.Before, ch.Changed, ch.Fields), nil
}

func (t *Tools) deleteTask(ctx context.Context, user string, id int64) (Result, error) {
	task, err := t.svc.Delete(ctx, user, id)
	if err != nil {
		return t.explain(ctx, ToolDeleteTask, user, err)
	}
	before := task
	return taskResult(ToolDeleteTask, "Deleted "+quoteTitle(task)+".", task, &before, true, nil), nil
}
