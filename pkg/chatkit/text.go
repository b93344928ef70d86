package chatkit

import (
	"errors"
	"fmt"
	"strings"
)

// The input-hygiene rule of every string a Store keeps: no C0 control
// characters (U+0000–U+001F) other than tab and newline. PostgreSQL
// refuses NUL in text while SQLite stores it; the other C0 characters have
// no meaning in titles or chat text. The Server cleans free text a person
// typed (CleanText) and rejects fields a program sets (CheckText); stores
// run CheckText as a backstop so that no store fails on one with a 500.
// (The product's pkg/textcheck states the same rule for its own stores.)

// ErrControl is the cause of every rejection by CheckText.
var ErrControl = errors.New("contains a control character")

// TextRule is the caller-visible reason for a rejected field.
const TextRule = "must not contain control characters (other than tab and newline)"

func allowedControl(b byte) bool { return b == '\t' || b == '\n' }

// controlIndex returns the byte offset of the first forbidden control
// character of s, or -1 (C0 bytes never occur inside multi-byte UTF-8).
func controlIndex(s string) int {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && !allowedControl(b) {
			return i
		}
	}
	return -1
}

// ValidText reports whether s holds no forbidden control character.
func ValidText(s string) bool { return controlIndex(s) < 0 }

// CleanText removes every forbidden control character from s ("\r\n"
// becomes "\n"); s itself is returned when it has none.
func CleanText(s string) string {
	i := controlIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if c := s[i]; c >= 0x20 || allowedControl(c) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// CheckText returns nil when s is clean, otherwise an *Error of
// KindInvalid naming field (a dotted parameter path) that wraps
// ErrControl.
func CheckText(field, s string) error {
	if ValidText(s) {
		return nil
	}
	e := errInvalid("%s: %s", field, TextRule)
	e.Fields = map[string]string{field: TextRule}
	e.Err = fmt.Errorf("%s: %w", field, ErrControl)
	return e
}
