// Package taskapi serves the REST task API the front end's task pane uses:
//
//	GET    /tasks       list (filters as query parameters) → {"tasks":[…]}
//	POST   /tasks       create → 201, the task
//	GET    /tasks/:id   one task
//	PATCH  /tasks/:id   change fields (JSON merge patch: null clears due_at,
//	                    due_all_day, description and tags) → the task
//	DELETE /tasks/:id   delete → 200, the deleted task (so a client can undo)
//	GET    /tasks/:id/occurrences  the completed occurrences of a recurring
//	                    task, newest first → {"occurrences":[{"due_at","completed_at"}]}
//
// A recurring task is created or changed with "recurrence":
// {"rule":"FREQ=WEEKLY;BYDAY=MO","time_zone":"Europe/Paris"} (time_zone
// optional: the X-Timezone header's zone, else UTC; "text" and "start" from
// a task's JSON are read-only and ignored); PATCH "recurrence": null stops
// the repetition.
//
// "due_all_day": true marks due_at as a date-only due date (the end of that
// day in the user's zone, shown without a time); a due_at given without it
// is a timed one (tasks.Patch.DueAllDay).
//
// Tasks use the shared Task JSON (pkg/tasks). The caller is the user put in
// the request context by the auth middleware the mounting code applies;
// another user's task answers 404 exactly like a missing one. Validation
// errors are 422 with per-field messages.
package taskapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Handlers serves the task API over a tasks.Service.
type Handlers struct {
	svc *tasks.Service
}

// New builds the handlers.
func New(svc *tasks.Service) *Handlers { return &Handlers{svc: svc} }

// Routes mounts the API on r under /tasks. r must already authenticate the
// caller (auth middleware), e.g. app.Group("/api/v1", requireUser).
func (h *Handlers) Routes(r fiber.Router) {
	r.Get("/tasks", h.list)
	r.Post("/tasks", h.create)
	r.Get("/tasks/:id", h.get)
	r.Patch("/tasks/:id", h.patch)
	r.Delete("/tasks/:id", h.delete)
	r.Get("/tasks/:id/occurrences", h.occurrences)
}

// recurrenceIn is the "recurrence" property of a create or patch body.
type recurrenceIn struct {
	Rule     *string `json:"rule"`
	TimeZone *string `json:"time_zone"`
	// Read-only parts of a task's JSON, accepted so a task can be sent back.
	Text  *string `json:"text"`
	Start *string `json:"start"`
}

