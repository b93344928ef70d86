package offline_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Recurring tasks in words, as people type them. The suite's clock is
// Wednesday 25 November 2026, 10:00 in New York.

type repeatCase struct {
	say   string
	title string
	rule  string
	due   time.Time // first occurrence
	text  string    // how the reply and the list say it
}

func TestRecurringTasksInWords(t *testing.T) {
	cases := []repeatCase{
		{"water the plants every monday", "Water the plants", "FREQ=WEEKLY;BYDAY=MO",
			ny(11, 30, 9, 0), "repeats every Monday"},
		{"Water plants EVERY Monday.", "Water plants", "FREQ=WEEKLY;BYDAY=MO", ny(11, 30, 9, 0), "repeats every Monday"},
		{"pay rent monthly on the 1st", "Pay rent", "FREQ=MONTHLY;BYMONTHDAY=1",
			ny(12, 1, 9, 0), "repeats monthly on the 1st"},
		{"remind me to pay rent on the 1st of every month", "Pay rent", "FREQ=MONTHLY;BYMONTHDAY=1",
			ny(12, 1, 9, 0), "repeats monthly on the 1st"},
		{"daily standup at 9:30 on weekdays", "Daily standup",
			"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=30", ny(11, 26, 9, 30), "repeats every weekday at 9:30"},
		{"add clean the fridge every other week", "Clean the fridge", "FREQ=WEEKLY;INTERVAL=2",
			ny(11, 25, 9, 0).AddDate(0, 0, 14), "repeats every 2 weeks"},
		{"call grandma every sunday at 5pm", "Call grandma", "FREQ=WEEKLY;BYDAY=SU;BYHOUR=17;BYMINUTE=0",
			ny(11, 29, 17, 0), "repeats every Sunday at 17:00"},
		{"take out the trash every tuesday and friday", "Take out the trash", "FREQ=WEEKLY;BYDAY=TU,FR",
			ny(11, 27, 9, 0), "repeats every Tuesday and Friday"},
		{"gym on mondays and thursdays", "Gym", "FREQ=WEEKLY;BYDAY=MO,TH", ny(11, 26, 9, 0),
			"repeats every Monday and Thursday"},
		{"new task: read for 20 minutes every day", "Read for 20 minutes", "FREQ=DAILY", ny(11, 26, 9, 0),
			"repeats every day"},
		{"add a task to back up the laptop weekly", "Back up the laptop", "FREQ=WEEKLY", ny(12, 2, 9, 0),
			"repeats every Wednesday"},
		{"renew passport insurance yearly on march 3", "Renew passport insurance", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3",
			time.Date(2027, 3, 3, 9, 0, 0, 0, nyc).UTC(), "repeats yearly on March 3"},
		{"team sync every 3 weeks on friday", "Team sync", "FREQ=WEEKLY;INTERVAL=3;BYDAY=FR", ny(11, 27, 9, 0),
			"repeats every 3 weeks on Fridays"},
		{"Standup Mon-Fri at 8am", "Standup", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=0", ny(11, 26, 8, 0),
			"repeats every weekday at 8:00"},
		{"mow the lawn every other saturday", "Mow the lawn", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", ny(11, 28, 9, 0),
			"repeats every 2 weeks on Saturdays"},
		{"plz add stretch every day at 7:15 pm", "Stretch", "FREQ=DAILY;BYHOUR=19;BYMINUTE=15", ny(11, 25, 19, 15),
			"repeats every day at 19:15"},
		{"payroll biweekly on fridays", "Payroll", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", ny(11, 27, 9, 0),
			"repeats every 2 weeks on Fridays"},
		{"book club on the last friday of every month", "Book club", "FREQ=MONTHLY;BYDAY=-1FR", ny(11, 27, 9, 0),
			"repeats monthly on the last Friday"},
	}
	for _, typed := range []bool{true, false} {
		for _, tc := range cases {
			t.Run(tc.say, func(t *testing.T) {
				h := newHarnessWith(t, nyc, typed)
				reply := h.say(tc.say)
				task, ok := h.task(1)
				require.True(t, ok, "a task was added; reply: %s", reply)
				assert.Equal(t, tc.title, task.Title)
				require.NotNil(t, task.Recurrence, "reply: %s", reply)
				assert.Equal(t, tc.rule, task.Recurrence.Rule)
				assert.Equal(t, "America/New_York", task.Recurrence.TimeZone)
				require.NotNil(t, task.DueAt)
				assert.Equal(t, tc.due, *task.DueAt, "first due %s", task.DueAt.In(nyc))
				assert.Contains(t, reply, tc.text)

				// The task list shows it.
				h.say("show my tasks")
				shown := h.widgetsShown()
				require.NotEmpty(t, shown)
				assert.Contains(t, string(shown[len(shown)-1].Widget), capitalize(tc.text))
			})
		}
	}
}

