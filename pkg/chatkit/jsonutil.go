package chatkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"unicode/utf8"
)

// typed prepends `"type":"<typ>"` to the JSON object produced by marshalling
// v, giving the reference's layout for objects whose discriminator comes
// first (events, updates, user content parts).
func typed(typ string, v any) ([]byte, error) {
	body, err := jsonMarshal(v)
	if err != nil {
		return nil, err
	}
	return spliceType(body, typ, 1)
}

// spliceType inserts `"type":"<typ>"` into the JSON object body at byte
// offset at (1 = as the first member; otherwise just after the member that
// ends at at).
func spliceType(body []byte, typ string, at int) ([]byte, error) {
	if len(body) < 2 || body[0] != '{' || at < 1 || at > len(body)-1 {
		return nil, fmt.Errorf("chatkit: cannot add type %q to %s", typ, body)
	}
	tb, _ := jsonMarshal(typ)
	out := make([]byte, 0, len(body)+len(tb)+10)
	out = append(out, body[:at]...)
	if at > 1 {
		out = append(out, ',')
	}
	out = append(out, `"type":`...)
	out = append(out, tb...)
	rest := body[at:]
	if len(rest) > 0 && rest[0] != '}' {
		if rest[0] != ',' {
			out = append(out, ',')
		}
	}
	out = append(out, rest...)
	return out, nil
}

// peekType reads the "type" member of a JSON object. It walks the object's
// top-level members without decoding them (decoding the whole item just to
// read its type was a fifth of the CPU of a history page); anything unusual
// (escapes in the key or value, keys differing only in case, duplicates,
// malformed structure) is left to encoding/json, so on well-formed JSON the
// answer is json.Unmarshal's. Values are skipped, not validated: callers
// decode the whole object next, which reports malformed input.
func peekType(data []byte) (string, error) {
	if typ, ok := scanType(data); ok {
		return typ, nil
	}
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

// scanType is peekType's fast path; ok is false when it cannot decide.
func scanType(data []byte) (typ string, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	i = skipSpace(data, i+1)
	found := false
	if i < len(data) && data[i] == '}' {
		return "", false
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		end, esc := scanString(data, i)
		if end < 0 || esc {
			return "", false
		}
		key := data[i+1 : end-1]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return "", false
		}
		i = skipSpace(data, i+1)
		if bytes.EqualFold(key, []byte("type")) {
			if found || string(key) != "type" || i >= len(data) || data[i] != '"' {
				return "", false
			}
			vend, vesc := scanString(data, i)
			if vend < 0 || vesc || !utf8.Valid(data[i+1:vend-1]) {
				return "", false // encoding/json would unescape or replace
			}
			typ, found = string(data[i+1:vend-1]), true
			i = vend
		} else if i = skipValue(data, i); i < 0 {
			return "", false
		}
		i = skipSpace(data, i)
		switch {
		case i < len(data) && data[i] == ',':
			i = skipSpace(data, i+1)
		case i < len(data) && data[i] == '}':
			return typ, found
		default:
			return "", false
		}
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// scanString returns the index just past the string starting at data[i]
// (a quote) and whether it contains escapes; -1 when it is unterminated or
// holds control characters.
func scanString(data []byte, i int) (end int, escaped bool) {
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return j + 1, escaped
		case c == '\\':
			escaped = true
			j++
		case c < 0x20:
			return -1, false
		}
	}
	return -1, false
}

// skipValue returns the index just past the value starting at data[i], or
// -1. Nested values are skipped by bracket depth (their well-formedness is
// checked when the item is decoded).
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		end, _ := scanString(data, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, _ := scanString(data, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if j == i {
				return -1
			}
			return j
		}
		j++
	}
	return -1
}

// nonNilMap returns m, or an empty map when m is nil, so it marshals as {}.
func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// rawOrEmptyObject returns r, or {} when r is empty or null.
func rawOrEmptyObject(r json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(r)) == 0 || bytes.Equal(bytes.TrimSpace(r), []byte("null")) {
		return json.RawMessage("{}")
	}
	return r
}

// jsonMarshal is json.Marshal without HTML escaping of <, > and &, like the
// reference's serializer (Markdown and widget text keep their characters).
func jsonMarshal(v any) ([]byte, error) {
	if it, ok := v.(Item); ok {
		// Stores encode items through Marshal: skip encoding/json's
		// reflection and re-validation for the covered ones.
		if out, ok := appendItem(make([]byte, 0, 256), it); ok {
			return out, nil
		}
	}
	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // don't keep the odd huge one
			buf.Reset()
			encodeBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// encodeBuffers recycles jsonMarshal's scratch buffers (every event and
// every nested item part goes through it).
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Marshal encodes v the way the Server sends it: compact JSON without HTML
// escaping.
func Marshal(v any) ([]byte, error) { return jsonMarshal(v) }
