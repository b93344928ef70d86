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
	"fmt"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Handlers serves the task API over a tasks.Service.
type Handlers struct {
	svc *tasks.Service
}

// New builds the handlers.
func New(svc *tasks.Service) *Handlers { return &Handlers{svc: svc} }

// Routes mounts the API on r under /tasks. r must already authenticate the
// caller (auth middleware), e.g. app.Group("/api/v1", requireUser). Each
// route names the parts of the request its handler reads (request.go).
func (h *Handlers) Routes(r fiber.Router) {
	r.Get("/tasks", handle(0, h.list))
	r.Post("/tasks", handle(withBody, h.create))
	r.Get("/tasks/:id", handle(withID, h.get))
	r.Patch("/tasks/:id", handle(withID|withBody, h.patch))
	r.Delete("/tasks/:id", handle(withID, h.delete))
	r.Get("/tasks/:id/occurrences", handle(withID, h.occurrences))
}

type listResponse struct {
	Tasks []tasks.Task `json:"tasks"`
}

func (h *Handlers) list(c *fiber.Ctx, r *request) error {
	f := tasks.Filter{
		Status:    tasks.StatusFilter(c.Query("status")),
		Query:     c.Query("query", c.Query("q")),
		Tag:       c.Query("tag"),
		Priority:  tasks.Priority(c.Query("priority")),
		DueBefore: r.queryTime(c, "due_before"),
		DueAfter:  r.queryTime(c, "due_after"),
	}
	if v := c.Query("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.fields["overdue"] = "must be true or false"
		}
		f.Overdue = b
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > tasks.MaxList {
			r.fields["limit"] = fmt.Sprintf("must be an integer from 1 to %d", tasks.MaxList)
		}
		f.Limit = n
	}
	if err := r.checked(); err != nil {
		return err
	}
	list, err := h.svc.List(r.ctx, r.user, f)
	if err != nil {
		return err
	}
	return c.JSON(listResponse{Tasks: list})
}

func (h *Handlers) create(c *fiber.Ctx, r *request) error {
	r.only("title", "description", "due_at", "due_all_day", "priority", "tags", "recurrence")
	var in tasks.NewTask
	if s := r.string("title"); s != nil {
		in.Title = *s
	} else if !r.failed("title") {
		r.fields["title"] = "is required"
	}
	setTo(&in.Description, r.string("description"))
	in.DueAt = r.time("due_at")
	setTo(&in.DueAllDay, r.bool("due_all_day"))
	setTo(&in.Priority, enum[tasks.Priority](r, "priority"))
	setTo(&in.Tags, r.tags())
	if rec := r.recurrence(); rec != nil {
		in.Repeat = *rec.Rule
		setTo(&in.TimeZone, rec.TimeZone)
	}
	if err := r.checked(); err != nil {
		return err
	}
	t, err := h.svc.Add(r.ctx, r.user, in)
	if err != nil {
		return err
	}
	c.Location(c.Path() + "/" + strconv.FormatInt(t.ID, 10))
	return c.Status(http.StatusCreated).JSON(t)
}

// setTo sets *dst to *v when v is not nil.
func setTo[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func (h *Handlers) get(c *fiber.Ctx, r *request) error {
	t, err := h.svc.Get(r.ctx, r.user, r.id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// patch applies a JSON merge patch: an absent property stays, null clears
// what may be empty and is refused for what may not.
func (h *Handlers) patch(c *fiber.Ctx, r *request) error {
	r.only("title", "description", "due_at", "due_all_day", "priority", "tags", "status", "recurrence")
	p := tasks.Patch{
		Title:       r.string("title"),
		Description: r.string("description"),
		DueAt:       r.time("due_at"),
		DueAllDay:   r.bool("due_all_day"),
		Priority:    enum[tasks.Priority](r, "priority"),
		Tags:        r.tags(),
		Status:      enum[tasks.Status](r, "status"),
	}
	if rec := r.recurrence(); rec != nil {
		p.Repeat, p.TimeZone = rec.Rule, rec.TimeZone
	}
	for _, name := range []string{"title", "priority", "status"} {
		if r.null(name) {
			r.fields[name] = "must not be null"
		}
	}
	if r.null("description") {
		p.Description = new("")
	}
	p.ClearDue = r.null("due_at")
	if r.null("due_all_day") {
		p.DueAllDay = new(false)
	}
	if r.null("tags") {
		p.Tags = &[]string{}
	}
	if r.null("recurrence") {
		p.Repeat = new("") // stops repeating
	}
	if err := r.checked(); err != nil {
		return err
	}
	if p.Empty() {
		return h.get(c, r)
	}
	ch, err := h.svc.Update(r.ctx, r.user, r.id, p)
	if err != nil {
		return err
	}
	return c.JSON(ch.After)
}

func (h *Handlers) delete(c *fiber.Ctx, r *request) error {
	t, err := h.svc.Delete(r.ctx, r.user, r.id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

type occurrenceJSON struct {
	DueAt       string `json:"due_at"`
	CompletedAt string `json:"completed_at"`
}

func (h *Handlers) occurrences(c *fiber.Ctx, r *request) error {
	list, err := h.svc.Occurrences(r.ctx, r.user, r.id, 0)
	if err != nil {
		return err
	}
	out := make([]occurrenceJSON, len(list))
	for i, o := range list {
		out[i] = occurrenceJSON{DueAt: tasks.FormatTime(o.DueAt), CompletedAt: tasks.FormatTime(o.CompletedAt)}
	}
	return c.JSON(map[string]any{"occurrences": out})
}
