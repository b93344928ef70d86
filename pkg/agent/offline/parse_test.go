package offline

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// now is Wednesday 25 November 2026, 10:00 in New York (15:00 UTC).
var (
	nyc, _ = time.LoadLocation("America/New_York")
	now    = time.Date(2026, 11, 25, 10, 0, 0, 0, nyc)
)

func ny(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, nyc).UTC()
}

func ptr[T any](v T) *T { return &v }

func TestParse(t *testing.T) {
	p := NewParser()
	cases := []struct {
		in   string
		want Intent
	}{
		// add
		{"Add a task to buy groceries", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Buy groceries")}}},
		{"add a task to buy groceries.", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Buy groceries")}}},
		{"Please add a task to buy groceries", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Buy groceries")}}},
		{"can you add a task to buy groceries?", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Buy groceries")}}},
		{"ADD A TASK TO BUY GROCERIES!", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("BUY GROCERIES")}}},
		{"I need to remember to pay bills", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Pay bills")}}},
		{"i need to pay bills", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Pay bills")}}},
		{"Remind me to call mom tomorrow at 5pm", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Call mom"), Due: ptr(ny(2026, 11, 26, 17, 0)), DueHasTime: true}}},
		{"Create a high priority task to submit the report by Friday #work", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Submit the report"), Priority: PriorityHigh, Due: ptr(ny(2026, 11, 27, 23, 59)), Tags: []string{"work"}}}},
		{"add buy milk tomorrow", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Buy milk"), Due: ptr(ny(2026, 11, 26, 23, 59))}}},
		{"add a task to buy milk tomorrow", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Buy milk"), Due: ptr(ny(2026, 11, 26, 23, 59))}}},
		{"new task: water the plants", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Water the plants")}}},
		{"create an urgent task to fix the login bug", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Fix the login bug"), Priority: PriorityUrgent}}},
		{"add review may budget with low priority #finance #home", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Review may budget"), Priority: PriorityLow, Tags: []string{"finance", "home"}}}},
		{"don't let me forget to renew my passport next Monday", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Renew my passport"), Due: ptr(ny(2026, 11, 30, 23, 59))}}},
		{"add 'Call mom tonight'", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Call mom tonight")}}},
		{"add call the dentist in 2 hours", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Call the dentist"), Due: ptr(ny(2026, 11, 25, 12, 0)), DueHasTime: true}}},
		{"add pay rent on Dec 3", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Pay rent"), Due: ptr(ny(2026, 12, 3, 23, 59))}}},
		{"add a task to book flights with description window seat please", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Book flights"), Description: ptr("window seat")}}},
		{"set a reminder to call the bank tonight", Intent{Kind: KindAdd, Fields: Fields{Title: ptr("Call the bank"), Due: ptr(ny(2026, 11, 25, 23, 0)), DueHasTime: true}}},

		// list
		{"Show me all my tasks", Intent{Kind: KindList, Filter: Filter{Status: StatusAll}}},
		{"show my tasks", Intent{Kind: KindList}},
		{"tasks", Intent{Kind: KindList}},
		{"What's pending?", Intent{Kind: KindList, Filter: Filter{Status: StatusPending}}},
		{"What have I completed?", Intent{Kind: KindList, Filter: Filter{Status: StatusCompleted}}},
		{"What's due this week?", Intent{Kind: KindList, Filter: Filter{Status: StatusPending, Window: "this week",
			DueAfter: ptr(ny(2026, 11, 25, 0, 0)), DueBefore: ptr(ny(2026, 11, 30, 0, 0))}}},
		{"Show overdue tasks", Intent{Kind: KindList, Filter: Filter{Status: StatusPending, Overdue: true, Window: "overdue"}}},
		{"List my high priority tasks", Intent{Kind: KindList, Filter: Filter{Status: StatusPending, Priority: PriorityHigh}}},
		{"what do I have to do today", Intent{Kind: KindList, Filter: Filter{Status: StatusPending, Window: "today",
			DueAfter: ptr(ny(2026, 11, 25, 0, 0)), DueBefore: ptr(ny(2026, 11, 26, 0, 0))}}},
		{"show tasks tagged #work", Intent{Kind: KindList, Filter: Filter{Tag: "work"}}},
		{"find tasks about groceries", Intent{Kind: KindList, Filter: Filter{Query: "groceries"}}},

		// complete / reopen
		{"Mark task 3 as complete", Intent{Kind: KindComplete, Ref: Ref{ID: 3}}},
		{"mark task 3 complete.", Intent{Kind: KindComplete, Ref: Ref{ID: 3}}},
		{"Done with task 5", Intent{Kind: KindComplete, Ref: Ref{ID: 5}}},
		{"I finished buying groceries", Intent{Kind: KindComplete, Ref: Ref{Title: "buying groceries"}}},
		{"Mark the first one as done", Intent{Kind: KindComplete, Ref: Ref{Ordinal: 1}}},
		{"complete the last one", Intent{Kind: KindComplete, Ref: Ref{Ordinal: -1}}},
		{"check off #2", Intent{Kind: KindComplete, Ref: Ref{ID: 2}}},
		{"task 4 is done", Intent{Kind: KindComplete, Ref: Ref{ID: 4}}},
		{"mark it as done", Intent{Kind: KindComplete, Ref: Ref{Pronoun: true}}},
		{"reopen task 3", Intent{Kind: KindReopen, Ref: Ref{ID: 3}}},
		{"mark task 3 as not done", Intent{Kind: KindReopen, Ref: Ref{ID: 3}}},

		// delete
		{"Delete the meeting task", Intent{Kind: KindDelete, Ref: Ref{Title: "meeting"}}},
		{"Remove task 2", Intent{Kind: KindDelete, Ref: Ref{ID: 2}}},
		{"please delete #7", Intent{Kind: KindDelete, Ref: Ref{ID: 7}}},
		{"get rid of the second one", Intent{Kind: KindDelete, Ref: Ref{Ordinal: 2}}},

		// update
		{"Change task 1 to 'Call mom tonight'", Intent{Kind: KindUpdate, Ref: Ref{ID: 1}, Fields: Fields{Title: ptr("Call mom tonight")}}},
		{"Rename task 3 to Urgent: submit report", Intent{Kind: KindUpdate, Ref: Ref{ID: 3}, Fields: Fields{Title: ptr("Urgent: submit report")}}},
		{"rename task 1 to call mom tonight", Intent{Kind: KindUpdate, Ref: Ref{ID: 1}, Fields: Fields{Title: ptr("Call mom tonight")}}},
		{"Move task 2 to next Monday", Intent{Kind: KindUpdate, Ref: Ref{ID: 2}, Fields: Fields{Due: ptr(ny(2026, 11, 30, 23, 59))}}},
		{"reschedule task 2 for tomorrow at 9am", Intent{Kind: KindUpdate, Ref: Ref{ID: 2}, Fields: Fields{Due: ptr(ny(2026, 11, 26, 9, 0)), DueHasTime: true}}},
		{"Set task 4 to high priority", Intent{Kind: KindUpdate, Ref: Ref{ID: 4}, Fields: Fields{Priority: PriorityHigh}}},
		{"make task 4 urgent", Intent{Kind: KindUpdate, Ref: Ref{ID: 4}, Fields: Fields{Priority: PriorityUrgent}}},
		{"set the priority of task 4 to low", Intent{Kind: KindUpdate, Ref: Ref{ID: 4}, Fields: Fields{Priority: PriorityLow}}},
		{"change task 2 to friday", Intent{Kind: KindUpdate, Ref: Ref{ID: 2}, Fields: Fields{Due: ptr(ny(2026, 11, 27, 23, 59))}}},
		{"remove the due date from task 2", Intent{Kind: KindUpdate, Ref: Ref{ID: 2}, Fields: Fields{ClearDue: true}}},
		{"tag task 3 with work and home", Intent{Kind: KindUpdate, Ref: Ref{ID: 3}, Fields: Fields{Tags: []string{"work", "home"}}}},
		{"add #errands to task 1", Intent{Kind: KindUpdate, Ref: Ref{ID: 1}, Fields: Fields{Tags: []string{"errands"}}}},
		{"set the description of task 3 to bring the blue folder", Intent{Kind: KindUpdate, Ref: Ref{ID: 3}, Fields: Fields{Description: ptr("bring the blue folder")}}},

		// the rest
		{"Undo", Intent{Kind: KindUndo}},
		{"undo that", Intent{Kind: KindUndo}},
		{"help", Intent{Kind: KindHelp}},
		{"what can you do?", Intent{Kind: KindHelp}},
		{"hi", Intent{Kind: KindGreeting}},
		{"Good morning!", Intent{Kind: KindGreeting}},
		{"thanks!", Intent{Kind: KindThanks}},
		{"", Intent{Kind: KindEmpty}},
		{"...", Intent{Kind: KindEmpty}},
		{"do the thing", Intent{Kind: KindUnknown}},
		{"buy milk tomorrow", Intent{Kind: KindUnknown, Suggestion: "Buy milk"}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got := p.Parse(tc.in, now, nyc)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseTimeZones(t *testing.T) {
	p := NewParser()
	at := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	utc := p.Parse("remind me to call mom tomorrow at 5pm", at, time.UTC)
	require.NotNil(t, utc.Fields.Due)
	assert.Equal(t, time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC), *utc.Fields.Due)
	east := p.Parse("remind me to call mom tomorrow at 5pm", at, nyc)
	require.NotNil(t, east.Fields.Due)
	assert.Equal(t, time.Date(2026, 11, 26, 22, 0, 0, 0, time.UTC), *east.Fields.Due)

	// Late evening in New York is already tomorrow in UTC: "tomorrow" follows the user's calendar.
	late := time.Date(2026, 11, 26, 3, 30, 0, 0, time.UTC) // 22:30 on the 25th in New York
	got := p.Parse("add pay rent tomorrow", late, nyc)
	require.NotNil(t, got.Fields.Due)
	assert.Equal(t, ny(2026, 11, 26, 23, 59), *got.Fields.Due)
	got = p.Parse("add pay rent tomorrow", late, nil)
	require.NotNil(t, got.Fields.Due)
	assert.Equal(t, time.Date(2026, 11, 27, 23, 59, 0, 0, time.UTC), *got.Fields.Due)
}

func TestParseDateEdges(t *testing.T) {
	p := NewParser()
	got := p.Parse("add file taxes on jan 5", now, nyc)
	require.NotNil(t, got.Fields.Due)
	assert.Equal(t, ny(2027, 1, 5, 23, 59), *got.Fields.Due, "a month-day already past means next year")

	got = p.Parse("add stand-up at 9am", now, nyc)
	require.NotNil(t, got.Fields.Due)
	assert.Equal(t, ny(2026, 11, 26, 9, 0), *got.Fields.Due, "a clock time already past today means tomorrow")

	got = p.Parse("add march in the parade", now, nyc)
	assert.Nil(t, got.Fields.Due, "a lone month name is a word")
	assert.Equal(t, "March in the parade", *got.Fields.Title)
}

func TestMatchTitles(t *testing.T) {
	cands := []Candidate{{1, "Buy groceries"}, {2, "Team meeting"}, {3, "Meeting notes"}, {4, "Pay bills"}, {5, "Call mom"}}
	cases := []struct {
		query string
		want  int   // single best id; 0 = none
		tied  []int // ids when ambiguous
	}{
		{"buying groceries", 1, nil},
		{"the groceries", 1, nil},
		{"grocerys", 1, nil},
		{"paying the bills", 4, nil},
		{"meeting", 0, []int{2, 3}},
		{"team meeting", 2, nil},
		{"call the bank", 0, nil},
		{"walk the dog", 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			best, tied, ok := Best(MatchTitles(tc.query, cands))
			if tc.want == 0 && tc.tied == nil {
				assert.False(t, ok)
				return
			}
			require.True(t, ok)
			if tc.tied != nil {
				var ids []int
				for _, s := range tied {
					ids = append(ids, s.ID)
				}
				assert.Equal(t, tc.tied, ids)
				return
			}
			assert.Empty(t, tied)
			assert.Equal(t, tc.want, best.ID)
		})
	}
}

func TestParseExtraDateRules(t *testing.T) {
	p := NewParser()
	cases := map[string]time.Time{
		"add clean the garage this weekend":   ny(2026, 11, 28, 23, 59),
		"add clean the garage next weekend":   ny(2026, 12, 5, 23, 59),
		"add send invoices by end of week":    ny(2026, 11, 27, 23, 59),
		"add pay rent end of month":           ny(2026, 11, 30, 23, 59),
		"add call grandma day after tomorrow": ny(2026, 11, 27, 23, 59),
		"add plan the offsite next week":      ny(2026, 11, 30, 23, 59),
		"add renew the lease next month":      ny(2026, 12, 1, 23, 59),
		"add send the summary by eod":         ny(2026, 11, 25, 23, 59),
		"add stand-up day after tomorrow 9am": ny(2026, 11, 27, 9, 0),
		"add call mom tomorrow at 9":          ny(2026, 11, 26, 9, 0),
		"add dinner friday at 7":              ny(2026, 11, 27, 19, 0),
		"add call at 7 am tomorrow":           ny(2026, 11, 26, 7, 0),
		"add pay rent on the 1st":             ny(2026, 12, 1, 23, 59),
		"add renew passport on 12/3":          ny(2026, 12, 3, 23, 59),
		"add file taxes by 4/15":              ny(2027, 4, 15, 23, 59),
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			got := p.Parse(in, now, nyc)
			require.Equal(t, KindAdd, got.Kind)
			require.NotNil(t, got.Fields.Due, "due parsed")
			assert.Equal(t, want, *got.Fields.Due)
			assert.NotContains(t, strings.ToLower(*got.Fields.Title), "week")
			assert.NotContains(t, strings.ToLower(*got.Fields.Title), "tomorrow")
			assert.NotRegexp(t, `\d|\bat\b|\bon\b`, *got.Fields.Title)
		})
	}
}

func BenchmarkParse(b *testing.B) {
	p := NewParser()
	inputs := []string{"Create a high priority task to submit the report by Friday #work", "What's due this week?",
		"Mark the first one as done", "Rename task 3 to Urgent: submit report", "do the thing"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Parse(inputs[i%len(inputs)], now, nyc)
		i++
	}
}

// BenchmarkParseEach parses one message per sub-benchmark: the turn load
// scenario's message first, then one of each common kind.
func BenchmarkParseEach(b *testing.B) {
	p := NewParser()
	for _, bc := range []struct{ name, text string }{
		{"add_load", "add a task to buy milk tomorrow"},
		{"add_full", "Create a high priority task to submit the report by Friday #work"},
		{"list", "What's due this week?"},
		{"complete", "Mark the first one as done"},
		{"rename", "Rename task 3 to Urgent: submit report"},
		{"unknown", "do the thing"},
		{"greeting", "hi"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Parse(bc.text, now, nyc)
			}
		})
	}
}

// FuzzNormalize checks normalize against its definition: typographic
// quotes straightened, no-break spaces made spaces, runs of \s collapsed to
// one space, trimmed.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", " ", "a  b", "a\tb", " \r\n ", "it\u2019s \u201cdone\u201d", "a\u00a0\u00a0b",
		"\u00a0x\u00a0", "a \u2003 b", "\x85a\v", "add\ttask\nto buy\r\nmilk"} {
		f.Add(s)
	}
	spaces := regexp.MustCompile(`\s+`)
	quotes := strings.NewReplacer("\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`, "\u00a0", " ")
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.TrimSpace(spaces.ReplaceAllString(quotes.Replace(s), " "))
		if got := normalize(s); got != want {
			t.Fatalf("normalize(%q) = %q, want %q", s, got, want)
		}
	})
}

// addLeadPattern is the add phrasing as one pattern, which addPhrase runs
// in two parts.
var addLeadPattern = regexp.MustCompile(`(?i)^(?:add|create|make|new|put|jot\s+down|write\s+down|note\s+down|log|record|schedule|set\s+up|set)\b\s*(?:(?:a|an|the|one|another|new|my)\s+)*((?:(?:` + prioWord + `)[\s-]+priority|urgent|important|critical)\s+)?(?:(?:new\s+)?` + taskNoun + `\b)?\s*(?:(?:with\s+)?(` + prioWord + `)[\s-]+priority\s+)?(?:to\s+(?:my\s+)?(?:list|` + taskNoun + `)\s*)?(?:to|for|called|named|titled|that\s+says|saying|about|:|-)?\s*`)

func checkAddPhrase(t *testing.T, s string) bool {
	t.Helper()
	m := addLeadPattern.FindStringSubmatch(s)
	end, prioPhrase, prioWord, ok := addPhrase(s)
	if ok != (m != nil) {
		t.Fatalf("addPhrase(%q) ok=%v, the pattern matches: %v", s, ok, m != nil)
	}
	if ok && (end != len(m[0]) || prioPhrase != m[1] || prioWord != m[2]) {
		t.Fatalf("addPhrase(%q) = %d %q %q, the pattern: %d %q %q", s, end, prioPhrase, prioWord, len(m[0]), m[1], m[2])
	}
	return ok
}

// TestAddPhraseIsTheOnePattern generates strings from the one pattern and
// compares.
func TestAddPhraseIsTheOnePattern(t *testing.T) {
	tree, err := syntax.Parse(addLeadPattern.String(), syntax.Perl)
	require.NoError(t, err)
	tree = tree.Simplify()
	rng := rand.New(rand.NewPCG(3, 5))
	matched := 0
	for range 20000 {
		var b strings.Builder
		sample(rng, tree, &b)
		b.WriteString(fillers[rng.IntN(len(fillers))])
		if checkAddPhrase(t, b.String()) {
			matched++
		}
	}
	assert.Greater(t, matched, 10000)
}

func FuzzAddPhrase(f *testing.F) {
	for _, s := range []string{"add a task to buy milk tomorrow", "create a high priority task to submit the report",
		"add task with urgent priority to call mom", "add milk to my list", "new reminder called x", "setup",
		"set up a new to-do: pay rent", "add an an urgent todo - x", "add  a\ttask", "Add A High-Priority Task"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkAddPhrase(t, s) })
}
