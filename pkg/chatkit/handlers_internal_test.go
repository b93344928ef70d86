package chatkit

import "testing"

// Every request type has one complete table entry: a decoder and either a
// JSON answer or a turn's plan and first step, and Streaming agrees.
func TestHandlerTable(t *testing.T) {
	if len(handlers) != len(RequestTypes) {
		t.Fatalf("%d handlers for %d request types", len(handlers), len(RequestTypes))
	}
	for _, rt := range RequestTypes {
		h := handlers[rt]
		switch {
		case h == nil:
			t.Errorf("%s: no handler", rt)
		case h.decode == nil:
			t.Errorf("%s: no decode", rt)
		case h.respond != nil && (h.plan != nil || h.begin != nil):
			t.Errorf("%s: both a JSON answer and a turn", rt)
		case h.respond == nil && (h.plan == nil || h.begin == nil):
			t.Errorf("%s: neither a JSON answer nor a complete turn (plan and begin)", rt)
		case rt.Streaming() != (h.plan != nil):
			t.Errorf("%s: Streaming() disagrees with the table", rt)
		}
	}
}
