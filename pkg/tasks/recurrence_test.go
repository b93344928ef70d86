package tasks_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func TestRecurrenceText(t *testing.T) {
	monday := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	cases := []struct{ rule, want string }{
		{"FREQ=WEEKLY;BYDAY=MO", "repeats every Monday"},
		{"FREQ=WEEKLY", "repeats every Monday"}, // the start's weekday
		{"FREQ=MONTHLY;BYMONTHDAY=1", "repeats monthly on the 1st"},
		{"FREQ=MONTHLY", "repeats monthly on the 7th"},
		{"FREQ=MONTHLY;BYMONTHDAY=-1", "repeats monthly on the last day"},
		{"FREQ=MONTHLY;BYDAY=1MO", "repeats monthly on the first Monday"},
		{"FREQ=MONTHLY;BYDAY=-1FR", "repeats monthly on the last Friday"},
		{"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "repeats monthly on the last weekday"},
		{"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=30", "repeats every weekday at 9:30"},
		{"FREQ=WEEKLY;INTERVAL=2", "repeats every 2 weeks"},
		{"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH,MO", "repeats every 2 weeks on Mondays and Thursdays"},
		{"FREQ=WEEKLY;BYDAY=SA,SU", "repeats every Saturday and Sunday"},
		{"FREQ=WEEKLY;BYDAY=MO,WE,FR", "repeats every Monday, Wednesday and Friday"},
		{"FREQ=DAILY", "repeats every day"},
		{"FREQ=DAILY;INTERVAL=3", "repeats every 3 days"},
		{"FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "repeats every weekday"},
		{"FREQ=YEARLY", "repeats yearly on December 7"},
		{"FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=5", "repeats yearly on March 5"},
		{"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15", "repeats every 3 months on the 15th"},
		{"FREQ=DAILY;COUNT=5", "repeats every day, 5 times"},
		{"FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T000000Z", "repeats every Monday until Mar 1, 2027"},
		{"freq=weekly;byday=tu", "repeats every Tuesday"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			r := tasks.Recurrence{Rule: tc.rule, TimeZone: "Europe/Paris", Start: monday}
			assert.Equal(t, tc.want, r.Text())
		})
	}
}

func TestParseRule(t *testing.T) {
	got, err := tasks.ParseRule("rrule:freq=weekly;byday=mo;", time.UTC)
	require.NoError(t, err)
	assert.Equal(t, "FREQ=WEEKLY;BYDAY=MO", got)

	bad := map[string]string{
		"":                                    "is empty",
		"FREQ=WEEKLY;BYDAY=XX":                "not a valid RFC 5545 RRULE",
		"BYDAY=MO":                            "FREQ is required",
		"FREQ=HOURLY":                         "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY",
		"FREQ=DAILY;INTERVAL=5000":            "INTERVAL must be between 1 and 1000",
		"FREQ=MONTHLY;BYMONTHDAY=40":          "bymonthday must be between 1 and 31",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30": "never occurs",
		"DTSTART:20261201T090000Z\nRRULE:FREQ=DAILY": "without DTSTART",
		"FREQ=DAILY;DTSTART=20261201T090000Z":        "must not contain DTSTART",
		"FREQ=WEEKLY;FOO=1":                          "unknown RRULE property",
	}
	for in, want := range bad {
		t.Run(in, func(t *testing.T) {
			_, err := tasks.ParseRule(in, time.UTC)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}

// TestRecurrenceAcrossDST: a weekly rule at 9:00 local stays at 9:00 local
// when the zone's offset changes between two occurrences, and completing
// the task moves it across the change.
func TestRecurrenceAcrossDST(t *testing.T) {
	cases := []struct {
		name, zone string
		// due is the Monday before the change at 9:00 local; next the
		// Monday after it at 9:00 local, in UTC.
		due, next string
	}{
		// Europe/Paris: CET→CEST on Sunday 2027-03-28, CEST→CET on 2027-10-31.
		{"Paris spring", "Europe/Paris", "2027-03-22T08:00:00Z", "2027-03-29T07:00:00Z"},
		{"Paris autumn", "Europe/Paris", "2027-10-25T07:00:00Z", "2027-11-01T08:00:00Z"},
		// America/New_York: EST→EDT on Sunday 2027-03-14, EDT→EST on 2027-11-07.
		{"New York spring", "America/New_York", "2027-03-08T14:00:00Z", "2027-03-15T13:00:00Z"},
		{"New York autumn", "America/New_York", "2027-11-01T13:00:00Z", "2027-11-08T14:00:00Z"},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				loc, err := time.LoadLocation(tc.zone)
				require.NoError(t, err)
				user := "dst-" + tc.name
				task, err := svc.Add(ctx, user, tasks.NewTask{Title: "Weekly review", DueAt: at(tc.due),
					Repeat: "FREQ=WEEKLY;BYDAY=MO", TimeZone: tc.zone})
				require.NoError(t, err)
				assert.Equal(t, 9, task.DueAt.In(loc).Hour(), "first occurrence at 9:00 local")

				ch, err := svc.Complete(ctx, user, task.ID)
				require.NoError(t, err)
				assert.Equal(t, tasks.StatusPending, ch.After.Status)
				assert.Equal(t, *at(tc.next), *ch.After.DueAt, "next occurrence")
				local := ch.After.DueAt.In(loc)
				assert.Equal(t, []int{9, 0}, []int{local.Hour(), local.Minute()}, "still 9:00 local")
				assert.Equal(t, time.Monday, local.Weekday())

				// And back across it again on the next completions.
				for range 3 {
					ch, err = svc.Complete(ctx, user, task.ID)
					require.NoError(t, err)
					local = ch.After.DueAt.In(loc)
					assert.Equal(t, []int{9, 0}, []int{local.Hour(), local.Minute()})
				}
			})
		}

		t.Run("a daily rule in the spring-forward gap", func(t *testing.T) {
			// 2:30 does not exist in New York on 2027-03-14: RFC 5545 reads
			// it with the offset before the gap (3:30 EDT); the day after is
			// 2:30 EDT again.
			ny, err := time.LoadLocation("America/New_York")
			require.NoError(t, err)
			user := "dst-gap"
			due := time.Date(2027, 3, 13, 2, 30, 0, 0, ny)
			task, err := svc.Add(ctx, user, tasks.NewTask{Title: "Night job", DueAt: &due,
				Repeat: "FREQ=DAILY", TimeZone: "America/New_York"})
			require.NoError(t, err)
			ch, err := svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Equal(t, "2027-03-14T03:30:00-04:00", ch.After.DueAt.In(ny).Format(time.RFC3339))
			ch, err = svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Equal(t, "2027-03-15T02:30:00-04:00", ch.After.DueAt.In(ny).Format(time.RFC3339))
		})

		t.Run("a daily rule in the autumn repeated hour takes its first occurrence", func(t *testing.T) {
			ny, err := time.LoadLocation("America/New_York")
			require.NoError(t, err)
			user := "dst-fold"
			due := time.Date(2027, 11, 6, 1, 30, 0, 0, ny)
			task, err := svc.Add(ctx, user, tasks.NewTask{Title: "Night job", DueAt: &due,
				Repeat: "FREQ=DAILY", TimeZone: "America/New_York"})
			require.NoError(t, err)
			ch, err := svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Equal(t, "2027-11-07T01:30:00-04:00", ch.After.DueAt.In(ny).Format(time.RFC3339))
			ch, err = svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Equal(t, "2027-11-08T01:30:00-05:00", ch.After.DueAt.In(ny).Format(time.RFC3339),
				"not the second 1:30 of the same night")
		})
	})
}

