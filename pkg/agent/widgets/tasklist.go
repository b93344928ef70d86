// Package widgets renders task lists as ChatKit widgets (a ListView with a
// row per task: title, due date in the user's time zone, how it repeats,
// priority and tag badges, Complete/Reopen and Delete buttons) and handles the widget
// actions those buttons send (threads.custom_action), for every agent.
//
// Widget JSON follows the ChatKit widget schema: PascalCase component
// types, camelCase props, `key`/`id` on components. A task list's root is
//
//	{"type":"ListView","id":"taskpilot-task-list","status":{"text":"Pending tasks · 3","icon":"check-circle"},
//	 "children":[{"type":"ListViewItem","key":"task-3", …}, …]}
//
// and its buttons send {type: "task.complete"|"task.reopen"|"task.ask_delete",
// payload: {"task_id": 3}}. The rows' keys and title ids let the agents read
// back which tasks a list showed ("mark the first one as done").
//
// Buttons are named with their task ("Complete #3", "Delete #3": the row
// shows "#3" beside the title): ChatKit's Button has no accessible-label
// prop, so on the official component the visible label is the button's
// whole name. Delete asks first: task.ask_delete answers with the row
// turned into a question ("Delete this task?" with "Delete #3", which sends
// task.delete, and "Keep #3", which sends task.keep), in the widget itself,
// so it works the same on the official component and the built-in client.
package widgets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// RootID identifies a task-list widget.
const RootID = "taskpilot-task-list"

// Widget action types sent by the task-list buttons.
const (
	ActionComplete = "task.complete"
	ActionReopen   = "task.reopen"
	// ActionAskDelete (the row's Delete button) asks before deleting: the
	// row becomes a question whose Delete sends ActionDelete and whose Keep
	// sends ActionKeep.
	ActionAskDelete = "task.ask_delete"
	// ActionDelete deletes at once (the question's answer; lists rendered
	// before the question existed send it from their Delete button).
	ActionDelete = "task.delete"
	// ActionKeep dismisses the question.
	ActionKeep = "task.keep"
)

// ActionPayload is the payload of the task actions.
type ActionPayload struct {
	TaskID int64 `json:"task_id"`
	// Confirmed is true on the question's Delete (the answer to "Delete
	// this task?"); clients that ask themselves before a delete skip it.
	Confirmed bool `json:"confirmed,omitempty"`
}

// MaxRows is the most tasks a list widget shows; the rest are counted.
const MaxRows = 50

// Row is one task shown in a list. Deleted rows stay (struck through,
// without buttons) so positions in the list keep their meaning.
type Row struct {
	Task    tasks.Task
	Deleted bool
	// AskDelete shows the row as the question "Delete this task?" (after
	// its Delete button was pressed). It is not read back by Parse: any
	// other press re-renders the list without the question.
	AskDelete bool
}

// List is a task list as shown to the user.
type List struct {
	// Title heads the list ("Pending tasks").
	Title string
	Rows  []Row
	// More counts tasks that matched but are not shown (beyond MaxRows).
	More int
	// Empty is the text shown when Rows is empty.
	Empty string
}

// NewList builds a list of ts (at most MaxRows shown).
func NewList(title string, ts []tasks.Task, empty string) List {
	l := List{Title: title, Empty: empty}
	for i, t := range ts {
		if i == MaxRows {
			l.More = len(ts) - MaxRows
			break
		}
		l.Rows = append(l.Rows, Row{Task: t})
	}
	return l
}

// IDs returns the ids of the rows, in order.
func (l List) IDs() []int64 {
	ids := make([]int64, len(l.Rows))
	for i, r := range l.Rows {
		ids[i] = r.Task.ID
	}
	return ids
}

// Render builds the widget JSON of l, with due dates shown in loc relative
// to now.
func (l List) Render(loc *time.Location, now time.Time) json.RawMessage {
	b, err := appendNode(make([]byte, 0, 512+1536*len(l.Rows)), l.tree(loc, now))
	if err != nil {
		panic(fmt.Sprintf("widgets: marshal task list: %v", err)) // maps of strings, numbers and bools only
	}
	return b
}

