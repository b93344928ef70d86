package offline

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/olebedev/when/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guarded is every prefiltered regexp of the package: the parser's patterns
// (after a few parses, so that those compiled on first use exist too) and
// the date rules.
func guarded(t testing.TB) map[string]*pattern {
	t.Helper()
	p := NewParser()
	for _, s := range []string{"show my high priority tasks tagged work about rent due by friday",
		"search for milk", "what did i finish this week", "change task 2 to done", "change task 2 to pending",
		"move task 1 to never", "task 2 is due tomorrow", "add call mom due"} {
		p.Parse(s, time.Now(), time.UTC)
	}
	out := map[string]*pattern{}
	reCache.Range(func(k, v any) bool {
		out["parse "+k.(string)] = v.(*pattern)
		return true
	})
	for _, r := range p.dates.rules {
		if g, ok := r.(guardedRule); ok {
			out["date "+g.rule.RegExp.String()] = &pattern{re: g.rule.RegExp, pre: g.pre}
		}
	}
	if len(out) < 60 {
		t.Fatalf("only %d guarded patterns", len(out))
	}
	return out
}

// sample writes a random string re matches (most of the time: empty-width
// assertions are not enforced) to b.
func sample(rng *rand.Rand, re *syntax.Regexp, b *strings.Builder) {
	// Any member of the letter's case-folding orbit: k, K and the Kelvin
	// sign all match (?i)k.
	randCase := func(r rune) rune {
		for range rng.IntN(3) {
			r = unicode.SimpleFold(r)
		}
		return r
	}
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				r = randCase(r)
			}
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		// Mostly ASCII members: those are what the prefilter reasons about.
		for range 10 {
			i := rng.IntN(len(re.Rune)/2) * 2
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi-lo > 200 {
				hi = lo + 200
			}
			r := lo + rng.Int32N(hi-lo+1)
			if r < 128 || rng.IntN(8) == 0 {
				b.WriteRune(r)
				return
			}
		}
		b.WriteRune(re.Rune[0])
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte("abcxyz 019#-,."[rng.IntN(14)])
	case syntax.OpCapture:
		sample(rng, re.Sub[0], b)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			sample(rng, s, b)
		}
	case syntax.OpAlternate:
		sample(rng, re.Sub[rng.IntN(len(re.Sub))], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + 2
			}
		}
		for range lo + rng.IntN(hi-lo+1) {
			sample(rng, re.Sub[0], b)
		}
	}
}

var fillers = []string{"", " ", "  ", "\t", "buy milk ", " tomorrow", "please ", " #work", ", ", "task 3 ", " by friday",
	"Ünïcode ", "K", " at 5pm", "?"}

// TestPrefilterNeverRejectsAMatch generates strings from every guarded
// pattern (random branches, repeats, letter case and context around them)
// and checks that the prefilter lets through every string the pattern
// matches.
func TestPrefilterNeverRejectsAMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for name, p := range guarded(t) {
		tree, err := syntax.Parse(p.re.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		tree = tree.Simplify()
		matched := 0
		for range 3000 {
			// Anchored patterns need the string alone: context on one side
			// at most, a third of the time.
			var b strings.Builder
			switch rng.IntN(6) {
			case 0:
				b.WriteString(fillers[rng.IntN(len(fillers))])
				sample(rng, tree, &b)
			case 1:
				sample(rng, tree, &b)
				b.WriteString(fillers[rng.IntN(len(fillers))])
			default:
				sample(rng, tree, &b)
			}
			s := b.String()
			if !p.re.MatchString(s) {
				continue
			}
			matched++
			if !p.pre.mayMatch(s) {
				t.Errorf("%s: prefilter rejects %q, which matches", name, s)
				break
			}
		}
		if matched < 100 {
			t.Errorf("%s: only %d of the generated strings match; the check says little", name, matched)
		}
	}
}

// TestPrefilterRejects: the prefilters do rule out the common case, or
// they would only cost time.
func TestPrefilterRejects(t *testing.T) {
	all := guarded(t)
	for _, s := range []string{"add a task to buy milk tomorrow", "buy milk tomorrow"} {
		rejected := 0
		for _, p := range all {
			if !p.pre.mayMatch(s) {
				rejected++
			}
		}
		if rejected < len(all)*2/3 {
			t.Errorf("%q: only %d of %d patterns ruled out", s, rejected, len(all))
		}
	}
	date := guardedRule{rule: &rules.F{RegExp: regexp.MustCompile(`(?i)(?:\W|^)(tomorrow|today)(?:\W|$)`)}}
	date.pre = newPrefilter(date.rule.RegExp)
	if date.Find("buy milk friday") != nil || date.Find("buy milk tomorrow") == nil {
		t.Error("guarded date rule: wrong answer")
	}
}

// FuzzPrefilter checks every guarded pattern on arbitrary text: a text the
// prefilter rules out is never matched.
func FuzzPrefilter(f *testing.F) {
	for _, s := range []string{"add a task to buy milk tomorrow", "Rename task 3 to Urgent: submit report",
		"mark\tTASK 2 as DONE", "ſet task 1 to high priority", "remind me to call mom at 9", "#work !high",
		"what's due this week?", "I paid the bills", "undo", "thanks!"} {
		f.Add(s)
	}
	all := guarded(f)
	f.Fuzz(func(t *testing.T, s string) {
		for name, p := range all {
			if !p.pre.mayMatch(s) && p.re.MatchString(s) {
				t.Errorf("%s: prefilter rejects %q, which matches", name, s)
			}
		}
	})
}

// TestPatternIsItsRegexp: every method of a pattern answers as the same
// method of its regexp, on strings generated from each pattern with words
// before and after (the end-of-text cut needs words before to apply).
func TestPatternIsItsRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	words := []string{"", "buy milk ", "What's due this week", "ünï ", "a\tb ", "#x ", "by ", "thanks ", "(!high) ",
		"Task 3 ", "K"}
	cut, tails := 0, 0
	for name, p := range guarded(t) {
		tree, err := syntax.Parse(p.re.String(), syntax.Perl)
		require.NoError(t, err)
		tree = tree.Simplify()
		if p.tail {
			tails++
		}
		for range 800 {
			var b strings.Builder
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteString(words[rng.IntN(len(words))])
			sample(rng, tree, &b)
			if rng.IntN(4) == 0 {
				b.WriteString(fillers[rng.IntN(len(fillers))])
			}
			s := b.String()
			if p.cut(s) > 0 {
				cut++
			}
			require.Equal(t, p.re.MatchString(s), p.MatchString(s), "%s: MatchString(%q)", name, s)
			require.Equal(t, p.re.FindStringSubmatch(s), p.FindStringSubmatch(s), "%s: FindStringSubmatch(%q)", name, s)
			require.Equal(t, p.re.FindStringSubmatchIndex(s), p.FindStringSubmatchIndex(s), "%s: FindStringSubmatchIndex(%q)", name, s)
			require.Equal(t, p.re.FindAllStringSubmatch(s, -1), p.FindAllStringSubmatch(s, -1), "%s: FindAllStringSubmatch(%q)", name, s)
			require.Equal(t, p.re.ReplaceAllString(s, "<$1>"), p.ReplaceAllString(s, "<$1>"), "%s: ReplaceAllString(%q)", name, s)
		}
	}
	assert.GreaterOrEqual(t, tails, 5, "patterns with the end-of-text cut")
	assert.Greater(t, cut, 2000, "strings the cut applied to")
}
