// Package memstore is an in-memory chatkit.Store with the same semantics as
// the SQL stores: per-user scoping, (created_at, insertion) ordering,
// exclusive cursors, hidden-item filtering in the query and per-thread
// locks. It is used by tests and benchmarks; data is lost on exit.
package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// Store is an in-memory chatkit.Store. The zero value is not usable; call New.
type Store struct {
	mu          sync.RWMutex
	seq         int64
	owners      map[string]string // thread id → user id
	threads     map[string]*thread
	byUser      map[string][]*thread // sorted by (created_at, seq)
	attachments map[string]attachment
	locks       sync.Map // "user\x00thread" → chan struct{} (capacity 1)
}

type thread struct {
	user  string
	meta  chatkit.ThreadMetadata
	seq   int64
	items []*item // sorted by (created_at, seq)
	index map[string]*item
	fb    map[string]string // item id → feedback kind
}

type item struct {
	id        string
	typ       string
	createdAt time.Time
	seq       int64
	data      []byte
}

type attachment struct {
	user string
	data []byte
}

var _ chatkit.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		owners:      map[string]string{},
		threads:     map[string]*thread{},
		byUser:      map[string][]*thread{},
		attachments: map[string]attachment{},
	}
}

func notFound(kind, id string) error {
	return fmt.Errorf("%s %s: %w", kind, id, chatkit.ErrNotFound)
}

func cmpThread(a, b *thread) int {
	if c := a.meta.CreatedAt.Compare(b.meta.CreatedAt); c != 0 {
		return c
	}
	return int(a.seq - b.seq)
}

func cmpItem(a, b *item) int {
	if c := a.createdAt.Compare(b.createdAt); c != 0 {
		return c
	}
	return int(a.seq - b.seq)
}

// thread returns the user's thread or nil. Caller holds mu.
func (s *Store) thread(user, id string) *thread {
	t := s.threads[id]
	if t == nil || t.user != user {
		return nil
	}
	return t
}

// SaveThread implements chatkit.Store.
func (s *Store) SaveThread(_ context.Context, user string, meta chatkit.ThreadMetadata) error {
	// The input-hygiene rule every store keeps (textcheck): the same 400
	// as the SQL stores.
	if err := chatkit.CheckText("id", meta.ID); err != nil {
		return fmt.Errorf("save thread: %w", err)
	}
	if err := chatkit.CheckText("title", meta.Title); err != nil {
		return fmt.Errorf("save thread: %w", err)
	}
	meta = meta.Clone()
	meta.CreatedAt = meta.CreatedAt.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	if owner, ok := s.owners[meta.ID]; ok {
		if owner != user {
			return notFound("thread", meta.ID)
		}
		t := s.threads[meta.ID]
		if !t.meta.CreatedAt.Equal(meta.CreatedAt) {
			list := s.byUser[user]
			list = slices.DeleteFunc(list, func(x *thread) bool { return x == t })
			t.meta = meta
			s.byUser[user] = insertSorted(list, t, cmpThread)
			return nil
		}
		t.meta = meta
		return nil
	}
	s.seq++
	t := &thread{user: user, meta: meta, seq: s.seq, index: map[string]*item{}, fb: map[string]string{}}
	s.owners[meta.ID] = user
	s.threads[meta.ID] = t
	s.byUser[user] = insertSorted(s.byUser[user], t, cmpThread)
	return nil
}

func insertSorted[T any](list []T, v T, cmp func(a, b T) int) []T {
	i, _ := slices.BinarySearchFunc(list, v, cmp)
	return slices.Insert(list, i, v)
}

// LoadThread implements chatkit.Store.
func (s *Store) LoadThread(_ context.Context, user, id string) (chatkit.ThreadMetadata, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.thread(user, id)
	if t == nil {
		return chatkit.ThreadMetadata{}, notFound("thread", id)
	}
	return t.meta.Clone(), nil
}

