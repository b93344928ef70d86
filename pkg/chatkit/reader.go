package chatkit

import (
	"context"
	"io"
	"time"
)

// FlushWriter is where a stream is written: *bufio.Writer satisfies it.
type FlushWriter interface {
	Write(p []byte) (int, error)
	Flush() error
}

type frame struct {
	event string
	data  []byte
}

// WriteStream runs the turn and writes its events to w as SSE ("data:
// <json>\n\n", flushed per event). A write or flush error means the client
// is gone: the turn's context is cancelled and the turn finishes its
// persistence (partial reply, the cancellation note) before WriteStream
// returns. Cancelling ctx (the server is shutting down) cancels the turn the
// same way, then ends the stream with a retryable error event
// (StoppingMessage). The net/http Handler streams with it; a binding whose
// server pulls a body stream (fasthttp) uses Reader instead, which needs no
// goroutine or buffer of its own.
func (r *Response) WriteStream(ctx context.Context, w FlushWriter) {
	sr := r.Reader(ctx)
	if sr == nil {
		return
	}
	defer sr.Close()
	buf := make([]byte, 4096)
	for {
		n, err := sr.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return // Close cancels the turn and waits for it
			}
			if sr.eventEnd() {
				if ferr := w.Flush(); ferr != nil {
					return
				}
			}
		}
		if err != nil {
			_ = w.Flush()
			return
		}
	}
}

// Reader starts the turn and returns its SSE bytes as a stream: each Read
// returns at most one event (the caller flushes after every Read, as
// fasthttp's chunked body writer does). The turn runs on its own goroutine
// and hands events over a channel; Read blocks until the next one. Closing
// the reader before it reported io.EOF means the client is gone: the turn is
// cancelled and Close returns once its persistence is complete. Cancelling
// ctx (the server is shutting down) cancels the turn, and the stream then
// ends with a retryable error event (StoppingMessage). Nil when the response
// is not a stream.
func (r *Response) Reader(ctx context.Context) *StreamReader {
	p := r.turn
	if p == nil {
		return nil
	}
	s := p.s
	s.obs.StreamOpened()
	// The turn keeps the request's values (user, span, request info) but
	// not its cancellation: only ctx (the caller's) and a broken
	// connection cancel it.
	turnCtx, cancel := context.WithCancel(context.WithoutCancel(p.ctx))
	sr := &StreamReader{s: s, ctx: ctx, cancel: cancel, frames: make(chan frame, 16), release: p.release}
	sr.stop = context.AfterFunc(ctx, cancel)
	if s.keepAlive > 0 {
		sr.ticker = time.NewTicker(s.keepAlive)
	}
	go func() {
		defer close(sr.frames)
		sr.outcome = p.run(turnCtx, sr.frames)
	}()
	return sr
}

// StreamReader is a running turn's SSE stream (see Response.Reader).
type StreamReader struct {
	s       *Server
	ctx     context.Context
	cancel  context.CancelFunc
	stop    func() bool
	ticker  *time.Ticker
	frames  chan frame
	outcome string // set before frames is closed
	release func() // the turn's Admission hold (nil: none)

	pending []byte // the rest of the event being read
	event   string // its type, counted once it has been read whole
	eof     bool
	closed  bool
}

var (
	sseData      = []byte("data: ")
	sseEnd       = []byte("\n\n")
	sseKeepAlive = []byte(": keep-alive\n\n")
)

// Read implements io.Reader. It blocks for the first event only; the events
// already queued behind it are added to the same read while they fit, so a
// burst of events (a turn's prologue, a fast model's deltas) reaches the
// socket in one chunk and one write instead of one write per event. An
// event that does not fit is continued in the next Read.
func (sr *StreamReader) Read(p []byte) (int, error) {
	if len(sr.pending) == 0 {
		if sr.eof || sr.closed {
			return 0, io.EOF
		}
		if !sr.next(true) {
			sr.eof = true
			return 0, io.EOF
		}
	}
	n := 0
	for {
		c := copy(p[n:], sr.pending)
		n += c
		sr.pending = sr.pending[c:]
		if len(sr.pending) > 0 {
			return n, nil
		}
		if sr.event != "" {
			sr.s.obs.EventSent(sr.event)
			sr.event = ""
		}
		if n == len(p) || sr.eof || !sr.next(false) {
			return n, nil
		}
	}
}

// eventEnd reports whether the last Read completed an event.
func (sr *StreamReader) eventEnd() bool { return len(sr.pending) == 0 }

// next puts the next event (or keep-alive comment) into pending; false
// means there is none: the stream is over, or (when block is false) no
// event is queued yet. When block is set it waits for one.
func (sr *StreamReader) next(block bool) bool {
	var tick <-chan time.Time
	if sr.ticker != nil && block {
		tick = sr.ticker.C
	}
	var f frame
	var ok bool
	if block {
		select {
		case f, ok = <-sr.frames:
		case <-tick:
			sr.pending, sr.event = sseKeepAlive, ""
			return true
		}
	} else {
		select {
		case f, ok = <-sr.frames:
		default:
			return false
		}
	}
	if !ok {
		if sr.outcome == outcomeCancelled && sr.ctx.Err() != nil {
			// ctx ended the turn (the server is stopping), not the
			// client: end the stream with a retryable error event
			// instead of cutting it.
			if data, err := jsonMarshal(ErrorEvent{Code: ErrorCodeCustom, Message: StoppingMessage, AllowRetry: true}); err == nil {
				sr.setPending(EventError, data)
				sr.eof = true
				return true
			}
		}
		sr.eof = true
		return false
	}
	sr.setPending(f.event, f.data)
	return true
}

func (sr *StreamReader) setPending(event string, data []byte) {
	b := make([]byte, 0, len(sseData)+len(data)+len(sseEnd))
	b = append(append(append(b, sseData...), data...), sseEnd...)
	sr.pending, sr.event = b, event
}

// Close implements io.Closer: it cancels the turn when the stream did not
// reach its end (the client is gone) and returns once the turn has finished
// its persistence.
func (sr *StreamReader) Close() error {
	if sr.closed {
		return nil
	}
	sr.closed = true
	sr.cancel()
	for range sr.frames { // discard the rest; the turn persists regardless
	}
	sr.stop()
	if sr.ticker != nil {
		sr.ticker.Stop()
	}
	sr.pending = nil
	sr.s.obs.StreamClosed()
	if sr.release != nil {
		sr.release()
	}
	return nil
}
