package chatkit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Thread status types.
const (
	StatusActive = "active"
	StatusLocked = "locked"
	StatusClosed = "closed"
)

// ThreadStatus is {"type":"active"}, {"type":"locked","reason"?} or
// {"type":"closed","reason"?}. The zero value means active.
type ThreadStatus struct {
	Type   string `json:"type"`
	Reason string `json:"reason,omitempty"`
}

// MarshalJSON writes active for the zero value.
func (s ThreadStatus) MarshalJSON() ([]byte, error) {
	type plain ThreadStatus
	if s.Type == "" {
		s.Type = StatusActive
	}
	return jsonMarshal(plain(s))
}

// ThreadMetadata is a thread without its items: what the Store keeps.
// Title "" means untitled (omitted on the wire). Metadata is server-side
// only; the Server always sends {}.
type ThreadMetadata struct {
	Title               string         `json:"title,omitempty"`
	ID                  string         `json:"id"`
	CreatedAt           time.Time      `json:"created_at"`
	Status              ThreadStatus   `json:"status"`
	AllowedImageDomains []string       `json:"allowed_image_domains,omitempty"`
	Metadata            map[string]any `json:"metadata"`
}

// MarshalJSON writes created_at in UTC and metadata as {} when nil.
func (t ThreadMetadata) MarshalJSON() ([]byte, error) {
	type plain ThreadMetadata
	t.CreatedAt = t.CreatedAt.UTC()
	t.Metadata = nonNilMap(t.Metadata)
	return jsonMarshal(plain(t))
}

// Clone returns a deep copy (Metadata is copied through JSON).
func (t ThreadMetadata) Clone() ThreadMetadata {
	c := t
	c.AllowedImageDomains = append([]string(nil), t.AllowedImageDomains...)
	if t.AllowedImageDomains == nil {
		c.AllowedImageDomains = nil
	}
	if t.Metadata != nil {
		c.Metadata = map[string]any{}
		if data, err := jsonMarshal(t.Metadata); err == nil {
			_ = json.Unmarshal(data, &c.Metadata)
		}
	}
	return c
}

// Thread is the wire thread: metadata plus a page of items (empty except in
// threads.get_by_id).
type Thread struct {
	ThreadMetadata
	Items Page[Item] `json:"items"`
}

// MarshalJSON writes the reference layout (items last).
func (t Thread) MarshalJSON() ([]byte, error) {
	meta, err := t.ThreadMetadata.MarshalJSON()
	if err != nil {
		return nil, err
	}
	items, err := jsonMarshal(t.Items)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(meta)+len(items)+10)
	out = append(out, meta[:len(meta)-1]...)
	out = append(out, `,"items":`...)
	out = append(out, items...)
	return append(out, '}'), nil
}

// UnmarshalJSON reads a wire thread.
func (t *Thread) UnmarshalJSON(data []byte) error {
	var meta ThreadMetadata
	type plain ThreadMetadata
	if err := json.Unmarshal(data, (*plain)(&meta)); err != nil {
		return err
	}
	var rest struct {
		Items Page[Item] `json:"items"`
	}
	if err := json.Unmarshal(data, &rest); err != nil {
		return err
	}
	*t = Thread{ThreadMetadata: meta, Items: rest.Items}
	return nil
}

// Page is one page of a list: {"data":[...],"has_more":bool,"after"?:id}.
// After is the id of the last element when HasMore is true.
type Page[T any] struct {
	Data    []T    `json:"data"`
	HasMore bool   `json:"has_more"`
	After   string `json:"after,omitempty"`
}

// MarshalJSON writes data as [] when empty. It joins the elements' own
// encodings instead of handing the page to encoding/json, which would
// re-scan every element's MarshalJSON output (the bulk of an items.list
// page's CPU); the bytes are the same.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 256*len(p.Data)+64)
	out = append(out, `{"data":[`...)
	for i, d := range p.Data {
		b, err := jsonMarshal(d)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	out = append(out, `],"has_more":`...)
	out = strconv.AppendBool(out, p.HasMore)
	if p.After != "" {
		after, err := jsonMarshal(p.After)
		if err != nil {
			return nil, err
		}
		out = append(out, `,"after":`...)
		out = append(out, after...)
	}
	return append(out, '}'), nil
}

// UnmarshalJSON decodes a page; a Page[Item] decodes each element with
// UnmarshalItem.
func (p *Page[T]) UnmarshalJSON(data []byte) error {
	var w struct {
		Data    []json.RawMessage `json:"data"`
		HasMore bool              `json:"has_more"`
		After   string            `json:"after"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	out := Page[T]{Data: make([]T, 0, len(w.Data)), HasMore: w.HasMore, After: w.After}
	for i, raw := range w.Data {
		var v T
		if ip, ok := any(&v).(*Item); ok {
			it, err := UnmarshalItem(raw)
			if err != nil {
				return fmt.Errorf("data[%d]: %w", i, err)
			}
			*ip = it
		} else if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("data[%d]: %w", i, err)
		}
		out.Data = append(out.Data, v)
	}
	*p = out
	return nil
}
