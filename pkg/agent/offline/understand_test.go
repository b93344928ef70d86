package offline

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDamerauLevenshtein(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"add", "add", 2, 0},
		{"addd", "add", 2, 1},
		{"mrak", "mark", 2, 1}, // a swap of neighbours is one edit
		{"compelte", "complete", 2, 1},
		{"thrusday", "thursday", 2, 1},
		{"thursday", "tuesday", 2, 2},
		{"wednsday", "wednesday", 2, 1},
		{"delete", "remove", 2, 3}, // over the limit: limit+1
		{"a", "abcdef", 2, 3},
	} {
		assert.Equal(t, tc.want, damerauLevenshtein(tc.a, tc.b, tc.limit), "%s/%s", tc.a, tc.b)
	}
}

func TestFixDateWords(t *testing.T) {
	for in, want := range map[string]string{
		"call mom tmrw":                 "call mom tomorrow",
		"pay rent tommorrow at 5":       "pay rent tomorrow at 5",
		"dentist nxt wk":                "dentist next week",
		"gym on mon":                    "gym on monday",
		"book club thurs":               "book club thursday",
		"meeting on thrusday":           "meeting on thursday",
		"meeting on thursday":           "meeting on thursday", // a correct word stays (not "tuesday")
		"dinner on saturdy":             "dinner on saturday",
		"monitor stand":                 "monitor stand",
		"sun cream for the trip":        "sun cream for the trip", // an abbreviation mid-title is a word
		"buy a sundae":                  "buy a sundae",
		"read 'tmrw never comes' today": "read 'tmrw never comes' today", // quotes are kept as typed
		"yoga on mondays":               "yoga on mondays",               // recurrence words are left to the hook
	} {
		assert.Equal(t, want, fixDateWords(in), in)
	}
}

