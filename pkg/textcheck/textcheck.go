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
	"fmt"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/textrule"
)

// The rule is chatkit/textrule's (a standard-library-only leaf of the chat
// library), so the chat server and the product's stores hold one rule; this
// package gives it the product's error type.

// ErrControl is the cause of every rejection: the text holds a control
// character other than tab and newline (the same sentinel as the library's,
// so errors.Is matches rejections from either side).
var ErrControl = textrule.ErrControl

// Valid reports whether s holds no forbidden control character.
func Valid(s string) bool { return textrule.Valid(s) }

// Clean removes every forbidden control character from s ("\r\n" becomes
// "\n"); s itself is returned when it has none.
func Clean(s string) string { return textrule.Clean(s) }

// Message is the caller-visible reason for a rejected field.
const Message = textrule.Rule

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
