// Package textrule is the input-hygiene rule of every string a store keeps:
// no C0 control characters (U+0000–U+001F) other than tab and newline.
// PostgreSQL refuses NUL in text while SQLite stores it; the other C0
// characters have no meaning in titles or chat text. Free text a person
// typed is cleaned (Clean); fields a program sets are rejected (Valid
// false). A standard-library-only leaf, so the chat server (chatkit) and
// the product's own stores (pkg/textcheck) hold one rule, each wrapping it
// in its own error type.
package textrule

import (
	"errors"
	"strings"
)

// ErrControl is the cause of every rejection under this rule.
var ErrControl = errors.New("contains a control character")

// Rule is the caller-visible reason for a rejected field.
const Rule = "must not contain control characters (other than tab and newline)"

func allowed(b byte) bool { return b == '\t' || b == '\n' }

// index returns the byte offset of the first forbidden control character
// of s, or -1 (C0 bytes never occur inside multi-byte UTF-8, so a byte scan
// is exact).
func index(s string) int {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && !allowed(b) {
			return i
		}
	}
	return -1
}

// Valid reports whether s holds no forbidden control character.
func Valid(s string) bool { return index(s) < 0 }

// Clean removes every forbidden control character from s ("\r\n" becomes
// "\n"); s itself is returned when it has none.
func Clean(s string) string {
	i := index(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if c := s[i]; c >= 0x20 || allowed(c) {
			b.WriteByte(c)
		}
	}
	return b.String()
}
