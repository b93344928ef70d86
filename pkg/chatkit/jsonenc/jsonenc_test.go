package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/taskpilotai/taskpilot/pkg/chatkit/jsonenc"
)

func encode(t *testing.T, s string, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// FuzzAppendString: both modes write encoding/json's bytes for every
// input, valid UTF-8 or not.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnl\ncr\r\b\f\x00\x1f\x7f",
		"“curly” — dash", "\u2028\u2029", "bad \xff\xfe utf8 \xe2\x28\xa1", "emoji 🧪", "\xed\xa0\x80 surrogate"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			if want, got := encode(t, s, html), string(jsonenc.AppendString([]byte("x"), s, html)); "x"+want != got {
				t.Fatalf("escapeHTML=%v %q: want %s, got %s", html, s, want, got[1:])
			}
		}
	})
}
