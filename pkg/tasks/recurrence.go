package tasks

// Recurring tasks. A task repeats by an RFC 5545 RRULE (without DTSTART:
// "FREQ=WEEKLY;BYDAY=MO") evaluated by github.com/teambition/rrule-go in the
// IANA time zone the rule was made in, anchored at Start (the DTSTART: the
// due time of the first occurrence). Occurrences are computed on the wall
// clock of that zone, so "every Monday at 9:00" stays 9:00 local across
// daylight-saving changes.
//
// Completing a pending recurring task records the occurrence (its due time
// and when it was done, in the task_occurrences table) and moves the task's
// due time to the rule's next occurrence after the completed one; the task
// stays pending. When the rule has no next occurrence (COUNT or UNTIL
// reached) the task is completed like any other.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/teambition/rrule-go"
)

// Recurrence is how a task repeats.
type Recurrence struct {
	// Rule is the RRULE without DTSTART in the library's canonical form,
	// e.g. "FREQ=WEEKLY;BYDAY=MO".
	Rule string
	// TimeZone is the IANA zone the rule runs in ("Europe/Paris").
	TimeZone string
	// Start is the rule's DTSTART (UTC, whole seconds): the due time of the
	// occurrence the rule was set on. Weekday parity of INTERVAL and COUNT
	// count from it.
	Start time.Time
}

// Occurrence is one completed occurrence of a recurring task.
type Occurrence struct {
	TaskID int64
	// DueAt is the occurrence's due time; CompletedAt when it was done.
	DueAt       time.Time
	CompletedAt time.Time
}

// Limits on recurrence input.
const (
	MaxRuleLen = 300
	// MaxInterval is the largest INTERVAL accepted (every 1000 days, weeks …).
	MaxInterval = 1000
)

// DefaultRepeatHour is the local hour given to the first occurrence of a
// rule set without a due time and without BYHOUR ("every monday": 9:00).
const DefaultRepeatHour = 9

type zoneKey struct{}

// WithTimeZone returns ctx carrying the caller's IANA time zone: the zone a
// rule is made in when the call does not name one (agents set the user's).
func WithTimeZone(ctx context.Context, zone string) context.Context {
	return context.WithValue(ctx, zoneKey{}, zone)
}

// TimeZoneFrom returns the zone set by WithTimeZone, or "UTC".
func TimeZoneFrom(ctx context.Context) string {
	if z, ok := ctx.Value(zoneKey{}).(string); ok && z != "" {
		return z
	}
	return "UTC"
}

// LoadZone loads an IANA time zone name ("Local" is refused: the server's
// zone means nothing to the user). Loaded zones are kept (time.LoadLocation
// reads the zone file on every call, and every task JSON with a recurrence
// needs its zone); the names are the IANA ones, so the cache stays small.
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone name (e.g. Europe/Paris)", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA time zone name (e.g. Europe/Paris)", name)
	}
	zones.Store(name, loc)
	return loc, nil
}

var zones sync.Map // name → *time.Location

var allowedFreq = map[rrule.Frequency]bool{
	rrule.DAILY: true, rrule.WEEKLY: true, rrule.MONTHLY: true, rrule.YEARLY: true,
}

// ParseRule checks an RRULE ("FREQ=WEEKLY;BYDAY=MO", an "RRULE:" prefix and
// lower case are accepted) with rrule-go and returns it in canonical form.
// DTSTART is refused (the task's due time is the start), as are
// frequencies below a day (a to-do does not repeat every hour). loc reads a
// floating UNTIL.
func ParseRule(s string, loc *time.Location) (string, error) {
	opt, err := parseOption(s, loc)
	if err != nil {
		return "", err
	}
	return opt.RRuleString(), nil
}

func parseOption(s string, loc *time.Location) (*rrule.ROption, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "RRULE:")
	s = strings.TrimSuffix(s, ";")
	switch {
	case s == "":
		return nil, errors.New("is empty; give an RRULE such as FREQ=WEEKLY;BYDAY=MO")
	case len(s) > MaxRuleLen:
		return nil, fmt.Errorf("must be at most %d characters", MaxRuleLen)
	case strings.ContainsAny(s, "\r\n"):
		return nil, errors.New("must be one RRULE line without DTSTART (the due time is the start)")
	}
	if loc == nil {
		loc = time.UTC
	}
	opt, err := rrule.StrToROptionInLocation(s, loc)
	if err != nil {
		return nil, fmt.Errorf("is not a valid RFC 5545 RRULE (%w); e.g. FREQ=WEEKLY;BYDAY=MO", err)
	}
	switch {
	case !opt.Dtstart.IsZero():
		return nil, errors.New("must not contain DTSTART (the task's due time is the start)")
	case !allowedFreq[opt.Freq]:
		return nil, errors.New("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
	case opt.Interval < 0 || opt.Interval > MaxInterval:
		return nil, fmt.Errorf("INTERVAL must be between 1 and %d", MaxInterval)
	case opt.Count < 0:
		return nil, errors.New("COUNT must be positive")
	case len(opt.Byeaster) > 0:
		return nil, errors.New("BYEASTER is not supported")
	}
	if _, err := rrule.NewRRule(*opt); err != nil {
		return nil, fmt.Errorf("is not a valid RFC 5545 RRULE (%w)", err)
	}
	if impossibleDate(opt) {
		return nil, errors.New("never occurs (no such day in those months)")
	}
	return opt, nil
}

