// Package tasks is the task domain of TaskPilotAI: the Task type, the
// per-user SQL store, the Service with typed methods (used by REST and the
// offline agent) and the five task tools with JSON schemas (used by every
// agent and by MCP).
//
// # Ids
//
// Task ids are small integers per user (1, 2, 3 … as people say "task 3").
// They are allocated atomically per user from a counter row
// (task_counters) in the same transaction as the insert, on SQLite and
// PostgreSQL alike, and are never reused after a delete: the counter only
// grows. Restore puts a task back with its own id (undo of a delete).
//
// # Times
//
// Every time is stored and returned in UTC with whole-second precision and
// written on the wire as RFC 3339 ("2026-11-29T17:00:00Z"). Tool inputs take
// absolute RFC 3339 date-times with an offset; agents turn phrases such as
// "tomorrow at 5pm" into one in the user's time zone.
//
// # Date-only due dates
//
// A task due on a day rather than at a time ("tomorrow", "on Friday") has
// DueAllDay set, and its DueAt is the end of that day in the user's zone
// (23:59 local): sorting, due ranges and "overdue" treat it like any due
// time, and people are shown the day without a clock time. Setting DueAt
// without the flag makes the due time a timed one again; a recurring
// date-only task stays date-only from one occurrence to the next.
//
// # Undo
//
// Every change returns the state before it (Change.Before, Result.Before)
// and after it (Change.After, Result.Task). Service.Revert(before, after)
// reverses it: an add is undone by deleting the new task, a complete, update
// or delete by restoring the previous state with its same id.
package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/taskpilotai/taskpilot/pkg/textcheck"
)

// Status is a task's state.
type Status string

// Statuses.
const (
	StatusPending   Status = "pending"
	StatusCompleted Status = "completed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusPending || s == StatusCompleted }

// Priority is a task's importance, from none to urgent.
type Priority string

// Priorities, lowest first.
const (
	PriorityNone   Priority = "none"
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Priorities lists every priority, lowest first.
var Priorities = []Priority{PriorityNone, PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent}

// Rank orders priorities: none 0 … urgent 4; -1 for an unknown value.
func (p Priority) Rank() int {
	for i, q := range Priorities {
		if p == q {
			return i
		}
	}
	return -1
}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p.Rank() >= 0 }

// Limits on task fields.
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 4000
	MaxTags           = 10
	MaxTagLen         = 32
)

// ErrNotFound is the cause of every "task does not exist" error (missing or
// owned by another user: the two cannot be told apart).
var ErrNotFound = errors.New("task not found")

// Task is one task of one user. Its JSON is the shape shared by the tools,
// REST and MCP:
//
//	{"id":3,"title":"Call mom","description":"","status":"pending",
//	 "priority":"none","due_at":"2026-11-29T17:00:00Z"|null,"due_all_day":false,"tags":[],
//	 "created_at":"…","updated_at":"…","completed_at":"…"|null,
//	 "recurrence":{"rule":"FREQ=WEEKLY;BYDAY=MO","text":"repeats every Monday",
//	               "time_zone":"Europe/Paris","start":"…"}}
//
// "recurrence" is present only on a task that repeats (see Recurrence).
type Task struct {
	ID          int64
	Title       string
	Description string
	Status      Status
	Priority    Priority
	DueAt       *time.Time
	// DueAllDay marks a date-only due date: DueAt is the end of that day
	// (23:59 in the user's zone) and has no meaningful clock time.
	DueAllDay   bool
	Tags        []string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CompletedAt *time.Time
	// Recurrence is nil for a task that does not repeat.
	Recurrence *Recurrence
}

// taskJSON is Task on the wire.
type taskJSON struct {
	ID          int64           `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Status      Status          `json:"status"`
	Priority    Priority        `json:"priority"`
	DueAt       *string         `json:"due_at"`
	DueAllDay   bool            `json:"due_all_day"`
	Tags        []string        `json:"tags"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
	CompletedAt *string         `json:"completed_at"`
	Recurrence  *recurrenceJSON `json:"recurrence,omitempty"`
}

// recurrenceJSON is Recurrence on the wire; text is Recurrence.Text.
type recurrenceJSON struct {
	Rule     string `json:"rule"`
	Text     string `json:"text"`
	TimeZone string `json:"time_zone"`
	Start    string `json:"start"`
}

// FormatTime writes t as RFC 3339 in UTC with whole seconds.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// MarshalJSON writes the shared Task JSON (AppendJSON).
func (t Task) MarshalJSON() ([]byte, error) {
	return t.AppendJSON(make([]byte, 0, 256+len(t.Title)+len(t.Description))), nil
}

