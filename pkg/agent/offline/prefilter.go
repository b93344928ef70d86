package offline

import (
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A prefilter rejects, without running a regexp, texts the regexp cannot
// match: most of the parser's patterns are tried on every message and match
// almost none of them, and Go's regexp engines pay per position and per
// alternative even to fail.
//
// It is derived from the pattern's syntax tree, never written by hand, and
// only ever says "cannot match" when that follows from the tree:
//
//   - prefixes: a pattern anchored at the start (^ or \A on every path) whose
//     first elements match a small finite set of strings ("rename",
//     "retitle", "re-title") needs the text to start with one of them;
//   - clauses: each clause is a set of strings of which the text must
//     contain at least one (the words of an alternation, a literal); every
//     clause must hold.
//
// Comparisons ignore ASCII case and tell no whitespace apart. They apply to ASCII texts only: under (?i)
// Go folds k to the Kelvin sign and s to the long s, which a byte-wise check
// would miss, so a text with any non-ASCII byte always goes to the regexp.
type prefilter struct {
	prefixes *wordSet  // nil: no prefix check
	clauses  []wordSet // each one non-empty
}

// wordSet is a set of folded strings (see fold), indexed by first byte.
type wordSet struct {
	bucket  [utf8.RuneSelf]uint8 // 1 + index in buckets of the words starting with a byte; 0: none
	buckets [][]string
}

func newWordSet(words []string) *wordSet {
	var w wordSet
	for _, s := range words {
		if w.bucket[s[0]] == 0 {
			w.buckets = append(w.buckets, nil)
			n := len(w.buckets)
			if n > math.MaxUint8 { // cannot happen: words start with ASCII bytes, fewer than 128
				panic("offline: too many first bytes in a word set")
			}
			w.bucket[s[0]] = uint8(n)
		}
		i := w.bucket[s[0]] - 1
		w.buckets[i] = append(w.buckets[i], s)
	}
	return &w
}

// starting returns the words starting with the folded byte b.
func (w *wordSet) starting(b byte) []string {
	if i := w.bucket[b]; i > 0 {
		return w.buckets[i-1]
	}
	return nil
}

// prefixOf reports whether s starts with one of the words (s is ASCII).
func (w *wordSet) prefixOf(s string) bool {
	if s == "" {
		return false
	}
	for _, word := range w.starting(foldTable[s[0]]) {
		if hasPrefixFold(s, word) {
			return true
		}
	}
	return false
}

// in reports whether s contains one of the words (s is ASCII).
func (w *wordSet) in(s string) bool {
	for i := 0; i < len(s); i++ {
		for _, word := range w.starting(foldTable[s[i]]) {
			if hasPrefixFold(s[i:], word) {
				return true
			}
		}
	}
	return false
}

// Limits that keep the derived sets small (and the checks cheap).
const (
	maxExact    = 64 // strings in one finite set
	maxExactLen = 24 // bytes in one of them
	maxClass    = 16 // ASCII characters in a character class taken as a set
)

// newPrefilter derives the prefilter of a compiled regexp. A pattern it
// cannot read gets an empty prefilter, which accepts every text.
func newPrefilter(r *regexp.Regexp) prefilter {
	tree, err := syntax.Parse(r.String(), syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	tree = tree.Simplify()
	var prefixes []string
	if pre, ok := anchoredPrefixes(tree); ok {
		prefixes = minimalPrefixes(pre)
	}
	var all [][]string
	for _, c := range clausesOf(tree) {
		c = minimalClause(c)
		if len(c) > 0 && !slices.Contains(c, "") &&
			!slices.ContainsFunc(all, func(d []string) bool { return slices.Equal(c, d) }) {
			all = append(all, c)
		}
	}
	// A clause implied by another one adds nothing (of two equivalent
	// ones, the first stays).
	var clauses [][]string
	for i, c := range all {
		redundant := false
		for j, d := range all {
			if j != i && implies(d, c) && (j < i || !implies(c, d)) {
				redundant = true
				break
			}
		}
		if !redundant {
			clauses = append(clauses, c)
		}
	}
	// A clause the prefix check already implies adds nothing either.
	if prefixes != nil {
		clauses = slices.DeleteFunc(clauses, func(c []string) bool { return implies(prefixes, c) })
	}
	// Most selective first: the check stops at the first clause that fails.
	slices.SortStableFunc(clauses, func(a, b []string) int { return score(b) - score(a) })
	if len(clauses) > maxClauses {
		clauses = clauses[:maxClauses]
	}
	var p prefilter
	if prefixes != nil {
		p.prefixes = newWordSet(prefixes)
	}
	for _, c := range clauses {
		p.clauses = append(p.clauses, *newWordSet(c))
	}
	return p
}

// mayMatch reports whether the regexp could match s: false only when it
// certainly cannot.
func (p *prefilter) mayMatch(s string) bool {
	if p.prefixes == nil && len(p.clauses) == 0 {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	if p.prefixes != nil && !p.prefixes.prefixOf(s) {
		return false
	}
	for i := range p.clauses {
		if !p.clauses[i].in(s) {
			return false
		}
	}
	return true
}

// fold maps a byte to its class for the comparisons: ASCII letters to
// lower case, the whitespace of \s (tab, newline, form feed, carriage
// return) to a space. Texts and needles are compared folded, so a needle
// "set " stands for "set\t" too.
func fold(b byte) byte {
	switch {
	case 'A' <= b && b <= 'Z':
		return b + 'a' - 'A'
	case b == '\t' || b == '\n' || b == '\f' || b == '\r':
		return ' '
	}
	return b
}

// foldTable is fold of every ASCII byte.
var foldTable = func() (t [utf8.RuneSelf]byte) {
	for i := range t {
		t[i] = fold(byte(i))
	}
	return t
}()

// hasPrefixFold reports whether the ASCII s starts with the folded pre.
func hasPrefixFold(s, pre string) bool {
	if len(s) < len(pre) {
		return false
	}
	for i := 0; i < len(pre); i++ {
		if foldTable[s[i]] != pre[i] {
			return false
		}
	}
	return true
}

// exact returns the finite set of strings re matches, folded, when
// it is small; ok is false otherwise. Strings that can only match non-ASCII
// text are left out (the prefilter never judges such texts).
func exact(re *syntax.Regexp) (set []string, ok bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				return nil, false
			}
			b.WriteByte(foldTable[r]) // r < utf8.RuneSelf
		}
		if b.Len() > maxExactLen {
			return nil, false
		}
		return []string{b.String()}, true
	case syntax.OpCharClass:
		var chars []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], min(re.Rune[i+1], utf8.RuneSelf-1)
			for r := lo; r <= hi; r++ {
				c := string(rune(foldTable[r])) // r < utf8.RuneSelf
				if !slices.Contains(chars, c) {
					chars = append(chars, c)
				}
				if len(chars) > maxClass {
					return nil, false
				}
			}
		}
		if len(chars) == 0 {
			return nil, false
		}
		return chars, true
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpQuest:
		set, ok := exact(re.Sub[0])
		if !ok {
			return nil, false
		}
		return union(set, []string{""})
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			set, ok := exact(sub)
			if !ok {
				return nil, false
			}
			if all, ok = union(all, set); !ok {
				return nil, false
			}
		}
		return all, true
	case syntax.OpConcat:
		all := []string{""}
		for _, sub := range re.Sub {
			set, ok := exact(sub)
			if !ok {
				return nil, false
			}
			if all, ok = product(all, set); !ok {
				return nil, false
			}
		}
		return all, true
	}
	return nil, false
}