// impossibleDate reports a rule that names only days its months lack
// (BYMONTH=2;BYMONTHDAY=30): rrule-go would search up to year 9999 for it.
func impossibleDate(opt *rrule.ROption) bool {
	if len(opt.Bymonth) == 0 || len(opt.Bymonthday) == 0 {
		return false
	}
	daysIn := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	for _, m := range opt.Bymonth {
		for _, d := range opt.Bymonthday {
			if d < 0 || d <= daysIn[m] {
				return false
			}
		}
	}
	return true
}

// HorizonYears bounds how far a new rule may lie from its first
// occurrence: a rule set on a task must occur within this many years of its
// start (the due time), else it is refused as one that never occurs.
const HorizonYears = 10

// lastSearchYear is where rrule-go stops looking for an occurrence
// (rrule.MAXYEAR).
const lastSearchYear = 9999

// gregorianCycle is the length in years of the Gregorian calendar's cycle:
// 400 years are 146097 days, a whole number of weeks, so a date and the
// same date 400 years later fall on the same weekday in the same pattern
// of leap years.
const gregorianCycle = 400

// checkOccurs refuses a rule (anchored at start, see floating) without an
// occurrence within HorizonYears of start. rrule-go looks for the next
// occurrence of a rule that never occurs until year 9999, period by period
// (a daily rule: about 0.3 s of CPU per request). So the search runs on the
// same rule moved forward by whole Gregorian cycles, which moves its
// occurrences by exactly as much, to start in the last cycle before year
// 9999 - HorizonYears: the library then gives up after at most
// gregorianCycle + HorizonYears years, whatever the rule. Only validation
// (a rule being set) searches like this; Text and the task JSON never do.
func checkOccurs(opt *rrule.ROption, start time.Time) error {
	shift := cycleShift(start.Year())
	o := *opt
	o.Dtstart = wallUTC(start).AddDate(shift, 0, 0)
	if !o.Until.IsZero() {
		o.Until = wallUTC(o.Until.In(start.Location())).AddDate(shift, 0, 0)
	}
	rule, err := rrule.NewRRule(o)
	if err != nil {
		return fmt.Errorf("is not a valid RFC 5545 RRULE (%w)", err)
	}
	first := rule.After(o.Dtstart, true)
	if first.IsZero() || !first.Before(o.Dtstart.AddDate(HorizonYears, 0, 0)) {
		return fmt.Errorf("never occurs within %d years of its start (the due date, else today); check its "+
			"BYMONTH, BYMONTHDAY, BYYEARDAY, BYDAY, INTERVAL and UNTIL", HorizonYears)
	}
	return nil
}

// cycleShift is the whole number of Gregorian cycles, in years, that moves
// year y into the last cycle whose next HorizonYears years the library
// still searches: y+shift is within gregorianCycle years of
// lastSearchYear-HorizonYears.
func cycleShift(y int) int {
	if y >= lastSearchYear-HorizonYears {
		return 0
	}
	return (lastSearchYear - HorizonYears - y) / gregorianCycle * gregorianCycle
}

// hasTimeOfDay reports whether the rule sets the time itself (BYHOUR).
func hasTimeOfDay(opt *rrule.ROption) bool { return len(opt.Byhour) > 0 }

