package chatkit

import (
	"errors"
	"fmt"
	"reflect"
)

// turnRecord is the turn engine's persistence step, kept apart from
// delivery: for each event a responder emits, record queues the write the
// store must hold before the event may be sent (thread.item.done: the item;
// replaced: the new version; removed: the deletion) and tracks the items
// still in progress (added/updated, never stored), which a cancelled turn
// saves. The sink commits the queued writes (TurnSession.Commit, with the
// thread's changes) before it sends the events that wait for them.
type turnRecord struct {
	pending map[string]Item
	ops     []TurnItemWrite
}

// record queues ev's write. It reports whether ev waits for a commit
// (persisted), whether it is sent to the client (hidden items are stored,
// never sent), or the error that fails the Emit.
func (r *turnRecord) record(ev Event) (persisted, send bool, err error) {
	switch e := ev.(type) {
	case ThreadItemAddedEvent:
		if e.Item == nil {
			return false, false, errors.New("chatkit: thread.item.added without item")
		}
		c, err := CloneItem(e.Item)
		if err != nil {
			return false, false, fmt.Errorf("chatkit: thread.item.added: %w", err)
		}
		r.pending[e.Item.Header().ID] = c
	case ThreadItemUpdatedEvent:
		if e.Update == nil {
			return false, false, errors.New("chatkit: thread.item.updated without update")
		}
		if it, ok := r.pending[e.ItemID]; ok {
			applyUpdate(it, e.Update)
		}
	case ThreadItemDoneEvent:
		if e.Item == nil {
			return false, false, errors.New("chatkit: thread.item.done without item")
		}
		r.ops = append(r.ops, TurnItemWrite{Item: e.Item})
		delete(r.pending, e.Item.Header().ID)
		return true, !IsHidden(e.Item), nil
	case ThreadItemReplacedEvent:
		if e.Item == nil {
			return false, false, errors.New("chatkit: thread.item.replaced without item")
		}
		r.ops = append(r.ops, TurnItemWrite{Item: e.Item})
		delete(r.pending, e.Item.Header().ID)
		return true, !IsHidden(e.Item), nil
	case ThreadItemRemovedEvent:
		r.ops = append(r.ops, TurnItemWrite{DeleteID: e.ItemID})
		delete(r.pending, e.ItemID)
		return true, true, nil
	case ThreadCreatedEvent, ThreadUpdatedEvent:
		return false, false, fmt.Errorf("chatkit: %s is emitted by the server; use UpdateThread", ev.EventType())
	}
	return false, true, nil
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

// threadChanges returns the fields of cur that differ from old (the last
// stored version), nil when none do. A title the responder set (a model's,
// say) has its control characters dropped, as from a typed message
// (CleanText); the store would refuse them.
func threadChanges(cur, old ThreadMetadata) *ThreadUpdate {
	if threadEqual(cur, old) {
		return nil
	}
	u := &ThreadUpdate{ID: cur.ID}
	if cur.Title != old.Title {
		title := CleanText(cur.Title)
		u.Title = &title
	}
	if cur.Status != old.Status {
		st := cur.Status
		u.Status = &st
	}
	if !reflect.DeepEqual(cur.AllowedImageDomains, old.AllowedImageDomains) {
		d := cur.AllowedImageDomains
		u.AllowedImageDomains = &d
	}
	if (len(cur.Metadata) > 0 || len(old.Metadata) > 0) && !reflect.DeepEqual(cur.Metadata, old.Metadata) {
		m := cur.Metadata
		u.Metadata = &m
	}
	return u
}

func threadEqual(a, b ThreadMetadata) bool {
	return a.Title == b.Title && a.Status == b.Status &&
		reflect.DeepEqual(a.AllowedImageDomains, b.AllowedImageDomains) &&
		(len(a.Metadata) == 0 && len(b.Metadata) == 0 || reflect.DeepEqual(a.Metadata, b.Metadata))
}
