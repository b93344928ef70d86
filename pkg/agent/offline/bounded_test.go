package offline

import (
	"fmt"
	"strings"
	"testing"
)

// parseFillers are words the parser strips one at a time (politeness,
// connectors, reference fillers) and words that start requests: the
// messages whose parse time grew with the square of their length.
var parseFillers = []string{"please ", "thanks ", "hi ", "and ", "the ", "by ", "mark ", "add a task to "}

// BenchmarkParseSizes parses messages of one repeated word over sizes from
// 1 KB to 1 MB, with the size limit (capped: flat beyond MaxParseBytes) and
// without it (uncapped: the algorithm alone). Linear growth shows as a
// constant MB/s across sizes.
func BenchmarkParseSizes(b *testing.B) {
	for _, mode := range []string{"uncapped", "capped"} {
		p := NewParser()
		if mode == "uncapped" {
			p.maxBytes = 0
		}
		for _, w := range []string{"please ", "thanks ", "hi ", "mark ", "2 ✓ "} {
			for _, size := range []int{1 << 10, 16 << 10, 256 << 10, 1 << 20} {
				text := strings.Repeat(w, size/len(w))
				b.Run(fmt.Sprintf("%s/%s/%dKB", mode, strings.TrimSpace(w), size>>10), func(b *testing.B) {
					b.SetBytes(int64(len(text)))
					for b.Loop() {
						p.Parse(text, now, nyc)
					}
				})
			}
		}
	}
}

// TestParseCapped: a message over MaxParseBytes is not read; one under it is.
func TestParseCapped(t *testing.T) {
	p := NewParser()
	for _, w := range parseFillers {
		got := p.Parse(strings.Repeat(w, (MaxParseBytes+2*len(w))/len(w)), now, nyc)
		if got.Kind != KindTooLong {
			t.Errorf("%q over the limit: %s, want %s", w, got.Kind, KindTooLong)
		}
		under := strings.Repeat(w, (MaxParseBytes-len(w))/len(w))
		if got := p.Parse(under, now, nyc); got.Kind == KindTooLong {
			t.Errorf("%q under the limit: %s", w, got.Kind)
		}
	}
}

// TestParseWorkLinear: the bytes the parser's patterns read grow linearly
// with the message. A message four times longer may cost at most six times
// the work (quadratic growth, a pattern run over the rest of the text once
// per word, is sixteen). Work is counted, not timed: see scanHook.
func TestParseWorkLinear(t *testing.T) {
	p := NewParser()
	p.maxBytes = 0 // the algorithm, not the size limit
	var work int
	scanHook = func(n int) { work += n }
	defer func() { scanHook = nil }()
	cost := func(text string) int {
		work = 0
		p.Parse(text, now, nyc)
		return work
	}
	fillers := append([]string{"mon ", "tmrw ", "2 ✓ ", "- x\n", "x, ", "and to ", "urgent ", "p1 ", "!! ", "oops ",
		"scratch ", "hey! ", "thanks so much ", "(urgent) ", "1, ", "dnoe ", "all ", "add x, y and ", "🙂 ", "at 5 ",
		"remind me to ", "by the end of the week ", "when is ", "delete ", "task ", "#tag "}, parseFillers...)
	for _, w := range fillers {
		small := cost(strings.Repeat(w, 2048/len(w)))
		large := cost(strings.Repeat(w, 8192/len(w)))
		if small == 0 {
			continue
		}
		if ratio := float64(large) / float64(small); ratio > 6 {
			t.Errorf("%q: %d bytes read for 2 KB, %d for 8 KB (×%.1f, want ≤ ×6)", w, small, large, ratio)
		}
	}
}