func TestRecurrenceContract(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()

		t.Run("round trip through the store and the JSON", func(t *testing.T) {
			svc, _ := newService(t, db)
			user := "rec-roundtrip"
			added, err := svc.Add(ctx, user, tasks.NewTask{Title: "Pay rent", DueAt: at("2027-01-01T09:00:00+01:00"),
				Repeat: "freq=monthly;bymonthday=1", TimeZone: "Europe/Paris"})
			require.NoError(t, err)
			want := &tasks.Recurrence{Rule: "FREQ=MONTHLY;BYMONTHDAY=1", TimeZone: "Europe/Paris",
				Start: *at("2027-01-01T08:00:00Z")}
			assert.Equal(t, want, added.Recurrence)
			got, err := svc.Get(ctx, user, added.ID)
			require.NoError(t, err)
			assert.Equal(t, want, got.Recurrence)

			raw, err := json.Marshal(got)
			require.NoError(t, err)
			var m map[string]any
			require.NoError(t, json.Unmarshal(raw, &m))
			assert.Equal(t, map[string]any{"rule": "FREQ=MONTHLY;BYMONTHDAY=1", "text": "repeats monthly on the 1st",
				"time_zone": "Europe/Paris", "start": "2027-01-01T08:00:00Z"}, m["recurrence"])
			var back tasks.Task
			require.NoError(t, json.Unmarshal(raw, &back))
			assert.Equal(t, got, back)

			plain, err := svc.Add(ctx, user, tasks.NewTask{Title: "Once"})
			require.NoError(t, err)
			assert.Nil(t, plain.Recurrence)
			raw, err = json.Marshal(plain)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "recurrence", "a task that does not repeat has no recurrence key")
		})

		t.Run("without a due time the first occurrence from now is the due time", func(t *testing.T) {
			svc, _ := newService(t, db) // now: Saturday 2026-11-28 12:00 UTC
			user := "rec-first"
			ctx := tasks.WithTimeZone(ctx, "America/New_York")
			task, err := svc.Add(ctx, user, tasks.NewTask{Title: "Water the plants", Repeat: "FREQ=WEEKLY;BYDAY=MO"})
			require.NoError(t, err)
			assert.Equal(t, at("2026-11-30T09:00:00-05:00").UTC(), *task.DueAt, "next Monday 9:00 in the context's zone")
			assert.Equal(t, "America/New_York", task.Recurrence.TimeZone)

			task, err = svc.Add(ctx, user, tasks.NewTask{Title: "Standup",
				Repeat: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=30"})
			require.NoError(t, err)
			assert.Equal(t, at("2026-11-30T09:30:00-05:00").UTC(), *task.DueAt, "the rule's own time")
			assert.Equal(t, "repeats every weekday at 9:30", task.Recurrence.Text())
		})

		t.Run("completing records the occurrence and moves to the next after it", func(t *testing.T) {
			svc, clk := newService(t, db)
			user := "rec-complete"
			task, err := svc.Add(ctx, user, tasks.NewTask{Title: "Pay rent", DueAt: at("2026-11-01T09:00:00Z"),
				Repeat: "FREQ=MONTHLY;BYMONTHDAY=1", TimeZone: "UTC"})
			require.NoError(t, err)
			// Completed late (now is 2026-11-28): the next is December's,
			// after the completed one, not after now.
			ch, err := svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.True(t, ch.Changed)
			assert.Equal(t, []string{"due_at"}, ch.Fields)
			assert.Equal(t, tasks.StatusPending, ch.After.Status)
			assert.Nil(t, ch.After.CompletedAt)
			assert.Equal(t, *at("2026-12-01T09:00:00Z"), *ch.After.DueAt)
			require.NotNil(t, ch.Occurrence)
			assert.Equal(t, *at("2026-11-01T09:00:00Z"), ch.Occurrence.DueAt)

			clk.Advance(time.Hour)
			_, err = svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			occ, err := svc.Occurrences(ctx, user, task.ID, 0)
			require.NoError(t, err)
			assert.Equal(t, []tasks.Occurrence{
				{TaskID: task.ID, DueAt: *at("2026-12-01T09:00:00Z"), CompletedAt: *at("2026-11-28T13:00:00Z")},
				{TaskID: task.ID, DueAt: *at("2026-11-01T09:00:00Z"), CompletedAt: *at("2026-11-28T12:00:00Z")},
			}, occ)

			// Undo of the last completion restores the due time and drops
			// the occurrence it recorded.
			last, err := svc.Get(ctx, user, task.ID)
			require.NoError(t, err)
			before := last
			before.DueAt = at("2026-12-01T09:00:00Z")
			restored, err := svc.Revert(ctx, user, &before, &last)
			require.NoError(t, err)
			assert.Equal(t, *at("2026-12-01T09:00:00Z"), *restored.DueAt)
			occ, err = svc.Occurrences(ctx, user, task.ID, 0)
			require.NoError(t, err)
			assert.Len(t, occ, 1)
			assert.Equal(t, *at("2026-11-01T09:00:00Z"), occ[0].DueAt)

			// Deleting the task deletes its history.
			_, err = svc.Delete(ctx, user, task.ID)
			require.NoError(t, err)
			_, err = svc.Occurrences(ctx, user, task.ID, 0)
			assert.ErrorIs(t, err, tasks.ErrNotFound)
			_, err = svc.Restore(ctx, user, *restored)
			require.NoError(t, err)
			occ, err = svc.Occurrences(ctx, user, task.ID, 0)
			require.NoError(t, err)
			assert.Empty(t, occ)
		})

		t.Run("a rule that ends completes the task on its last occurrence", func(t *testing.T) {
			svc, _ := newService(t, db)
			user := "rec-count"
			task, err := svc.Add(ctx, user, tasks.NewTask{Title: "Physio", DueAt: at("2026-12-01T10:00:00Z"),
				Repeat: "FREQ=WEEKLY;COUNT=2", TimeZone: "UTC"})
			require.NoError(t, err)
			ch, err := svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Equal(t, tasks.StatusPending, ch.After.Status)
			assert.Equal(t, *at("2026-12-08T10:00:00Z"), *ch.After.DueAt)
			ch, err = svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Equal(t, tasks.StatusCompleted, ch.After.Status)
			assert.Equal(t, []string{"status", "completed_at"}, ch.Fields)
			assert.Equal(t, *at("2026-12-08T10:00:00Z"), *ch.After.DueAt, "kept on the last occurrence")
			occ, err := svc.Occurrences(ctx, user, task.ID, 0)
			require.NoError(t, err)
			assert.Len(t, occ, 2)
			ch, err = svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.False(t, ch.Changed, "completing a completed task changes nothing")
		})

		t.Run("changing and stopping the repetition", func(t *testing.T) {
			svc, _ := newService(t, db)
			user := "rec-update"
			task, err := svc.Add(ctx, user, tasks.NewTask{Title: "Rent", DueAt: at("2026-12-01T09:00:00Z")})
			require.NoError(t, err)

			ch, err := svc.Update(ctx, user, task.ID, tasks.Patch{Repeat: ptr("FREQ=MONTHLY;BYMONTHDAY=1")})
			require.NoError(t, err)
			assert.Equal(t, []string{"recurrence"}, ch.Fields)
			require.NotNil(t, ch.After.Recurrence)
			assert.Equal(t, "UTC", ch.After.Recurrence.TimeZone)

			ch, err = svc.Update(ctx, user, task.ID, tasks.Patch{Repeat: ptr("FREQ=MONTHLY;BYMONTHDAY=1")})
			require.NoError(t, err)
			assert.False(t, ch.Changed, "the same rule changes nothing")

			ch, err = svc.Update(ctx, user, task.ID, tasks.Patch{TimeZone: ptr("Asia/Tokyo")})
			require.NoError(t, err)
			assert.Equal(t, "Asia/Tokyo", ch.After.Recurrence.TimeZone)

			_, err = svc.Update(ctx, user, task.ID, tasks.Patch{ClearDue: true})
			requireFields(t, err, "due_at")

			ch, err = svc.Update(ctx, user, task.ID, tasks.Patch{Repeat: ptr("")})
			require.NoError(t, err)
			assert.Equal(t, []string{"recurrence"}, ch.Fields)
			assert.Nil(t, ch.After.Recurrence)
			got, err := svc.Get(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Nil(t, got.Recurrence)

			ch, err = svc.Update(ctx, user, task.ID, tasks.Patch{Repeat: ptr("")})
			require.NoError(t, err)
			assert.False(t, ch.Changed, "stopping a task that does not repeat changes nothing")
			_, err = svc.Update(ctx, user, task.ID, tasks.Patch{TimeZone: ptr("Europe/Paris")})
			requireFields(t, err, "time_zone")

			// Completing it now completes it for good.
			ch, err = svc.Complete(ctx, user, task.ID)
			require.NoError(t, err)
			assert.Equal(t, tasks.StatusCompleted, ch.After.Status)
		})

		t.Run("bad rules and zones are validation errors", func(t *testing.T) {
			svc, _ := newService(t, db)
			_, err := svc.Add(ctx, "rec-bad", tasks.NewTask{Title: "x", Repeat: "FREQ=SOMETIMES"})
			requireFields(t, err, "recurrence")
			_, err = svc.Add(ctx, "rec-bad", tasks.NewTask{Title: "x", Repeat: "FREQ=DAILY", TimeZone: "Mars/Olympus"})
			requireFields(t, err, "time_zone")
			_, err = svc.Add(ctx, "rec-bad", tasks.NewTask{Title: "x", TimeZone: "Europe/Paris"})
			requireFields(t, err, "time_zone")
			n, err := svc.Count(ctx, "rec-bad")
			require.NoError(t, err)
			assert.Zero(t, n)
		})
	})
}

func requireFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	ae, ok := apperr.As(err)
	require.True(t, ok, "want a validation error, got %v", err)
	assert.Equal(t, fields, sortedKeys(ae.Fields), "fields of %v", err)
}
