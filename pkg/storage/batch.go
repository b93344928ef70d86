package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Group commit (SQLite only). SQLite has one writer, so under load writes
// queue for the writer connection, and each one paid for its own commit (the
// WAL append of every page it touched). The batcher takes the writes waiting
// at that moment, in arrival order, and runs them in one transaction: one
// commit for many turns' writes. A caller gets its answer only after the
// commit, so an acknowledged write is as durable as before.
//
// Two kinds of writes share the one queue (FIFO: the order the callers
// arrived in is the order they run in):
//
//   - a single statement (ExecWrite, the chat store). A statement that fails a
//     constraint (a foreign key: the thread is gone) is undone on its own by
//     SQLite and the transaction goes on.
//   - a job (WriteTx): a function running several statements. It runs inside
//     its own SAVEPOINT; when it returns an error (or panics) its statements
//     are undone with ROLLBACK TO and it gets its error, the others go on.
//
// Any other failure (a statement's non-constraint error, a savepoint that
// cannot be released or rolled back to, a failed COMMIT) rolls the batch back
// and runs its writes one by one, each in its own transaction, so no caller
// ever gets another's error. A job may therefore run twice: its first run is
// rolled back, the second is the one whose outcome its caller gets.
//
// Cancellation: modernc.org/sqlite answers a statement whose context ends by
// interrupting the connection, and SQLite may then roll back the whole
// transaction, other callers' writes included. So a write whose context is
// already done is refused before it starts, and a started one runs with a
// context that is never cancelled (context.WithoutCancel: it keeps the
// caller's values, such as the trace span). The caller waits for the commit
// even when its context ends meanwhile: the write may be in it.

// maxBatch bounds the writes of one group commit.
const maxBatch = 128

// jobSavepoint is the savepoint each WriteTx job of a batch runs in.
const jobSavepoint = "taskpilot_write_job"

var errStoreClosed = errors.New("storage: store closed")

// errNestedWrite is returned to a write made from inside a WriteTx job: it
// would wait for the writer the job itself holds.
var errNestedWrite = errors.New("storage: a write from inside a WriteTx job (use the job's tx)")

// Tx is what a WriteTx job runs its statements on: a *sql.Tx without Commit
// and Rollback, which belong to WriteTx.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var _ Tx = (*sql.Tx)(nil)

// WriteTx runs fn as one atomic write: every statement fn runs on tx is
// committed when fn returns nil and undone when it returns an error or
// panics (the panic goes on in the caller). WriteTx returns fn's error as
// is, or a wrapped error of the transaction itself, once the outcome is
// final: a nil error means the writes are committed.
//
// On SQLite fn joins the group commit (see above): it shares a transaction
// and its commit with the other writes waiting at that moment. So fn
//
//   - must run every statement on tx with the ctx it is given (never the
//     caller's: a cancelled statement would roll back the others' writes); on
//     SQLite that ctx is never cancelled, and fn is not started at all when
//     the caller's ctx is already done;
//   - may run more than once (when the shared transaction fails, the batch
//     reruns one by one): it may only touch tx and its own locals, and hand
//     results out by assigning them (a rerun overwrites them), with no other
//     side effect;
//   - must return the error of a failed statement, except a constraint
//     violation, which it may handle on SQLite (SQLite undoes just that
//     statement; PostgreSQL aborts the whole transaction);
//   - must close any rows it opens, be short (the other writers wait for it)
//     and never call WriteTx or another store write (the writer is its own:
//     that fails with an error instead of waiting forever).
//
// On PostgreSQL WriteTx is a plain transaction on the caller's ctx.
func (db *DB) WriteTx(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	if inJob(ctx) {
		return errNestedWrite
	}
	if db.batch != nil {
		return db.batch.job(ctx, fn)
	}
	return runTx(ctx, db.SQL, fn)
}

// WriteStmt runs fn, which runs one write statement on tx (a statement is
// atomic on its own), and reads what it returns: on SQLite as a WriteTx job
// (same rules), on PostgreSQL straight on the pool, without the BEGIN and
// COMMIT round trips. Use it for an UPDATE or DELETE … RETURNING.
func (db *DB) WriteStmt(ctx context.Context, fn func(ctx context.Context, tx Tx) error) error {
	if db.batch != nil || inJob(ctx) {
		return db.WriteTx(ctx, fn)
	}
	return fn(jobContext(ctx), db.SQL)
}

