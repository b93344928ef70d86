// Package chatkittest helps test ChatKit servers and responders: an HTTP
// client that speaks the protocol (JSON and SSE) and a recording Sink for
// unit-testing a chatkit.Responder without a server.
package chatkittest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// Client posts ChatKit requests to URL.
type Client struct {
	URL string
	// Header is added to every request (e.g. Authorization).
	Header http.Header
	HTTP   *http.Client
}

// Request builds a request body {"type":..., "params":...}.
func Request(typ chatkit.RequestType, params any) []byte {
	b, err := json.Marshal(map[string]any{"type": typ, "params": params})
	if err != nil {
		panic(err)
	}
	return b
}

// Input is a UserMessageInput with one text part, as the UI sends it.
func Input(text string) map[string]any {
	return map[string]any{
		"content":           []any{map[string]any{"type": "input_text", "text": text}},
		"attachments":       []any{},
		"quoted_text":       nil,
		"inference_options": map[string]any{"tool_choice": nil, "model": nil},
	}
}

// Post sends body and returns the response (the caller closes it).
func (c *Client) Post(ctx context.Context, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	return hc.Do(req)
}

// Result is a complete response.
type Result struct {
	Status      int
	ContentType string
	// Header is the response's header (Retry-After on a 429).
	Header http.Header
	Body   []byte
	// Frames are the SSE data payloads, in order (streams only).
	Frames []json.RawMessage
	// Events are Frames decoded.
	Events []chatkit.Event
}

// Types returns the event types in order.
func (r *Result) Types() []string {
	out := make([]string, len(r.Events))
	for i, e := range r.Events {
		out[i] = e.EventType()
	}
	return out
}

// Do posts body and reads the whole response, parsing SSE frames when the
// response is a stream.
func (c *Client) Do(ctx context.Context, body []byte) (*Result, error) {
	resp, err := c.Post(ctx, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &Result{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Header: resp.Header, Body: data}
	if strings.HasPrefix(r.ContentType, "text/event-stream") {
		frames, err := ParseSSE(bytes.NewReader(data))
		if err != nil {
			return r, err
		}
		r.Frames = frames
		for _, f := range frames {
			ev, err := chatkit.UnmarshalEvent(f)
			if err != nil {
				return r, fmt.Errorf("frame %s: %w", f, err)
			}
			r.Events = append(r.Events, ev)
		}
	}
	return r, nil
}

// ParseSSE reads "data: <json>\n\n" frames strictly: every event must be
// one data line followed by a blank line; comment lines (": ...") are
// skipped; anything else is an error.
func ParseSSE(r io.Reader) ([]json.RawMessage, error) {
	var out []json.RawMessage
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	expectBlank := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case expectBlank:
			if line != "" {
				return out, fmt.Errorf("expected blank line after data, got %q", line)
			}
			expectBlank = false
		case strings.HasPrefix(line, ":"):
			continue
		case line == "":
			continue
		case strings.HasPrefix(line, "data: "):
			payload := []byte(strings.TrimPrefix(line, "data: "))
			if !json.Valid(payload) {
				return out, fmt.Errorf("invalid JSON frame %q", payload)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, payload); err != nil || compact.Len() != len(payload) {
				return out, fmt.Errorf("frame is not compact JSON: %q", payload)
			}
			out = append(out, json.RawMessage(payload))
			expectBlank = true
		default:
			return out, fmt.Errorf("unexpected SSE line %q", line)
		}
	}
	if expectBlank {
		return out, errors.New("stream ended without the blank line after the last event")
	}
	return out, sc.Err()
}

// Sink is a recording chatkit.Sink for unit tests of responders: it keeps
// every event and the thread metadata changes, and fails Emit once its
// context is cancelled, like the Server's.
type Sink struct {
	mu     sync.Mutex
	thread chatkit.ThreadMetadata
	events []chatkit.Event
	ctx    context.Context
	clock  *chatkit.MonotonicClock
}

// NewSink returns a Sink for thread; ctx (may be nil) plays the role of the
// turn's context.
func NewSink(ctx context.Context, thread chatkit.ThreadMetadata) *Sink {
	if ctx == nil {
		ctx = context.Background()
	}
	return &Sink{thread: thread, ctx: ctx, clock: chatkit.NewMonotonicClock(nil)}
}

// Emit implements chatkit.Sink.
func (s *Sink) Emit(_ context.Context, ev chatkit.Event) error {
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", chatkit.ErrCancelled, err)
	}
	if _, err := chatkit.Marshal(ev); err != nil {
		return fmt.Errorf("event does not encode: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, ev)
	return nil
}

// UpdateThread implements chatkit.Sink.
func (s *Sink) UpdateThread(fn func(*chatkit.ThreadMetadata)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.thread)
}

// Thread implements chatkit.Sink.
func (s *Sink) Thread() chatkit.ThreadMetadata {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.thread.Clone()
}

// NewItemID implements chatkit.Sink.
func (s *Sink) NewItemID(kind chatkit.IDKind) string { return chatkit.NewID(kind) }

// Now implements chatkit.Sink.
func (s *Sink) Now() time.Time { return s.clock.Now() }

// Events returns the recorded events.
func (s *Sink) Events() []chatkit.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]chatkit.Event(nil), s.events...)
}

// Text returns the text of the assistant messages completed so far
// (thread.item.done), joined by newlines.
func (s *Sink) Text() string {
	var parts []string
	for _, ev := range s.Events() {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if am, ok := d.Item.(*chatkit.AssistantMessageItem); ok {
				parts = append(parts, am.Text())
			}
		}
	}
	return strings.Join(parts, "\n")
}