func union(a, b []string) ([]string, bool) {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, len(out) <= maxExact
}

func product(a, b []string) ([]string, bool) {
	if len(a)*len(b) > maxExact {
		return nil, false
	}
	var out []string
	for _, x := range a {
		for _, y := range b {
			s := x + y
			if len(s) > maxExactLen {
				return nil, false
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out, true
}

// anchoredPrefixes returns the strings every match starts with when re is
// anchored at the start of the text; ok is false when it is not, or when
// no useful prefix is known.
func anchoredPrefixes(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpCapture:
		return anchoredPrefixes(re.Sub[0])
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			set, ok := anchoredPrefixes(sub)
			if !ok {
				return nil, false
			}
			all = append(all, set...)
		}
		return all, true
	case syntax.OpConcat:
		switch {
		case len(re.Sub) == 0:
			return nil, false
		case re.Sub[0].Op == syntax.OpBeginText:
			set, _, ok := prefixSet(&syntax.Regexp{Op: syntax.OpConcat, Sub: re.Sub[1:]})
			return set, ok && !slices.Contains(set, "")
		case re.Sub[0].Op == syntax.OpAlternate || re.Sub[0].Op == syntax.OpCapture:
			// ^a|^b factored as (?:^a|^b)c: the prefixes of the
			// alternation, as long as every branch is anchored.
			return anchoredPrefixes(re.Sub[0])
		}
	}
	return nil, false
}

// prefixSet returns strings one of which starts every match of re (whole
// reports that each is a whole match); ok is false when none is known. An
// empty string in the set stands for matches nothing is known of.
func prefixSet(re *syntax.Regexp) (set []string, whole, ok bool) {
	if set, ok := exact(re); ok {
		return set, true, true
	}
	switch re.Op {
	case syntax.OpCapture:
		return prefixSet(re.Sub[0])
	case syntax.OpPlus:
		set, _, ok := prefixSet(re.Sub[0])
		return set, false, ok
	case syntax.OpRepeat:
		if re.Min >= 1 {
			set, _, ok := prefixSet(re.Sub[0])
			return set, false, ok
		}
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			set, _, ok := prefixSet(sub)
			if !ok {
				return nil, false, false
			}
			if all, ok = union(all, set); !ok {
				return nil, false, false
			}
		}
		return all, false, true
	case syntax.OpConcat:
		// The leading elements with finite sets, then the prefixes of the
		// first one without.
		all := []string{""}
		for i, sub := range re.Sub {
			set, whole, ok := prefixSet(sub)
			if !ok && nullable(sub) {
				// x? or x* then the rest: a match starts with x's
				// prefixes, or without x with the rest's.
				inner, _, ok1 := prefixSet(sub.Sub[0])
				rest, _, ok2 := prefixSet(&syntax.Regexp{Op: syntax.OpConcat, Sub: re.Sub[i+1:]})
				if ok1 && ok2 {
					set, ok = union(inner, rest)
				}
				whole = false
			}
			if !ok {
				break
			}
			next, ok := product(all, set)
			if !ok {
				break
			}
			all = next
			if !whole {
				break
			}
		}
		return all, false, true
	}
	return nil, false, false
}

