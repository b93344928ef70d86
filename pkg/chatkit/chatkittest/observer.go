package chatkittest

import (
	"context"
	"sync"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// Observer is a chatkit.Observer that records what it is told, for tests.
type Observer struct {
	mu       sync.Mutex
	requests map[[2]string]int
	events   map[string]int
	active   int
	ended    []Ended
}

// Ended is one finished request: its type and how it ended.
type Ended struct {
	Type string
	chatkit.RequestEnd
}

var _ chatkit.Observer = (*Observer)(nil)

// Request implements chatkit.Observer.
func (o *Observer) Request(ctx context.Context, _ string) context.Context { return ctx }

// RequestDone implements chatkit.Observer.
func (o *Observer) RequestDone(_ context.Context, typ string, e chatkit.RequestEnd) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.requests == nil {
		o.requests = map[[2]string]int{}
	}
	o.requests[[2]string{typ, e.Outcome}]++
	o.ended = append(o.ended, Ended{Type: typ, RequestEnd: e})
}

// StreamOpened implements chatkit.Observer.
func (o *Observer) StreamOpened() { o.mu.Lock(); o.active++; o.mu.Unlock() }

// StreamClosed implements chatkit.Observer.
func (o *Observer) StreamClosed() { o.mu.Lock(); o.active--; o.mu.Unlock() }

// EventSent implements chatkit.Observer.
func (o *Observer) EventSent(event string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.events == nil {
		o.events = map[string]int{}
	}
	o.events[event]++
}

// Requests is how many requests of typ ended with outcome.
func (o *Observer) Requests(typ, outcome string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.requests[[2]string{typ, outcome}]
}

// ActiveStreams is how many streams are open.
func (o *Observer) ActiveStreams() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.active
}

// Events is how many events of type event were sent ("" for all).
func (o *Observer) Events(event string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if event != "" {
		return o.events[event]
	}
	n := 0
	for _, c := range o.events {
		n += c
	}
	return n
}

// Ended returns the finished requests in the order they ended.
func (o *Observer) Ended() []Ended {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Ended(nil), o.ended...)
}
