package offline_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A date without a time ("tomorrow", "on friday") makes a date-only task
// (due_all_day, due 23:59 that day); a date with a time a timed one, when
// adding and when moving a task; a move without a time keeps the task's kind.
func TestDateOnlyDueDates(t *testing.T) {
	h := newHarness(t, nyc)
	h.say("add a task to call the dentist tomorrow")
	h.say("add a task to call mom tomorrow at 5pm")

	dentist, ok := h.task(1)
	require.True(t, ok)
	require.NotNil(t, dentist.DueAt)
	assert.True(t, dentist.DueAt.Equal(ny(11, 26, 23, 59)), "due %v", dentist.DueAt)
	assert.True(t, dentist.DueAllDay, "a day without a time is date-only")
	mom, ok := h.task(2)
	require.True(t, ok)
	require.NotNil(t, mom.DueAt)
	assert.True(t, mom.DueAt.Equal(ny(11, 26, 17, 0)), "due %v", mom.DueAt)
	assert.False(t, mom.DueAllDay, "a time of day is a timed due date")

	// A reschedule without a time keeps the task's: a timed task stays
	// timed (issue 14), a date-only one stays date-only.
	h.say("move task 2 to friday")
	mom, _ = h.task(2)
	require.NotNil(t, mom.DueAt)
	assert.True(t, mom.DueAt.Equal(ny(11, 27, 17, 0)), "due %v", mom.DueAt)
	assert.False(t, mom.DueAllDay)
	h.say("move task 1 to thursday")
	dentist, _ = h.task(1)
	require.NotNil(t, dentist.DueAt)
	assert.True(t, dentist.DueAt.Equal(ny(11, 26, 23, 59)), "due %v", dentist.DueAt)
	assert.True(t, dentist.DueAllDay)

	h.say("move task 1 to friday at 9am")
	dentist, _ = h.task(1)
	require.NotNil(t, dentist.DueAt)
	assert.Equal(t, time.Date(2026, 11, 27, 9, 0, 0, 0, nyc).UTC(), dentist.DueAt.UTC())
	assert.False(t, dentist.DueAllDay)
}
