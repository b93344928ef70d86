package tasks

import (
	"strconv"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/chatkit/jsonenc"
)

// Direct JSON encoders for a Task and the tool results, byte for byte what
// encoding/json.Marshal writes for them (taskJSON, and the result maps with
// their keys sorted), which the tests check and fuzz. Every tool call and
// REST answer encodes tasks; through encoding/json each one cost a
// reflection walk plus a re-validation of the nested MarshalJSON output.

// appendString appends s as encoding/json.Marshal does (HTML escaped).
func appendString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s, true) }

// appendTime appends t as a JSON string in FormatTime's form.
func appendTime(dst []byte, t time.Time) []byte {
	// RFC 3339 has no characters JSON escapes, but a year outside 0–9999
	// formats with a sign or more digits, still nothing to escape.
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339)
	return append(dst, '"')
}

func appendTimePtr(dst []byte, t *time.Time) []byte {
	if t == nil {
		return append(dst, "null"...)
	}
	return appendTime(dst, *t)
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// AppendJSON appends the shared Task JSON (see Task) to dst.
func (t *Task) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, t.ID, 10)
	dst = append(dst, `,"title":`...)
	dst = appendString(dst, t.Title)
	dst = append(dst, `,"description":`...)
	dst = appendString(dst, t.Description)
	dst = append(dst, `,"status":`...)
	dst = appendString(dst, string(t.Status))
	dst = append(dst, `,"priority":`...)
	dst = appendString(dst, string(t.Priority))
	dst = append(dst, `,"due_at":`...)
	dst = appendTimePtr(dst, t.DueAt)
	dst = append(dst, `,"due_all_day":`...)
	dst = strconv.AppendBool(dst, t.DueAllDay)
	dst = append(dst, `,"tags":`...)
	dst = appendStrings(dst, t.Tags)
	dst = append(dst, `,"created_at":`...)
	dst = appendTime(dst, t.CreatedAt)
	dst = append(dst, `,"updated_at":`...)
	dst = appendTime(dst, t.UpdatedAt)
	dst = append(dst, `,"completed_at":`...)
	dst = appendTimePtr(dst, t.CompletedAt)
	if r := t.Recurrence; r != nil {
		dst = append(dst, `,"recurrence":{"rule":`...)
		dst = appendString(dst, r.Rule)
		dst = append(dst, `,"text":`...)
		dst = appendString(dst, r.Text())
		dst = append(dst, `,"time_zone":`...)
		dst = appendString(dst, r.TimeZone)
		dst = append(dst, `,"start":`...)
		dst = appendTime(dst, r.Start)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// taskResultJSON is json.Marshal of {"ok":true,"message":msg,"task":task}
// plus "changed" and "changed_fields" when withChanged (keys sorted as
// encoding/json sorts map keys).
func taskResultJSON(msg string, task *Task, withChanged, changed bool, fields []string) []byte {
	dst := make([]byte, 0, 256+len(msg)+len(task.Title)+len(task.Description))
	dst = append(dst, '{')
	if withChanged {
		dst = append(dst, `"changed":`...)
		dst = strconv.AppendBool(dst, changed)
		dst = append(dst, `,"changed_fields":`...)
		dst = appendStrings(dst, fields)
		dst = append(dst, ',')
	}
	dst = append(dst, `"message":`...)
	dst = appendString(dst, msg)
	dst = append(dst, `,"ok":true,"task":`...)
	dst = task.AppendJSON(dst)
	return append(dst, '}')
}

// listResultJSON is json.Marshal of {"ok":true,"message":msg,"count":n,"tasks":list}.
func listResultJSON(msg string, list []Task) []byte {
	dst := make([]byte, 0, 64+len(msg)+256*len(list))
	dst = append(dst, `{"count":`...)
	dst = strconv.AppendInt(dst, int64(len(list)), 10)
	dst = append(dst, `,"message":`...)
	dst = appendString(dst, msg)
	dst = append(dst, `,"ok":true,"tasks":[`...)
	for i := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = list[i].AppendJSON(dst)
	}
	return append(dst, "]}"...)
}

// failureJSON is json.Marshal of {"ok":false,"code":code,"error":msg}.
func failureJSON(code, msg string) []byte {
	dst := make([]byte, 0, 48+len(code)+len(msg))
	dst = append(dst, `{"code":`...)
	dst = appendString(dst, code)
	dst = append(dst, `,"error":`...)
	dst = appendString(dst, msg)
	return append(dst, `,"ok":false}`...)
}
