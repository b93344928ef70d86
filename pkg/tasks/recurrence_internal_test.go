package tasks

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/teambition/rrule-go"
)

// The search for a first occurrence starts in the last Gregorian cycle
// before rrule-go's last year, whatever the anchor: the library gives up
// after at most gregorianCycle+HorizonYears years (from 2026 unshifted, it
// would walk about 8000 years for a rule that never occurs).
func TestCycleShiftBoundsTheSearch(t *testing.T) {
	for _, y := range []int{1, 1970, 2026, 2399, 2400, 5000, 9588, 9589, 9590, 9989, 9995} {
		s := cycleShift(y)
		assert.Zero(t, s%gregorianCycle, "whole cycles: %d", y)
		left := lastSearchYear - (y + s) // years the library may still walk
		assert.LessOrEqual(t, left, gregorianCycle+HorizonYears, "from %d", y)
		if y <= lastSearchYear-HorizonYears {
			assert.GreaterOrEqual(t, left, HorizonYears, "the horizon stays searchable from %d", y)
		}
	}
}

// Moving a rule by whole cycles moves its occurrences by exactly as much:
// the shifted search finds the same first occurrences, moved.
func TestCycleShiftKeepsOccurrences(t *testing.T) {
	rules := []string{
		"FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TH", "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU",
		"FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;INTERVAL=7;BYMONTHDAY=31",
		"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
		"FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH", "FREQ=DAILY;BYYEARDAY=366", "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1",
		"FREQ=DAILY;INTERVAL=997;BYDAY=WE",
	}
	starts := []time.Time{
		time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC),
		time.Date(2027, 2, 28, 23, 59, 0, 0, time.UTC),
		time.Date(2099, 12, 31, 8, 0, 0, 0, time.UTC),
	}
	for _, r := range rules {
		opt, err := parseOption(r, time.UTC)
		require.NoError(t, err, r)
		for _, start := range starts {
			o := *opt
			o.Dtstart = start
			plain, err := rrule.NewRRule(o)
			require.NoError(t, err)
			shift := cycleShift(start.Year())
			o.Dtstart = start.AddDate(shift, 0, 0)
			moved, err := rrule.NewRRule(o)
			require.NoError(t, err)
			want := plain.Between(start, start.AddDate(40, 0, 0), true)
			got := moved.Between(o.Dtstart, o.Dtstart.AddDate(40, 0, 0), true)
			require.Len(t, got, len(want), "%s from %v", r, start)
			for i := range want {
				assert.Equal(t, want[i], got[i].AddDate(-shift, 0, 0), "%s from %v", r, start)
			}
		}
	}
}

// Rules that never occur (or not for more than HorizonYears) and that
// impossibleDate does not catch are refused; their search is the bounded
// one. Rules that do occur within the horizon pass.
func TestCheckOccurs(t *testing.T) {
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	never := []string{
		"FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", // from 2027: 2031, 2035 … never a leap year
		"FREQ=DAILY;BYMONTH=1;BYYEARDAY=200",
		"FREQ=MONTHLY;BYMONTH=2;BYDAY=5MO",            // the next one is in 2044
		"FREQ=WEEKLY;BYDAY=MO;UNTIL=20261201T000000Z", // ended before the start
	}
	for _, r := range never {
		opt, err := parseOption(r, time.UTC)
		require.NoError(t, err, "impossibleDate does not catch %s", r)
		err = checkOccurs(opt, start)
		require.Error(t, err, r)
		assert.Contains(t, err.Error(), "never occurs within 10 years", r)
	}
	for _, r := range []string{"FREQ=DAILY", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=DAILY;BYYEARDAY=366",
		"FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29;UNTIL=20400101T000000Z"} {
		opt, err := parseOption(r, time.UTC)
		require.NoError(t, err, r)
		if r == "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29;UNTIL=20400101T000000Z" {
			assert.Error(t, checkOccurs(opt, start), "2027 + 4n is never a leap year, UNTIL or not")
			assert.NoError(t, checkOccurs(opt, time.Date(2028, 2, 29, 9, 0, 0, 0, time.UTC)), "from 2028 it is")
			continue
		}
		assert.NoError(t, checkOccurs(opt, start), r)
	}
}

// BenchmarkCheckOccursNever is the worst case the bound leaves: a daily
// rule that never occurs, searched to the library's last year.
func BenchmarkCheckOccursNever(b *testing.B) {
	opt, err := parseOption("FREQ=DAILY;BYMONTH=1;BYYEARDAY=200", time.UTC)
	require.NoError(b, err)
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for b.Loop() {
		if checkOccurs(opt, start) == nil {
			b.Fatal("accepted")
		}
	}
}
