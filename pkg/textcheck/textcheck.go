// Package textcheck is the one input-hygiene rule for every string the
// stores keep: no C0 control characters (U+0000–U+001F) other than tab and
// newline. PostgreSQL refuses NUL in text (SQLSTATE 22021) while SQLite
// stores it, so without one rule the same input behaved differently per
// store; the other C0 characters have no meaning in titles, tasks or chat
// text and only confuse terminals and logs.
//
// Callers choose per field: free text a person typed or pasted (chat
// messages) is cleaned with Clean, so a stray control character from a
// paste does not fail the user; fields a program sets (titles, task fields,
// ids, search text) are checked with Check and rejected, so the caller
// learns that its value would not round-trip. The stores use Check as a
// backstop, so no store ever fails on a control character with a 500.
package textcheck

import (
	"errors"
	"fmt"
	"strings"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// ErrControl is the cause of every rejection: the text holds a control
// character other than tab and newline.
var ErrControl = errors.New("contains a control character")

// allowed reports whether the C0 byte b is kept: tab and newline.
func allowed(b byte) bool { return b == '\t' || b == '\n' }

// Index returns the byte offset of the first forbidden control character
// of s, or -1. C0 characters are single bytes in UTF-8 and never occur
// inside a multi-byte sequence, so a byte scan is exact.
func Index(s string) int {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && !allowed(b) {
			return i
		}
	}
	return -1
}

// Valid reports whether s holds no forbidden control character.
func Valid(s string) bool { return Index(s) < 0 }

// Clean removes every forbidden control character from s ("\r\n" becomes
// "\n"); s itself is returned when it has none.
func Clean(s string) string {
	i := Index(s)
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

// Message is the caller-visible reason for a rejected field.
const Message = "must not contain control characters (other than tab and newline)"

// Check returns nil when s is clean, otherwise a 400 invalid_request
// *apperr.Error naming field (a dotted parameter path) that wraps
// ErrControl.
func Check(field, s string) error {
	if Valid(s) {
		return nil
	}
	e := apperr.Invalid("%s: %s", field, Message)
	e.Fields = map[string]string{field: Message}
	e.Err = fmt.Errorf("%s: %w", field, ErrControl)
	return e
}
