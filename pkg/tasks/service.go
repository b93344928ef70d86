package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/textcheck"
)

// Store persists tasks. Every method is scoped by user: a task of another
// user is reported exactly like a missing one (ErrNotFound).
type Store interface {
	// Create inserts t with the next id of user (t.ID is ignored).
	Create(ctx context.Context, user string, t Task) (Task, error)
	// Get returns one task.
	Get(ctx context.Context, user string, id int64) (Task, error)
	// List returns the tasks matching f, sorted by due date (tasks without
	// one last), then priority (urgent first), then id. now decides what
	// "overdue" means.
	List(ctx context.Context, user string, f Filter, now time.Time) ([]Task, error)
	// Replace overwrites every field of the existing task t.ID but its
	// creation time.
	Replace(ctx context.Context, user string, t Task) (Task, error)
	// Delete removes a task and returns it as it was.
	Delete(ctx context.Context, user string, id int64) (Task, error)
	// Put writes t with its own id whether or not it exists (undo), and
	// keeps the user's id counter above it so the id is never handed out
	// again.
	Put(ctx context.Context, user string, t Task) (Task, error)
	// Count returns how many tasks user has.
	Count(ctx context.Context, user string) (int, error)
}

// CappedCreator is a Store that creates a task only while the user holds
// fewer than limit (limit ≤ 0: no cap), counting and creating in one step;
// Service.Add uses it when its store has it. held is the user's task count
// before (0 without a cap): at limit or more, nothing was created.
type CappedCreator interface {
	CreateCapped(ctx context.Context, user string, t Task, limit int) (out Task, held int, err error)
}

// StatusFilter selects tasks by status in List.
type StatusFilter string

// Status filters. The zero value means all.
const (
	FilterAll       StatusFilter = "all"
	FilterPending   StatusFilter = "pending"
	FilterCompleted StatusFilter = "completed"
)

// Filter selects tasks. Zero fields do not filter.
type Filter struct {
	// Status: all (or empty), pending or completed.
	Status StatusFilter
	// Query matches title or description, case-insensitively, as a substring.
	Query string
	// Tag matches one tag exactly (normalized like stored tags: "#Work" → "work").
	Tag string
	// Priority matches one priority exactly; empty for any.
	Priority Priority
	// DueBefore keeps tasks due strictly before it; DueAfter keeps tasks due
	// at or after it (so [DueAfter, DueBefore) is a half-open range). Tasks
	// without a due date never match either.
	DueBefore *time.Time
	DueAfter  *time.Time
	// Overdue keeps pending tasks due before now.
	Overdue bool
	// Limit caps the number of tasks returned; 0 or less means MaxList.
	Limit int
}

// MaxList is the most tasks one List returns.
const MaxList = 500

// NewTask is the input of Add.
type NewTask struct {
	Title       string
	Description string
	DueAt       *time.Time
	// DueAllDay makes DueAt a date-only due date (see Task.DueAllDay); it
	// needs DueAt.
	DueAllDay bool
	// Priority defaults to none.
	Priority Priority
	Tags     []string
	// Repeat is an RRULE ("FREQ=WEEKLY;BYDAY=MO"); empty for a task that
	// does not repeat. Without DueAt the due time becomes the rule's first
	// occurrence from now (at DefaultRepeatHour local unless the rule has
	// BYHOUR).
	Repeat string
	// TimeZone is the IANA zone the rule runs in; empty for the context's
	// (WithTimeZone), else UTC.
	TimeZone string
}

// Patch is the input of Update: nil fields stay as they are.
type Patch struct {
	Title       *string
	Description *string
	DueAt       *time.Time
	// ClearDue removes the due date (DueAt must then be nil).
	ClearDue bool
	// DueAllDay sets whether the due date is date-only; it needs a due date
	// (given or already there). A DueAt given without it is a timed due
	// date; clearing the due date clears it.
	DueAllDay *bool
	Priority  *Priority
	// Tags, when non-nil, replaces every tag (an empty slice clears them).
	Tags *[]string
	// Status pending reopens a completed task (clearing completed_at);
	// completed completes it; completing a recurring task moves it to its
	// next occurrence instead (see Recurrence).
	Status *Status
	// Repeat sets the RRULE; an empty string stops the repetition.
	Repeat *string
	// TimeZone changes the zone of the rule (set now or already there);
	// nil keeps the task's zone, else the context's.
	TimeZone *string
}

