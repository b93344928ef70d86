package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Group commit (SQLite only). SQLite has one writer, so under load the chat
// store's single-statement writes queue for the writer connection, and each
// one paid for its own commit (the WAL append of every page it touched).
// The batcher takes the writes waiting at that moment and runs them in one
// transaction: one commit for many turns' writes. A caller gets its answer
// only after the commit, so an acknowledged write is as durable as before.
//
// A statement that fails a constraint (a foreign key: the thread is gone) is
// undone on its own by SQLite and the transaction goes on; any other failure
// rolls the batch back and runs its statements one by one, so no caller gets
// another's error.

// maxBatch bounds the statements of one group commit.
const maxBatch = 128

var errStoreClosed = errors.New("storage: store closed")

type batchReq struct {
	ctx   context.Context
	query string
	args  []any
	done  chan batchRes
}

type batchRes struct {
	rows int64
	err  error
}

type batcher struct {
	db   *sql.DB
	reqs chan *batchReq // unbuffered: a request is either taken or refused
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func newBatcher(db *sql.DB) *batcher {
	b := &batcher{db: db, reqs: make(chan *batchReq), quit: make(chan struct{})}
	b.wg.Go(b.loop)
	return b
}

// exec runs one write statement and returns the rows it affected. It waits
// for the commit even when ctx ends meanwhile (the write may be in it).
func (b *batcher) exec(ctx context.Context, query string, args ...any) (int64, error) {
	r := &batchReq{ctx: ctx, query: query, args: args, done: make(chan batchRes, 1)}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-b.quit:
		return 0, errStoreClosed
	}
	res := <-r.done
	return res.rows, res.err
}

func (b *batcher) close() {
	b.once.Do(func() { close(b.quit) })
	b.wg.Wait()
}

func (b *batcher) loop() {
	batch := make([]*batchReq, 0, maxBatch)
	for {
		select {
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		case <-b.quit:
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		b.run(batch)
		clear(batch)
	}
}

func (b *batcher) run(batch []*batchReq) {
	if len(batch) == 1 {
		b.one(batch[0])
		return
	}
	results, err := b.inTx(batch)
	if err != nil {
		for _, r := range batch {
			b.one(r)
		}
		return
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// one runs r on its own (autocommit).
func (b *batcher) one(r *batchReq) {
	if err := r.ctx.Err(); err != nil {
		r.done <- batchRes{err: err}
		return
	}
	res, err := b.db.ExecContext(context.WithoutCancel(r.ctx), r.query, r.args...)
	r.done <- result(res, err)
}

// inTx runs the batch in one transaction. A non-nil error means nothing was
// committed (the batch is to be run one by one).
func (b *batcher) inTx(batch []*batchReq) ([]batchRes, error) {
	tx, err := b.db.BeginTx(context.WithoutCancel(batch[0].ctx), nil)
	if err != nil {
		return nil, fmt.Errorf("begin batch: %w", err)
	}
	results := make([]batchRes, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i].err = err // never started: safe to refuse
			continue
		}
		res, err := tx.ExecContext(context.WithoutCancel(r.ctx), r.query, r.args...)
		if err != nil && !isConstraint(err) {
			_ = tx.Rollback()
			return nil, err
		}
		results[i] = result(res, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit batch: %w", err)
	}
	return results, nil
}

func result(res sql.Result, err error) batchRes {
	if err != nil {
		return batchRes{err: err}
	}
	n, err := res.RowsAffected()
	return batchRes{rows: n, err: err}
}

// isConstraint reports a constraint failure, which SQLite undoes for the one
// statement while the transaction stays usable.
func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// execWrite runs a single-statement write: through the group commit on
// SQLite, directly on PostgreSQL. It returns the rows affected. Never call
// it inside a WithTx callback (the writer connection is taken).
func (db *DB) execWrite(ctx context.Context, query string, args ...any) (int64, error) {
	if db.batch != nil {
		return db.batch.exec(ctx, query, args...)
	}
	res, err := db.SQL.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
