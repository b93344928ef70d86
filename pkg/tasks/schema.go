package tasks

import (
	"encoding/json"
	"fmt"
)

// Tool names.
const (
	ToolAddTask      = "add_task"
	ToolListTasks    = "list_tasks"
	ToolCompleteTask = "complete_task"
	ToolUpdateTask   = "update_task"
	ToolDeleteTask   = "delete_task"
	// Several tasks in one call (see bulk.go).
	ToolAddTasks      = "add_tasks"
	ToolCompleteTasks = "complete_tasks"
	ToolDeleteTasks   = "delete_tasks"
)

// Tool is one task tool, shared by every agent and by MCP.
type Tool struct {
	// Name is add_task, list_tasks, complete_task, update_task or delete_task.
	Name string
	// Description is written for a language model.
	Description string
	// Parameters is the JSON Schema of the arguments object in the form
	// OpenAI's strict function calling requires: every property listed in
	// "required", optional ones typed as nullable (null means "not given"),
	// "additionalProperties": false. Use it with strict: true.
	Parameters json.RawMessage
	// InputSchema is the conventional JSON Schema of the same arguments:
	// only truly required properties are required and optional ones may be
	// omitted (MCP's tools/list publishes this one). Call accepts both
	// forms: an omitted property and a null one mean the same.
	InputSchema json.RawMessage
}

// param describes one tool argument; both schemas are generated from it so
// they cannot drift apart.
type param struct {
	name     string
	typ      string // string, integer, boolean, array (of strings)
	format   string
	enum     []string
	desc     string
	required bool
	// elem is the item type of an array: "" for strings, "integer", or
	// "object" with the properties fields.
	elem   string
	fields []param
}

func schemas(params []param) (strict, loose json.RawMessage) {
	s, l := objectSchemas(params)
	must := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // static data: cannot fail
		}
		return b
	}
	return must(s), must(l)
}

// objectSchemas builds the strict and loose schema of an object with params.
func objectSchemas(params []param) (strict, loose map[string]any) {
	strictProps := map[string]any{}
	looseProps := map[string]any{}
	var all, req []string
	looseBuild := false // whether build makes the loose schema
	for _, p := range params {
		all = append(all, p.name)
		if p.required {
			req = append(req, p.name)
		}
		build := func(nullable bool) map[string]any {
			s := map[string]any{"description": p.desc}
			if nullable {
				s["type"] = []string{p.typ, "null"}
			} else {
				s["type"] = p.typ
			}
			if p.format != "" {
				s["format"] = p.format
			}
			if p.typ == "array" {
				switch p.elem {
				case "":
					s["items"] = map[string]any{"type": "string"}
				case "object":
					is, il := objectSchemas(p.fields)
					if nullable || !looseBuild {
						s["items"] = is
					} else {
						s["items"] = il
					}
				default:
					s["items"] = map[string]any{"type": p.elem}
				}
			}
			if p.enum != nil {
				enum := make([]any, 0, len(p.enum)+1)
				for _, e := range p.enum {
					enum = append(enum, e)
				}
				if nullable {
					enum = append(enum, nil)
				}
				s["enum"] = enum
			}
			return s
		}
		looseBuild = false
		strictProps[p.name] = build(!p.required)
		looseBuild = true
		looseProps[p.name] = build(false)
	}
	if req == nil {
		req = []string{}
	}
	strict = map[string]any{"type": "object", "properties": strictProps,
		"required": all, "additionalProperties": false}
	loose = map[string]any{"type": "object", "properties": looseProps,
		"required": req, "additionalProperties": false}
	return strict, loose
}

const dueFormatHint = "RFC 3339 date-time with an offset, e.g. 2026-12-01T17:00:00-05:00. " +
	"Convert phrases like \"tomorrow at 5pm\" using the user's time zone."

// dueAllDayParam marks a date-only due date (Task.DueAllDay).
var dueAllDayParam = param{name: "due_all_day", typ: "boolean",
	desc: "true when the user gave a day without a time of day (\"tomorrow\", \"on Friday\"): due_at is then " +
		"23:59 that day in the user's time zone and no time is shown. false or null for a due time the user said " +
		"(\"at 5pm\"). Needs due_at (or, on update, an existing due date)."}

var priorityEnum = []string{"none", "low", "medium", "high", "urgent"}

const repeatHint = "An RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO (every Monday), " +
	"FREQ=MONTHLY;BYMONTHDAY=1 (monthly on the 1st), FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR (weekdays), " +
	"FREQ=WEEKLY;INTERVAL=2 (every other week), FREQ=DAILY. DAILY, WEEKLY, MONTHLY or YEARLY. " +
	"The due time is the first occurrence (without one, the first occurrence from now at 9:00, or at BYHOUR). " +
	"Completing a repeating task moves it to its next occurrence."

