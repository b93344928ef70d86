package offline

import "strings"

// The parser's work per message is bounded and linear in its length:
//
//   - Parse reads at most MaxParseBytes of a message (normalized); a longer
//     message is KindTooLong and answered without reading it. No request the
//     task tools accept needs more (a title has up to 200 characters, a
//     description up to 4000).
//   - Every regexp is run a bounded number of times per message, each run
//     linear in the text it reads (Go's engines are; the backtracker clears
//     a bitmap as large as its input on every call, even when anchored).
//   - The loops that strip words one at a time from the ends of the text
//     ("please please …", "… by by by") would run a regexp over the whole
//     rest once per word, quadratic in the message: they read a window of
//     edgeWindow bytes at the end they strip instead (stripHead, stripTail).
//
// BenchmarkParseSizes shows the growth over message sizes.

// MaxParseBytes is the longest message, in bytes after whitespace is
// collapsed, that the parser reads.
const MaxParseBytes = 16 << 10

// edgeWindow is how many bytes stripHead and stripTail read: more than the
// longest filler phrase they strip (a match longer than the window, a run
// of punctuation, is stripped a window at a time).
const edgeWindow = 96

// stripHead removes the match of p, a pattern anchored at the start of the
// text, from the start of s, reading at most edgeWindow bytes of s. ok is
// false when p does not match or matches the empty string.
//
// A window cut inside a word could let p's \b or a trailing class match at
// the cut; p's word part is far shorter than the window, so only such a
// class run (spaces, punctuation) can reach it, and it is stripped in
// pieces, the same in the end.
func stripHead(s string, p *pattern) (string, bool) {
	w := s
	if len(w) > edgeWindow {
		w = w[:edgeWindow]
	}
	m := p.FindStringSubmatchIndex(w)
	if m == nil || m[0] != 0 || m[1] == 0 {
		return s, false
	}
	return s[m[1]:], true
}

// stripTail removes the match of p, a pattern anchored at the end of the
// text, from the end of s, reading at most about edgeWindow bytes of s.
// The window starts after a space, so p's \b or (?:^|\s) at its start
// sees what the whole text would: a word boundary. ok is false when p does
// not match or matches the empty string.
func stripTail(s string, p *pattern) (string, bool) {
	k := 0
	if len(s) > edgeWindow {
		k = len(s) - edgeWindow
		i := strings.IndexByte(s[k:], ' ')
		if i < 0 {
			return s, false
		}
		k += i + 1
	}
	m := p.FindStringSubmatchIndex(s[k:])
	if m == nil || m[1] != len(s)-k || m[0] == m[1] {
		return s, false
	}
	return s[:k+m[0]], true
}