func TestFixCommandWord(t *testing.T) {
	for in, want := range map[string]string{
		"addd milk":         "add milk",
		"ad milk":           "add milk",
		"delte task 2":      "delete task 2",
		"compelte task 3":   "complete task 3",
		"shw my tasks":      "show my tasks",
		"remnd me to call":  "remind me to call",
		"snow day tomorrow": "", // a word in its own right
		"and then":          "",
		"remote work":       "",
		"buy milk":          "",
	} {
		got, ok := fixCommandWord(in)
		if want == "" {
			assert.False(t, ok, "%q left alone, got %q", in, got)
			continue
		}
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
}

func TestTakePriority(t *testing.T) {
	for _, tc := range []struct{ in, rest, prio string }{
		{"call the landlord urgent", "call the landlord", PriorityUrgent},
		{"urgent: fix the tap", "fix the tap", PriorityUrgent},
		{"submit expenses asap", "submit expenses", PriorityUrgent},
		{"water plants (low priority)", "water plants", PriorityLow},
		{"clean the attic, not important", "clean the attic", PriorityLow},
		{"book the venue p1", "book the venue", PriorityUrgent},
		{"p2 prepare slides", "prepare slides", PriorityHigh},
		{"P3: tidy up", "tidy up", PriorityMedium},
		{"sort photos p4", "sort photos", PriorityLow},
		{"call grandma, it's important", "call grandma", PriorityHigh},
		{"email the landlord (urgent!)", "email the landlord", PriorityUrgent},
		{"!!! server is down", "server is down", PriorityUrgent},
		{"update the CV - not urgent", "update the CV", PriorityLow},
		{"water plants, no rush", "water plants", PriorityLow},
		{"read important emails", "read important emails", ""}, // a word of the title
		{"critical thinking essay", "critical thinking essay", ""},
	} {
		rest, prio := takePriority(tc.in)
		assert.Equal(t, tc.rest, rest, tc.in)
		assert.Equal(t, tc.prio, prio, tc.in)
	}
	assert.Equal(t, PriorityHigh, bangPriority("renew license !!"))
	assert.Equal(t, PriorityUrgent, bangPriority("renew license!!!"))
	assert.Equal(t, "", bangPriority("renew license!"))
}

func TestParseTerse(t *testing.T) {
	for in, want := range map[string]Intent{
		"#4 ✓":       {Kind: KindComplete, Ref: Ref{ID: 4}},
		"4 finished": {Kind: KindComplete, Ref: Ref{ID: 4}},
		"done: 4":    {Kind: KindComplete, Ref: Ref{ID: 4}},
		"x 4":        {Kind: KindComplete, Ref: Ref{ID: 4}},
		"✅ 3, 4":     {Kind: KindComplete, Ref: Ref{IDs: []int{3, 4}}},
		"#2 #3 done": {Kind: KindComplete, Ref: Ref{IDs: []int{2, 3}}},
		"del 3":      {Kind: KindDelete, Ref: Ref{ID: 3}},
		"rm #2":      {Kind: KindDelete, Ref: Ref{ID: 2}},
		"#5 reopen":  {Kind: KindReopen, Ref: Ref{ID: 5}},
	} {
		got, ok := parseTerse(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"x marks the spot", "4 eggs", "done", "task 4"} {
		_, ok := parseTerse(in)
		assert.False(t, ok, in)
	}
}

func TestParseEveryday(t *testing.T) {
	p := NewParser()
	for _, tc := range []struct {
		in   string
		want Kind
		ref  Ref
	}{
		{"Hi! could you put 'renew the car insurance' on my list? thanks", KindAdd, Ref{}},
		{"oops", KindUndo, Ref{}},
		{"no wait, put it back", KindUndo, Ref{}},
		{"that was a mistake, undo it", KindUndo, Ref{}},
		{"I no longer need to pay bills", KindDelete, Ref{Title: "pay bills"}},
		{"scratch the groceries", KindDelete, Ref{Title: "groceries"}},
		{"take the meeting notes off my list", KindDelete, Ref{Title: "meeting notes"}},
		{"complete the last three", KindComplete, Ref{Ordinals: []int{-3, -2, -1}}},
		{"mark both as done", KindComplete, Ref{Both: true}},
		{"complete tasks 1, 3 and 4", KindComplete, Ref{IDs: []int{1, 3, 4}}},
		{"delete the first and third", KindDelete, Ref{Ordinals: []int{1, 3}}},
		{"complete all of them", KindComplete, Ref{All: true}},
		{"delete everything", KindDelete, Ref{All: true, Filter: &Filter{}}},
		{"what's the weather like tomorrow?", KindOffTopic, Ref{}},
		{"what is 15 * 7?", KindOffTopic, Ref{}},
		{"añadir comprar leche mañana", KindForeign, Ref{}},
		{"добавь задачу купить молоко", KindForeign, Ref{}},
		{"what's due tomorrow?", KindList, Ref{}},
	} {
		got := p.Parse(tc.in, now, nyc)
		assert.Equal(t, tc.want, got.Kind, tc.in)
		if !tc.ref.Empty() || tc.ref.Filter != nil {
			assert.Equal(t, tc.ref, got.Ref, tc.in)
		}
	}

	got := p.Parse("add apples, pears and a melon tomorrow", now, nyc)
	if assert.Len(t, got.Items, 3) {
		for i, title := range []string{"Apples", "Pears", "Melon"} {
			assert.Equal(t, title, *got.Items[i].Title)
			assert.Equal(t, ny(2026, 11, 26, 23, 59), *got.Items[i].Due, "the date after the last item is every item's")
		}
	}
	got = p.Parse("add salt and pepper", now, nyc)
	assert.Empty(t, got.Items)
	assert.Equal(t, "Salt and pepper", *got.Fields.Title)

	got = p.Parse("complete everything due today", now, nyc)
	if assert.NotNil(t, got.Ref.Filter) {
		assert.Equal(t, "today", got.Ref.Filter.Window)
	}
	got = p.Parse("delete whatever is finished", now, nyc)
	assert.Equal(t, KindDelete, got.Kind)
	if assert.NotNil(t, got.Ref.Filter) {
		assert.Equal(t, StatusCompleted, got.Ref.Filter.Status)
	}
}

func TestForeignLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"ajoute acheter du pain demain":     "French",
		"füge Milch kaufen hinzu":           "German",
		"aggiungi comprare il latte domani": "Italian",
		"mostrar mis tareas":                "Spanish",
	} {
		got, ok := foreignLanguage(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"add café with Zoë", "add buy tortillas and salsa for taco night", "add pan for the kitchen",
		"remind me to call José", "add la la land tickets"} {
		_, ok := foreignLanguage(in)
		assert.False(t, ok, in)
	}
}
