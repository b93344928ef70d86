package chatkit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// turnRecord is the turn engine's persistence step, kept apart from
// delivery: for each event a responder emits, record writes what the
// store must hold before the event may be sent (thread.item.done: the
// item; replaced: the new version; removed: the deletion) and tracks the
// items still in progress (added/updated, never stored), which a cancelled
// turn saves. saveThread writes the thread's changed fields. The sink calls
// record, then sends; sending itself stores nothing.
type turnRecord struct {
	store   Store
	ctx     context.Context // never cancelled: writes complete after a disconnect
	user    string
	pending map[string]Item
}

// record persists ev on threadID. It reports whether ev is sent to the
// client (hidden items are stored, never sent) or the error that fails the
// Emit.
func (r *turnRecord) record(threadID string, ev Event) (send bool, err error) {
	hidden := false
	switch e := ev.(type) {
	case ThreadItemAddedEvent:
		if e.Item == nil {
			return false, errors.New("chatkit: thread.item.added without item")
		}
		c, err := CloneItem(e.Item)
		if err != nil {
			return false, fmt.Errorf("chatkit: thread.item.added: %w", err)
		}
		r.pending[e.Item.Header().ID] = c
	case ThreadItemUpdatedEvent:
		if e.Update == nil {
			return false, errors.New("chatkit: thread.item.updated without update")
		}
		if it, ok := r.pending[e.ItemID]; ok {
			applyUpdate(it, e.Update)
		}
	case ThreadItemDoneEvent:
		if e.Item == nil {
			return false, errors.New("chatkit: thread.item.done without item")
		}
		if err := r.store.AddItem(r.ctx, r.user, threadID, e.Item); err != nil {
			return false, fmt.Errorf("save item %s: %w", e.Item.Header().ID, err)
		}
		delete(r.pending, e.Item.Header().ID)
		hidden = IsHidden(e.Item)
	case ThreadItemReplacedEvent:
		if e.Item == nil {
			return false, errors.New("chatkit: thread.item.replaced without item")
		}
		if err := r.store.SaveItem(r.ctx, r.user, threadID, e.Item); err != nil {
			return false, fmt.Errorf("save item %s: %w", e.Item.Header().ID, err)
		}
		delete(r.pending, e.Item.Header().ID)
		hidden = IsHidden(e.Item)
	case ThreadItemRemovedEvent:
		if err := r.store.DeleteItem(r.ctx, r.user, threadID, e.ItemID); err != nil && !errors.Is(err, ErrNotFound) {
			return false, fmt.Errorf("delete item %s: %w", e.ItemID, err)
		}
		delete(r.pending, e.ItemID)
	case ThreadCreatedEvent, ThreadUpdatedEvent:
		return false, fmt.Errorf("chatkit: %s is emitted by the server; use UpdateThread", ev.EventType())
	}
	return !hidden, nil
}

// takePending returns the items still in progress and forgets them.
func (r *turnRecord) takePending() []Item {
	out := make([]Item, 0, len(r.pending))
	for _, it := range r.pending {
		out = append(out, it)
	}
	r.pending = map[string]Item{}
	return out
}

// saveThread stores the fields of cur that differ from old (the last saved
// version) over a fresh copy of the thread, so that a concurrent rename is
// not undone, and returns what it stored.
func (r *turnRecord) saveThread(cur, old ThreadMetadata) (ThreadMetadata, error) {
	fresh, err := r.store.LoadThread(r.ctx, r.user, cur.ID)
	if err != nil {
		fresh = cur
	}
	if cur.Title != old.Title {
		// A title the responder set (a model's, say): its control
		// characters are dropped, as from a typed message (CleanText);
		// the store would refuse them.
		fresh.Title = CleanText(cur.Title)
	}
	if cur.Status != old.Status {
		fresh.Status = cur.Status
	}
	if !reflect.DeepEqual(cur.AllowedImageDomains, old.AllowedImageDomains) {
		fresh.AllowedImageDomains = cur.AllowedImageDomains
	}
	if !reflect.DeepEqual(cur.Metadata, old.Metadata) {
		fresh.Metadata = cur.Metadata
	}
	if err := r.store.SaveThread(r.ctx, r.user, fresh); err != nil {
		return ThreadMetadata{}, err
	}
	return fresh, nil
}

func threadEqual(a, b ThreadMetadata) bool {
	return a.Title == b.Title && a.Status == b.Status &&
		reflect.DeepEqual(a.AllowedImageDomains, b.AllowedImageDomains) &&
		(len(a.Metadata) == 0 && len(b.Metadata) == 0 || reflect.DeepEqual(a.Metadata, b.Metadata))
}
