package chatstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/storage"
)

// The turn storage steps (chatkit.TurnStore). On PostgreSQL a turn keeps one
// connection of the lock pool (storage.Session) from OpenTurn to its last
// Commit: it takes the thread's advisory lock there and pipelines each step's
// statements in a pgx batch, so a turn costs few round trips:
//
//   - OpenTurn on an existing thread: [BEGIN, pg_advisory_lock, the thread
//     FOR NO KEY UPDATE with its item count, the newest items], then the user
//     message (stamped once the lock is held) with [INSERT, COMMIT]: two
//     round trips, one transaction, the message committed before the model
//     runs. On a new thread: [pg_advisory_lock, the thread count, the
//     conditional INSERTs of the thread and the message]: one.
//   - Commit: [UPDATE the thread when it changed (else, ending the turn,
//     lock its row FOR NO KEY UPDATE), the items' upserts and deletions,
//     pg_advisory_unlock when it ends the turn]: one round trip, one
//     (implicit) transaction.
//
// The unlock runs inside the last commit's transaction, so the next turn may
// take the lock a moment before that transaction commits. It cannot read
// before it, though: every last commit locks the thread's row first (its
// UPDATE, or FOR NO KEY UPDATE), and OpenTurn reads the thread FOR NO KEY
// UPDATE right after taking the lock, which waits for that commit; its
// later statements then see it.
//
// On SQLite (one process; the lock is in-process and writes group-commit)
// the steps are chatkit.PlainTurns.

var _ chatkit.TurnStore = (*Store)(nil)

// OpenTurn implements chatkit.TurnStore.
func (s *Store) OpenTurn(ctx context.Context, userID string, o chatkit.TurnOpen) (sess chatkit.TurnSession, opened chatkit.TurnOpened, err error) {
	if s.db.Dialect != storage.Postgres {
		return chatkit.PlainTurns{Store: s}.OpenTurn(ctx, userID, o)
	}
	ctx, done := s.db.Observe(ctx, storeName, "open_turn")
	defer func() { done(err) }()
	if !chatkit.ValidText(o.ThreadID) {
		return nil, opened, notFound("thread", o.ThreadID)
	}
	lockCtx, cancel := ctx, context.CancelFunc(func() {})
	if o.LockTimeout > 0 {
		lockCtx, cancel = context.WithTimeout(ctx, o.LockTimeout)
	}
	defer cancel()
	busy := func(err error) error {
		if lockCtx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("%w: %w", chatkit.ErrBusy, err)
		}
		return err
	}
	conn, err := s.db.LockSession(lockCtx)
	if err != nil {
		return nil, opened, busy(err)
	}
	ps := &pgSession{s: s, conn: conn, user: userID, thread: o.ThreadID, key: storage.LockKey(lockName(userID, o.ThreadID)), held: true,
		ctx: context.WithoutCancel(ctx)}
	if o.Create != nil {
		opened, err = ps.openNew(lockCtx, o)
	} else {
		opened, err = ps.openExisting(lockCtx, o)
	}
	if err != nil {
		ps.finish(true)
		return nil, chatkit.TurnOpened{}, busy(err)
	}
	if !ps.held {
		// Refused, or a missing thread (opened zero): lock released.
		if opened.Thread.ID == "" {
			return nil, chatkit.TurnOpened{}, notFound("thread", o.ThreadID)
		}
	}
	return ps, opened, nil
}

// pgSession is an open turn on PostgreSQL: its lock connection, holding the
// thread's advisory lock while held is set.
type pgSession struct {
	s      *Store
	conn   *storage.Session
	user   string
	thread string
	key    int64
	// ctx is OpenTurn's, without its cancellation: Close releases the
	// lock even after the request has ended.
	ctx context.Context

	mu   sync.Mutex
	held bool // the lock is held (the connection not released)
	gone bool // the connection is released
}

// batch sends b on the session's connection and hands each queued
// statement's results to read, in order, then closes the batch.
func (ps *pgSession) batch(ctx context.Context, b *pgx.Batch, read func(pgx.BatchResults) error) error {
	return ps.conn.Run(func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, b)
		err := read(br)
		return errors.Join(err, br.Close())
	})
}

func (ps *pgSession) q(sql string) string { return ps.s.db.Rebind(sql) }

