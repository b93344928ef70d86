package offline

// Recurring tasks in words. cutRepeat finds how a task repeats in the text
// of an add ("water the plants every monday", "pay rent monthly on the 1st",
// "daily standup at 9:30 on weekdays", "clean the fridge every other week")
// and turns it into an RFC 5545 RRULE (checked by the task tools with
// rrule-go); parseRepeat reads "stop repeating the rent task" and "make the
// plants task repeat every monday" as updates of the repetition.
//
// The hooks into the rest of the agent are a few lines:
//   - intent.go: Fields.Repeat (and Fields.Empty counts it);
//   - parse.go Parse: parseRepeat before the other updates, and
//     parseRecurringAdd before "not understood";
//   - parse.go parseAdd: cutRepeat on the text before the dates are read;
//   - agent.go add and change: repeatArgs fills the tool arguments.

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var weekdayCodes = map[string]string{
	"mon": "MO", "monday": "MO", "mondays": "MO",
	"tue": "TU", "tues": "TU", "tuesday": "TU", "tuesdays": "TU",
	"wed": "WE", "weds": "WE", "wednesday": "WE", "wednesdays": "WE",
	"thu": "TH", "thur": "TH", "thurs": "TH", "thursday": "TH", "thursdays": "TH",
	"fri": "FR", "friday": "FR", "fridays": "FR",
	"sat": "SA", "saturday": "SA", "saturdays": "SA",
	"sun": "SU", "sunday": "SU", "sundays": "SU",
}

var weekOrder = []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

var monthNumbers = map[string]int{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
	"dec": 12, "december": 12,
}

var nthNumbers = map[string]int{
	"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
	"fifth": 5, "5th": 5, "last": -1,
}

var intervalWords = map[string]int{
	"other": 2, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12,
}

const (
	wdWord   = `(?:mon|tues?|wed(?:nes)?|weds|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?`
	wdList   = wdWord + `(?:\s*(?:,|and|&|,\s*and)\s*` + wdWord + `)*`
	unitWord = `(?:day|week|month|year)s?`
)

// Recurrence phrases, most specific first: the first that matches is the
// repetition; a vaguer word elsewhere ("daily standup … on weekdays") stays
// in the title.
var (
	reRepWeekdays = regexp.MustCompile(`(?i)\b(?:(?:every|each|on)\s+(?:week|work|business)\s*days?|on\s+weekdays|weekdays|` +
		`(?:every|each)\s+day\s+(?:of\s+the\s+week\s+)?except\s+(?:the\s+)?weekends?|` +
		`(?:every\s+|on\s+)?mon(?:day)?\s*(?:-|to|through|thru|till|until)\s*fri(?:day)?)\b`)
	reRepWeekends  = regexp.MustCompile(`(?i)\b(?:(?:every|each|on)\s+weekends?|weekends)\b`)
	reRepEveryDays = regexp.MustCompile(`(?i)\b(?:every|each)\s+(other\s+|second\s+|2nd\s+|third\s+|3rd\s+)?(` + wdList + `)\b`)
	reRepOnDays    = regexp.MustCompile(`(?i)\bon\s+((?:mon|tues|wednes|thurs|fri|satur|sun)days(?:\s*(?:,|and|&|,\s*and)\s*(?:mon|tues|wednes|thurs|fri|satur|sun)days)*)\b`)
	reRepInterval  = regexp.MustCompile(`(?i)\bevery\s+(other|second|2nd|third|3rd|two|three|four|five|six|seven|eight|nine|ten|twelve|\d{1,3})\s+(` + unitWord + `)\b`)
	reRepBiweekly  = regexp.MustCompile(`(?i)\b(?:bi-?weekly|fortnightly|every\s+fortnight)\b`)
	reRepUnit      = regexp.MustCompile(`(?i)\b(?:(?:of\s+)?(?:every|each)\s+(day|week|month|year)|once\s+a\s+(day|week|month|year))\b`)
	// The adverbs repeat only at the end or before a date, time or
	// condition ("back up weekly", "pay rent monthly on the 1st"); before a
	// noun they are part of the title ("daily standup", "the weekly report").
	reRepAdverb    = regexp.MustCompile(`(?i)(^|\s)(daily|weekly|monthly|yearly|annually)(?:\s*$|\s*[,.!;]|\s+(?:on|at|from|starting|until|till|in|by|for|and|every|each)\b)`)
	reRepMonthDay2 = regexp.MustCompile(`(?i)\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)?(?:\s+(?:day\s+)?of\s+(?:each|every|the)\s+month)?\b|\bon\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b`)
	reRepLastDay   = regexp.MustCompile(`(?i)\b(?:on\s+)?the\s+last\s+day(?:\s+of\s+(?:each|every|the)\s+month)?\b`)
	reRepNthDay    = regexp.MustCompile(`(?i)\b(?:on\s+)?the\s+(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+(` + wdWord + `)(?:\s+of\s+(?:each|every|the)\s+month)?\b`)
	reRepOnDay     = regexp.MustCompile(`(?i)\bon\s+(` + wdList + `)\b`)
	reRepYearDay   = regexp.MustCompile(`(?i)\bon\s+(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b`)
	reRepTime      = regexp.MustCompile(`(?i)\b(?:at\s+)(noon|midnight|(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?)(?:\s|$|[,.!])`)
	reRepSpaces    = regexp.MustCompile(`\s{2,}`)
	reRepWord      = regexp.MustCompile(`(?i)[a-z]+`)
	reRepDangling  = regexp.MustCompile(`(?i)(?:\s+(?:and|,|on|at|the|starting|from|repeating|recurring))+\s*$`)
)

