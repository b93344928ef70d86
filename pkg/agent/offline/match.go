package offline

import (
	"sort"
	"strings"
	"unicode"
)

// MatchThreshold is the share of the user's significant words that must be
// found in a title for the title to be a candidate ("buying groceries" →
// "Buy groceries" is 1.0; "meeting" → "Team meeting notes" is 1.0; "call the
// bank" → "Call mom" is 0.5, below the threshold).
const MatchThreshold = 0.6

// Candidate is a task a reference may point at.
type Candidate struct {
	ID    int
	Title string
}

// Scored is a candidate with its match score.
type Scored struct {
	Candidate
	// Score is the share of the query's words found in the title (0..1).
	Score float64
	// Cover is the share of the title's words found in the query (0..1);
	// it breaks ties in favour of the closer title.
	Cover float64
}

// stopwords carry no meaning for title matching.
var stopwords = map[string]bool{
	"a": true, "an": true, "the": true, "my": true, "to": true, "for": true, "of": true, "on": true,
	"in": true, "at": true, "and": true, "with": true, "is": true, "it": true, "this": true, "that": true,
	"task": true, "tasks": true, "todo": true, "item": true, "one": true, "some": true, "up": true,
	"i": true, "me": true, "from": true, "about": true, "by": true, "our": true, "your": true,
}

// MatchTitles ranks candidates whose titles match the query, best first.
// Words are compared after light stemming ("buying" ≈ "buy", "groceries" ≈
// "grocery") and allow one typo in words of five letters or more.
func MatchTitles(query string, cands []Candidate) []Scored {
	q := significantWords(query)
	if len(q) == 0 {
		return nil
	}
	normQuery := strings.Join(q, " ")
	var out []Scored
	for _, c := range cands {
		t := significantWords(c.Title)
		if len(t) == 0 {
			continue
		}
		hitQ := 0
		for _, w := range q {
			if containsWord(t, w) {
				hitQ++
			}
		}
		hitT := 0
		for _, w := range t {
			if containsWord(q, w) {
				hitT++
			}
		}
		s := Scored{Candidate: c, Score: float64(hitQ) / float64(len(q)), Cover: float64(hitT) / float64(len(t))}
		if strings.Join(t, " ") == normQuery {
			s.Score, s.Cover = 1, 1
		}
		if s.Score >= MatchThreshold {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		if out[i].Cover != out[j].Cover {
			return out[i].Cover > out[j].Cover
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Best picks the single best match, or reports the tied candidates when the
// query does not tell them apart (same score and cover, or several exact
// titles). ok is false when nothing matched.
func Best(ranked []Scored) (best Scored, tied []Scored, ok bool) {
	if len(ranked) == 0 {
		return Scored{}, nil, false
	}
	top := ranked[0]
	tied = []Scored{top}
	for _, s := range ranked[1:] {
		if s.Score == top.Score && s.Cover == top.Cover {
			tied = append(tied, s)
		}
	}
	if len(tied) > 1 {
		return Scored{}, tied, true
	}
	// A title that covers the query entirely beats partial ones only when it is
	// clearly closer; two full matches of the query ("meeting" → "Team meeting",
	// "Meeting notes") are ambiguous.
	if len(ranked) > 1 && ranked[1].Score == top.Score && top.Cover < 1 {
		return Scored{}, ranked[:2:2], true
	}
	return top, nil, true
}

func significantWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		w = strings.Trim(w, "'")
		w = strings.TrimSuffix(w, "'s")
		if w == "" || stopwords[w] {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

func containsWord(words []string, w string) bool {
	for _, x := range words {
		if x == w || (len(w) >= 5 && len(x) >= 5 && editDistanceAtMostOne(x, w)) {
			return true
		}
	}
	return false
}

// stem removes common English inflections so that "buying", "buys" and
// "buy", or "groceries" and "grocery", compare equal. It is deliberately
// small: titles are short and both sides are stemmed the same way.
func stem(w string) string {
	if base, ok := irregular[w]; ok {
		w = base
	}
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		w = undouble(w[:len(w)-3])
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		w = undouble(w[:len(w)-2])
	case strings.HasSuffix(w, "es") && len(w) > 4 && strings.ContainsAny(w[len(w)-3:len(w)-2], "sxz"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		w = w[:len(w)-1]
	}
	if len(w) > 3 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w
}

// irregular maps irregular past forms to their base ("I paid the bills" →
// "Pay bills").
var irregular = map[string]string{
	"paid": "pay", "bought": "buy", "sent": "send", "made": "make", "wrote": "write", "written": "write",
	"took": "take", "taken": "take", "went": "go", "gone": "go", "met": "meet", "did": "do", "done": "do",
	"ran": "run", "got": "get", "fed": "feed", "built": "build", "read": "read", "brought": "bring",
	"called": "call", "kept": "keep", "left": "leave", "found": "find", "sold": "sell", "told": "tell",
	"spoke": "speak", "drove": "drive", "ate": "eat", "gave": "give", "swept": "sweep", "hung": "hang",
}

func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiouls", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func editDistanceAtMostOne(a, b string) bool {
	if a == b {
		return true
	}
	la, lb := len(a), len(b)
	if la-lb > 1 || lb-la > 1 {
		return false
	}
	i, j, edits := 0, 0, 0
	for i < la && j < lb {
		if a[i] == b[j] {
			i++
			j++
			continue
		}
		edits++
		if edits > 1 {
			return false
		}
		switch {
		case la > lb:
			i++
		case lb > la:
			j++
		default:
			i++
			j++
		}
	}
	return edits+(la-i)+(lb-j) <= 1
}