// recurrenceField decodes "recurrence"; present with nil means null.
func recurrenceField(m map[string]json.RawMessage, fields map[string]string) (*recurrenceIn, bool) {
	raw, ok := m["recurrence"]
	if !ok || isNull(raw) {
		return nil, ok
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var r recurrenceIn
	if err := dec.Decode(&r); err != nil {
		fields["recurrence"] = `must be an object {"rule": "FREQ=WEEKLY;BYDAY=MO", "time_zone": "Europe/Paris"}`
		return nil, true
	}
	if r.Rule == nil || strings.TrimSpace(*r.Rule) == "" {
		fields["recurrence"] = "rule is required (an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=MO); null stops repeating"
		return nil, true
	}
	return &r, true
}

// zoneContext carries the X-Timezone header's zone (when it is a valid IANA
// name) as the default zone of a recurrence rule.
func zoneContext(c *fiber.Ctx) context.Context {
	ctx := c.UserContext()
	if tz := strings.TrimSpace(c.Get("X-Timezone")); tz != "" {
		if _, err := tasks.LoadZone(tz); err == nil {
			return tasks.WithTimeZone(ctx, strings.Clone(tz))
		}
	}
	return ctx
}

type occurrenceJSON struct {
	DueAt       string `json:"due_at"`
	CompletedAt string `json:"completed_at"`
}

func (h *Handlers) occurrences(c *fiber.Ctx) error {
	u, err := user(c)
	if err != nil {
		return err
	}
	id, err := taskID(c)
	if err != nil {
		return err
	}
	list, err := h.svc.Occurrences(c.UserContext(), u, id, 0)
	if err != nil {
		return err
	}
	out := make([]occurrenceJSON, len(list))
	for i, o := range list {
		out[i] = occurrenceJSON{DueAt: tasks.FormatTime(o.DueAt), CompletedAt: tasks.FormatTime(o.CompletedAt)}
	}
	return c.JSON(map[string]any{"occurrences": out})
}

func user(c *fiber.Ctx) (string, error) {
	u, ok := auth.UserFrom(c.UserContext())
	if !ok {
		return "", apperr.Unauthorized("authentication required")
	}
	return u, nil
}

func taskID(c *fiber.Ctx) (int64, error) {
	raw := c.Params("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalid("task id must be a positive integer, got %q", raw)
	}
	return id, nil
}

type listResponse struct {
	Tasks []tasks.Task `json:"tasks"`
}

func (h *Handlers) list(c *fiber.Ctx) error {
	u, err := user(c)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	f := tasks.Filter{
		Status:   tasks.StatusFilter(c.Query("status")),
		Query:    c.Query("query", c.Query("q")),
		Tag:      c.Query("tag"),
		Priority: tasks.Priority(c.Query("priority")),
	}
	f.DueBefore = queryTime(c, "due_before", fields)
	f.DueAfter = queryTime(c, "due_after", fields)
	if v := c.Query("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fields["overdue"] = "must be true or false"
		}
		f.Overdue = b
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > tasks.MaxList {
			fields["limit"] = fmt.Sprintf("must be an integer from 1 to %d", tasks.MaxList)
		}
		f.Limit = n
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	list, err := h.svc.List(c.UserContext(), u, f)
	if err != nil {
		return err
	}
	return c.JSON(listResponse{Tasks: list})
}

func queryTime(c *fiber.Ctx, name string, fields map[string]string) *time.Time {
	v := c.Query(name)
	if v == "" {
		return nil
	}
	t, err := tasks.ParseTime(v)
	if err != nil {
		fields[name] = "must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T17:00:00Z"
		return nil
	}
	return &t
}

// decodeObject reads a JSON object body into raw fields, so that absent
// and null can be told apart.
func decodeObject(c *fiber.Ctx) (map[string]json.RawMessage, error) {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if ct != "" && !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) &&
		!strings.HasPrefix(ct, "application/merge-patch+json") {
		return nil, apperr.UnsupportedType(
			"the body must be JSON (Content-Type: application/json)")
	}
	body := bytes.TrimSpace(c.Body())
	var m map[string]json.RawMessage
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &m) != nil {
		return nil, apperr.Invalid("the body must be a JSON object")
	}
	return m, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// field decodes property name of m as a T: nil and whether it was
// present when absent or null; on a decode failure want ("must be a
// string") is the field's message.
func field[T any](m map[string]json.RawMessage, name, want string, fields map[string]string) (*T, bool) {
	raw, ok := m[name]
	if !ok || isNull(raw) {
		return nil, ok
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		fields[name] = want
		return nil, true
	}
	return &v, true
}

// stringField decodes a string property into fields' messages on failure.
func stringField(m map[string]json.RawMessage, name string, fields map[string]string) (*string, bool) {
	return field[string](m, name, "must be a string", fields)
}

func boolField(m map[string]json.RawMessage, name string, fields map[string]string) (*bool, bool) {
	return field[bool](m, name, "must be true or false", fields)
}

func tagsField(m map[string]json.RawMessage, fields map[string]string) (*[]string, bool) {
	raw, ok := m["tags"]
	if !ok || isNull(raw) {
		return nil, ok
	}
	var tags []string
	if err := json.Unmarshal(raw, &tags); err != nil {
		fields["tags"] = "must be an array of strings"
		return nil, true
	}
	return &tags, true
}

func timeField(m map[string]json.RawMessage, name string, fields map[string]string) (*time.Time, bool) {
	s, present := stringField(m, name, fields)
	if s == nil {
		return nil, present
	}
	t, err := tasks.ParseTime(*s)
	if err != nil {
		fields[name] = "must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T17:00:00Z"
		return nil, true
	}
	return &t, true
}

func unknownFields(m map[string]json.RawMessage, known []string, fields map[string]string) {
	for k := range m {
		found := false
		for _, kn := range known {
			if k == kn {
				found = true
				break
			}
		}
		if !found {
			fields[k] = "unknown field"
		}
	}
}