// tree is the widget of l as nodes.
func (l List) tree(loc *time.Location, now time.Time) node {
	if loc == nil {
		loc = time.UTC
	}
	children := make([]node, 0, len(l.Rows)+1)
	for _, r := range l.Rows {
		children = append(children, row(r, loc, now))
	}
	if len(l.Rows) == 0 {
		empty := l.Empty
		if empty == "" {
			empty = "No tasks here."
		}
		children = append(children, node{"type": "ListViewItem", "key": "empty", "children": []node{
			{"type": "Text", "id": "empty-text", "value": empty, "color": "secondary", "size": "sm"},
		}})
	}
	if l.More > 0 {
		children = append(children, node{"type": "ListViewItem", "key": "more", "children": []node{
			{"type": "Caption", "value": fmt.Sprintf("…and %d more", l.More)},
		}})
	}
	title := l.Title
	if title == "" {
		title = "Tasks"
	}
	shown := 0
	for _, r := range l.Rows {
		if !r.Deleted {
			shown++
		}
	}
	status := fmt.Sprintf("%s · %d", title, shown+l.More)
	return node{"type": "ListView", "id": RootID, "status": node{"text": status, "icon": "check-circle"},
		"children": children}
}

type node = map[string]any

func action(typ string, id int64) node {
	return node{"type": typ, "payload": node{"task_id": id}, "handler": "server", "loadingBehavior": "container"}
}

// button is a small row button named with its task: "Complete #3".
func button(label, icon, variant, color, typ string, id int64) node {
	b := node{"type": "Button", "label": label + " #" + strconv.FormatInt(id, 10), "size": "sm",
		"variant": variant, "color": color, "onClickAction": action(typ, id)}
	if icon != "" {
		b["iconStart"] = icon
	}
	return b
}

func row(r Row, loc *time.Location, now time.Time) node {
	t := r.Task
	id := strconv.FormatInt(t.ID, 10)
	done := t.Status == tasks.StatusCompleted
	title := node{"type": "Text", "id": "task-" + id + "-title", "value": t.Title, "weight": "semibold",
		"size": "sm", "maxLines": 2}
	if done || r.Deleted {
		title["lineThrough"] = true
		title["color"] = "secondary"
	}
	meta := []node{{"type": "Caption", "value": "#" + id}}
	if t.DueAt != nil {
		due := node{"type": "Caption", "value": "Due " + DueText(t, loc, now)}
		if t.Overdue(now) && !r.Deleted {
			due["color"] = "danger"
			due["value"] = "Overdue · due " + DueText(t, loc, now)
		}
		meta = append(meta, due)
	}
	if t.Recurrence != nil {
		meta = append(meta, node{"type": "Caption", "value": capitalize(t.Recurrence.Text())})
	}
	switch {
	case r.Deleted:
		meta = append(meta, node{"type": "Badge", "label": "Deleted", "color": "danger", "variant": "outline", "size": "sm"})
	case done:
		meta = append(meta, node{"type": "Badge", "label": "Done", "color": "success", "variant": "soft", "size": "sm"})
	}
	if t.Priority != "" && t.Priority != tasks.PriorityNone {
		meta = append(meta, node{"type": "Badge", "label": PriorityLabel(t.Priority), "color": priorityColor(t.Priority),
			"variant": "soft", "size": "sm"})
	}
	for _, tag := range t.Tags {
		meta = append(meta, node{"type": "Badge", "label": "#" + tag, "color": "secondary", "variant": "outline", "size": "sm"})
	}
	children := []node{{"type": "Col", "flex": 1, "gap": 1, "children": []node{
		title,
		{"type": "Row", "gap": 2, "wrap": "wrap", "align": "center", "children": meta},
	}}}
	switch {
	case r.Deleted:
	case r.AskDelete:
		yes := button("Delete", "", "solid", "danger", ActionDelete, t.ID)
		yes["onClickAction"].(node)["payload"].(node)["confirmed"] = true
		children = append(children, node{"type": "Row", "gap": 1, "wrap": "wrap", "align": "center", "children": []node{
			{"type": "Text", "id": "task-" + id + "-ask", "value": "Delete this task?", "size": "sm",
				"weight": "semibold", "color": "danger"},
			yes,
			button("Keep", "", "soft", "secondary", ActionKeep, t.ID),
		}})
	default:
		first := button("Complete", "check", "soft", "success", ActionComplete, t.ID)
		if done {
			first = button("Reopen", "reload", "soft", "secondary", ActionReopen, t.ID)
		}
		children = append(children, node{"type": "Row", "gap": 1, "children": []node{
			first,
			button("Delete", "", "ghost", "danger", ActionAskDelete, t.ID),
		}})
	}
	return node{"type": "ListViewItem", "key": "task-" + id, "gap": 3, "align": "center", "children": children}
}

