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
