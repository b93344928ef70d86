package tasks

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// The encoders of json.go against what encoding/json writes for the same
// values: the reflection path they replaced.

func referenceTaskJSON(t Task) []byte {
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	ptr := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		s := FormatTime(*t)
		return &s
	}
	var rec *recurrenceJSON
	if r := t.Recurrence; r != nil {
		rec = &recurrenceJSON{Rule: r.Rule, Text: r.Text(), TimeZone: r.TimeZone, Start: FormatTime(r.Start)}
	}
	b, err := json.Marshal(taskJSON{
		ID: t.ID, Title: t.Title, Description: t.Description, Status: t.Status, Priority: t.Priority,
		DueAt: ptr(t.DueAt), Tags: tags,
		CreatedAt: FormatTime(t.CreatedAt), UpdatedAt: FormatTime(t.UpdatedAt),
		CompletedAt: ptr(t.CompletedAt), Recurrence: rec,
	})
	if err != nil {
		panic(err)
	}
	return b
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func FuzzTaskJSON(f *testing.F) {
	f.Add(int64(3), "Call mom", "", "pending", "none", "work", "home", int64(1795885200), int64(-1), false, "Added task 3.")
	f.Add(int64(-9), "<b>&\"x\"\\</b>\u2028\u2029\x00\x1f\x7f", "line\nbreak\ttab\r\b\f", "st\u00e9", "\xff\xfe",
		"", "a,b", int64(-62135596800), int64(253402300799), true, "\xc3")
	f.Add(int64(1)<<62, "ünïcödé 🙂", "ok", "completed", "urgent", "#", "x y", int64(0), int64(1), true, "")
	f.Add(int64(4), "Pay rent", "", "pending", "none", "FREQ=MONTHLY;BYMONTHDAY=1", "Europe/Paris", int64(1795885200), int64(3), false, "")
	f.Add(int64(5), "Standup", "", "pending", "none", "freq=weekly;byday=MO,TU,WE,TH,FR;byhour=9;byminute=30", "<bad>", int64(1795885200), int64(3), false, "")
	f.Fuzz(func(t *testing.T, id int64, title, desc, status, prio, tag1, tag2 string, due, done int64, noTags bool, msg string) {
		at := time.Unix(due, 0).UTC()
		task := Task{ID: id, Title: title, Description: desc, Status: Status(status), Priority: Priority(prio),
			Tags: []string{tag1, tag2}, CreatedAt: time.Unix(due/2, 0), UpdatedAt: time.Unix(done, 0)}
		if noTags {
			task.Tags = nil
		}
		if due%3 != 0 {
			task.DueAt = &at
		}
		if done%2 != 0 {
			c := time.Unix(done, 0)
			task.CompletedAt = &c
		}
		if done%3 == 0 {
			task.Recurrence = &Recurrence{Rule: tag1, TimeZone: tag2, Start: at}
		}
		want := referenceTaskJSON(task)
		got, err := task.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		checkJSON(t, "task", got, want)
		checkJSON(t, "task inside encoding/json", mustMarshal(t, task), want)

		for _, withChanged := range []bool{false, true} {
			fields := []string{title, tag1}
			if noTags {
				fields = nil
			}
			ref := map[string]any{"ok": true, "message": msg, "task": task}
			if withChanged {
				shown := fields
				if shown == nil {
					shown = []string{}
				}
				ref["changed"], ref["changed_fields"] = noTags, shown
			}
			checkJSON(t, "task result", taskResultJSON(msg, &task, withChanged, noTags, fields), mustMarshal(t, ref))
		}
		for _, list := range [][]Task{{}, {task}, {task, task}} {
			ref := map[string]any{"ok": true, "message": msg, "count": len(list), "tasks": list}
			checkJSON(t, "list result", listResultJSON(msg, list), mustMarshal(t, ref))
		}
		ref := map[string]any{"ok": false, "code": status, "error": msg}
		checkJSON(t, "failure", failureJSON(status, msg), mustMarshal(t, ref))
	})
}
