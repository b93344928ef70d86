package textcheck_test

import (
	"errors"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/textcheck"
)

func TestCleanAndCheck(t *testing.T) {
	cases := []struct {
		name, in, clean string
	}{
		{"plain", "buy milk", "buy milk"},
		{"tab and newline kept", "a\tb\nc", "a\tb\nc"},
		{"NUL stripped", "null\x00byte", "nullbyte"},
		{"CRLF becomes LF", "one\r\ntwo", "one\ntwo"},
		{"every other C0", "a\x01\x07\x08\x0b\x0c\x1b[31m\x1fz", "a[31mz"},
		{"DEL and non-ASCII kept", "\x7f é 世界 😀", "\x7f é 世界 😀"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.clean, textcheck.Clean(tc.in))
			assert.Equal(t, tc.in == tc.clean, textcheck.Valid(tc.in))
			err := textcheck.Check("params.title", tc.in)
			if tc.in == tc.clean {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, textcheck.ErrControl))
			ae, ok := apperr.As(err)
			require.True(t, ok)
			assert.Equal(t, http.StatusBadRequest, ae.Status)
			assert.Equal(t, apperr.CodeInvalidRequest, ae.Code)
			assert.Contains(t, ae.Fields, "params.title")
		})
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "a\x00b", "\r\n", "é\x1f", "\xff\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := textcheck.Clean(s)
		if !textcheck.Valid(c) {
			t.Fatalf("Clean(%q) = %q still has a control character", s, c)
		}
		if textcheck.Clean(c) != c {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
		if utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) broke UTF-8", s)
		}
	})
}