// Empty reports whether p changes nothing.
func (p Patch) Empty() bool {
	return p.Title == nil && p.Description == nil && p.DueAt == nil && !p.ClearDue && p.DueAllDay == nil &&
		p.Priority == nil && p.Tags == nil && p.Status == nil && p.Repeat == nil && p.TimeZone == nil
}

// Change is the outcome of a change: the task before and after it, and
// whether anything changed at all.
type Change struct {
	Before *Task // nil after Add
	After  *Task // nil after Delete
	// Changed is false when the call asked for the state the task already
	// had (completing a completed task, an update to the same values).
	Changed bool
	// Fields lists the JSON names of the fields that changed.
	Fields []string
	// Occurrence is the occurrence recorded when completing a recurring
	// task; After is then the task moved to its next occurrence (still
	// pending) or, when the rule has ended, completed.
	Occurrence *Occurrence
}

// OccurrenceStore is a Store that keeps the completion history of
// recurring tasks (SQLStore does: its Modifier records a completed
// occurrence with the task's write). With a Store without it, completing a
// recurring task still moves it on but records nothing.
type OccurrenceStore interface {
	// Occurrences returns the recorded occurrences of task id, newest
	// first, at most limit.
	Occurrences(ctx context.Context, user string, id int64, limit int) ([]Occurrence, error)
}

// Service holds the task rules (validation, defaults, completion times)
// over a Store. Its methods return *apperr.Error for what the caller can
// fix: apperr.Validation with per-field messages (keys are the JSON field
// names) and apperr.NotFound wrapping ErrNotFound; anything else is a store
// failure.
type Service struct {
	store    Store
	now      func() time.Time
	maxTasks int
}

// Option configures a Service.
type Option func(*Service)

// WithMaxTasks caps how many tasks one user may hold (0: no cap); an Add
// beyond it answers 422 quota_exceeded. The count is read before the
// insert, so concurrent adds may pass it by a few.
func WithMaxTasks(n int) Option { return func(s *Service) { s.maxTasks = n } }

