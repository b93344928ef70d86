package chatkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrNotFound is returned (wrapped) by a Store for a thread, item or
// attachment that does not exist or belongs to another user: the two cases
// are indistinguishable. Test with errors.Is(err, ErrNotFound). The Server
// maps it to a 404 (KindNotFound).
var ErrNotFound = errors.New("chatkit: not found")

// ListOptions selects one page of threads or items.
//
//   - Limit ≤ 0 means DefaultPageSize.
//   - Order "" means OrderDesc. Rows are ordered by created_at, ties broken
//     by insertion order (so the order is total and stable).
//   - After is an exclusive cursor: the page starts strictly after the row
//     with that id, in the requested order. An After id that does not exist
//     (or is another user's, or belongs to another thread) yields an empty
//     page with HasMore false.
//   - The page has HasMore true when more rows follow, and then After set to
//     the id of its last row (fetch Limit+1 rows to know).
//   - IncludeHidden (items only): when false, items whose type is in
//     HiddenItemTypes are excluded by the query itself, so pages are full.
type ListOptions struct {
	Limit         int
	Order         Order
	After         string
	IncludeHidden bool
}

// Normalized returns o with defaults applied.
func (o ListOptions) Normalized() ListOptions {
	if o.Limit <= 0 {
		o.Limit = DefaultPageSize
	}
	if o.Order != OrderAsc {
		o.Order = OrderDesc
	}
	return o
}

// Feedback is a user's rating of assistant items (items.feedback).
type Feedback struct {
	ThreadID string
	ItemIDs  []string
	Kind     string // FeedbackPositive | FeedbackNegative
}

// Store persists threads, items, attachments and feedback. Every method
// takes the authenticated user's id and only ever sees that user's rows:
// another user's id behaves exactly like a missing one (ErrNotFound).
// Implementations must be safe for concurrent use.
//
// Times are stored with at least microsecond precision and returned in UTC.
// Items are stored as their JSON (json.Marshal(item)) and read back with
// UnmarshalItem; thread Metadata and attachment Metadata are kept too.
type Store interface {
	// SaveThread inserts or updates a thread's metadata (upsert by id).
	// Updating a thread id owned by another user returns ErrNotFound.
	SaveThread(ctx context.Context, userID string, t ThreadMetadata) error
	// LoadThread returns a thread's metadata.
	LoadThread(ctx context.Context, userID, threadID string) (ThreadMetadata, error)
	// ListThreads pages the user's threads by created_at (IncludeHidden is
	// ignored).
	ListThreads(ctx context.Context, userID string, opts ListOptions) (Page[ThreadMetadata], error)
	// DeleteThread deletes a thread with its items, feedback and the
	// attachment records whose ThreadID is the thread. Missing thread →
	// ErrNotFound.
	DeleteThread(ctx context.Context, userID, threadID string) error

	// AddItem appends an item to a thread (ErrNotFound if the thread is
	// missing). If an item with that id already exists in the thread it is
	// overwritten in place (same as SaveItem).
	AddItem(ctx context.Context, userID, threadID string, item Item) error
	// SaveItem inserts or updates an item by id (upsert); an existing item
	// keeps its position. ErrNotFound if the thread is missing.
	SaveItem(ctx context.Context, userID, threadID string, item Item) error
	// LoadItem returns one item of a thread.
	LoadItem(ctx context.Context, userID, threadID, itemID string) (Item, error)
	// DeleteItem deletes one item (ErrNotFound if it is not there).
	DeleteItem(ctx context.Context, userID, threadID, itemID string) error
	// ListItems pages a thread's items (ErrNotFound if the thread is
	// missing).
	ListItems(ctx context.Context, userID, threadID string, opts ListOptions) (Page[Item], error)

	// SaveAttachment inserts or updates an attachment record (upsert by id).
	SaveAttachment(ctx context.Context, userID string, a Attachment) error
	// LoadAttachment returns an attachment record.
	LoadAttachment(ctx context.Context, userID, attachmentID string) (Attachment, error)
	// DeleteAttachment deletes an attachment record (ErrNotFound if
	// missing).
	DeleteAttachment(ctx context.Context, userID, attachmentID string) error

	// SaveFeedback records feedback on items of a thread (ErrNotFound if the
	// thread is missing). Every id must be an item of that thread: an
	// unknown one is ErrNotFound and nothing is written. Later feedback on
	// the same item replaces earlier.
	SaveFeedback(ctx context.Context, userID string, f Feedback) error
	// CountThreads returns how many threads userID holds (for quotas).
	CountThreads(ctx context.Context, userID string) (int, error)
	// CountItems returns how many items (hidden ones too) a thread holds;
	// ErrNotFound for a missing or foreign thread.
	CountItems(ctx context.Context, userID, threadID string) (int, error)

	// LockThread takes the per-thread turn lock, blocking until it is free
	// or ctx is done (then it returns ctx's error, wrapped). The lock must
	// exclude every holder of the same (user, thread) across all processes
	// sharing the store (PostgreSQL: an advisory lock held on a dedicated
	// connection; SQLite/in-memory: in-process). unlock is idempotent and
	// must be called. Locking does not require the thread to exist.
	LockThread(ctx context.Context, userID, threadID string) (unlock func(), err error)
}

