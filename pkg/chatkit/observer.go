package chatkit

import (
	"context"
	"time"
)

// Observer receives what the Server measures: each request and its
// outcome, the open streams and the events written to them. It is how
// metrics and traces are attached without the library depending on a
// metrics or tracing package (the product's Prometheus and OpenTelemetry
// observer is chatfiber.NewObserver). Options.Observer nil measures
// nothing. Methods are called concurrently.
type Observer interface {
	// Request is called once per request, when its type is known
	// ("invalid" when the body could not be decoded). The returned context
	// is the request's from then on (a span goes there).
	Request(ctx context.Context, typ string) context.Context
	// RequestDone is called once per request with a context derived from
	// Request's: when the JSON answer is ready, or when a turn's stream has
	// ended and its persistence is complete. (A context rather than a
	// callback: nothing is allocated per request.)
	RequestDone(ctx context.Context, typ string, e RequestEnd)
	// StreamOpened and StreamClosed bracket each SSE stream.
	StreamOpened()
	StreamClosed()
	// EventSent is called for each event written to a stream, by type.
	EventSent(event string)
}

// RequestEnd is how a request ended.
type RequestEnd struct {
	// Outcome is "ok" or an error code for a JSON request; for a turn
	// "ok", "error", "cancelled" (the client went away) or "busy" (another
	// turn held the thread).
	Outcome string
	// Failed reports a failure: any error of a JSON request; a turn whose
	// outcome is error or busy.
	Failed bool
	// Err is the JSON request's error, or the error the responder
	// returned (the client saw it as an error event); nil otherwise.
	Err error
	// Turn is set for a streamed request, with its thread and duration.
	Turn     bool
	ThreadID string
	Elapsed  time.Duration
}

// nopObserver is the Observer of a Server without one.
type nopObserver struct{}

func (nopObserver) Request(ctx context.Context, _ string) context.Context { return ctx }
func (nopObserver) RequestDone(context.Context, string, RequestEnd)       {}
func (nopObserver) StreamOpened()                                         {}
func (nopObserver) StreamClosed()                                         {}
func (nopObserver) EventSent(string)                                      {}