// nullable reports whether re is x?, x* or x{0,n}.
func nullable(re *syntax.Regexp) bool {
	return re.Op == syntax.OpQuest || re.Op == syntax.OpStar || re.Op == syntax.OpRepeat && re.Min == 0
}

// maxClauses is how many clauses a prefilter keeps (the most selective).
const maxClauses = 3

// clausesOf returns clauses every match satisfies (see prefilter).
func clausesOf(re *syntax.Regexp) [][]string {
	if set, ok := exact(re); ok {
		if slices.Contains(set, "") {
			return nil
		}
		return [][]string{set}
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return clausesOf(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return clausesOf(re.Sub[0])
		}
	case syntax.OpConcat:
		var out [][]string
		for i, sub := range re.Sub {
			out = append(out, clausesOf(sub)...)
			// A run of elements starting here: "t" then "hanks|hx|y" is "thanks|thx|ty".
			if set, _, ok := prefixSet(&syntax.Regexp{Op: syntax.OpConcat, Sub: re.Sub[i:]}); ok && !slices.Contains(set, "") {
				out = append(out, set)
			}
		}
		return out
	case syntax.OpAlternate:
		// One of the branches matched: the union of one clause per branch.
		var all []string
		for _, sub := range re.Sub {
			cs := clausesOf(sub)
			if len(cs) == 0 {
				return nil
			}
			best := slices.MaxFunc(cs, func(a, b []string) int { return score(a) - score(b) })
			all, _ = union(all, best)
		}
		return [][]string{all}
	}
	return nil
}

// score ranks clauses: longer shortest string first, then fewer strings.
func score(c []string) int {
	shortest := maxExactLen
	for _, s := range c {
		shortest = min(shortest, len(s))
	}
	return shortest*1000 - len(c)
}

// implies reports whether a text satisfying clause a satisfies clause b:
// every string of a contains one of b.
func implies(a, b []string) bool {
	for _, s := range a {
		if !slices.ContainsFunc(b, func(t string) bool { return strings.Contains(s, t) }) {
			return false
		}
	}
	return true
}

// minimalClause drops strings containing another string of the clause
// (finding the shorter one is enough).
func minimalClause(c []string) []string {
	var out []string
	for _, s := range c {
		if !slices.ContainsFunc(c, func(t string) bool { return t != s && strings.Contains(s, t) }) {
			out = append(out, s)
		}
	}
	return out
}

