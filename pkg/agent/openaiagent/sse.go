package openaiagent

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Why the agent reads the model's event stream itself instead of iterating
// openai-go's ssestream.Stream: a turn spends almost all of its life blocked
// reading that stream, and what it holds while blocked is multiplied by the
// number of open streams. ssestream's decoder keeps a 4 KiB bufio.Scanner
// buffer per stream, and Stream.Next has a 3.3 KiB stack frame (its generic
// body holds a whole decoded event), which keeps every turn goroutine's stack
// at 32 KiB. eventStream reads with a 1 KiB buffer and returns the raw event
// data; each style's eventReader decodes it in a function that is off the
// stack while the step waits (step.go). The request itself still goes
// through openai-go (auth, retries, error bodies); only the response body is
// read here, through option.WithResponseInto.

const (
	// eventBufSize is the read buffer of a stream. Model events are a few
	// hundred bytes; a longer line grows the buffer, which shrinks back once
	// it is drained.
	eventBufSize = 1 << 10
	// maxEventLine bounds one line of the stream, as openai-go's decoder does.
	maxEventLine = bufio.MaxScanTokenSize << 9
)

// eventStream reads a text/event-stream body one event at a time, as
// openai-go's decoder does: lines end in \n (a trailing \r is dropped), an
// empty line dispatches the event, `data:` lines are joined with \n, comment
// and other fields are ignored, and an event not followed by its empty line
// at the end of the body is dropped.
type eventStream struct {
	body io.ReadCloser
	buf  []byte
	r, w int // buf[r:w] is read and not yet consumed

	// The current event's data: buf[ds:de] while it is one line still in
	// buf (inBuf), else data.
	ds, de  int
	inBuf   bool
	hasData bool
	data    []byte

	eof bool // the body reported io.EOF
	err error
}

func newEventStream(body io.ReadCloser) *eventStream { return &eventStream{body: body} }

// next returns the data of the next event, valid until the following call.
// It returns io.EOF when the body ends (or sends [DONE]), and the read error
// otherwise.
func (s *eventStream) next() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	if cap(s.data) > eventBufSize {
		s.data = nil // a large event's copy is not kept while waiting
	}
	s.data, s.inBuf, s.hasData = s.data[:0], false, false
	for {
		ls, le, ok := s.line()
		if !ok {
			if err := s.fill(); err != nil {
				s.err = err
				return nil, err
			}
			continue
		}
		if ls == le {
			if !s.hasData {
				continue
			}
			data := s.data
			if s.inBuf {
				data = s.buf[s.ds:s.de]
			}
			if bytes.HasPrefix(data, doneMarker) {
				s.err = io.EOF
				return nil, io.EOF
			}
			return data, nil
		}
		line := s.buf[ls:le]
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			colon = len(line) // a field name alone: empty value
		}
		if string(line[:colon]) != "data" {
			continue // a comment (empty name), event:, id:, retry:
		}
		vs := ls + min(colon+1, len(line))
		if vs < le && s.buf[vs] == ' ' {
			vs++
		}
		if !s.hasData {
			// The common case: the whole data in one line, left in buf.
			s.hasData, s.inBuf, s.ds, s.de = true, true, vs, le
			continue
		}
		s.spill()
		s.data = append(s.data, '\n')
		s.data = append(s.data, s.buf[vs:le]...)
	}
}

var doneMarker = []byte("[DONE]")

// line consumes the next complete line of buf and returns its bounds
// without the line ending; false when buf holds no complete line.
func (s *eventStream) line() (start, end int, ok bool) {
	i := bytes.IndexByte(s.buf[s.r:s.w], '\n')
	switch {
	case i >= 0:
		start, end = s.r, s.r+i
		s.r = end + 1
	case s.eof && s.r < s.w:
		// The body ended without a line ending: the rest is a last line.
		start, end = s.r, s.w
		s.r = s.w
	default:
		return 0, 0, false
	}
	if end > start && s.buf[end-1] == '\r' {
		end--
	}
	return start, end, true
}

// spill moves data that still points into buf into s.data, before buf is
// compacted or overwritten.
func (s *eventStream) spill() {
	if s.inBuf {
		s.data = append(s.data[:0], s.buf[s.ds:s.de]...)
		s.inBuf = false
	}
}

// fill reads more of the body, compacting or growing buf first.
func (s *eventStream) fill() error {
	if s.eof {
		return io.EOF
	}
	s.spill()
	switch {
	case s.r == s.w:
		s.r, s.w = 0, 0
		if len(s.buf) > eventBufSize {
			s.buf = nil
		}
	case s.r > 0:
		s.w = copy(s.buf, s.buf[s.r:s.w])
		s.r = 0
	}
	if s.buf == nil {
		s.buf = make([]byte, eventBufSize)
	}
	if s.w == len(s.buf) {
		if len(s.buf) >= maxEventLine {
			return fmt.Errorf("event stream: %w", bufio.ErrTooLong)
		}
		s.buf = append(s.buf, make([]byte, len(s.buf))...)[:2*len(s.buf)]
	}
	for range 100 {
		n, err := s.body.Read(s.buf[s.w:])
		s.w += n
		if errors.Is(err, io.EOF) {
			s.eof = true
			if s.r < s.w {
				return nil // the last line, without its line ending
			}
			return io.EOF
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// Close closes the body.
func (s *eventStream) Close() error { return s.body.Close() }

// errorEvent reports whether data is an in-stream error ({"error": ...} at
// the top level, which openai-go's stream also turns into an error) and the
// error's code (else its type).
func errorEvent(data []byte) (code string, ok bool) {
	if !bytes.Contains(data, []byte(`"error"`)) {
		return "", false
	}
	var top struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(data, &top) != nil || top.Error == nil {
		return "", false
	}
	var e struct {
		Code string `json:"code"`
		Type string `json:"type"`
	}
	if json.Unmarshal(top.Error, &e) != nil {
		return "", true
	}
	if e.Code != "" {
		return e.Code, true
	}
	return e.Type, true
}

// decodeEvent decodes an event's JSON into v. A field of an unexpected type
// is left empty rather than failing the stream, as openai-go's decoder
// does; malformed JSON is an error.
func decodeEvent(data []byte, v any) error {
	err := json.Unmarshal(data, v)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return nil
	}
	return err
}

// openStream returns the body of a successful streaming response. A
// request error is returned as is (classify turns it into an
// upstreamError); the body of a failed one is closed.
func openStream(raw *http.Response, err error) (*eventStream, error) {
	if err != nil {
		if raw != nil && raw.Body != nil {
			_ = raw.Body.Close()
		}
		return nil, err
	}
	if raw == nil || raw.Body == nil {
		return nil, errors.New("streaming response without a body")
	}
	return newEventStream(raw.Body), nil
}