// AttachmentStore keeps attachment bytes. The Server keeps attachment
// records in the Store; an AttachmentStore creates records for two-phase
// uploads (with an UploadDescriptor telling the client where to send the
// bytes) and deletes the bytes.
type AttachmentStore interface {
	// CreateAttachment returns a new attachment record (id from
	// NewID(IDAttachment)) with an UploadDescriptor.
	CreateAttachment(ctx context.Context, userID string, p AttachmentCreateParams) (Attachment, error)
	// DeleteAttachment deletes the bytes of an attachment (no error when
	// there are none).
	DeleteAttachment(ctx context.Context, userID, attachmentID string) error
}

// RawItemLister is implemented by stores that keep each item's encoding
// (chatkit.Marshal's output) and can list it without decoding: items.list
// then sends those bytes as they are. The page must be exactly what
// ListItems would return, encoded.
type RawItemLister interface {
	ListItemsJSON(ctx context.Context, userID, threadID string, opts ListOptions) (Page[json.RawMessage], error)
}

// ThreadPageLoader is implemented by stores that read a thread and a page
// of its items together (threads.get_by_id; one round trip on PostgreSQL).
// The page must be exactly what ListItems would return; a missing or
// foreign thread is ErrNotFound.
type ThreadPageLoader interface {
	LoadThreadPage(ctx context.Context, userID, threadID string, opts ListOptions) (ThreadMetadata, Page[Item], error)
}

// LoadThreadPage reads a thread and a page of its items: through the
// store's ThreadPageLoader when it has one, else LoadThread then ListItems.
func LoadThreadPage(ctx context.Context, store Store, userID, threadID string, opts ListOptions) (ThreadMetadata, Page[Item], error) {
	if l, ok := store.(ThreadPageLoader); ok {
		return l.LoadThreadPage(ctx, userID, threadID, opts)
	}
	meta, err := store.LoadThread(ctx, userID, threadID)
	if err != nil {
		return ThreadMetadata{}, Page[Item]{}, err
	}
	items, err := store.ListItems(ctx, userID, threadID, opts)
	if err != nil {
		return ThreadMetadata{}, Page[Item]{}, err
	}
	return meta, items, nil
}

// ThreadUpdater is implemented by stores that set a thread's changed
// fields in one step (threads.update, a turn's thread changes) and return
// the thread as stored; the other fields keep their stored values. A
// missing or foreign thread is ErrNotFound.
type ThreadUpdater interface {
	UpdateThread(ctx context.Context, userID string, u ThreadUpdate) (ThreadMetadata, error)
}

// UpdateThread sets u's fields on the stored thread: through the store's
// ThreadUpdater when it has one, else LoadThread then SaveThread.
func UpdateThread(ctx context.Context, store Store, userID string, u ThreadUpdate) (ThreadMetadata, error) {
	if up, ok := store.(ThreadUpdater); ok {
		return up.UpdateThread(ctx, userID, u)
	}
	fresh, err := store.LoadThread(ctx, userID, u.ID)
	if err != nil {
		return ThreadMetadata{}, err
	}
	u.Apply(&fresh)
	if err := store.SaveThread(ctx, userID, fresh); err != nil {
		return ThreadMetadata{}, err
	}
	return fresh, nil
}

// ErrUnknownItem is returned (wrapped) by SaveThreadFeedback when the thread
// exists but an id is not one of its items (nothing is written). It does not
// match ErrNotFound, which is the thread's.
var ErrUnknownItem = errors.New("chatkit: not an item of the thread")

// FeedbackStore is implemented by stores that check the thread and record
// feedback in one step (items.feedback; one round trip on PostgreSQL):
// ErrNotFound when the thread is missing or another user's, ErrUnknownItem
// when an id is not an item of it, and then nothing is written.
type FeedbackStore interface {
	SaveThreadFeedback(ctx context.Context, userID string, f Feedback) error
}

// SaveThreadFeedback records f: through the store's FeedbackStore when it
// has one, else LoadThread then SaveFeedback (whose ErrNotFound, the thread
// being there, is an unknown item).
func SaveThreadFeedback(ctx context.Context, store Store, userID string, f Feedback) error {
	if fs, ok := store.(FeedbackStore); ok {
		return fs.SaveThreadFeedback(ctx, userID, f)
	}
	if _, err := store.LoadThread(ctx, userID, f.ThreadID); err != nil {
		return err
	}
	if err := store.SaveFeedback(ctx, userID, f); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("%w: %w", ErrUnknownItem, err)
		}
		return err
	}
	return nil
}
