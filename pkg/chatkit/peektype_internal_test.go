package chatkit

import (
	"encoding/json"
	"fmt"
	"testing"
)

// slowPeekType is what peekType must agree with on well-formed JSON. On
// malformed input peekType may still name a type: its callers decode the
// whole object next, which reports the error.
func slowPeekType(data []byte) (string, error) {
	var head struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", err
	}
	if head.Type == nil {
		return "", fmt.Errorf("missing \"type\"")
	}
	return *head.Type, nil
}

var peekTypeSeeds = []string{
	`{"type":"assistant_message","id":"m1"}`,
	`{"id":"m1","content":[{"type":"output_text","text":"a \"quoted\" {x}"}],"type":"widget"}`,
	` { "a" : { "type" : "inner" } , "type" : "outer" } `,
	`{"type":"x","type":"y"}`,
	`{"TYPE":"upper"}`,
	`{"Type":"a","type":"b"}`,
	`{"type":"esc\u0061ped"}`,
	`{"typ\u0065":"escaped key"}`,
	`{"type":3}`,
	`{"type":null}`,
	`{"id":"no type"}`,
	`{}`,
	`[]`,
	`{"type":"x"`,
	`{"type":"x",}`,
	`{"n":-1.5e3,"b":true,"z":null,"arr":[1,[2,{"type":"no"}]],"type":"deep"}`,
	`{"type":"x"} trailing`,
	`{"s":"\\","type":"after backslash"}`,
	"{\"type\":\"ctl\x01\"}",
	`{"type":"ünïcødé"}`,
}

func TestPeekTypeAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range peekTypeSeeds {
		if !json.Valid([]byte(s)) {
			continue
		}
		got, gerr := peekType([]byte(s))
		want, werr := slowPeekType([]byte(s))
		if (gerr != nil) != (werr != nil) || got != want {
			t.Errorf("peekType(%s) = %q, %v; encoding/json says %q, %v", s, got, gerr, want, werr)
		}
	}
}

func FuzzPeekType(f *testing.F) {
	for _, s := range peekTypeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			_, _ = peekType(data) // must not panic
			return
		}
		got, gerr := peekType(data)
		want, werr := slowPeekType(data)
		if (gerr != nil) != (werr != nil) || got != want {
			t.Fatalf("peekType(%q) = %q, %v; encoding/json says %q, %v", data, got, gerr, want, werr)
		}
	})
}