// ListThreads implements chatkit.Store.
func (s *Store) ListThreads(_ context.Context, user string, opts chatkit.ListOptions) (chatkit.Page[chatkit.ThreadMetadata], error) {
	opts = opts.Normalized()
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.byUser[user]
	var cursor *thread
	if opts.After != "" {
		if cursor = s.thread(user, opts.After); cursor == nil {
			return chatkit.Page[chatkit.ThreadMetadata]{Data: []chatkit.ThreadMetadata{}}, nil
		}
	}
	rows := pageOf(list, cursor, cursor != nil, opts, cmpThread, func(*thread) bool { return true })
	page := chatkit.Page[chatkit.ThreadMetadata]{Data: make([]chatkit.ThreadMetadata, 0, len(rows))}
	for _, t := range rows {
		page.Data = append(page.Data, t.meta.Clone())
	}
	if len(page.Data) > opts.Limit {
		page.Data = page.Data[:opts.Limit]
		page.HasMore = true
		page.After = page.Data[len(page.Data)-1].ID
	}
	return page, nil
}

// pageOf returns up to opts.Limit+1 rows of list (sorted ascending) after
// cursor in opts.Order, keeping those for which keep is true.
func pageOf[T any](list []T, cursor T, hasCursor bool, opts chatkit.ListOptions, cmp func(a, b T) int, keep func(T) bool) []T {
	var out []T
	if opts.Order == chatkit.OrderAsc {
		start := 0
		if hasCursor {
			i, found := slices.BinarySearchFunc(list, cursor, cmp)
			if found {
				i++
			}
			start = i
		}
		for i := start; i < len(list) && len(out) <= opts.Limit; i++ {
			if keep(list[i]) {
				out = append(out, list[i])
			}
		}
		return out
	}
	start := len(list) - 1
	if hasCursor {
		i, _ := slices.BinarySearchFunc(list, cursor, cmp)
		start = i - 1
	}
	for i := start; i >= 0 && len(out) <= opts.Limit; i-- {
		if keep(list[i]) {
			out = append(out, list[i])
		}
	}
	return out
}

// DeleteThread implements chatkit.Store.
func (s *Store) DeleteThread(_ context.Context, user, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.thread(user, id)
	if t == nil {
		return notFound("thread", id)
	}
	delete(s.threads, id)
	delete(s.owners, id)
	s.byUser[user] = slices.DeleteFunc(s.byUser[user], func(x *thread) bool { return x == t })
	for aid, a := range s.attachments {
		if a.user != user {
			continue
		}
		var rec chatkit.Attachment
		if json.Unmarshal(a.data, &rec) == nil && rec.ThreadID == id {
			delete(s.attachments, aid)
		}
	}
	return nil
}

// AddItem implements chatkit.Store.
func (s *Store) AddItem(ctx context.Context, user, threadID string, it chatkit.Item) error {
	return s.SaveItem(ctx, user, threadID, it)
}

// SaveItem implements chatkit.Store.
func (s *Store) SaveItem(_ context.Context, user, threadID string, it chatkit.Item) error {
	data, err := json.Marshal(it)
	if err != nil {
		return fmt.Errorf("encode item: %w", err)
	}
	h := it.Header()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.thread(user, threadID)
	if t == nil {
		return notFound("thread", threadID)
	}
	if old, ok := t.index[h.ID]; ok {
		old.typ, old.data = it.ItemType(), data
		if !old.createdAt.Equal(h.CreatedAt) {
			t.items = slices.DeleteFunc(t.items, func(x *item) bool { return x == old })
			old.createdAt = h.CreatedAt.UTC()
			t.items = insertSorted(t.items, old, cmpItem)
		}
		return nil
	}
	s.seq++
	rec := &item{id: h.ID, typ: it.ItemType(), createdAt: h.CreatedAt.UTC(), seq: s.seq, data: data}
	t.index[h.ID] = rec
	t.items = insertSorted(t.items, rec, cmpItem)
	return nil
}

// LoadItem implements chatkit.Store.
func (s *Store) LoadItem(_ context.Context, user, threadID, itemID string) (chatkit.Item, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.thread(user, threadID)
	if t == nil {
		return nil, notFound("thread", threadID)
	}
	rec := t.index[itemID]
	if rec == nil {
		return nil, notFound("item", itemID)
	}
	return chatkit.UnmarshalItem(rec.data)
}

// DeleteItem implements chatkit.Store.
func (s *Store) DeleteItem(_ context.Context, user, threadID, itemID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.thread(user, threadID)
	if t == nil {
		return notFound("thread", threadID)
	}
	rec := t.index[itemID]
	if rec == nil {
		return notFound("item", itemID)
	}
	delete(t.index, itemID)
	delete(t.fb, itemID)
	t.items = slices.DeleteFunc(t.items, func(x *item) bool { return x == rec })
	return nil
}

