package chatstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/storage"
)

var (
	_ chatkit.ThreadPageLoader = (*Store)(nil)
	_ chatkit.ThreadUpdater    = (*Store)(nil)
)

// LoadThreadPage implements chatkit.ThreadPageLoader: on PostgreSQL the
// thread and the page's query go out in one batch (one round trip); on
// SQLite they are two reads of the reader pool.
func (s *Store) LoadThreadPage(ctx context.Context, userID, threadID string, opts chatkit.ListOptions) (t chatkit.ThreadMetadata, page chatkit.Page[chatkit.Item], err error) {
	if s.db.Dialect != storage.Postgres {
		if t, err = s.LoadThread(ctx, userID, threadID); err != nil {
			return t, page, err
		}
		page, err = s.ListItems(ctx, userID, threadID, opts)
		return t, page, err
	}
	ctx, done := s.db.Observe(ctx, storeName, "load_thread_page")
	defer func() { done(err) }()
	opts = opts.Normalized()
	if !chatkit.ValidText(threadID) || !chatkit.ValidText(opts.After) {
		// A NUL PostgreSQL would refuse: no such thread (or cursor).
		if t, err = s.LoadThread(ctx, userID, threadID); err != nil {
			return t, page, err
		}
		return t, chatkit.Page[chatkit.Item]{Data: []chatkit.Item{}}, nil
	}
	q, args := s.itemsQuery(userID, threadID, opts)
	b := &pgx.Batch{}
	b.Queue(s.db.Rebind(`SELECT `+threadColumns+` FROM chat_threads WHERE user_id = ? AND id = ?`), userID, threadID)
	b.Queue(s.db.Rebind(q), args...)
	var raw chatkit.Page[[]byte]
	found := true
	err = s.db.Batch(ctx, b, func(br pgx.BatchResults) error {
		t, err = scanThread(br.QueryRow())
		if errors.Is(err, pgx.ErrNoRows) {
			found = false
		} else if err != nil {
			return fmt.Errorf("load thread %s: %w", threadID, err)
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("list items of %s: %w", threadID, err)
		}
		defer rows.Close()
		raw, err = readPage(rows, opts.Limit)
		if err != nil {
			return fmt.Errorf("list items of %s: %w", threadID, err)
		}
		return nil
	})
	if err != nil {
		return chatkit.ThreadMetadata{}, page, err
	}
	if !found {
		return chatkit.ThreadMetadata{}, page, notFound("thread", threadID)
	}
	page = chatkit.Page[chatkit.Item]{Data: make([]chatkit.Item, 0, len(raw.Data)), HasMore: raw.HasMore, After: raw.After}
	for _, payload := range raw.Data {
		it, err := chatkit.UnmarshalItem(payload)
		if err != nil {
			return chatkit.ThreadMetadata{}, chatkit.Page[chatkit.Item]{}, fmt.Errorf("list items of %s: decode: %w", threadID, err)
		}
		page.Data = append(page.Data, it)
	}
	return t, page, nil
}

// readPage reads (id, payload) rows of an itemsQuery into a page of at most
// limit payloads.
func readPage(rows pgx.Rows, limit int) (chatkit.Page[[]byte], error) {
	page := chatkit.Page[[]byte]{Data: make([][]byte, 0, min(limit+1, 128))}
	var ids []string
	for rows.Next() {
		var id string
		var payload []byte
		if err := rows.Scan(&id, &payload); err != nil {
			return page, err
		}
		page.Data = append(page.Data, payload)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Data) > limit {
		page.Data = page.Data[:limit]
		page.HasMore = true
		page.After = ids[limit-1]
	}
	return page, nil
}

// UpdateThread implements chatkit.ThreadUpdater: one UPDATE … RETURNING
// (group-committed on SQLite).
func (s *Store) UpdateThread(ctx context.Context, userID string, u chatkit.ThreadUpdate) (t chatkit.ThreadMetadata, err error) {
	ctx, done := s.db.Observe(ctx, storeName, "update_thread")
	defer func() { done(err) }()
	if !chatkit.ValidText(u.ID) {
		return t, notFound("thread", u.ID)
	}
	set, args, err := threadSet(&u)
	if err != nil {
		return t, fmt.Errorf("save thread %s: %w", u.ID, err)
	}
	args = append(append([]any{micros(time.Now())}, args...), userID, u.ID)
	q := s.db.Rebind(`UPDATE chat_threads SET updated_at = ?` + set + ` WHERE user_id = ? AND id = ? RETURNING ` + threadColumns)
	err = s.db.WriteStmt(ctx, func(ctx context.Context, tx storage.Tx) error {
		row, err := scanThread(tx.QueryRowContext(ctx, q, args...))
		if err != nil {
			return err
		}
		t = row
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return chatkit.ThreadMetadata{}, notFound("thread", u.ID)
	}
	if err != nil {
		return chatkit.ThreadMetadata{}, fmt.Errorf("save thread %s: %w", u.ID, err)
	}
	return t, nil
}

var _ chatkit.FeedbackStore = (*Store)(nil)

// SaveThreadFeedback implements chatkit.FeedbackStore. On PostgreSQL it is
// one statement (one round trip, atomic): the thread's check, the items'
// check and the upserts, written only when both pass. On SQLite it is
// SaveFeedback's transaction, telling the thread's absence from an item's.
func (s *Store) SaveThreadFeedback(ctx context.Context, userID string, f chatkit.Feedback) (err error) {
	if s.db.Dialect != storage.Postgres {
		return s.saveFeedback(ctx, userID, f, true)
	}
	ctx, done := s.db.Observe(ctx, storeName, "save_feedback")
	defer func() { done(err) }()
	if !chatkit.ValidText(f.ThreadID) {
		return notFound("thread", f.ThreadID)
	}
	ids := uniqueIDs(f.ItemIDs)
	for _, id := range ids {
		if !chatkit.ValidText(id) {
			return fmt.Errorf("%w: %w", chatkit.ErrUnknownItem, notFound("item", id))
		}
	}
	var (
		thread      bool
		found, made int
	)
	err = s.db.SQL.QueryRowContext(ctx, `WITH th AS (SELECT 1 FROM chat_threads WHERE user_id = $1 AND id = $2),
found AS (SELECT id FROM chat_items WHERE user_id = $1 AND thread_id = $2 AND id = ANY($3::text[])),
ins AS (
  INSERT INTO chat_feedback (user_id, thread_id, item_id, kind, created_at)
  SELECT $1, $2, id, $4, $5::bigint FROM found
  WHERE (SELECT COUNT(*) FROM found) = $6::int AND EXISTS (SELECT 1 FROM th)
  ON CONFLICT (user_id, thread_id, item_id) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM th), (SELECT COUNT(*) FROM found), (SELECT COUNT(*) FROM ins)`,
		userID, f.ThreadID, ids, f.Kind, micros(time.Now()), len(ids)).Scan(&thread, &found, &made)
	switch {
	case err != nil:
		return fmt.Errorf("save feedback on %s: %w", f.ThreadID, err)
	case !thread:
		return notFound("thread", f.ThreadID)
	case found < len(ids):
		return fmt.Errorf("%w: %w", chatkit.ErrUnknownItem, notFound("item", "of the feedback"))
	}
	return nil
}