func (h *Handlers) create(c *fiber.Ctx) error {
	u, err := user(c)
	if err != nil {
		return err
	}
	m, err := decodeObject(c)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	unknownFields(m, []string{"title", "description", "due_at", "due_all_day", "priority", "tags", "recurrence"}, fields)
	var in tasks.NewTask
	if s, _ := stringField(m, "title", fields); s != nil {
		in.Title = *s
	} else if _, bad := fields["title"]; !bad {
		fields["title"] = "is required"
	}
	if s, _ := stringField(m, "description", fields); s != nil {
		in.Description = *s
	}
	in.DueAt, _ = timeField(m, "due_at", fields)
	if b, _ := boolField(m, "due_all_day", fields); b != nil {
		in.DueAllDay = *b
	}
	if s, _ := stringField(m, "priority", fields); s != nil {
		in.Priority = tasks.Priority(*s)
	}
	if tags, _ := tagsField(m, fields); tags != nil {
		in.Tags = *tags
	}
	if r, _ := recurrenceField(m, fields); r != nil {
		in.Repeat = *r.Rule
		if r.TimeZone != nil {
			in.TimeZone = *r.TimeZone
		}
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	t, err := h.svc.Add(zoneContext(c), u, in)
	if err != nil {
		return err
	}
	c.Location(c.Path() + "/" + strconv.FormatInt(t.ID, 10))
	return c.Status(http.StatusCreated).JSON(t)
}

func (h *Handlers) get(c *fiber.Ctx) error {
	u, err := user(c)
	if err != nil {
		return err
	}
	id, err := taskID(c)
	if err != nil {
		return err
	}
	t, err := h.svc.Get(c.UserContext(), u, id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

func (h *Handlers) patch(c *fiber.Ctx) error {
	u, err := user(c)
	if err != nil {
		return err
	}
	id, err := taskID(c)
	if err != nil {
		return err
	}
	m, err := decodeObject(c)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	unknownFields(m, []string{"title", "description", "due_at", "due_all_day", "priority", "tags", "status", "recurrence"}, fields)
	var p tasks.Patch
	if s, present := stringField(m, "title", fields); s != nil {
		p.Title = s
	} else if present {
		if _, bad := fields["title"]; !bad {
			fields["title"] = "must not be null"
		}
	}
	if s, present := stringField(m, "description", fields); s != nil {
		p.Description = s
	} else if present && fields["description"] == "" {
		empty := ""
		p.Description = &empty // null clears it
	}
	if t, present := timeField(m, "due_at", fields); t != nil {
		p.DueAt = t
	} else if present && fields["due_at"] == "" {
		p.ClearDue = true // null clears it
	}
	if b, present := boolField(m, "due_all_day", fields); b != nil {
		p.DueAllDay = b
	} else if present && fields["due_all_day"] == "" {
		no := false
		p.DueAllDay = &no // null clears it
	}
	if s, present := stringField(m, "priority", fields); s != nil {
		pr := tasks.Priority(*s)
		p.Priority = &pr
	} else if present && fields["priority"] == "" {
		fields["priority"] = "must not be null"
	}
	if tags, present := tagsField(m, fields); tags != nil {
		p.Tags = tags
	} else if present && fields["tags"] == "" {
		p.Tags = &[]string{} // null clears them
	}
	if s, present := stringField(m, "status", fields); s != nil {
		st := tasks.Status(*s)
		p.Status = &st
	} else if present && fields["status"] == "" {
		fields["status"] = "must not be null"
	}
	if r, present := recurrenceField(m, fields); r != nil {
		p.Repeat, p.TimeZone = r.Rule, r.TimeZone
	} else if present && fields["recurrence"] == "" {
		stop := ""
		p.Repeat = &stop // null stops repeating
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	if p.Empty() {
		t, err := h.svc.Get(c.UserContext(), u, id)
		if err != nil {
			return err
		}
		return c.JSON(t)
	}
	ch, err := h.svc.Update(zoneContext(c), u, id, p)
	if err != nil {
		return err
	}
	return c.JSON(ch.After)
}

func (h *Handlers) delete(c *fiber.Ctx) error {
	u, err := user(c)
	if err != nil {
		return err
	}
	id, err := taskID(c)
	if err != nil {
		return err
	}
	t, err := h.svc.Delete(c.UserContext(), u, id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}