// runTx runs fn in a transaction of its own on pool (PostgreSQL).
func runTx(ctx context.Context, pool *sql.DB, fn func(context.Context, Tx) error) error {
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	p, err := runJob(jobContext(ctx), fn, tx)
	if p != nil || err != nil {
		_ = tx.Rollback()
		if p != nil {
			panic(p)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// runJob calls fn, turning a panic into a value.
func runJob(ctx context.Context, fn func(context.Context, Tx) error, tx Tx) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return nil, fn(ctx, tx)
}

type jobKey struct{}

// jobContext marks ctx as a WriteTx job's, so that a write from inside the
// job fails instead of waiting for the writer the job holds.
func jobContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, jobKey{}, true)
}

func inJob(ctx context.Context) bool { return ctx.Value(jobKey{}) != nil }

type batchReq struct {
	ctx context.Context
	// A single statement (fn == nil) or a job.
	query string
	args  []any
	fn    func(context.Context, Tx) error
	state atomic.Int32 // reqQueued, reqTaken or reqAbandoned
	done  chan batchRes
}

const (
	reqQueued int32 = iota
	reqTaken
	reqAbandoned // its caller's ctx ended before the batcher took it
)

type batchRes struct {
	rows     int64
	err      error
	panicked any // a job's panic, to go on in its caller
}

type batcher struct {
	db *sql.DB
	// between runs on the batcher's goroutine after each batch, once its
	// callers have their answers (the bounded WAL: checkpoint.go); may be nil.
	between func()

	mu     sync.Mutex
	queue  []*batchReq // arrival order
	closed bool

	wake chan struct{} // capacity 1: the queue may be non-empty
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func newBatcher(db *sql.DB, between func()) *batcher {
	b := &batcher{db: db, between: between, wake: make(chan struct{}, 1), quit: make(chan struct{})}
	b.wg.Go(b.loop)
	return b
}

// exec runs one write statement and returns the rows it affected.
func (b *batcher) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res := b.do(&batchReq{ctx: ctx, query: query, args: args})
	return res.rows, res.err
}

// job runs fn as a WriteTx job.
func (b *batcher) job(ctx context.Context, fn func(context.Context, Tx) error) error {
	res := b.do(&batchReq{ctx: ctx, fn: fn})
	if res.panicked != nil {
		panic(res.panicked)
	}
	return res.err
}

// do queues r and waits for its outcome. When r.ctx ends before the
// batcher takes r, r is dropped and ctx's error returned; once taken, do
// waits for the commit even when r.ctx ends meanwhile (the write may be in
// it).
func (b *batcher) do(r *batchReq) batchRes {
	if err := r.ctx.Err(); err != nil {
		return batchRes{err: err}
	}
	r.done = make(chan batchRes, 1)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return batchRes{err: errStoreClosed}
	}
	b.queue = append(b.queue, r)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
	select {
	case res := <-r.done:
		return res
	case <-r.ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return batchRes{err: r.ctx.Err()}
		}
		return <-r.done
	}
}

// queued returns how many writes wait for the batcher (tests).
func (b *batcher) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// close refuses new writes, lets the batcher finish the queued ones and
// waits for it.
func (b *batcher) close() {
	b.once.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		close(b.quit)
	})
	b.wg.Wait()
}

func (b *batcher) loop() {
	batch := make([]*batchReq, 0, maxBatch)
	for {
		select {
		case <-b.wake:
		case <-b.quit:
			for b.next(&batch) { // what was queued before close
				b.run(batch)
			}
			return
		}
		for b.next(&batch) {
			b.run(batch)
			if b.between != nil {
				b.between()
			}
		}
	}
}

// next takes the oldest queued writes (at most maxBatch) into batch, leaving
// out the abandoned ones; false when the queue is empty.
func (b *batcher) next(batch *[]*batchReq) bool {
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		if n == 0 {
			b.mu.Unlock()
			return false
		}
		clear((*batch)[:cap(*batch)])
		*batch = append((*batch)[:0], b.queue[:n]...)
		rest := copy(b.queue, b.queue[n:])
		clear(b.queue[rest:])
		b.queue = b.queue[:rest]
		b.mu.Unlock()
		live := (*batch)[:0]
		for _, r := range *batch {
			if r.state.CompareAndSwap(reqQueued, reqTaken) {
				live = append(live, r)
			}
		}
		if *batch = live; len(live) > 0 {
			return true
		}
	}
}

func (b *batcher) run(batch []*batchReq) {
	if len(batch) == 1 {
		batch[0].done <- b.one(batch[0])
		return
	}
	results, err := b.inTx(batch)
	if err != nil {
		for _, r := range batch {
			r.done <- b.one(r)
		}
		return
	}
	for i, r := range batch {
		r.done <- results[i]
	}
}

