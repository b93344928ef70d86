package taskapi

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// parts names what a handler reads from its request besides the caller.
type parts uint8

const (
	withID   parts = 1 << iota // the :id path parameter, a positive integer
	withBody                   // a JSON object body
)

// request is what every handler starts from, read before it runs: the
// caller, the context to call the service with, the task id and the body.
// Problems with query parameters and body properties collect in fields and
// are reported together by checked.
type request struct {
	ctx    context.Context // the user context, carrying the X-Timezone zone
	user   string
	id     int64                      // withID
	body   map[string]json.RawMessage // withBody; absent and null told apart
	fields map[string]string          // validation messages by field
}

// handler is a task API handler once its request was read.
type handler func(c *fiber.Ctx, r *request) error

// handle reads the caller and the parts p of a request, answering 401, 400
// or 415 when one is missing or malformed, then runs fn.
func handle(p parts, fn handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r, err := readRequest(c, p)
		if err != nil {
			return err
		}
		return fn(c, r)
	}
}

func readRequest(c *fiber.Ctx, p parts) (*request, error) {
	u, ok := auth.UserFrom(c.UserContext())
	if !ok {
		return nil, apperr.Unauthorized("authentication required")
	}
	r := &request{ctx: zoneContext(c), user: u, fields: map[string]string{}}
	if p&withID != 0 {
		raw := c.Params("id")
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return nil, apperr.Invalid("task id must be a positive integer, got %q", raw)
		}
		r.id = id
	}
	if p&withBody != 0 {
		m, err := decodeObject(c)
		if err != nil {
			return nil, err
		}
		r.body = m
	}
	return r, nil
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

// checked is the validation error for the fields' messages, nil when there
// are none.
func (r *request) checked() error {
	if len(r.fields) > 0 {
		return apperr.Validation(r.fields)
	}
	return nil
}

// failed reports whether field already has a message.
func (r *request) failed(name string) bool { return r.fields[name] != "" }

// queryTime reads a date-time query parameter; nil when it is absent.
func (r *request) queryTime(c *fiber.Ctx, name string) *time.Time {
	v := c.Query(name)
	if v == "" {
		return nil
	}
	t, err := tasks.ParseTime(v)
	if err != nil {
		r.fields[name] = timeMessage
		return nil
	}
	return &t
}

const timeMessage = "must be an RFC 3339 date-time with an offset, e.g. 2026-12-01T17:00:00Z"

// only marks every body property not in known as an unknown field.
func (r *request) only(known ...string) {
	for k := range r.body {
		if !slices.Contains(known, k) {
			r.fields[k] = "unknown field"
		}
	}
}

// null reports whether body property name is present and null. Properties
// whose value failed to decode are not null: they have a message instead.
func (r *request) null(name string) bool {
	raw, ok := r.body[name]
	return ok && isNull(raw)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// property decodes body property name as a T, nil when it is absent or
// null; on a decode failure want ("must be a string") is its message.
func property[T any](r *request, name, want string) *T {
	raw, ok := r.body[name]
	if !ok || isNull(raw) {
		return nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		r.fields[name] = want
		return nil
	}
	return &v
}

func (r *request) string(name string) *string { return property[string](r, name, mustBeString) }

// enum reads a string property of a string type (a priority, a status).
func enum[T ~string](r *request, name string) *T { return property[T](r, name, mustBeString) }

const mustBeString = "must be a string"

func (r *request) bool(name string) *bool { return property[bool](r, name, "must be true or false") }

func (r *request) tags() *[]string {
	return property[[]string](r, "tags", "must be an array of strings")
}

// time reads a date-time property.
func (r *request) time(name string) *time.Time {
	s := r.string(name)
	if s == nil {
		return nil
	}
	t, err := tasks.ParseTime(*s)
	if err != nil {
		r.fields[name] = timeMessage
		return nil
	}
	return &t
}

// recurrenceIn is the "recurrence" property of a create or patch body.
type recurrenceIn struct {
	Rule     *string `json:"rule"`
	TimeZone *string `json:"time_zone"`
	// Read-only parts of a task's JSON, accepted so a task can be sent back.
	Text  *string `json:"text"`
	Start *string `json:"start"`
}

// recurrence reads "recurrence"; nil when it is absent or null.
func (r *request) recurrence() *recurrenceIn {
	raw, ok := r.body["recurrence"]
	if !ok || isNull(raw) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var in recurrenceIn
	if err := dec.Decode(&in); err != nil {
		r.fields["recurrence"] = `must be an object {"rule": "FREQ=WEEKLY;BYDAY=MO", "time_zone": "Europe/Paris"}`
		return nil
	}
	if in.Rule == nil || strings.TrimSpace(*in.Rule) == "" {
		r.fields["recurrence"] = "rule is required (an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=MO); null stops repeating"
		return nil
	}
	return &in
}