// PriorityLabel is how a priority is shown ("High").
func PriorityLabel(p tasks.Priority) string {
	s := string(p)
	if s == "" {
		return "None"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func priorityColor(p tasks.Priority) string {
	switch p {
	case tasks.PriorityUrgent:
		return "danger"
	case tasks.PriorityHigh:
		return "warning"
	case tasks.PriorityMedium:
		return "info"
	}
	return "secondary"
}

// component is the part of a widget component Parse reads.
type component struct {
	Type   string          `json:"type"`
	ID     string          `json:"id"`
	Key    string          `json:"key"`
	Label  string          `json:"label"`
	Value  json.RawMessage `json:"value"`
	Status *struct {
		Text string `json:"text"`
	} `json:"status"`
	Children []component `json:"children"`
}

// IsTaskList reports cheaply whether widget may be a task list (Parse
// says for sure).
func IsTaskList(widget json.RawMessage) bool {
	return bytes.Contains(widget, []byte(`"`+RootID+`"`))
}

// Parse reads back the list a task-list widget shows: its title and its
// rows (id and title as shown, whether deleted). ok is false for any other
// widget.
func Parse(widget json.RawMessage) (l List, ok bool) {
	if !IsTaskList(widget) {
		return List{}, false
	}
	var root component
	if json.Unmarshal(widget, &root) != nil || root.Type != "ListView" || root.ID != RootID {
		return List{}, false
	}
	if root.Status != nil {
		l.Title = root.Status.Text
		if i := strings.LastIndex(l.Title, " · "); i >= 0 {
			l.Title = l.Title[:i]
		}
	}
	for _, item := range root.Children {
		if !strings.HasPrefix(item.Key, "task-") {
			continue
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(item.Key, "task-"), 10, 64)
		if err != nil {
			continue
		}
		r := Row{Task: tasks.Task{ID: id}}
		walk(item, func(n component) {
			if n.ID == item.Key+"-title" {
				_ = json.Unmarshal(n.Value, &r.Task.Title)
			}
			if n.Type == "Badge" && n.Label == "Deleted" {
				r.Deleted = true
			}
		})
		l.Rows = append(l.Rows, r)
	}
	return l, true
}

func walk(n component, fn func(component)) {
	fn(n)
	for _, k := range n.Children {
		walk(k, fn)
	}
}

// CopyText is the plain-text form of a list (the widget item's copy_text).
func (l List) CopyText(loc *time.Location, now time.Time) string {
	var b strings.Builder
	b.WriteString(l.Title)
	for _, r := range l.Rows {
		if r.Deleted {
			continue
		}
		b.WriteString("\n")
		b.WriteString(Describe(r.Task, loc, now))
	}
	return b.String()
}

// Describe is a one-line summary of a task: `#3 Call mom (due tomorrow at
// 5:00 PM, repeats every Monday, high priority, #family) ✓`.
func Describe(t tasks.Task, loc *time.Location, now time.Time) string {
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
	for _, tag := range t.Tags {
		parts = append(parts, "#"+tag)
	}
	s := fmt.Sprintf("#%d %s", t.ID, t.Title)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if t.Status == tasks.StatusCompleted {
		s += " ✓"
	}
	return s
}

// FormatDue shows a due instant in loc relative to now: "today at 5:00 PM",
// "tomorrow", "Friday at 9:30 AM", "Mon, Dec 7", "Jan 5, 2028". It is for
// a bare instant whose kind is not known (a date just parsed from what the
// user typed): a time at 23:59, what a date without a time becomes, is
// shown without the clock time. A task's due date is shown with DueText,
// which follows the task's date-only flag instead.
func FormatDue(due time.Time, loc *time.Location, now time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	d := due.In(loc)
	return FormatDueAt(due, d.Hour() == 23 && d.Minute() == 59, loc, now)
}

// DueText is t's due date in words (FormatDueAt with the task's date-only
// flag), or "" when t has none.
func DueText(t tasks.Task, loc *time.Location, now time.Time) string {
	if t.DueAt == nil {
		return ""
	}
	return FormatDueAt(*t.DueAt, t.DueAllDay, loc, now)
}

// FormatDueAt is the one formatter of due dates, shared word for word with
// the front end (frontend/lib/dates.ts formatDue, whose tests repeat these
// cases): the day relative to now in loc ("today", "tomorrow",
// "yesterday", the weekday within the next week, "Mon, Dec 7" later this
// year, "Jan 5, 2028" in another year), then " at 5:00 PM" unless allDay
// (a date-only due date).
func FormatDueAt(due time.Time, allDay bool, loc *time.Location, now time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	d := due.In(loc)
	n := now.In(loc)
	days := dayIndex(d) - dayIndex(n)
	var day string
	switch {
	case days == 0:
		day = "today"
	case days == 1:
		day = "tomorrow"
	case days == -1:
		day = "yesterday"
	case days > 1 && days < 7:
		day = d.Format("Monday")
	case d.Year() == n.Year():
		day = d.Format("Mon, Jan 2")
	default:
		day = d.Format("Jan 2, 2006")
	}
	if allDay {
		return day
	}
	return day + " at " + d.Format("3:04 PM")
}

// dayIndex counts calendar days (in t's own zone) since year 1.
func dayIndex(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
