package offline

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/olebedev/when/rules"
	"github.com/olebedev/when/rules/en"
)

// EndOfDayHour and EndOfDayMinute are the local clock time given to a due
// date said without a time ("by Friday", "tomorrow"): the end of that day in
// the user's zone, so a task due "today" is not overdue until the day is over.
const (
	EndOfDayHour   = 23
	EndOfDayMinute = 59
)

// maxDateText is the longest text the date finder reads, in bytes: a
// title of tasks.MaxTitleLen characters with its date and connectors.
const maxDateText = 1024

// dateMatch is a date-time expression found in a message.
type dateMatch struct {
	// Start and End are byte offsets of the expression in the text.
	Start, End int
	// At is the instant, in UTC.
	At time.Time
	// HasTime tells whether the user said a time of day ("at 5pm",
	// "tonight", "in 2 hours"); without one At is the end of that day.
	HasTime bool
	// ClockOnly tells that only a time of day was said ("at 4pm"): no day.
	ClockOnly bool
}

// dateFinder wraps github.com/olebedev/when's English rules. It runs the
// library's rules itself (the same clustering as when.Parser.Parse) so that
// it can see which parts were said: a bare date becomes the end of that day,
// a lone month name ("review may budget") is not a date, and a month-day
// already past this year ("jan 5" in December) means next year.
//
// A dateFinder holds only compiled rules and is safe for concurrent use.
type dateFinder struct {
	rules []rules.Rule
	opts  *rules.Options
}

func newDateFinder() *dateFinder {
	rs := make([]rules.Rule, 0, len(en.All)+9)
	rs = append(rs, en.All...)
	// Applied after the library's rules (match order), so they win.
	rs = append(rs, extraRules()...)
	// common.SlashDMY is left out on purpose: it reads 12/3 as 12 March,
	// which surprises most English speakers.
	for i, r := range rs {
		if f, ok := r.(*rules.F); ok {
			rs[i] = guardedRule{rule: f, pre: newPrefilter(f.RegExp)}
		}
	}
	return &dateFinder{rules: rs, opts: &rules.Options{Distance: 5, MatchByOrder: true}}
}

// guardedRule skips a rule's regexp on texts its prefilter rules out: most
// messages name no date, and most dates name one kind of thing (a weekday,
// "tomorrow"), so most of the rules cannot match.
type guardedRule struct {
	rule *rules.F
	pre  prefilter
}

func (g guardedRule) Find(text string) *rules.Match {
	scanned(len(text))
	if !g.pre.mayMatch(text) {
		return nil
	}
	return g.rule.Find(text)
}