func capitalize(s string) string { return string(s[0]-'a'+'A') + s[1:] }

func TestRecurringTaskCompletedStoppedAndUndone(t *testing.T) {
	for _, typed := range []bool{true, false} {
		h := newHarnessWith(t, nyc, typed)
		h.say("water the plants every monday")
		h.say("remind me to pay rent monthly on the 1st")

		// Completing moves it to its next occurrence.
		reply := h.say("i watered the plants")
		plants, ok := h.task(1)
		require.True(t, ok)
		assert.Equal(t, tasks.StatusPending, plants.Status, "reply: %s", reply)
		assert.Equal(t, ny(12, 7, 9, 0), *plants.DueAt)
		assert.Contains(t, reply, "next one is due")
		occ, err := h.svc.Occurrences(context.Background(), testUser, 1, 0)
		require.NoError(t, err)
		require.Len(t, occ, 1)
		assert.Equal(t, ny(11, 30, 9, 0), occ[0].DueAt)

		// "undo" puts it back on the occurrence it was on.
		h.say("undo")
		plants, _ = h.task(1)
		assert.Equal(t, ny(11, 30, 9, 0), *plants.DueAt)
		occ, err = h.svc.Occurrences(context.Background(), testUser, 1, 0)
		require.NoError(t, err)
		assert.Empty(t, occ)

		// Stopping and changing the repetition in words.
		reply = h.say("stop repeating the rent task")
		rent, _ := h.task(2)
		assert.Nil(t, rent.Recurrence, "reply: %s", reply)
		assert.Contains(t, reply, "no longer repeats")

		reply = h.say("make the rent task repeat every other week")
		rent, _ = h.task(2)
		require.NotNil(t, rent.Recurrence, "reply: %s", reply)
		assert.Equal(t, "FREQ=WEEKLY;INTERVAL=2", rent.Recurrence.Rule)
		assert.Contains(t, reply, "now repeats every 2 weeks")

		reply = h.say("the plants task shouldn't repeat anymore")
		plants, _ = h.task(1)
		assert.Nil(t, plants.Recurrence, "reply: %s", reply)

		reply = h.say("repeat task 1 on weekdays")
		plants, _ = h.task(1)
		require.NotNil(t, plants.Recurrence, "reply: %s", reply)
		assert.Equal(t, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", plants.Recurrence.Rule)

		// Completing a task that no longer repeats completes it.
		h.say("don't repeat the rent task")
		h.say("done with the rent task")
		rent, _ = h.task(2)
		assert.Equal(t, tasks.StatusCompleted, rent.Status)
	}
}

func TestNoRecurrenceWhereNoneWasSaid(t *testing.T) {
	h := newHarness(t, nyc)
	for _, say := range []string{
		"add buy milk tomorrow",
		"add a task to call mom on monday",
		"remind me to write the weekly report on friday",
		"add daily report review",
	} {
		h.say(say)
	}
	all := h.all()
	require.Len(t, all, 4)
	for _, task := range all {
		assert.Nil(t, task.Recurrence, task.Title)
	}
	titles := []string{}
	for _, task := range all {
		titles = append(titles, task.Title)
	}
	assert.Contains(t, titles, "Write the weekly report")
	assert.Contains(t, titles, "Daily report review")
	_ = widgets.Name
}
