package chatkit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrBusy is returned (wrapped) by TurnStore.OpenTurn when the thread's turn
// lock did not come free within TurnOpen.LockTimeout. The Server answers it
// with the busy error event (BusyMessage).
var ErrBusy = errors.New("chatkit: thread busy")

// TurnStore is an optional extension of Store for a store that can do a
// turn's storage in fewer calls than one per item (PostgreSQL: one pipelined
// batch per step). The Server's turn engine persists through it in explicit
// steps:
//
//  1. OpenTurn, before the stream opens: the thread's turn lock, the thread,
//     the quota counts, the newest items the responder reads, and the turn's
//     input (the user message) stored, committed before the responder runs;
//  2. TurnSession.Commit, while the turn runs: the items the responder
//     emitted (and the thread's changes) in one transaction, before their
//     events are sent; the last commit (End) also ends the turn and releases
//     the lock.
//
// A Store that does not implement it is driven through the same steps by
// PlainTurns, one Store call per step. StoreTurns picks. storetest.Run checks
// both on every store.
type TurnStore interface {
	// OpenTurn takes the thread's turn lock (as LockThread; waiting at most
	// o.LockTimeout, then ErrBusy) and, holding it:
	//
	//   - with o.Create, inserts that thread unless the user holds
	//     o.MaxThreads threads (> 0) already (Refused; Threads is the
	//     count); else loads the thread (ErrNotFound when missing or
	//     another user's: the lock is released and the session nil);
	//   - when o.MaxItems > 0, counts the thread's items (hidden ones too)
	//     into Items, and at o.MaxItems or more is Refused;
	//   - reads the newest o.History items (hidden ones too, newest first)
	//     into History;
	//   - unless Refused, appends the items o.Add returns to the thread
	//     (when o.Add is set). Add is called once the lock is held (for a
	//     new thread, which no one else can write, it may be called before),
	//     so the items' times follow every item the previous turn wrote.
	//
	// Everything written is committed when OpenTurn returns. Refused writes
	// nothing (Close the session). The caller must Close the session.
	OpenTurn(ctx context.Context, userID string, o TurnOpen) (TurnSession, TurnOpened, error)
}

// TurnOpen is what TurnStore.OpenTurn does.
type TurnOpen struct {
	ThreadID string
	// LockTimeout bounds the wait for the lock (0: until ctx is done).
	LockTimeout time.Duration
	// Create is the new thread to insert (its ID is ThreadID); nil to load
	// an existing one.
	Create *ThreadMetadata
	// MaxThreads (with Create) and MaxItems are quotas; 0 is none.
	MaxThreads int
	MaxItems   int
	// History is how many of the newest items to read (before Add).
	History int
	// Add returns the items to append (the user message); see OpenTurn.
	Add func() []Item
}

// TurnOpened is what TurnStore.OpenTurn found.
type TurnOpened struct {
	Thread ThreadMetadata
	// Threads is the user's thread count before Create (counted only with
	// Create and MaxThreads > 0); Items the thread's item count before Add
	// (counted only with MaxItems > 0).
	Threads int
	Items   int
	// History is at most TurnOpen.History items, newest first.
	History []Item
	// Refused: a quota was reached, nothing was written.
	Refused bool
}

// TurnSession is an open turn: the lock is held until Close or a Commit
// with End.
type TurnSession interface {
	// Commit stores w in one transaction, in order, and returns the thread
	// as stored when w.Thread is set. With w.End the lock is released after
	// the commit (whether it succeeds or not) and the session is done.
	Commit(ctx context.Context, w TurnWrites) (ThreadMetadata, error)
	// Close releases the lock when it is still held; idempotent.
	Close()
}

// TurnWrites are the writes of one TurnSession.Commit.
type TurnWrites struct {
	// Items are upserts (AddItem) and deletions (DeleteItem; a missing item
	// is no error), in order.
	Items []TurnItemWrite
	// Thread, when set, is the thread's changed fields (the others are left
	// as stored: a concurrent rename is not undone).
	Thread *ThreadUpdate
	// End ends the turn: the lock is released after the commit.
	End bool
}

// TurnItemWrite is an item to upsert (Item set) or an item id to delete.
type TurnItemWrite struct {
	Item     Item
	DeleteID string
}

// ThreadUpdate is a thread's changed fields: nil is unchanged.
type ThreadUpdate struct {
	ID                  string
	Title               *string
	Status              *ThreadStatus
	AllowedImageDomains *[]string
	Metadata            *map[string]any
}

