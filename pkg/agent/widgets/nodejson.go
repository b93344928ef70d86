package widgets

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/taskpilotai/taskpilot/pkg/chatkit/jsonenc"
)

// appendNode appends v, a widget tree of nodes, []node, strings, ints,
// int64s and bools, as encoding/json.Marshal writes it (map keys sorted,
// HTML characters escaped), without its reflection walk: a list widget of
// 50 rows is some 700 maps. Anything else goes through encoding/json.
func appendNode(dst []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case node:
		var buf [16]string // the widget's maps have fewer keys: no allocation
		keys := buf[:0]
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			if dst, err = appendNode(dst, v[k]); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case []node:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, n := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendNode(dst, n); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case string:
		return appendJSONString(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("widget value %T: %w", v, err)
	}
	return append(dst, b...), nil
}

// appendJSONString appends s as encoding/json.Marshal does (HTML escaped).
func appendJSONString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s, true) }
