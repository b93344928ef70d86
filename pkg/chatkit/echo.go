package chatkit

import (
	"context"
	"time"
)

// EchoResponder is a stand-in Responder for composition roots until the
// task assistant is wired in, and for tests and benchmarks: it streams
// "You said: <text>" back in several deltas (a few words each). Delay, when
// positive, pauses between deltas (so a stream can be cut mid-way).
type EchoResponder struct {
	Delay time.Duration
}

// Respond implements Responder.
func (e EchoResponder) Respond(ctx context.Context, turn *Turn, sink Sink) error {
	reply := "Done."
	if turn.Input != nil {
		reply = "You said: " + turn.Input.Text()
	}
	msg, err := StartAssistantMessage(ctx, sink)
	if err != nil {
		return err
	}
	for _, chunk := range chunkWords(reply, 3) {
		if e.Delay > 0 {
			t := time.NewTimer(e.Delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if err := msg.AppendText(ctx, chunk); err != nil {
			return err
		}
	}
	_, err = msg.Finish(ctx)
	return err
}

// chunkWords splits s into pieces of n words, keeping the separating
// spaces, so that the pieces concatenate back to s.
func chunkWords(s string, n int) []string {
	var out []string
	words := 0
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] != ' ' {
			words++
			if words == n {
				out = append(out, s[start:i])
				start, words = i, 0
			}
		}
	}
	if start < len(s) || len(out) == 0 {
		out = append(out, s[start:])
	}
	return out
}