// find returns the first date expression in text, interpreted at now in loc.
//
// A text longer than maxDateText is not searched: every rule reads all of
// it (on non-ASCII text without the prefilters' help, some 10µs a byte),
// and no task title or reference that long is valid anyway.
func (f *dateFinder) find(text string, now time.Time, loc *time.Location) (dateMatch, bool) {
	if len(text) > maxDateText {
		return dateMatch{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	base := now.In(loc)
	var matches []*rules.Match
	for i, r := range f.rules {
		if m := r.Find(text); m != nil {
			m.Order = float64(i)
			matches = append(matches, m)
		}
	}
	if len(matches) == 0 {
		return dateMatch{}, false
	}
	sort.Sort(rules.MatchByIndex(matches))
	start, end := matches[0].Left, matches[0].Right
	for i, m := range matches {
		if m.Left <= end+f.opts.Distance {
			end = max(end, m.Right)
		} else {
			matches = matches[:i]
			break
		}
	}
	sort.Sort(rules.MatchByOrder(matches))
	ctx := &rules.Context{Text: text[start:end]}
	applied := false
	for _, m := range matches {
		ok, err := m.Apply(ctx, f.opts, base)
		if err != nil {
			return dateMatch{}, false
		}
		applied = applied || ok
	}
	if !applied {
		return dateMatch{}, false
	}
	// A weekday's three letters alone ("sun cream", "mon") are a word: the
	// parser has already written out those after "on", "by" … or at the end.
	if reBareWeekday.MatchString(text[start:end]) {
		return dateMatch{}, false
	}
	// A month name alone ("may", "march") is far more often a word than a date.
	if ctx.Month != nil && ctx.Day == nil && ctx.Weekday == nil && ctx.Hour == nil && ctx.Duration == 0 {
		return dateMatch{}, false
	}
	t, err := ctx.Time(base)
	if err != nil {
		return dateMatch{}, false
	}
	hasTime := ctx.Hour != nil || ctx.Minute != nil || (ctx.Duration != 0 && ctx.Duration%(24*time.Hour) != 0)
	clockOnly := false
	if hasTime {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		// "at 9am" said at 10am means tomorrow morning.
		// "today at 9am" said at 10am stays today (and is overdue).
		onlyClock := ctx.Year == nil && ctx.Month == nil && ctx.Day == nil && ctx.Weekday == nil && ctx.Duration == 0
		clockOnly = onlyClock && !reSaidToday.MatchString(text[start:end])
		if clockOnly && t.Before(base) {
			t = t.AddDate(0, 0, 1)
		}
	} else {
		t = time.Date(t.Year(), t.Month(), t.Day(), EndOfDayHour, EndOfDayMinute, 0, 0, loc)
	}
	// "on Jan 5" said in December: next January.
	if ctx.Month != nil && ctx.Year == nil && t.Before(startOfDay(base)) {
		t = t.AddDate(1, 0, 0)
	}
	// Keep the user's words around the expression intact: trim the spaces
	// and punctuation the rules' regexps capture at the edges.
	for start < end && strings.ContainsRune(" \t,.", rune(text[start])) {
		start++
	}
	for end > start && strings.ContainsRune(" \t,.", rune(text[end-1])) {
		end--
	}
	return dateMatch{Start: start, End: end, At: t.UTC(), HasTime: hasTime, ClockOnly: clockOnly}, true
}

// extraRules add phrases the library's English rules do not know, written
// as rules of the library (regexp + applier on its Context).
func extraRules() []rules.Rule {
	rule := func(pattern string, target func(ref time.Time, m string) time.Time) rules.Rule {
		return &rules.F{
			RegExp: regexp.MustCompile(`(?i)(?:\W|^)(` + pattern + `)(?:\W|$)`),
			Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, ref time.Time) (bool, error) {
				setDate(c, target(ref, strings.ToLower(m.String())))
				return true, nil
			},
		}
	}
	return []rules.Rule{
		rule(`(?:this\s+|next\s+|the\s+|on\s+the\s+)?week-?end`, func(ref time.Time, m string) time.Time {
			sat := startOfWeek(ref).AddDate(0, 0, 5)
			if ref.Weekday() == time.Sunday {
				sat = startOfDay(ref)
			}
			if strings.Contains(m, "next") {
				sat = startOfWeek(ref).AddDate(0, 0, 12)
			}
			return sat
		}),
		// The week's end is its Friday; said on a weekend, the coming week's.
		rule(`(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:work\s*)?week|eow`, func(ref time.Time, _ string) time.Time {
			fri := startOfWeek(ref).AddDate(0, 0, 4)
			if ref.Weekday() == time.Saturday || ref.Weekday() == time.Sunday {
				fri = fri.AddDate(0, 0, 7)
			}
			return fri
		}),
		rule(`(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month|eom`, func(ref time.Time, _ string) time.Time {
			return time.Date(ref.Year(), ref.Month()+1, 0, 0, 0, 0, 0, ref.Location())
		}),
		rule(`(?:the\s+)?day\s+after\s+tomorrow`, func(ref time.Time, _ string) time.Time {
			return startOfDay(ref).AddDate(0, 0, 2)
		}),
		rule(`next\s+week`, func(ref time.Time, _ string) time.Time {
			return startOfWeek(ref).AddDate(0, 0, 7)
		}),
		// "next month" starts it, as "next week" is its Monday.
		rule(`next\s+month`, func(ref time.Time, _ string) time.Time {
			return time.Date(ref.Year(), ref.Month()+1, 1, 0, 0, 0, 0, ref.Location())
		}),
		rule(`eod|(?:the\s+)?end\s+of\s+(?:the\s+)?day`, func(ref time.Time, _ string) time.Time { return ref }),
		// (rules.F ends a match at its last non-empty capture group, so every
		// part of a phrase is inside a group.)
		// "on the 1st": that day of this month, or of the next once past.
		&rules.F{
			RegExp: regexp.MustCompile(`(?i)(?:\W|^)((?:(?:on|by|before|until|due)\s+(?:the\s+)?|(?:on\s+)?the\s+)(\d{1,2})(st|nd|rd|th))(?:\W|$)`),
			Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, ref time.Time) (bool, error) {
				day, err := strconv.Atoi(m.Captures[1])
				if err != nil || day < 1 || day > 31 {
					return false, nil
				}
				t := time.Date(ref.Year(), ref.Month(), day, 0, 0, 0, 0, ref.Location())
				if day < ref.Day() || t.Month() != ref.Month() {
					t = time.Date(ref.Year(), ref.Month()+1, day, 0, 0, 0, 0, ref.Location())
				}
				setDate(c, t)
				return true, nil
			},
		},
		// "tomorrow night": tomorrow at 23:00, as the library reads "tonight".
		&rules.F{
			RegExp: regexp.MustCompile(`(?i)(?:\W|^)((?:tomorrow|tmr)\s+(night))(?:\W|$)`),
			Applier: func(_ *rules.Match, c *rules.Context, _ *rules.Options, ref time.Time) (bool, error) {
				setDate(c, startOfDay(ref).AddDate(0, 0, 1))
				h, zero := 23, 0
				c.Hour, c.Minute = &h, &zero
				return true, nil
			},
		},
		// "first thing (in the morning)": 9:00, of the day said with it.
		&rules.F{
			RegExp: regexp.MustCompile(`(?i)(?:\W|^)(first\s+(thing)(?:\s+in\s+the\s+(morning))?)(?:\W|$)`),
			Applier: func(_ *rules.Match, c *rules.Context, _ *rules.Options, _ time.Time) (bool, error) {
				h, zero := 9, 0
				c.Hour, c.Minute = &h, &zero
				return true, nil
			},
		},
		// "12/3" is month/day (US order), this year or next once past.
		&rules.F{
			RegExp: regexp.MustCompile(`(?i)(?:\W|^)((\d{1,2})/(\d{1,2}))(?:\W|$)`),
			Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, ref time.Time) (bool, error) {
				mo, err1 := strconv.Atoi(m.Captures[1])
				day, err2 := strconv.Atoi(m.Captures[2])
				if err1 != nil || err2 != nil || mo < 1 || mo > 12 || day < 1 || day > 31 {
					return false, nil
				}
				t := time.Date(ref.Year(), time.Month(mo), day, 0, 0, 0, 0, ref.Location())
				if t.Before(startOfDay(ref)) {
					t = t.AddDate(1, 0, 0)
				}
				setDate(c, t)
				return true, nil
			},
		},
		// "at 9", "at 7 o'clock": a bare hour is the next plausible one —
		// 1–7 in the afternoon or evening, 8–11 in the morning, 12 noon.
		// With am/pm the library's own rule decides.
		&rules.F{
			RegExp: regexp.MustCompile(`(?i)(?:\W|^)(at\s+(\d{1,2})(\s*(?:am|pm|a\.m\.|p\.m\.))?(\s*o'?clock)?)(?:[\s,.!?]|$)`),
			Applier: func(m *rules.Match, c *rules.Context, _ *rules.Options, _ time.Time) (bool, error) {
				if m.Captures[2] != "" {
					return false, nil
				}
				h, err := strconv.Atoi(m.Captures[1])
				if err != nil || h > 23 {
					return false, nil
				}
				if h >= 1 && h <= 7 {
					h += 12
				}
				zero := 0
				c.Hour, c.Minute = &h, &zero
				return true, nil
			},
		},
	}
}

// reBareWeekday is a weekday's abbreviation alone.
var reBareWeekday = regexp.MustCompile(`(?i)^[\s,.]*(?:mon|tue|wed|thu|fri|sat|sun)[\s,.]*$`)

// reSaidToday finds a day said as today in a date expression.
var reSaidToday = regexp.MustCompile(`(?i)\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b`)

func setDate(c *rules.Context, t time.Time) {
	y, mo, d := t.Date()
	month := int(mo)
	c.Year, c.Month, c.Day, c.Weekday, c.Duration = &y, &month, &d, nil, 0
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}