func (ps *pgSession) openExisting(ctx context.Context, o chatkit.TurnOpen) (opened chatkit.TurnOpened, err error) {
	b := &pgx.Batch{}
	write := o.Add != nil
	if write {
		b.Queue("BEGIN")
	}
	b.Queue("SELECT pg_advisory_lock($1)", ps.key)
	count := "0"
	if o.MaxItems > 0 {
		count = `(SELECT COUNT(*) FROM chat_items i WHERE i.user_id = ? AND i.thread_id = ?)`
	}
	args := []any{}
	if o.MaxItems > 0 {
		args = append(args, ps.user, ps.thread)
	}
	// The row lock waits for the commit of the turn that released the lock
	// (NO KEY: the items' foreign-key checks are not blocked by it).
	b.Queue(ps.q(`SELECT `+threadColumns+`, `+count+` FROM chat_threads WHERE user_id = ? AND id = ? FOR NO KEY UPDATE`), append(args, ps.user, ps.thread)...)
	if o.History > 0 {
		b.Queue(ps.q(`SELECT payload FROM chat_items WHERE user_id = ? AND thread_id = ?`+anyCreatedAt+` ORDER BY created_at DESC, seq DESC LIMIT ?`), ps.user, ps.thread, o.History)
	}
	found := true
	err = ps.batch(ctx, b, func(br pgx.BatchResults) error {
		if write {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("begin: %w", err)
			}
		}
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("lock thread: %w", err)
		}
		var items int64
		t, err := scanThread(scanFunc(func(dest ...any) error { return br.QueryRow().Scan(append(dest, &items)...) }))
		if errors.Is(err, pgx.ErrNoRows) {
			found = false
		} else if err != nil {
			return fmt.Errorf("load thread: %w", err)
		}
		opened.Thread, opened.Items = t, int(items)
		if o.History > 0 {
			if opened.History, err = readItems(br); err != nil {
				return fmt.Errorf("load history: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return opened, err
	}
	if !found || (o.MaxItems > 0 && opened.Items >= o.MaxItems) {
		opened.Refused = found
		if !found {
			opened = chatkit.TurnOpened{}
		}
		return opened, ps.release(ctx, write)
	}
	if !write {
		return opened, nil
	}
	b = &pgx.Batch{}
	adds := o.Add() // stamped now that the lock is held
	for _, it := range adds {
		args, err := itemArgs(ps.user, ps.thread, it)
		if err != nil {
			return opened, err
		}
		b.Queue(ps.q(upsertItemSQL), args...)
	}
	b.Queue("COMMIT")
	err = ps.batch(ctx, b, func(br pgx.BatchResults) error {
		for _, it := range adds {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("add item %s: %w", it.Header().ID, err)
			}
		}
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
	return opened, err
}

// release ends a refused opening: the transaction rolled back (rollback)
// and the lock released, in one round trip; the connection goes back.
func (ps *pgSession) release(ctx context.Context, rollback bool) error {
	b := &pgx.Batch{}
	if rollback {
		b.Queue("ROLLBACK")
	}
	b.Queue("SELECT pg_advisory_unlock($1)", ps.key)
	err := ps.batch(ctx, b, func(br pgx.BatchResults) error {
		if rollback {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		var released bool
		if err := br.QueryRow().Scan(&released); err != nil {
			return err
		}
		if !released {
			return errors.New("the lock was not held")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release thread: %w", err)
	}
	ps.finish(false)
	return nil
}

func (ps *pgSession) openNew(ctx context.Context, o chatkit.TurnOpen) (opened chatkit.TurnOpened, err error) {
	t := *o.Create
	if err := checkText(t.ID, t.Title); err != nil {
		return opened, fmt.Errorf("create thread: %w", err)
	}
	title, status, meta, domains, err := threadArgs(t)
	if err != nil {
		return opened, fmt.Errorf("create thread %s: %w", t.ID, err)
	}
	var adds []chatkit.Item
	if o.Add != nil {
		adds = o.Add() // a new thread: no one else writes it
	}
	b := &pgx.Batch{}
	b.Queue("SELECT pg_advisory_lock($1)", ps.key)
	insert := `INSERT INTO chat_threads (user_id, id, title, status, metadata, allowed_image_domains, created_at, updated_at)
SELECT ?, ?, ?, ?, ?, ?, ?::bigint, ?::bigint`
	args := []any{ps.user, t.ID, title, status, meta, domains, micros(t.CreatedAt), micros(time.Now())}
	if o.MaxThreads > 0 {
		b.Queue(ps.q(`SELECT COUNT(*) FROM chat_threads WHERE user_id = ?`), ps.user)
		insert += ` WHERE (SELECT COUNT(*) FROM chat_threads WHERE user_id = ?) < ?`
		args = append(args, ps.user, o.MaxThreads)
	}
	b.Queue(ps.q(insert), args...)
	for _, it := range adds {
		args, err := itemArgs(ps.user, ps.thread, it)
		if err != nil {
			return opened, err
		}
		b.Queue(ps.q(`INSERT INTO chat_items (user_id, id, thread_id, type, hidden, created_at, payload)
SELECT ?, ?, ?, ?, ?::boolean, ?::bigint, ? WHERE EXISTS (SELECT 1 FROM chat_threads WHERE user_id = ? AND id = ?)`), append(args, ps.user, ps.thread)...)
	}
	var created int64
	err = ps.batch(ctx, b, func(br pgx.BatchResults) error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("lock thread: %w", err)
		}
		if o.MaxThreads > 0 {
			var n int64
			if err := br.QueryRow().Scan(&n); err != nil {
				return fmt.Errorf("count threads: %w", err)
			}
			opened.Threads = int(n)
		}
		tag, err := br.Exec()
		if err != nil {
			return fmt.Errorf("create thread %s: %w", t.ID, err)
		}
		created = tag.RowsAffected()
		for _, it := range adds {
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("add item %s: %w", it.Header().ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return opened, err
	}
	opened.Thread = t
	if created == 0 {
		opened.Refused = true
		return opened, ps.release(ctx, false)
	}
	return opened, nil
}

// upsertItemsSQL is upsertItemSQL for n items (distinct ids: one row may
// not be upserted twice in a statement).
func upsertItemsSQL(n int) string {
	values := strings.Repeat(", (?, ?, ?, ?, ?, ?, ?)", n)[2:]
	return `
INSERT INTO chat_items (user_id, id, thread_id, type, hidden, created_at, payload)
VALUES ` + values + `
ON CONFLICT (user_id, thread_id, id) DO UPDATE SET
    type = excluded.type, hidden = excluded.hidden, created_at = excluded.created_at, payload = excluded.payload`
}

// scanFunc adapts a func to scanThread's row.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// readItems reads a batch result of payload rows.
func readItems(br pgx.BatchResults) ([]chatkit.Item, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []chatkit.Item
	for rows.Next() {
		var payload []byte
		if err := rows.Scan(&payload); err != nil {
			return nil, err
		}
		it, err := chatkit.UnmarshalItem(payload)
		if err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Commit implements chatkit.TurnSession: one batch, one transaction.
func (ps *pgSession) Commit(ctx context.Context, w chatkit.TurnWrites) (fresh chatkit.ThreadMetadata, err error) {
	ctx, done := ps.s.db.Observe(ctx, storeName, "commit_turn")
	defer func() { done(err) }()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if !ps.held {
		return fresh, errors.New("chatkit: commit on an ended turn")
	}
	b := &pgx.Batch{}
	touch := w.Thread != nil || w.End
	switch {
	case w.Thread != nil:
		set, args, err := threadSet(w.Thread)
		if err != nil {
			return fresh, fmt.Errorf("save thread %s: %w", ps.thread, err)
		}
		args = append([]any{micros(time.Now())}, args...)
		b.Queue(ps.q(`UPDATE chat_threads SET updated_at = ?`+set+` WHERE user_id = ? AND id = ? RETURNING `+threadColumns), append(args, ps.user, ps.thread)...)
	case w.End:
		// The row lock the next turn's OpenTurn waits for (see above),
		// without writing a new version of the row.
		b.Queue(ps.q(`SELECT `+threadColumns+` FROM chat_threads WHERE user_id = ? AND id = ? FOR NO KEY UPDATE`), ps.user, ps.thread)
	}
	// The writes in order: a run of upserts of distinct items is one
	// multi-row INSERT (one statement for a turn's reply), a deletion two.
	var steps []string // what each queued statement is, for its error
	for i := 0; i < len(w.Items); {
		op := w.Items[i]
		if op.Item == nil {
			b.Queue(ps.q(`DELETE FROM chat_items WHERE user_id = ? AND thread_id = ? AND id = ?`), ps.user, ps.thread, op.DeleteID)
			b.Queue(ps.q(`DELETE FROM chat_feedback WHERE user_id = ? AND thread_id = ? AND item_id = ?`), ps.user, ps.thread, op.DeleteID)
			steps = append(steps, "delete item "+op.DeleteID, "delete item "+op.DeleteID)
			i++
			continue
		}
		seen := map[string]bool{}
		var args []any
		j := i
		for ; j < len(w.Items) && w.Items[j].Item != nil && !seen[w.Items[j].Item.Header().ID]; j++ {
			it := w.Items[j].Item
			seen[it.Header().ID] = true
			a, err := itemArgs(ps.user, ps.thread, it)
			if err != nil {
				return fresh, err
			}
			args = append(args, a...)
		}
		b.Queue(ps.q(upsertItemsSQL(j-i)), args...)
		steps = append(steps, "save item "+op.Item.Header().ID)
		i = j
	}
	if w.End {
		b.Queue("SELECT pg_advisory_unlock($1)", ps.key)
	}
	missing := false
	err = ps.batch(ctx, b, func(br pgx.BatchResults) error {
		if touch {
			t, err := scanThread(br.QueryRow())
			if errors.Is(err, pgx.ErrNoRows) {
				missing = true
			} else if err != nil {
				return fmt.Errorf("save thread: %w", err)
			}
			fresh = t
		}
		for _, step := range steps {
			if _, err := br.Exec(); err != nil {
				if storage.IsForeignKeyViolation(err) {
					return notFound("thread", ps.thread)
				}
				return fmt.Errorf("%s: %w", step, err)
			}
		}
		if w.End {
			var released bool
			if err := br.QueryRow().Scan(&released); err != nil {
				return fmt.Errorf("release thread: %w", err)
			}
		}
		return nil
	})
	if w.End {
		// A failed batch rolled back before the unlock ran: closing the
		// connection releases the lock.
		ps.finishLocked(err != nil)
	}
	if err != nil {
		return chatkit.ThreadMetadata{}, err
	}
	if missing && w.Thread != nil {
		return fresh, notFound("thread", ps.thread)
	}
	return fresh, nil
}

// threadSet is the SET clause (after updated_at) of a thread's changed
// fields, with its arguments.
func threadSet(u *chatkit.ThreadUpdate) (string, []any, error) {
	if u == nil {
		return "", nil, nil
	}
	var (
		set  strings.Builder
		args []any
	)
	if u.Title != nil {
		if err := chatkit.CheckText("title", *u.Title); err != nil {
			return "", nil, err
		}
		var title any
		if *u.Title != "" {
			title = *u.Title
		}
		set.WriteString(`, title = ?`)
		args = append(args, title)
	}
	if u.Status != nil {
		st, err := statusArg(*u.Status)
		if err != nil {
			return "", nil, err
		}
		set.WriteString(`, status = ?`)
		args = append(args, st)
	}
	if u.AllowedImageDomains != nil {
		d, err := domainsArg(*u.AllowedImageDomains)
		if err != nil {
			return "", nil, err
		}
		set.WriteString(`, allowed_image_domains = ?`)
		args = append(args, d)
	}
	if u.Metadata != nil {
		_, _, meta, _, err := threadArgs(chatkit.ThreadMetadata{Metadata: *u.Metadata})
		if err != nil {
			return "", nil, err
		}
		set.WriteString(`, metadata = ?`)
		args = append(args, meta)
	}
	return set.String(), args, nil
}

// Close implements chatkit.TurnSession: the lock released (one round trip)
// unless a Commit with End did.
func (ps *pgSession) Close() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if !ps.held {
		return
	}
	ctx, cancel := context.WithTimeout(ps.ctx, 5*time.Second)
	defer cancel()
	var released bool
	err := ps.conn.Run(func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_advisory_unlock($1)", ps.key).Scan(&released)
	})
	ps.finishLocked(err != nil || !released)
}

// finish gives the connection back (discard: closed, releasing whatever it
// holds).
func (ps *pgSession) finish(discard bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.finishLocked(discard)
}

func (ps *pgSession) finishLocked(discard bool) {
	if ps.gone {
		return
	}
	ps.held, ps.gone = false, true
	ps.conn.Release(discard)
}