// build returns the rule anchored at r.Start, evaluated on the wall clock
// of r.TimeZone (see floating).
func (r Recurrence) build() (*rrule.RRule, *time.Location, error) {
	loc, err := LoadZone(r.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	opt, err := parseOption(r.Rule, loc)
	if err != nil {
		return nil, nil, fmt.Errorf("rule %q %w", r.Rule, err)
	}
	rule, err := floating(opt, r.Start.In(loc))
	if err != nil {
		return nil, nil, fmt.Errorf("rule %q: %w", r.Rule, err)
	}
	return rule, loc, nil
}

// floating builds the rule on local wall-clock times written as UTC (no
// daylight-saving jumps inside the rule); fromWall turns each result into
// an instant of the zone the way RFC 5545 says (3.3.5): a time in a
// spring-forward gap takes the offset from before the gap, an ambiguous
// one its first occurrence. time.Date, which rrule-go would use with the
// zone itself, leaves both choices unspecified.
func floating(opt *rrule.ROption, start time.Time) (*rrule.RRule, error) {
	o := *opt
	o.Dtstart = wallUTC(start)
	if !o.Until.IsZero() {
		o.Until = wallUTC(o.Until.In(start.Location()))
	}
	return rrule.NewRRule(o)
}

// wallUTC is t's wall clock in its location, written as a UTC time.
func wallUTC(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// fromWall is the instant at wall-clock time w (a UTC-written wall time)
// in loc: the earliest instant showing w, or in a gap w at the offset in
// force before it.
func fromWall(w time.Time, loc *time.Location) time.Time {
	offsetAt := func(day int) time.Duration {
		_, off := time.Date(w.Year(), w.Month(), w.Day()+day, w.Hour(), w.Minute(), w.Second(), 0, loc).Zone()
		return time.Duration(off) * time.Second
	}
	before, after := w.Add(-offsetAt(-1)), w.Add(-offsetAt(1))
	var best time.Time
	for _, c := range []time.Time{before, after} {
		if wallUTC(c.In(loc)).Equal(w) && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if best.IsZero() {
		if t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc); wallUTC(t).Equal(w) {
			return t // offsets that change other than across a day boundary
		}
		return before // in a gap
	}
	return best
}

// Next returns the first occurrence strictly after t (UTC), and false when
// the rule has ended.
func (r Recurrence) Next(t time.Time) (time.Time, bool) {
	rule, loc, err := r.build()
	if err != nil {
		return time.Time{}, false
	}
	w := wallUTC(t.In(loc))
	for next := rule.After(w, true); !next.IsZero(); next = rule.After(next, false) {
		if at := fromWall(next, loc); at.After(t) {
			return normalizeTime(at), true
		}
	}
	return time.Time{}, false
}

// firstOccurrence anchors a rule set on a task without a due time: today at
// DefaultRepeatHour local (or the rule's own BYHOUR), then the first
// occurrence at or after now.
func firstOccurrence(rule string, zone string, now time.Time) (Recurrence, time.Time, error) {
	loc, err := LoadZone(zone)
	if err != nil {
		return Recurrence{}, time.Time{}, err
	}
	opt, err := parseOption(rule, loc)
	if err != nil {
		return Recurrence{}, time.Time{}, err
	}
	local := now.In(loc)
	hour := DefaultRepeatHour
	if hasTimeOfDay(opt) {
		hour = 0
	}
	start := time.Date(local.Year(), local.Month(), local.Day(), hour, 0, 0, 0, loc)
	if err := checkOccurs(opt, start); err != nil {
		return Recurrence{}, time.Time{}, err
	}
	rec := Recurrence{Rule: opt.RRuleString(), TimeZone: loc.String(), Start: start}
	rr, err := floating(opt, start)
	if err != nil {
		return Recurrence{}, time.Time{}, err
	}
	first := rr.After(wallUTC(local), true)
	if first.IsZero() {
		return Recurrence{}, time.Time{}, errors.New("has no occurrence from now on")
	}
	rec.Start = normalizeTime(fromWall(first, loc))
	return rec, rec.Start, nil
}

// Text describes the rule for people: "repeats every Monday", "repeats
// monthly on the 1st", "repeats every weekday at 9:30", "repeats every 2
// weeks". The same text is in the task JSON, the REST and MCP answers and
// the task-list widget.
func (r Recurrence) Text() string {
	loc, err := LoadZone(r.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	opt, err := parseOption(r.Rule, loc)
	if err != nil {
		return "repeats"
	}
	return "repeats " + describe(opt, r.Start.In(loc), loc)
}

var dayNames = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var monthNames = [13]string{"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// nthWord names the nth weekday of a month: first … fifth, last,
// second-to-last, else "3rd".
func nthWord(n int) string {
	switch n {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	case 4:
		return "fourth"
	case 5:
		return "fifth"
	case -1:
		return "last"
	case -2:
		return "second-to-last"
	}
	if n < 0 {
		return ordinal(-n) + "-to-last"
	}
	return ordinal(n)
}

func joinWords(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// weekdays names BYDAY without ordinals: "Monday and Thursday", "weekday",
// "weekend day"; ok is false when a day carries an ordinal.
func weekdays(days []rrule.Weekday) (string, bool) {
	var set [7]bool
	var names []string
	for _, d := range days {
		if d.N() != 0 {
			return "", false
		}
		if !set[d.Day()] {
			set[d.Day()] = true
			names = append(names, dayNames[d.Day()])
		}
	}
	switch set {
	case [7]bool{true, true, true, true, true, false, false}:
		return "weekday", true
	case [7]bool{false, false, false, false, false, true, true}:
		return "Saturday and Sunday", true
	case [7]bool{true, true, true, true, true, true, true}:
		return "day", true
	}
	// Week order, Monday first, whatever order the rule listed them in.
	names = names[:0]
	for i, on := range set {
		if on {
			names = append(names, dayNames[i])
		}
	}
	return joinWords(names), true
}

func every(interval int, unit, units string) string {
	if interval <= 1 {
		return "every " + unit
	}
	return fmt.Sprintf("every %d %s", interval, units)
}

func monthDays(days []int) string {
	words := make([]string, len(days))
	for i, d := range days {
		switch {
		case d == -1:
			words[i] = "the last day"
		case d < 0:
			words[i] = "the " + nthWord(d) + " day"
		default:
			words[i] = "the " + ordinal(d)
		}
	}
	return joinWords(words)
}

// nthWeekdays names BYDAY with ordinals: "the first Monday", "the last Friday".
func nthWeekdays(days []rrule.Weekday) string {
	words := make([]string, len(days))
	for i, d := range days {
		n := d.N()
		if n == 0 {
			words[i] = "every " + dayNames[d.Day()]
			continue
		}
		words[i] = "the " + nthWord(n) + " " + dayNames[d.Day()]
	}
	return joinWords(words)
}

func describe(opt *rrule.ROption, start time.Time, loc *time.Location) string {
	var b strings.Builder
	interval := max(opt.Interval, 1)
	switch opt.Freq {
	case rrule.DAILY:
		if days, ok := weekdays(opt.Byweekday); ok && len(opt.Byweekday) > 0 && interval == 1 {
			b.WriteString("every " + days)
		} else {
			b.WriteString(every(interval, "day", "days"))
		}
	case rrule.WEEKLY:
		days, ok := weekdays(opt.Byweekday)
		switch {
		case len(opt.Byweekday) == 0 && interval == 1 && !start.IsZero():
			b.WriteString("every " + dayNames[(int(start.Weekday())+6)%7])
		case len(opt.Byweekday) == 0 && interval == 1:
			b.WriteString("weekly")
		case len(opt.Byweekday) == 0:
			b.WriteString(every(interval, "week", "weeks"))
		case ok && interval == 1:
			b.WriteString("every " + days)
		case ok:
			fmt.Fprintf(&b, "every %d weeks on %s", interval, pluralDays(days))
		default:
			b.WriteString(every(interval, "week", "weeks"))
		}
	case rrule.MONTHLY:
		if interval == 1 {
			b.WriteString("monthly")
		} else {
			b.WriteString(every(interval, "month", "months"))
		}
		switch {
		case len(opt.Bymonthday) > 0:
			b.WriteString(" on " + monthDays(opt.Bymonthday))
		case len(opt.Byweekday) > 0 && len(opt.Bysetpos) == 1:
			if days, ok := weekdays(opt.Byweekday); ok {
				b.WriteString(" on the " + nthWord(opt.Bysetpos[0]) + " " + days)
			}
		case len(opt.Byweekday) > 0:
			b.WriteString(" on " + nthWeekdays(opt.Byweekday))
		case !start.IsZero():
			b.WriteString(" on the " + ordinal(start.Day()))
		}
	case rrule.YEARLY:
		if interval == 1 {
			b.WriteString("yearly")
		} else {
			b.WriteString(every(interval, "year", "years"))
		}
		if len(opt.Bymonth) == 1 && len(opt.Bymonthday) == 1 && opt.Bymonthday[0] > 0 {
			b.WriteString(" on " + monthNames[opt.Bymonth[0]] + " " + strconv.Itoa(opt.Bymonthday[0]))
		} else if len(opt.Bymonth) == 0 && len(opt.Bymonthday) == 0 && len(opt.Byweekday) == 0 && !start.IsZero() {
			b.WriteString(" on " + monthNames[start.Month()] + " " + strconv.Itoa(start.Day()))
		}
	}
	if len(opt.Byhour) == 1 {
		minute := 0
		if len(opt.Byminute) == 1 {
			minute = opt.Byminute[0]
		}
		fmt.Fprintf(&b, " at %d:%02d", opt.Byhour[0], minute)
	}
	switch {
	case opt.Count == 1:
		b.WriteString(", once")
	case opt.Count > 1:
		fmt.Fprintf(&b, ", %d times", opt.Count)
	}
	if !opt.Until.IsZero() {
		u := opt.Until.In(loc)
		fmt.Fprintf(&b, " until %s %d, %d", monthNames[u.Month()][:3], u.Day(), u.Year())
	}
	return b.String()
}

// pluralDays turns "Monday and Thursday" into "Mondays and Thursdays".
func pluralDays(days string) string {
	if days == "weekday" || days == "day" {
		return days + "s"
	}
	for _, d := range dayNames {
		days = strings.ReplaceAll(days, d, d+"s")
	}
	return days
}