var (
	repeatParam = param{name: "repeat", typ: "string", desc: "Makes the task repeat. " + repeatHint}
	zoneParam   = param{name: "time_zone", typ: "string",
		desc: "With repeat: the IANA time zone the repetition follows (e.g. Europe/Paris); the user's zone when not given."}
)

// newTaskParams are the properties of one new task (add_task, add_tasks).
var newTaskParams = []param{
	{name: "title", typ: "string", required: true,
		desc: "Short title in the user's words, capitalized, without the date or tags, e.g. \"Buy groceries\"."},
	{name: "description", typ: "string", desc: "Optional longer notes."},
	{name: "due_at", typ: "string", format: "date-time", desc: "When the task is due: " + dueFormatHint},
	dueAllDayParam,
	{name: "priority", typ: "string", enum: priorityEnum, desc: "Importance; none when not said."},
	{name: "tags", typ: "array", desc: "Labels without '#', e.g. [\"work\"]."},
	repeatParam, zoneParam,
}

var taskIDsParam = param{name: "task_ids", typ: "array", elem: "integer", required: true,
	desc: "The tasks' numbers as shown to the user, e.g. [2, 5]."}

var taskIDParam = param{name: "task_id", typ: "integer", required: true,
	desc: "The task's number as shown to the user (\"task 3\" is 3)."}

func definitions() []Tool {
	type def struct {
		name, desc string
		params     []param
	}
	defs := []def{
		{ToolAddTask, "Create a new task for the user. Returns the created task with its id.", newTaskParams},
		{ToolListTasks, "List the user's tasks, sorted by due date (tasks without one last), then priority " +
			"(urgent first), then id. All filters are optional and combine with AND.", []param{
			{name: "status", typ: "string", enum: []string{"all", "pending", "completed"},
				desc: "Which tasks by status; all when not given."},
			{name: "query", typ: "string", desc: "Text to find in the title or description (case-insensitive)."},
			{name: "tag", typ: "string", desc: "Only tasks with this tag."},
			{name: "priority", typ: "string", enum: priorityEnum, desc: "Only tasks with this priority."},
			{name: "due_before", typ: "string", format: "date-time",
				desc: "Only tasks due strictly before this time: " + dueFormatHint},
			{name: "due_after", typ: "string", format: "date-time",
				desc: "Only tasks due at or after this time: " + dueFormatHint},
			{name: "overdue", typ: "boolean", desc: "true: only pending tasks whose due time has passed."},
		}},
		{ToolCompleteTask, "Mark a task as completed. Completing an already completed task changes nothing " +
			"and says so.", []param{taskIDParam}},
		{ToolUpdateTask, "Change fields of a task; fields left null (or omitted) stay as they are. " +
			"Set status to pending to reopen a completed task.", []param{
			taskIDParam,
			{name: "title", typ: "string", desc: "New title."},
			{name: "description", typ: "string", desc: "New description; an empty string clears it."},
			{name: "due_at", typ: "string", format: "date-time", desc: "New due time: " + dueFormatHint},
			dueAllDayParam,
			{name: "clear_due", typ: "boolean", desc: "true removes the due date."},
			{name: "priority", typ: "string", enum: priorityEnum, desc: "New priority."},
			{name: "tags", typ: "array", desc: "Replaces all tags; an empty list removes them."},
			{name: "status", typ: "string", enum: []string{"pending", "completed"},
				desc: "pending reopens the task, completed completes it."},
			{name: "repeat", typ: "string",
				desc: "Sets or changes the repetition; an empty string \"\" stops repeating. " + repeatHint},
			zoneParam,
		}},
		{ToolDeleteTask, "Delete a task for good. Returns the deleted task.", []param{taskIDParam}},
		{ToolAddTasks, "Create several tasks at once (when the user lists more than one). All or none " +
			"are created. Returns the created tasks with their ids.", []param{
			{name: "tasks", typ: "array", elem: "object", fields: newTaskParams, required: true,
				desc: fmt.Sprintf("The tasks to create, 1 to %d.", MaxBulk)},
		}},
		{ToolCompleteTasks, "Mark several tasks as completed at once. Nothing changes if one of the ids " +
			"does not exist.", []param{taskIDsParam}},
		{ToolDeleteTasks, "Delete several tasks for good. Deleting more than one task needs the user's " +
			"confirmation: without confirm the tool deletes nothing and answers needs_confirmation; ask the " +
			"user, and only after they agree call it again with the same ids and confirm true.", []param{
			taskIDsParam,
			{name: "confirm", typ: "boolean",
				desc: "true only after the user agreed, in their latest message, to delete these tasks."},
		}},
	}
	out := make([]Tool, 0, len(defs))
	for _, d := range defs {
		strict, loose := schemas(d.params)
		out = append(out, Tool{Name: d.name, Description: d.desc, Parameters: strict, InputSchema: loose})
	}
	return out
}
