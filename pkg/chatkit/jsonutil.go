package chatkit

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// peekType reads the "type" member of a JSON object.
func peekType(data []byte) (string, error) {
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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Marshal encodes v the way the Server sends it: compact JSON without HTML
// escaping.
func Marshal(v any) ([]byte, error) { return jsonMarshal(v) }