// ListItems implements chatkit.Store.
func (s *Store) ListItems(_ context.Context, user, threadID string, opts chatkit.ListOptions) (chatkit.Page[chatkit.Item], error) {
	opts = opts.Normalized()
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.thread(user, threadID)
	if t == nil {
		return chatkit.Page[chatkit.Item]{}, notFound("thread", threadID)
	}
	var cursor *item
	if opts.After != "" {
		if cursor = t.index[opts.After]; cursor == nil {
			return chatkit.Page[chatkit.Item]{Data: []chatkit.Item{}}, nil
		}
	}
	keep := func(it *item) bool {
		return opts.IncludeHidden || !slices.Contains(chatkit.HiddenItemTypes, it.typ)
	}
	rows := pageOf(t.items, cursor, cursor != nil, opts, cmpItem, keep)
	page := chatkit.Page[chatkit.Item]{Data: make([]chatkit.Item, 0, len(rows))}
	for _, rec := range rows {
		it, err := chatkit.UnmarshalItem(rec.data)
		if err != nil {
			return chatkit.Page[chatkit.Item]{}, fmt.Errorf("decode item %s: %w", rec.id, err)
		}
		page.Data = append(page.Data, it)
	}
	if len(page.Data) > opts.Limit {
		page.Data = page.Data[:opts.Limit]
		page.HasMore = true
		page.After = page.Data[len(page.Data)-1].Header().ID
	}
	return page, nil
}

// SaveAttachment implements chatkit.Store.
func (s *Store) SaveAttachment(_ context.Context, user string, a chatkit.Attachment) error {
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode attachment: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.attachments[a.ID]; ok && old.user != user {
		return notFound("attachment", a.ID)
	}
	s.attachments[a.ID] = attachment{user: user, data: data}
	return nil
}

// LoadAttachment implements chatkit.Store.
func (s *Store) LoadAttachment(_ context.Context, user, id string) (chatkit.Attachment, error) {
	s.mu.RLock()
	a, ok := s.attachments[id]
	s.mu.RUnlock()
	if !ok || a.user != user {
		return chatkit.Attachment{}, notFound("attachment", id)
	}
	var out chatkit.Attachment
	if err := json.Unmarshal(a.data, &out); err != nil {
		return chatkit.Attachment{}, fmt.Errorf("decode attachment %s: %w", id, err)
	}
	return out, nil
}

// DeleteAttachment implements chatkit.Store.
func (s *Store) DeleteAttachment(_ context.Context, user, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.attachments[id]
	if !ok || a.user != user {
		return notFound("attachment", id)
	}
	delete(s.attachments, id)
	return nil
}

// SaveFeedback implements chatkit.Store.
func (s *Store) SaveFeedback(_ context.Context, user string, f chatkit.Feedback) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.thread(user, f.ThreadID)
	if t == nil {
		return notFound("thread", f.ThreadID)
	}
	for _, id := range f.ItemIDs {
		if t.index[id] == nil {
			return notFound("item", id) // nothing written
		}
	}
	for _, id := range f.ItemIDs {
		t.fb[id] = f.Kind
	}
	return nil
}

// CountThreads implements chatkit.Store.
func (s *Store) CountThreads(_ context.Context, user string) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.byUser[user]), nil
}

// CountItems implements chatkit.Store.
func (s *Store) CountItems(_ context.Context, user, threadID string) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.thread(user, threadID)
	if t == nil {
		return 0, notFound("thread", threadID)
	}
	return len(t.items), nil
}

// Feedback returns the recorded feedback kind per item id of a thread (for
// tests).
func (s *Store) Feedback(user, threadID string) map[string]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.thread(user, threadID)
	if t == nil {
		return nil
	}
	out := make(map[string]string, len(t.fb))
	for k, v := range t.fb {
		out[k] = v
	}
	return out
}

// LockThread implements chatkit.Store with an in-process lock.
func (s *Store) LockThread(ctx context.Context, user, threadID string) (func(), error) {
	v, _ := s.locks.LoadOrStore(user+"\x00"+threadID, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("lock thread %s: %w", threadID, ctx.Err())
	}
	var once sync.Once
	return func() { once.Do(func() { <-ch }) }, nil
}
