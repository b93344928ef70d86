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
// step (rec) and then to the writer (frames).
type turnSink struct {
	s       *Server
	ctx     context.Context // cancelled when the client goes away
	persist context.Context // never cancelled: store writes
	user    string
	frames  chan<- frame

	mu     sync.Mutex
	thread ThreadMetadata // current, as changed by UpdateThread
	saved  ThreadMetadata // last persisted/sent
	rec    turnRecord     // the persistence step; guarded by mu
}

func (t *turnSink) setThread(meta ThreadMetadata) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.thread, t.saved = meta.Clone(), meta.Clone()
}

// send marshals ev and queues it for the writer. It never fails: after a
// disconnect the writer discards frames.
func (t *turnSink) send(ev Event) {
	data, err := encodeEvent(ev)
	if err != nil {
		t.s.log.LogAttrs(t.persist, slog.LevelError, "encode chatkit event failed",
			slog.String("event", ev.EventType()), slog.String("error", err.Error()))
		return
	}
	t.frames <- frame{event: ev.EventType(), data: data}
}

// Emit implements Sink: the persistence step first (turnRecord.record:
// what the store must hold before the client may see the event), then the
// delivery, then the thread's own changes. One event at a time, so the
// store and the stream see events in the same order.
func (t *turnSink) Emit(_ context.Context, ev Event) error {
	if ev == nil {
		return errors.New("chatkit: nil event")
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrCancelled, err)
	}
	send, err := t.rec.record(t.thread.ID, ev)
	if err != nil {
		return err
	}
	if send {
		t.send(ev)
	}
	t.flushThreadLocked(true)
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

func (t *turnSink) flushThread(announce bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushThreadLocked(announce)
}

// flushThreadLocked saves the thread when its metadata changed
// (turnRecord.saveThread) and, when announce is set, emits thread.updated.
func (t *turnSink) flushThreadLocked(announce bool) {
	cur, old := t.thread, t.saved
	if threadEqual(cur, old) {
		return
	}
	fresh, err := t.rec.saveThread(cur, old)
	if err != nil {
		t.s.log.LogAttrs(t.persist, slog.LevelError, "save thread failed",
			slog.String("thread_id", cur.ID), slog.String("error", err.Error()))
		return
	}
	t.thread, t.saved = fresh.Clone(), fresh.Clone()
	if announce {
		t.send(ThreadUpdatedEvent{Thread: wireThread(fresh, Page[Item]{})})
	}
}
