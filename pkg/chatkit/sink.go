package chatkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// turnSink is the Server's Sink: each event goes through the persistence
// step (rec), which queues its write, and then to the writer (frames). An
// event whose write is queued waits, with the events emitted after it, until
// the queued writes are committed in one TurnSession.Commit: before the next
// event that streams content (an item added or updated, a progress line),
// before the turn reads its history, and at the end of the turn (the commit
// that also releases the thread's lock). So the client never sees an item
// the store does not hold, and a turn's items take one commit, not one each.
type turnSink struct {
	s       *Server
	ctx     context.Context // cancelled when the client goes away
	persist context.Context // never cancelled: store writes
	user    string
	frames  chan<- frame
	session TurnSession

	mu     sync.Mutex
	thread ThreadMetadata // current, as changed by UpdateThread
	saved  ThreadMetadata // last stored
	rec    turnRecord     // the persistence step; guarded by mu
	// held are the frames waiting for the queued writes' commit; announce
	// marks where a thread.updated goes among them (-1: none).
	held     []frame
	announce int
	// onCommit runs after a commit that wrote items (the Turn's preloaded
	// history is stale then).
	onCommit func()
}

func (t *turnSink) setThread(meta ThreadMetadata) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.thread, t.saved = meta.Clone(), meta.Clone()
	t.announce = -1
}

// send marshals ev and queues it for the writer. It never fails: after a
// disconnect the writer discards frames.
func (t *turnSink) send(ev Event) {
	if f, ok := t.encode(ev); ok {
		t.frames <- f
	}
}

func (t *turnSink) encode(ev Event) (frame, bool) {
	data, err := encodeEvent(ev)
	if err != nil {
		t.s.log.LogAttrs(t.persist, slog.LevelError, "encode chatkit event failed",
			slog.String("event", ev.EventType()), slog.String("error", err.Error()))
		return frame{}, false
	}
	return frame{event: ev.EventType(), data: data}, true
}

// streams reports whether ev shows content as it is produced, so it must
// not wait behind a commit: the events before it are committed and sent
// first.
func streams(ev Event) bool {
	switch ev.(type) {
	case ThreadItemAddedEvent, ThreadItemUpdatedEvent, ProgressUpdateEvent:
		return true
	}
	return false
}

// Emit implements Sink: the persistence step first (turnRecord.record
// queues what the store must hold before the client may see the event),
// then the delivery (now, or after the commit the event waits for), then
// the thread's own changes. One event at a time, so the store and the
// stream see events in the same order.
func (t *turnSink) Emit(_ context.Context, ev Event) error {
	if ev == nil {
		return errors.New("chatkit: nil event")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	if streams(ev) {
		if err := t.commitLocked(false); err != nil {
			return err
		}
	}
	persisted, send, err := t.rec.record(ev)
	if err != nil {
		return err
	}
	if send {
		f, ok := t.encode(ev)
		switch {
		case !ok:
		case persisted || len(t.held) > 0 || t.announce >= 0:
			t.held = append(t.held, f)
		default:
			t.frames <- f
		}
	}
	t.markThreadLocked(true)
	return nil
}

// UpdateThread implements Sink.
func (t *turnSink) UpdateThread(fn func(*ThreadMetadata)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fn(&t.thread)
	t.thread.ID = t.saved.ID
	t.thread.CreatedAt = t.saved.CreatedAt
}

// Thread implements Sink.
func (t *turnSink) Thread() ThreadMetadata {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.thread.Clone()
}

// NewItemID implements Sink.
func (t *turnSink) NewItemID(kind IDKind) string { return t.s.newID(kind) }

// Now implements Sink.
func (t *turnSink) Now() time.Time { return t.s.clock.Now() }

// markThreadLocked notes that the thread changed, when it did: its fields
// go with the next commit, and with announce a thread.updated follows the
// events held so far.
func (t *turnSink) markThreadLocked(announce bool) {
	if !announce || t.announce >= 0 || threadEqual(t.thread, t.saved) {
		return
	}
	t.announce = len(t.held)
}

// commit commits the queued writes and sends what waited for them; end
// ends the turn (the lock is released with the commit). Failures are
// logged and returned.
func (t *turnSink) commit(end, announce bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.markThreadLocked(announce)
	return t.commitLocked(end)
}

func (t *turnSink) commitLocked(end bool) error {
	w := TurnWrites{Items: t.rec.ops, End: end}
	if t.announce >= 0 || end {
		w.Thread = threadChanges(t.thread, t.saved)
	}
	if len(w.Items) == 0 && w.Thread == nil && !end {
		t.release(false)
		return nil
	}
	fresh, err := t.session.Commit(t.persist, w)
	t.rec.ops = nil
	if len(w.Items) > 0 && t.onCommit != nil {
		t.onCommit()
	}
	if err != nil {
		t.held, t.announce = nil, -1
		t.s.log.LogAttrs(t.persist, slog.LevelError, "save turn failed",
			slog.String("thread_id", t.saved.ID), slog.String("error", err.Error()))
		return fmt.Errorf("save turn: %w", err)
	}
	if w.Thread != nil {
		t.thread, t.saved = fresh.Clone(), fresh.Clone()
	}
	t.release(w.Thread != nil)
	return nil
}

// release sends the held frames, with a thread.updated where it was
// announced when the thread was stored (updated).
func (t *turnSink) release(updated bool) {
	at := t.announce
	if !updated {
		at = -1
	}
	for i, f := range t.held {
		if i == at {
			t.send(ThreadUpdatedEvent{Thread: wireThread(t.saved, Page[Item]{})})
		}
		t.frames <- f
	}
	if at >= len(t.held) {
		t.send(ThreadUpdatedEvent{Thread: wireThread(t.saved, Page[Item]{})})
	}
	t.held, t.announce = nil, -1
}