// UnmarshalJSON reads the shared Task JSON (agents keep tasks in thread
// state to undo changes).
func (t *Task) UnmarshalJSON(b []byte) error {
	var j taskJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("decode task: %w", err)
	}
	parse := func(name, s string) (time.Time, error) {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("decode task: %s: %w", name, err)
		}
		return v.UTC(), nil
	}
	parsePtr := func(name string, s *string) (*time.Time, error) {
		if s == nil {
			return nil, nil
		}
		v, err := parse(name, *s)
		return &v, err
	}
	out := Task{ID: j.ID, Title: j.Title, Description: j.Description, Status: j.Status,
		Priority: j.Priority, DueAllDay: j.DueAllDay, Tags: j.Tags}
	var err error
	if out.DueAt, err = parsePtr("due_at", j.DueAt); err != nil {
		return err
	}
	if out.CompletedAt, err = parsePtr("completed_at", j.CompletedAt); err != nil {
		return err
	}
	if j.Recurrence != nil {
		start, err := parse("recurrence.start", j.Recurrence.Start)
		if err != nil {
			return err
		}
		out.Recurrence = &Recurrence{Rule: j.Recurrence.Rule, TimeZone: j.Recurrence.TimeZone, Start: start}
	}
	if j.CreatedAt != "" {
		if out.CreatedAt, err = parse("created_at", j.CreatedAt); err != nil {
			return err
		}
	}
	if j.UpdatedAt != "" {
		if out.UpdatedAt, err = parse("updated_at", j.UpdatedAt); err != nil {
			return err
		}
	}
	*t = out
	return nil
}

// Overdue reports whether t is pending and due before now.
func (t Task) Overdue(now time.Time) bool {
	return t.Status == StatusPending && t.DueAt != nil && t.DueAt.Before(now)
}

// HasTag reports whether t carries tag (already normalized).
func (t Task) HasTag(tag string) bool {
	for _, g := range t.Tags {
		if g == tag {
			return true
		}
	}
	return false
}

// normalizeTime is how every stored time is kept: UTC, whole seconds.
func normalizeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func normalizeTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := normalizeTime(*t)
	return &v
}

var tagPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}_\-./:+]*$`)

// NormalizeTag lower-cases a tag, drops a leading '#', and joins inner
// spaces with '-'. It returns an error for a tag that is empty or has
// characters other than letters, digits and _ - . / : +.
func NormalizeTag(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	s = strings.TrimLeft(s, "#")
	s = strings.ToLower(strings.Join(strings.Fields(s), "-"))
	switch {
	case s == "":
		return "", fmt.Errorf("tag %q is empty", raw)
	case utf8.RuneCountInString(s) > MaxTagLen:
		return "", fmt.Errorf("tag %q is longer than %d characters", raw, MaxTagLen)
	case !tagPattern.MatchString(s):
		return "", fmt.Errorf("tag %q may contain only letters, digits and _ - . / : +", raw)
	}
	return s, nil
}

// NormalizeTags normalizes each tag, drops duplicates (keeping the first
// occurrence's order) and checks the count.
func NormalizeTags(raw []string) ([]string, error) {
	out := make([]string, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for _, r := range raw {
		t, err := NormalizeTag(r)
		if err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("at most %d tags are allowed, got %d", MaxTags, len(out))
	}
	return out, nil
}

func checkTitle(s string) (string, string) {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case !textcheck.Valid(s):
		return "", textcheck.Message
	case s == "":
		return "", "must not be empty"
	case utf8.RuneCountInString(s) > MaxTitleLen:
		return "", fmt.Sprintf("must be at most %d characters", MaxTitleLen)
	}
	return s, ""
}

func checkDescription(s string) (string, string) {
	s = strings.TrimSpace(s)
	if !textcheck.Valid(s) {
		return "", textcheck.Message
	}
	if utf8.RuneCountInString(s) > MaxDescriptionLen {
		return "", fmt.Sprintf("must be at most %d characters", MaxDescriptionLen)
	}
	return s, ""
}

func checkPriority(p Priority) string {
	if !p.Valid() {
		return "must be one of none, low, medium, high, urgent"
	}
	return ""
}

// ParseTime reads an RFC 3339 date-time with an offset and returns it in
// UTC with whole seconds.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date-time with an offset (e.g. 2026-12-01T17:00:00Z)", s)
	}
	return normalizeTime(t), nil
}