// Apply sets u's fields on t.
func (u *ThreadUpdate) Apply(t *ThreadMetadata) {
	if u.Title != nil {
		t.Title = *u.Title
	}
	if u.Status != nil {
		t.Status = *u.Status
	}
	if u.AllowedImageDomains != nil {
		t.AllowedImageDomains = *u.AllowedImageDomains
	}
	if u.Metadata != nil {
		t.Metadata = *u.Metadata
	}
}

// StoreTurns returns store as a TurnStore: itself when it implements one,
// else PlainTurns over it.
func StoreTurns(store Store) TurnStore {
	if ts, ok := store.(TurnStore); ok {
		return ts
	}
	return PlainTurns{Store: store}
}

// PlainTurns is the TurnStore of any Store: each step through the plain
// Store methods (LockThread, LoadThread or CountThreads and SaveThread,
// CountItems, ListItems, AddItem, DeleteItem).
type PlainTurns struct{ Store Store }

// OpenTurn implements TurnStore.
func (p PlainTurns) OpenTurn(ctx context.Context, userID string, o TurnOpen) (TurnSession, TurnOpened, error) {
	var out TurnOpened
	lockCtx, cancel := ctx, context.CancelFunc(func() {})
	if o.LockTimeout > 0 {
		lockCtx, cancel = context.WithTimeout(ctx, o.LockTimeout)
	}
	unlock, err := p.Store.LockThread(lockCtx, userID, o.ThreadID)
	timedOut := lockCtx.Err() != nil && ctx.Err() == nil
	cancel()
	if err != nil {
		if timedOut {
			return nil, out, fmt.Errorf("%w: %w", ErrBusy, err)
		}
		return nil, out, err
	}
	sess := &plainSession{store: p.Store, user: userID, thread: o.ThreadID, unlock: unlock}
	fail := func(err error) (TurnSession, TurnOpened, error) {
		unlock()
		return nil, TurnOpened{}, err
	}
	if o.Create != nil {
		if o.MaxThreads > 0 {
			if out.Threads, err = p.Store.CountThreads(ctx, userID); err != nil {
				return fail(fmt.Errorf("count threads: %w", err))
			}
			if out.Threads >= o.MaxThreads {
				out.Refused = true
				return sess, out, nil
			}
		}
		if err := p.Store.SaveThread(ctx, userID, *o.Create); err != nil {
			return fail(fmt.Errorf("create thread: %w", err))
		}
		out.Thread = *o.Create
	} else {
		if out.Thread, err = p.Store.LoadThread(ctx, userID, o.ThreadID); err != nil {
			return fail(err)
		}
		if o.MaxItems > 0 {
			if out.Items, err = p.Store.CountItems(ctx, userID, o.ThreadID); err != nil {
				return fail(err)
			}
			if out.Items >= o.MaxItems {
				out.Refused = true
				return sess, out, nil
			}
		}
		if o.History > 0 {
			page, err := p.Store.ListItems(ctx, userID, o.ThreadID, ListOptions{Limit: o.History, Order: OrderDesc, IncludeHidden: true})
			if err != nil {
				return fail(fmt.Errorf("load history: %w", err))
			}
			out.History = page.Data
		}
	}
	if o.Add != nil {
		for _, it := range o.Add() {
			if err := p.Store.AddItem(ctx, userID, o.ThreadID, it); err != nil {
				return fail(fmt.Errorf("add item %s: %w", it.Header().ID, err))
			}
		}
	}
	return sess, out, nil
}

type plainSession struct {
	store  Store
	user   string
	thread string
	unlock func()
}

// Commit implements TurnSession.
func (s *plainSession) Commit(ctx context.Context, w TurnWrites) (fresh ThreadMetadata, err error) {
	if w.End {
		defer s.Close()
	}
	for _, op := range w.Items {
		if op.Item == nil {
			if err := s.store.DeleteItem(ctx, s.user, s.thread, op.DeleteID); err != nil && !errors.Is(err, ErrNotFound) {
				return fresh, fmt.Errorf("delete item %s: %w", op.DeleteID, err)
			}
			continue
		}
		if err := s.store.AddItem(ctx, s.user, s.thread, op.Item); err != nil {
			return fresh, fmt.Errorf("save item %s: %w", op.Item.Header().ID, err)
		}
	}
	if w.Thread == nil {
		return fresh, nil
	}
	if fresh, err = UpdateThread(ctx, s.store, s.user, *w.Thread); err != nil {
		return ThreadMetadata{}, fmt.Errorf("save thread: %w", err)
	}
	return fresh, nil
}

// Close implements TurnSession.
func (s *plainSession) Close() { s.unlock() }