// one runs r on its own: a statement in autocommit, a job in a transaction
// of its own. A request whose ctx is done is refused: nothing of it is
// committed.
func (b *batcher) one(r *batchReq) batchRes {
	if err := r.ctx.Err(); err != nil {
		return batchRes{err: err}
	}
	ctx := context.WithoutCancel(r.ctx)
	if r.fn == nil {
		res, err := b.db.ExecContext(ctx, r.query, r.args...)
		return result(res, err)
	}
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return batchRes{err: fmt.Errorf("begin transaction: %w", err)}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		discard(conn)
		return batchRes{err: fmt.Errorf("begin transaction: %w", err)}
	}
	p, err := runJob(jobContext(ctx), r.fn, tx)
	if p != nil || err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			discard(conn) // the transaction may still be open: never reuse it
			if p == nil {
				err = errors.Join(err, fmt.Errorf("roll back transaction: %w", rerr))
			}
		} else {
			_ = conn.Close()
		}
		return batchRes{err: err, panicked: p}
	}
	if err := tx.Commit(); err != nil {
		discard(conn) // a failed COMMIT may leave the transaction open
		return batchRes{err: fmt.Errorf("commit transaction: %w", err)}
	}
	_ = conn.Close()
	return batchRes{}
}

// inTx runs the batch in one transaction. A non-nil error means nothing was
// committed (the batch is to be run one by one).
func (b *batcher) inTx(batch []*batchReq) (results []batchRes, err error) {
	ctx := context.WithoutCancel(batch[0].ctx)
	conn, err := b.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin batch: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		discard(conn)
		return nil, fmt.Errorf("begin batch: %w", err)
	}
	defer func() {
		if err == nil {
			_ = conn.Close()
			return
		}
		// Whatever state a failed batch left the connection in (a COMMIT that
		// failed may leave its transaction open), it is not reused.
		_ = tx.Rollback()
		discard(conn)
	}()
	results = make([]batchRes, len(batch))
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i].err = err // never started: safe to refuse
			continue
		}
		rctx := context.WithoutCancel(r.ctx)
		if r.fn == nil {
			res, err := tx.ExecContext(rctx, r.query, r.args...)
			if err != nil && !isConstraint(err) {
				return nil, err
			}
			results[i] = result(res, err)
			continue
		}
		if results[i], err = runSavepoint(rctx, tx, r.fn); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit batch: %w", err)
	}
	return results, nil
}

// runSavepoint runs a job of a batch inside a savepoint. The result is the
// job's own outcome (its writes undone when it failed); a non-nil error means
// the batch cannot go on.
func runSavepoint(ctx context.Context, tx *sql.Tx, fn func(context.Context, Tx) error) (batchRes, error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT "+jobSavepoint); err != nil {
		return batchRes{}, fmt.Errorf("savepoint: %w", err)
	}
	p, jerr := runJob(jobContext(ctx), fn, tx)
	if p == nil && jerr == nil {
		if _, err := tx.ExecContext(ctx, "RELEASE "+jobSavepoint); err != nil {
			return batchRes{}, fmt.Errorf("release savepoint: %w", err)
		}
		return batchRes{}, nil
	}
	if p == nil && !ownError(jerr) {
		return batchRes{}, jerr // may be the batch's doing: rerun alone
	}
	// When SQLite rolled the whole transaction back (an I/O error, an
	// interrupt), the savepoint is gone and this fails.
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO "+jobSavepoint); err != nil {
		return batchRes{}, fmt.Errorf("roll back to savepoint: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "RELEASE "+jobSavepoint); err != nil {
		return batchRes{}, fmt.Errorf("release savepoint: %w", err)
	}
	return batchRes{err: jerr, panicked: p}, nil
}

// ownError reports whether a job's error is its own whatever it shares the
// transaction with: not a database error (the job's verdict, e.g. not found),
// or a constraint violation. Any other database error might come from the
// shared transaction, so the job is rerun alone to get its own outcome.
func ownError(err error) bool {
	var se *sqlite.Error
	return !errors.As(err, &se) || se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
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

// ExecWrite runs a single-statement write: through the group commit on
// SQLite, directly on PostgreSQL. It returns the rows affected. Never call
// it inside a WithTx callback (the writer connection is taken).
func (db *DB) ExecWrite(ctx context.Context, query string, args ...any) (int64, error) {
	if inJob(ctx) {
		return 0, errNestedWrite
	}
	if db.batch != nil {
		return db.batch.exec(ctx, query, args...)
	}
	res, err := db.SQL.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