// minimalPrefixes drops prefixes starting with another prefix of the set.
func minimalPrefixes(ps []string) []string {
	var out []string
	for _, s := range ps {
		if !slices.ContainsFunc(ps, func(t string) bool { return t != s && strings.HasPrefix(s, t) }) &&
			!slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// pattern is a compiled regexp with its prefilter. It has the methods of
// regexp.Regexp the parser uses, each answering "no match" at once when
// the prefilter rules the text out.
//
// A pattern anchored at the end ($ on every path) whose matches consume only
// some characters is also run on the end of the text only: the longest
// ASCII suffix of those characters, and one character before it. A match
// cannot start earlier (it would have to consume that character to reach
// the end), and from each later position the engine reads the same text and
// the same preceding character (for \b), so the matches are the same. Go's
// engines otherwise try every start position of an unanchored pattern,
// the suffix phrasing ("… thanks!", "… by") at every word of the message.
type pattern struct {
	re  *regexp.Regexp
	pre prefilter
	// tail is set when the end-of-text cut applies; tailChars are the
	// ASCII characters a match can consume.
	tail      bool
	tailChars [utf8.RuneSelf]bool
}

func newPattern(r *regexp.Regexp) *pattern {
	p := &pattern{re: r, pre: newPrefilter(r)}
	if tree, err := syntax.Parse(r.String(), syntax.Perl); err == nil {
		tree = tree.Simplify()
		p.tail = endAnchored(tree) && consumable(tree, &p.tailChars)
	}
	return p
}

// endAnchored reports whether every match of re ends at the end of the text.
func endAnchored(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEndText:
		return true
	case syntax.OpCapture:
		return endAnchored(re.Sub[0])
	case syntax.OpConcat:
		return len(re.Sub) > 0 && endAnchored(re.Sub[len(re.Sub)-1])
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if !endAnchored(sub) {
				return false
			}
		}
		return true
	}
	return false
}

// consumable marks in chars the ASCII characters a match of re can
// consume; false when it can consume any character.
func consumable(re *syntax.Regexp, chars *[utf8.RuneSelf]bool) bool {
	switch re.Op {
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return false
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			for f := r; ; {
				if f < utf8.RuneSelf {
					chars[f] = true
				}
				if re.Flags&syntax.FoldCase == 0 {
					break
				}
				if f = unicode.SimpleFold(f); f == r {
					break
				}
			}
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= min(re.Rune[i+1], utf8.RuneSelf-1); r++ {
				chars[r] = true
			}
		}
	}
	for _, sub := range re.Sub {
		if !consumable(sub, chars) {
			return false
		}
	}
	return true
}

// cut returns where in s the part every match lies in starts (with the one
// character of context before the matches): 0 when the cut does not apply.
func (p *pattern) cut(s string) int {
	if !p.tail {
		return 0
	}
	k := len(s)
	for k > 0 && s[k-1] < utf8.RuneSelf && p.tailChars[s[k-1]] {
		k--
	}
	if k <= 1 || s[k-1] >= utf8.RuneSelf {
		return 0
	}
	return k - 1
}

// scanHook, when set (by tests only, never concurrently with parsing),
// is told how many bytes each pattern is given: the parser's regexp work,
// counted to show it grows linearly with the message (TestParseWorkLinear).
var scanHook func(n int)

func scanned(n int) {
	if scanHook != nil {
		scanHook(n)
	}
}

func (p *pattern) MatchString(s string) bool {
	scanned(len(s))
	return p.pre.mayMatch(s) && p.re.MatchString(s[p.cut(s):])
}

func (p *pattern) FindStringSubmatch(s string) []string {
	scanned(len(s))
	if !p.pre.mayMatch(s) {
		return nil
	}
	return p.re.FindStringSubmatch(s[p.cut(s):])
}

func (p *pattern) FindStringSubmatchIndex(s string) []int {
	scanned(len(s))
	if !p.pre.mayMatch(s) {
		return nil
	}
	o := p.cut(s)
	m := p.re.FindStringSubmatchIndex(s[o:])
	if o > 0 {
		for i, x := range m {
			if x >= 0 {
				m[i] = x + o
			}
		}
	}
	return m
}

func (p *pattern) FindAllStringSubmatch(s string, n int) [][]string {
	scanned(len(s))
	if !p.pre.mayMatch(s) {
		return nil
	}
	return p.re.FindAllStringSubmatch(s[p.cut(s):], n)
}

func (p *pattern) ReplaceAllString(s, repl string) string {
	scanned(len(s))
	if !p.pre.mayMatch(s) {
		return s
	}
	o := p.cut(s)
	r := p.re.ReplaceAllString(s[o:], repl)
	if o == 0 || r == s[o:] {
		if o == 0 {
			return r
		}
		return s
	}
	return s[:o] + r
}

func (p *pattern) FindAllStringIndex(s string, n int) [][]int {
	scanned(len(s))
	if !p.pre.mayMatch(s) {
		return nil
	}
	return p.re.FindAllStringIndex(s, n)
}

func (p *pattern) Split(s string, n int) []string {
	scanned(len(s))
	if !p.pre.mayMatch(s) {
		return []string{s}
	}
	return p.re.Split(s, n)
}
