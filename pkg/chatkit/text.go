package chatkit

import (
	"fmt"

	"github.com/taskpilotai/taskpilot/pkg/chatkit/textrule"
)

// The input-hygiene rule of every string a Store keeps: no C0 control
// characters (U+0000–U+001F) other than tab and newline. PostgreSQL
// refuses NUL in text while SQLite stores it; the other C0 characters have
// no meaning in titles or chat text. The Server cleans free text a person
// typed (CleanText) and rejects fields a program sets (CheckText); stores
// run CheckText as a backstop so that no store fails on one with a 500.
// The rule itself is the leaf package textrule (the product's
// pkg/textcheck wraps the same one).

// ErrControl is the cause of every rejection by CheckText.
var ErrControl = textrule.ErrControl

// TextRule is the caller-visible reason for a rejected field.
const TextRule = textrule.Rule

// ValidText reports whether s holds no forbidden control character.
func ValidText(s string) bool { return textrule.Valid(s) }

// CleanText removes every forbidden control character from s ("\r\n"
// becomes "\n"); s itself is returned when it has none.
func CleanText(s string) string { return textrule.Clean(s) }

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