// rrule builds an RRULE from its parts.
type rrule struct {
	freq     string
	interval int
	byDay    []string
	monthDay int
	month    int
	nth      int
	hour     int
	minute   int
	hasTime  bool
}

func (r rrule) String() string {
	parts := []string{"FREQ=" + r.freq}
	if r.interval > 1 {
		parts = append(parts, "INTERVAL="+strconv.Itoa(r.interval))
	}
	if r.month > 0 {
		parts = append(parts, "BYMONTH="+strconv.Itoa(r.month))
	}
	if r.monthDay != 0 {
		parts = append(parts, "BYMONTHDAY="+strconv.Itoa(r.monthDay))
	}
	if len(r.byDay) > 0 {
		days := r.byDay
		if r.nth != 0 {
			days = []string{strconv.Itoa(r.nth) + r.byDay[0]}
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	}
	if r.hasTime {
		parts = append(parts, "BYHOUR="+strconv.Itoa(r.hour), "BYMINUTE="+strconv.Itoa(r.minute))
	}
	return strings.Join(parts, ";")
}

// weekdaysIn lists the weekday codes of a phrase in week order.
func weekdaysIn(s string) []string {
	seen := map[string]bool{}
	for _, w := range reRepWord.FindAllString(s, -1) {
		if code, ok := weekdayCodes[strings.ToLower(w)]; ok {
			seen[code] = true
		}
	}
	var out []string
	for _, c := range weekOrder {
		if seen[c] {
			out = append(out, c)
		}
	}
	return out
}

// cut removes s[m[0]:m[1]] from s.
func cut(s string, m []int) string { return s[:m[0]] + " " + s[m[1]:] }

// cutRepeat finds a recurrence in s and returns s without it and the
// RRULE, or s unchanged and nil.
func cutRepeat(s string) (string, *string) {
	var r rrule
	found := false
	try := func(p *regexp.Regexp, fn func(m []string)) {
		if found {
			return
		}
		if m := p.FindStringSubmatchIndex(s); m != nil {
			sub := make([]string, len(m)/2)
			for i := range sub {
				if m[2*i] >= 0 {
					sub[i] = s[m[2*i]:m[2*i+1]]
				}
			}
			fn(sub)
			s = cut(s, m)
			found = true
		}
	}
	try(reRepWeekdays, func([]string) { r = rrule{freq: "WEEKLY", byDay: weekOrder[:5]} })
	try(reRepWeekends, func([]string) { r = rrule{freq: "WEEKLY", byDay: []string{"SA", "SU"}} })
	try(reRepEveryDays, func(m []string) {
		r = rrule{freq: "WEEKLY", byDay: weekdaysIn(m[2])}
		if w := strings.TrimSpace(strings.ToLower(m[1])); w != "" {
			r.interval = intervalWords[w]
		}
	})
	try(reRepInterval, func(m []string) {
		n, ok := intervalWords[strings.ToLower(m[1])]
		if !ok {
			n, _ = strconv.Atoi(m[1])
		}
		r = rrule{freq: unitFreq(m[2]), interval: max(n, 1)}
	})
	try(reRepBiweekly, func([]string) { r = rrule{freq: "WEEKLY", interval: 2} })
	try(reRepOnDays, func(m []string) { r = rrule{freq: "WEEKLY", byDay: weekdaysIn(m[1])} })
	try(reRepUnit, func(m []string) { r = rrule{freq: unitFreq(m[1] + m[2])} })
	if m := reRepAdverb.FindStringSubmatchIndex(s); !found && m != nil {
		r = rrule{freq: unitFreq(s[m[4]:m[5]])}
		s = cut(s, m[4:6])
		found = true
	}
	if !found {
		return s, nil
	}
	// What the frequency leaves open: the day of the month or week, the
	// date of the year, the time of day.
	switch r.freq {
	case "MONTHLY":
		if m := reRepNthDay.FindStringSubmatchIndex(s); m != nil {
			r.nth = nthNumbers[strings.ToLower(s[m[2]:m[3]])]
			r.byDay = weekdaysIn(s[m[4]:m[5]])
			s = cut(s, m)
		} else if m := reRepLastDay.FindStringIndex(s); m != nil {
			r.monthDay = -1
			s = cut(s, m)
		} else if m := reRepMonthDay2.FindStringSubmatchIndex(s); m != nil {
			g := 2
			if m[2] < 0 {
				g = 4
			}
			if d, err := strconv.Atoi(s[m[g]:m[g+1]]); err == nil && d >= 1 && d <= 31 {
				r.monthDay = d
				s = cut(s, m)
			}
		}
	case "WEEKLY":
		if len(r.byDay) == 0 {
			if m := reRepOnDay.FindStringSubmatchIndex(s); m != nil {
				r.byDay = weekdaysIn(s[m[2]:m[3]])
				s = cut(s, m)
			}
		}
	case "YEARLY":
		if m := reRepYearDay.FindStringSubmatchIndex(s); m != nil {
			d, err := strconv.Atoi(s[m[4]:m[5]])
			if month := monthNumbers[strings.ToLower(s[m[2]:m[3]])]; err == nil && month > 0 && d >= 1 && d <= 31 {
				r.month, r.monthDay = month, d
				s = cut(s, m)
			}
		}
	}
	if m := reRepTime.FindStringSubmatchIndex(s); m != nil {
		if h, mm, ok := clock(s, m); ok {
			r.hour, r.minute, r.hasTime = h, mm, true
			s = s[:m[0]] + " " + s[m[3]:]
		}
	}
	s = strings.TrimSpace(reRepSpaces.ReplaceAllString(s, " "))
	s = strings.TrimSpace(reRepDangling.ReplaceAllString(s, ""))
	rule := r.String()
	return s, &rule
}

// clock reads the time of a reRepTime match: "9:30", "5pm", "noon".
func clock(s string, m []int) (hour, minute int, ok bool) {
	word := strings.ToLower(s[m[2]:m[3]])
	switch word {
	case "noon":
		return 12, 0, true
	case "midnight":
		return 0, 0, true
	}
	h, err := strconv.Atoi(s[m[4]:m[5]])
	if err != nil {
		return 0, 0, false
	}
	if m[6] >= 0 {
		if minute, err = strconv.Atoi(s[m[6]:m[7]]); err != nil || minute > 59 {
			return 0, 0, false
		}
	}
	if m[8] >= 0 {
		pm := strings.HasPrefix(strings.ToLower(s[m[8]:m[9]]), "p")
		switch {
		case h < 1 || h > 12:
			return 0, 0, false
		case pm && h != 12:
			h += 12
		case !pm && h == 12:
			h = 0
		}
	} else if m[6] < 0 {
		// A bare number ("at 9") needs a colon or am/pm to be a time;
		// "at 9" alone is read as 9:00.
		if h > 23 {
			return 0, 0, false
		}
	}
	if h > 23 {
		return 0, 0, false
	}
	return h, minute, true
}

func unitFreq(unit string) string {
	switch u := strings.ToLower(unit); {
	case strings.HasPrefix(u, "day"), u == "daily":
		return "DAILY"
	case strings.HasPrefix(u, "week"):
		return "WEEKLY"
	case strings.HasPrefix(u, "month"):
		return "MONTHLY"
	}
	return "YEARLY"
}

// Changing the repetition of an existing task.
var (
	reStopRepeat = regexp.MustCompile(`(?i)^(?:stop|quit|cancel|end|don'?t\s+keep|no\s+more)\s+(?:repeating|recurring|the\s+repetition\s+of|the\s+recurrence\s+of|repeats?\s+(?:of|for))\s+(.+?)$|` +
		`^(?:don'?t|do\s+not|never)\s+repeat\s+(.+?)(?:\s+(?:any\s*more|again))?$|` +
		`^(?:make\s+)?(.+?)\s+(?:(?:should|must)\s+(?:stop\s+repeating|not\s+repeat(?:\s+any\s*more)?|no\s+longer\s+repeat)|` +
		`(?:shouldn'?t|doesn'?t\s+need\s+to|does\s+not\s+need\s+to)\s+repeat(?:\s+any\s*more)?|` +
		`(?:no\s+longer|not)\s+(?:repeat(?:ing)?|recurring)|stop(?:s)?\s+repeating|one[-\s]+time(?:\s+only)?|a\s+one[-\s]+off)$`)
	reMakeRepeat = regexp.MustCompile(`(?i)^(?:make|set|have|change|switch|update|turn)\s+(.+?)\s+(?:to\s+)?(?:repeat|recur|repeating|recurring)\s+(.+)$|` +
		`^(.+?)\s+(?:should|must|needs\s+to|has\s+to|will|shall)\s+(?:repeat|recur|happen)\s+(.+)$|` +
		`^(?:repeat|recur)\s+(.+)$`)
)

// parseRepeat reads a change of a task's repetition: "stop repeating the
// rent task", "make the plants task repeat every monday", "repeat task 3
// weekly".
func (p *Parser) parseRepeat(s string, _ time.Time, _ *time.Location) (Intent, bool) {
	s = strings.TrimSpace(strings.TrimRight(s, ".!?"))
	if m := reStopRepeat.FindStringSubmatch(s); m != nil {
		words := firstNonEmpty(m[1:]...)
		ref := parseRef(words)
		if ref.Empty() {
			return Intent{}, false
		}
		stop := ""
		return Intent{Kind: KindUpdate, Ref: ref, Fields: Fields{Repeat: &stop}}, true
	}
	m := reMakeRepeat.FindStringSubmatch(s)
	if m == nil {
		return Intent{}, false
	}
	var words, how string
	switch {
	case m[1] != "":
		words, how = m[1], m[2]
	case m[3] != "":
		words, how = m[3], m[4]
	default:
		// "repeat task 3 every monday": the task is what the rule leaves.
		rest, rule := cutRepeat(m[5])
		if rule == nil {
			return Intent{}, false
		}
		ref := parseRef(rest)
		if ref.Empty() {
			return Intent{}, false
		}
		return Intent{Kind: KindUpdate, Ref: ref, Fields: Fields{Repeat: rule}}, true
	}
	rest, rule := cutRepeat(how)
	if rule == nil || strings.TrimSpace(rest) != "" {
		return Intent{}, false
	}
	ref := parseRef(words)
	if ref.Empty() {
		return Intent{}, false
	}
	return Intent{Kind: KindUpdate, Ref: ref, Fields: Fields{Repeat: rule}}, true
}

// parseRecurringAdd reads a message without an add phrasing that says how
// something repeats ("pay rent monthly on the 1st") as an add.
func (p *Parser) parseRecurringAdd(s string, now time.Time, loc *time.Location) (Intent, bool) {
	if _, rule := cutRepeat(s); rule == nil {
		return Intent{}, false
	}
	in := p.parseAdd(s, "", now, loc)
	if in.Fields.Title == nil || in.Fields.Repeat == nil {
		return Intent{}, false
	}
	return in, true
}

// repeatArgs are the repeat and time_zone tool arguments of f: the rule in
// the user's zone; stopping needs no zone.
func repeatArgs(f Fields, loc *time.Location) (repeat, zone *string) {
	if f.Repeat == nil {
		return nil, nil
	}
	if *f.Repeat == "" || loc == nil {
		return f.Repeat, nil
	}
	z := loc.String()
	return f.Repeat, &z
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