// NewService builds a Service. now is the clock (nil: time.Now).
func NewService(store Store, now func() time.Time, opts ...Option) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{store: store, now: now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Now returns the service clock's current time in UTC.
func (s *Service) Now() time.Time { return normalizeTime(s.now()) }

const msgAllDayNeedsDue = "needs a due date (due_at): a date-only task is due at the end of that day"

func notFound(id int64) error {
	e := apperr.NotFound("task %d does not exist", id)
	e.Err = ErrNotFound
	return e
}

// mapStoreErr turns the store's ErrNotFound into the caller-visible 404.
func mapStoreErr(op string, id int64, err error) error {
	if errors.Is(err, ErrNotFound) {
		return notFound(id)
	}
	return fmt.Errorf("%s task %d: %w", op, id, err)
}

// Add creates a task.
func (s *Service) Add(ctx context.Context, user string, in NewTask) (Task, error) {
	fields := map[string]string{}
	title, msg := checkTitle(in.Title)
	if msg != "" {
		fields["title"] = msg
	}
	desc, msg := checkDescription(in.Description)
	if msg != "" {
		fields["description"] = msg
	}
	prio := in.Priority
	if prio == "" {
		prio = PriorityNone
	}
	if msg := checkPriority(prio); msg != "" {
		fields["priority"] = msg
	}
	tags, err := NormalizeTags(in.Tags)
	if err != nil {
		fields["tags"] = err.Error()
	}
	now := s.Now()
	due := normalizeTimePtr(in.DueAt)
	var rec *Recurrence
	if strings.TrimSpace(in.Repeat) != "" {
		zone := in.TimeZone
		if strings.TrimSpace(zone) == "" {
			zone = TimeZoneFrom(ctx)
		}
		var first *time.Time
		rec, first = makeRecurrence(in.Repeat, zone, due, now, fields)
		if due == nil {
			due = first
		}
	} else if strings.TrimSpace(in.TimeZone) != "" {
		fields["time_zone"] = "applies only to a repeating task (give repeat too)"
	}
	if in.DueAllDay && in.DueAt == nil {
		fields["due_all_day"] = msgAllDayNeedsDue
	}
	if len(fields) > 0 {
		return Task{}, apperr.Validation(fields)
	}
	t := Task{Title: title, Description: desc, Status: StatusPending, Priority: prio,
		DueAt: due, DueAllDay: in.DueAllDay, Tags: tags, CreatedAt: now, UpdatedAt: now, Recurrence: rec}
	if cc, ok := s.store.(CappedCreator); ok {
		out, held, err := cc.CreateCapped(ctx, user, t, s.maxTasks)
		if err != nil {
			return Task{}, fmt.Errorf("add task: %w", err)
		}
		if s.maxTasks > 0 && held >= s.maxTasks {
			return Task{}, apperr.QuotaExceeded("you have %d tasks, the most allowed; delete some to add more", held)
		}
		return out, nil
	}
	if s.maxTasks > 0 {
		n, err := s.store.Count(ctx, user)
		if err != nil {
			return Task{}, fmt.Errorf("add task: %w", err)
		}
		if n >= s.maxTasks {
			return Task{}, apperr.QuotaExceeded("you have %d tasks, the most allowed; delete some to add more", n)
		}
	}
	out, err := s.store.Create(ctx, user, t)
	if err != nil {
		return Task{}, fmt.Errorf("add task: %w", err)
	}
	return out, nil
}

// Get returns one task.
func (s *Service) Get(ctx context.Context, user string, id int64) (Task, error) {
	t, err := s.store.Get(ctx, user, id)
	if err != nil {
		return Task{}, mapStoreErr("get", id, err)
	}
	return t, nil
}

// CheckFilter validates and normalizes f (status, priority, tag).
func CheckFilter(f Filter) (Filter, error) {
	fields := map[string]string{}
	switch f.Status {
	case "", FilterAll, FilterPending, FilterCompleted:
	default:
		fields["status"] = "must be one of all, pending, completed"
	}
	if f.Priority != "" {
		if msg := checkPriority(f.Priority); msg != "" {
			fields["priority"] = msg
		}
	}
	if strings.TrimSpace(f.Tag) != "" {
		tag, err := NormalizeTag(f.Tag)
		if err != nil {
			fields["tag"] = err.Error()
		}
		f.Tag = tag
	} else {
		f.Tag = ""
	}
	f.Query = strings.TrimSpace(f.Query)
	if !textcheck.Valid(f.Query) {
		fields["query"] = textcheck.Message
	}
	if f.DueBefore != nil && f.DueAfter != nil && !f.DueAfter.Before(*f.DueBefore) {
		fields["due_after"] = "must be before due_before"
	}
	if len(fields) > 0 {
		return f, apperr.Validation(fields)
	}
	if f.Status == "" {
		f.Status = FilterAll
	}
	if f.Limit <= 0 || f.Limit > MaxList {
		f.Limit = MaxList
	}
	f.DueBefore = normalizeTimePtr(f.DueBefore)
	f.DueAfter = normalizeTimePtr(f.DueAfter)
	return f, nil
}

// List returns the tasks matching f, sorted by due date (none last), then
// priority (urgent first), then id.
func (s *Service) List(ctx context.Context, user string, f Filter) ([]Task, error) {
	f, err := CheckFilter(f)
	if err != nil {
		return nil, err
	}
	out, err := s.store.List(ctx, user, f, s.Now())
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return out, nil
}

// Count returns how many tasks user has.
func (s *Service) Count(ctx context.Context, user string) (int, error) {
	n, err := s.store.Count(ctx, user)
	if err != nil {
		return 0, fmt.Errorf("count tasks: %w", err)
	}
	return n, nil
}

// Complete marks a task completed. Completing a completed task is not an
// error: it stays as it was and Change.Changed is false.
func (s *Service) Complete(ctx context.Context, user string, id int64) (Change, error) {
	st := StatusCompleted
	return s.Update(ctx, user, id, Patch{Status: &st})
}

// Update changes the fields set in p. Status pending reopens a task and
// clears completed_at; status completed sets it.
func (s *Service) Update(ctx context.Context, user string, id int64, p Patch) (Change, error) {
	fields := map[string]string{}
	var title, desc string
	if p.Title != nil {
		var msg string
		if title, msg = checkTitle(*p.Title); msg != "" {
			fields["title"] = msg
		}
	}
	if p.Description != nil {
		var msg string
		if desc, msg = checkDescription(*p.Description); msg != "" {
			fields["description"] = msg
		}
	}
	if p.Priority != nil {
		if msg := checkPriority(*p.Priority); msg != "" {
			fields["priority"] = msg
		}
	}
	var tags []string
	if p.Tags != nil {
		var err error
		if tags, err = NormalizeTags(*p.Tags); err != nil {
			fields["tags"] = err.Error()
		}
	}
	if p.Status != nil && !p.Status.Valid() {
		fields["status"] = "must be pending or completed"
	}
	if p.ClearDue && p.DueAt != nil {
		fields["due_at"] = "cannot both set and clear the due date"
	}
	if len(fields) > 0 {
		return Change{}, apperr.Validation(fields)
	}

	var ch Change
	// compute is the change from the task as stored: the new row, the
	// occurrence a completed repeating task records, and whether anything
	// changed.
	compute := func(before Task) (Task, *Occurrence, bool, error) {
		after, occ, changed, err := s.applyPatch(ctx, before, p, title, desc, tags)
		if err != nil {
			return Task{}, nil, false, err
		}
		ch = Change{Before: &before, After: &before, Changed: len(changed) > 0, Fields: changed, Occurrence: occ}
		return after, occ, ch.Changed, nil
	}
	if m, ok := s.store.(Modifier); ok {
		out, err := m.Modify(ctx, user, id, compute)
		if err != nil {
			return Change{}, updateErr(id, err)
		}
		if ch.Changed {
			ch.After = &out
		}
		return ch, nil
	}
	before, err := s.store.Get(ctx, user, id)
	if err != nil {
		return Change{}, mapStoreErr("update", id, err)
	}
	after, _, write, err := compute(before)
	if err != nil || !write {
		return ch, err
	}
	// A store without a Modifier records no occurrences.
	out, err := s.store.Replace(ctx, user, after)
	if err != nil {
		return Change{}, mapStoreErr("update", id, err)
	}
	ch.After = &out
	return ch, nil
}

// updateErr passes the patch's own errors (422) through and maps the
// store's.
func updateErr(id int64, err error) error {
	if _, ok := apperr.As(err); ok {
		return err
	}
	return mapStoreErr("update", id, err)
}

// applyPatch computes the task p makes of before (title, desc and tags
// already checked), the occurrence a completed repeating task records, and
// the names of the fields that changed (none: nothing to write).
func (s *Service) applyPatch(ctx context.Context, before Task, p Patch, title, desc string, tags []string) (Task, *Occurrence, []string, error) {
	fields := map[string]string{}
	after := before
	after.Tags = slices.Clone(before.Tags)
	var changed []string
	if p.Title != nil && title != before.Title {
		after.Title = title
		changed = append(changed, "title")
	}
	if p.Description != nil && desc != before.Description {
		after.Description = desc
		changed = append(changed, "description")
	}
	if p.DueAt != nil {
		due := normalizeTime(*p.DueAt)
		if before.DueAt == nil || !before.DueAt.Equal(due) {
			after.DueAt = &due
			changed = append(changed, "due_at")
		}
	}
	if p.ClearDue && before.DueAt != nil {
		after.DueAt = nil
		changed = append(changed, "due_at")
	}
	switch {
	case p.DueAllDay != nil:
		after.DueAllDay = *p.DueAllDay
	case p.DueAt != nil || p.ClearDue:
		after.DueAllDay = false // a due time given alone is a timed one
	}
	if after.DueAt == nil && after.DueAllDay {
		return Task{}, nil, nil, apperr.Validation(map[string]string{"due_all_day": msgAllDayNeedsDue})
	}
	if after.DueAllDay != before.DueAllDay {
		changed = append(changed, "due_all_day")
	}
	if p.Priority != nil && *p.Priority != before.Priority {
		after.Priority = *p.Priority
		changed = append(changed, "priority")
	}
	if p.Tags != nil && !slices.Equal(tags, before.Tags) {
		after.Tags = tags
		changed = append(changed, "tags")
	}
	now := s.Now()
	if recChanged, ok := s.patchRecurrence(ctx, &after, p, now, fields); !ok {
		return Task{}, nil, nil, apperr.Validation(fields)
	} else if recChanged != nil {
		changed = append(changed, recChanged...)
	}
	var occ *Occurrence
	if p.Status != nil && *p.Status != before.Status {
		if *p.Status == StatusCompleted && after.Recurrence != nil && after.DueAt != nil {
			// A recurring task: record this occurrence and move on to the
			// next one after it (not after now: a missed occurrence shows
			// up as overdue rather than being skipped silently).
			occ = &Occurrence{TaskID: before.ID, DueAt: *after.DueAt, CompletedAt: now}
			if next, ok := after.Recurrence.Next(*after.DueAt); ok {
				after.DueAt = &next
				if !slices.Contains(changed, "due_at") {
					changed = append(changed, "due_at")
				}
			} else {
				after.Status, after.CompletedAt = StatusCompleted, &now
				changed = append(changed, "status", "completed_at")
			}
		} else {
			after.Status = *p.Status
			changed = append(changed, "status")
			if after.Status == StatusCompleted {
				after.CompletedAt = &now
			} else {
				after.CompletedAt = nil
			}
			changed = append(changed, "completed_at")
		}
	}
	if len(changed) > 0 {
		after.UpdatedAt = now
	}
	return after, occ, changed, nil
}

// makeRecurrence checks rule and zone and anchors the rule at due, or
// without one at its first occurrence from now (returned as the due time).
// Problems go into fields (recurrence, time_zone).
func makeRecurrence(rule, zone string, due *time.Time, now time.Time, fields map[string]string) (*Recurrence, *time.Time) {
	loc, err := LoadZone(zone)
	if err != nil {
		fields["time_zone"] = err.Error()
		return nil, nil
	}
	if due == nil {
		rec, first, err := firstOccurrence(rule, loc.String(), now)
		if err != nil {
			fields["recurrence"] = err.Error()
			return nil, nil
		}
		return &rec, &first
	}
	opt, err := parseOption(rule, loc)
	if err == nil {
		err = checkOccurs(opt, due.In(loc))
	}
	if err != nil {
		fields["recurrence"] = err.Error()
		return nil, nil
	}
	return &Recurrence{Rule: opt.RRuleString(), TimeZone: loc.String(), Start: normalizeTime(*due)}, nil
}

// patchRecurrence applies p.Repeat and p.TimeZone to after (whose other
// fields are already patched). It returns the JSON names of the fields it
// changed, and false with fields filled when the patch is invalid.
func (s *Service) patchRecurrence(ctx context.Context, after *Task, p Patch, now time.Time, fields map[string]string) ([]string, bool) {
	var changed []string
	cur := after.Recurrence
	switch {
	case p.Repeat != nil && strings.TrimSpace(*p.Repeat) == "":
		if p.TimeZone != nil {
			fields["time_zone"] = "cannot be set while stopping the repetition"
			return nil, false
		}
		if cur != nil {
			after.Recurrence = nil
			changed = append(changed, "recurrence")
		}
	case p.Repeat != nil || p.TimeZone != nil:
		rule := ""
		if p.Repeat != nil {
			rule = *p.Repeat
		} else if cur != nil {
			rule = cur.Rule
		} else {
			fields["time_zone"] = "applies only to a repeating task (give repeat too)"
			return nil, false
		}
		zone := TimeZoneFrom(ctx)
		switch {
		case p.TimeZone != nil && strings.TrimSpace(*p.TimeZone) != "":
			zone = *p.TimeZone
		case cur != nil:
			zone = cur.TimeZone
		}
		rec, first := makeRecurrence(rule, zone, after.DueAt, now, fields)
		if rec == nil {
			return nil, false
		}
		if first != nil {
			after.DueAt = first
			changed = append(changed, "due_at")
		}
		if cur != nil && cur.Rule == rec.Rule && cur.TimeZone == rec.TimeZone {
			break // same rule: keep its anchor
		}
		after.Recurrence = rec
		changed = append(changed, "recurrence")
	}
	if after.Recurrence != nil && after.DueAt == nil {
		fields["due_at"] = "a repeating task needs a due date; stop the repetition first (repeat \"\")"
		return nil, false
	}
	return changed, true
}

// Occurrences returns the recorded completions of a recurring task, newest
// first (at most limit; 0 or less for MaxList).
func (s *Service) Occurrences(ctx context.Context, user string, id int64, limit int) ([]Occurrence, error) {
	if _, err := s.Get(ctx, user, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxList {
		limit = MaxList
	}
	ost, ok := s.store.(OccurrenceStore)
	if !ok {
		return []Occurrence{}, nil
	}
	out, err := ost.Occurrences(ctx, user, id, limit)
	if err != nil {
		return nil, fmt.Errorf("list occurrences of task %d: %w", id, err)
	}
	return out, nil
}

// Delete removes a task and returns it as it was.
func (s *Service) Delete(ctx context.Context, user string, id int64) (Task, error) {
	t, err := s.store.Delete(ctx, user, id)
	if err != nil {
		return Task{}, mapStoreErr("delete", id, err)
	}
	return t, nil
}

// Restore writes t back with its own id: it re-creates a deleted task or
// overwrites a changed one with its earlier state (updated_at becomes now).
func (s *Service) Restore(ctx context.Context, user string, t Task) (Task, error) {
	fields := map[string]string{}
	if t.ID <= 0 {
		fields["id"] = "must be a positive task id"
	}
	title, msg := checkTitle(t.Title)
	if msg != "" {
		fields["title"] = msg
	}
	desc, msg := checkDescription(t.Description)
	if msg != "" {
		fields["description"] = msg
	}
	if msg := checkPriority(t.Priority); msg != "" {
		fields["priority"] = msg
	}
	if !t.Status.Valid() {
		fields["status"] = "must be pending or completed"
	}
	tags, err := NormalizeTags(t.Tags)
	if err != nil {
		fields["tags"] = err.Error()
	}
	if t.DueAllDay && t.DueAt == nil {
		fields["due_all_day"] = msgAllDayNeedsDue
	}
	if r := t.Recurrence; r != nil {
		if t.DueAt == nil {
			fields["due_at"] = "a repeating task needs a due date"
		}
		if _, _, err := r.build(); err != nil {
			fields["recurrence"] = err.Error()
		}
		rc := *r
		rc.Start = normalizeTime(rc.Start)
		t.Recurrence = &rc
	}
	if len(fields) > 0 {
		return Task{}, apperr.Validation(fields)
	}
	now := s.Now()
	t.Title, t.Description, t.Tags = title, desc, tags
	t.DueAt = normalizeTimePtr(t.DueAt)
	t.CompletedAt = normalizeTimePtr(t.CompletedAt)
	switch {
	case t.Status == StatusPending:
		t.CompletedAt = nil
	case t.CompletedAt == nil:
		t.CompletedAt = &now
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	t.CreatedAt = normalizeTime(t.CreatedAt)
	t.UpdatedAt = now
	out, err := s.store.Put(ctx, user, t)
	if err != nil {
		return Task{}, fmt.Errorf("restore task %d: %w", t.ID, err)
	}
	return out, nil
}

// Revert reverses one change given the task before and after it: with no
// before (an add) it deletes the new task; otherwise it restores before with
// its same id (undoing a complete, an update or a delete). It returns the
// task as it is now, or nil when the revert deleted it.
func (s *Service) Revert(ctx context.Context, user string, before, after *Task) (*Task, error) {
	switch {
	case before != nil:
		t, err := s.Restore(ctx, user, *before)
		if err != nil {
			return nil, err
		}
		return &t, nil
	case after != nil:
		if _, err := s.Delete(ctx, user, after.ID); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return nil, apperr.Invalid("nothing to revert")
}
