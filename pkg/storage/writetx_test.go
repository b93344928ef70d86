package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// kvTable makes the table the WriteTx tests write to.
func kvTable(t *testing.T, db *storage.DB) {
	t.Helper()
	_, err := db.SQL.ExecContext(t.Context(), `CREATE TABLE batch_kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL CHECK (v >= 0))`)
	require.NoError(t, err)
}

func put(ctx context.Context, db *storage.DB, tx storage.Tx, k string, v int) error {
	_, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO batch_kv (k, v) VALUES (?, ?)`), k, v)
	return err
}

// execPut writes k through ExecWrite: a single statement, group-committed
// on SQLite (the path the chat store's writes take). A negative v fails the
// table's CHECK.
func execPut(ctx context.Context, db *storage.DB, k string, v int) error {
	_, err := db.ExecWrite(ctx, db.Rebind(`INSERT INTO batch_kv (k, v) VALUES (?, ?)`), k, v)
	return err
}

// kvKeys returns every key of batch_kv, sorted.
func kvKeys(t *testing.T, db *storage.DB) []string {
	t.Helper()
	rows, err := db.Read.QueryContext(t.Context(), `SELECT k FROM batch_kv ORDER BY k`)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	keys := []string{}
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		keys = append(keys, k)
	}
	require.NoError(t, rows.Err())
	return keys
}

// holdWriter starts a WriteTx job that holds the SQLite writer until the
// returned func is called (which then waits for the job's commit), so that
// the writes made meanwhile line up for one batch. On PostgreSQL it is an
// ordinary transaction running alongside the others.
func holdWriter(t *testing.T, db *storage.DB) (release func()) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once sync.Once
		done <- db.WriteTx(context.WithoutCancel(t.Context()), func(ctx context.Context, tx storage.Tx) error {
			once.Do(func() { close(started) })
			<-hold
			return put(ctx, db, tx, "holder", 0)
		})
	}()
	<-started
	return func() {
		close(hold)
		require.NoError(t, <-done)
	}
}

// waitQueued waits until n writes wait for the SQLite writer (at once on
// PostgreSQL, which has no queue).
func waitQueued(t *testing.T, db *storage.DB, n int) {
	t.Helper()
	if db.Dialect != storage.SQLite {
		return
	}
	for storage.QueuedWrites(db) < n {
		if t.Context().Err() != nil {
			t.Fatalf("%d writes queued, want %d", storage.QueuedWrites(db), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// catch runs fn and returns what it panicked with.
func catch(fn func()) (p any) {
	defer func() { p = recover() }()
	fn()
	return nil
}

// lineUp holds the writer, starts each write in order once the previous
// one is queued (so on SQLite they form one batch in this order), releases
// the writer and returns each write's error.
func lineUp(t *testing.T, db *storage.DB, writes []func() error) []error {
	t.Helper()
	release := holdWriter(t, db)
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(func() { errs[i] = w() })
		waitQueued(t, db, i+1)
	}
	release()
	wg.Wait()
	return errs
}

type writeCase struct {
	name  string
	write func() error
	check func(t *testing.T, err error)
}

// Jobs that fail sit in one group commit with jobs and single statements
// that succeed: each failure is its caller's alone, and every other write is
// committed exactly once. The failures of the first round are undone inside
// the batch (savepoints); those of the second make the batch rerun one by
// one.
func TestWriteTxFailingJobsFailAlone(t *testing.T) {
	errBoom := errors.New("boom")
	type round struct {
		name     string
		failures func(db *storage.DB, panicked *any) []writeCase
		kept     []string // keys the failing jobs leave
		lite     bool     // SQLite only
	}
	rounds := []round{
		{name: "undone in the batch", failures: func(db *storage.DB, panicked *any) []writeCase {
			return []writeCase{
				{"returns an error", func() error {
					return db.WriteTx(t.Context(), func(ctx context.Context, tx storage.Tx) error {
						if err := put(ctx, db, tx, "fail-a", 1); err != nil {
							return err
						}
						return errBoom
					})
				}, func(t *testing.T, err error) { assert.ErrorIs(t, err, errBoom) }},
				{"fails a constraint", func() error {
					return db.WriteTx(t.Context(), func(ctx context.Context, tx storage.Tx) error {
						if err := put(ctx, db, tx, "check-a", 1); err != nil {
							return err
						}
						return put(ctx, db, tx, "check-b", -1)
					})
				}, func(t *testing.T, err error) {
					require.Error(t, err)
					assert.Contains(t, strings.ToLower(err.Error()), "check constraint", "the job's own error")
				}},
				{"panics", func() error {
					*panicked = catch(func() {
						_ = db.WriteTx(t.Context(), func(ctx context.Context, tx storage.Tx) error {
							if err := put(ctx, db, tx, "panic-a", 1); err != nil {
								return err
							}
							panic("job panicked")
						})
					})
					return nil
				}, func(t *testing.T, _ error) {
					assert.Equal(t, "job panicked", *panicked, "the panic goes on in the caller")
				}},
			}
		}},
		{name: "a constraint handled by the job", lite: true, kept: []string{"handled-a"}, failures: func(db *storage.DB, _ *any) []writeCase {
			return []writeCase{
				// SQLite undoes the failed statement alone, so a job may go on.
				{"handles a constraint", func() error {
					return db.WriteTx(t.Context(), func(ctx context.Context, tx storage.Tx) error {
						if err := put(ctx, db, tx, "handled-b", -1); err == nil {
							return errors.New("the CHECK constraint did not fire")
						}
						return put(ctx, db, tx, "handled-a", 1)
					})
				}, func(t *testing.T, err error) { assert.NoError(t, err) }},
			}
		}},
		{name: "rerun one by one", failures: func(db *storage.DB, _ *any) []writeCase {
			return []writeCase{
				{"fails with an SQL error", func() error {
					return db.WriteTx(t.Context(), func(ctx context.Context, tx storage.Tx) error {
						if err := put(ctx, db, tx, "sqlerr-a", 1); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, "INSERT INTO no_such_table VALUES (1)")
						return err
					})
				}, func(t *testing.T, err error) { assert.ErrorContains(t, err, "no_such_table") }},
			}
		}},
		{name: "a job that ends the transaction", lite: true, failures: func(db *storage.DB, _ *any) []writeCase {
			return []writeCase{
				// Against the rules: the job rolls the shared transaction
				// back, so its savepoint is gone.
				{"rolls the batch back", func() error {
					return db.WriteTx(t.Context(), func(ctx context.Context, tx storage.Tx) error {
						if err := put(ctx, db, tx, "rollback-a", 1); err != nil {
							return err
						}
						if _, err := tx.ExecContext(ctx, "ROLLBACK"); err != nil {
							return err
						}
						return errBoom
					})
				}, func(t *testing.T, err error) { assert.ErrorIs(t, err, errBoom) }},
			}
		}},
	}
	for _, rd := range rounds {
		t.Run(rd.name, func(t *testing.T) {
			each := storagetest.Each
			if rd.lite { // SQLite behaviour
				each = func(t *testing.T, fn func(t *testing.T, db *storage.DB), opts ...storage.Option) {
					t.Run("sqlite", func(t *testing.T) { fn(t, storagetest.SQLite(t, opts...)) })
				}
			}
			each(t, func(t *testing.T, db *storage.DB) {
				ctx := t.Context()
				kvTable(t, db)
				ok := func(t *testing.T, err error) { assert.NoError(t, err) }
				var panicked any
				failures := rd.failures(db, &panicked)
				var cases []writeCase
				want := append([]string{"holder"}, rd.kept...)
				for i := range 6 {
					cases = append(cases, writeCase{fmt.Sprintf("good %d", i), func() error {
						return db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
							if err := put(ctx, db, tx, fmt.Sprintf("good-%d-a", i), i); err != nil {
								return err
							}
							return put(ctx, db, tx, fmt.Sprintf("good-%d-b", i), i)
						})
					}, ok})
					want = append(want, fmt.Sprintf("good-%d-a", i), fmt.Sprintf("good-%d-b", i))
					cases = append(cases, writeCase{fmt.Sprintf("statement %d", i), func() error {
						return execPut(ctx, db, fmt.Sprintf("stmt-%d", i), i)
					}, ok})
					want = append(want, fmt.Sprintf("stmt-%d", i))
					if i == 1 {
						cases = append(cases, writeCase{"failing statement", func() error {
							return execPut(ctx, db, "stmt-lost", -1)
						}, func(t *testing.T, err error) { assert.Error(t, err) }})
					}
					if i == 2 {
						cases = append(cases, failures...) // in the middle of the batch
					}
				}
				writes := make([]func() error, len(cases))
				for i, c := range cases {
					writes[i] = c.write
				}
				errs := lineUp(t, db, writes)
				for i, c := range cases {
					t.Run(c.name, func(t *testing.T) { c.check(t, errs[i]) })
				}
				slices.Sort(want)
				assert.Equal(t, want, kvKeys(t, db), "the failed jobs' writes are undone, every other one is kept once")
			})
		})
	}
}

// A job whose caller gives up before it starts never runs; a job whose
// caller gives up while it runs is committed with the others, and its caller
// learns so (it waited for the commit).
func TestWriteTxCancelledCallers(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		kvTable(t, db)
		ctx := t.Context()

		dead, cancel := context.WithCancel(ctx)
		cancel()
		var ran atomic.Bool
		err := db.WriteTx(dead, func(ctx context.Context, tx storage.Tx) error {
			ran.Store(true)
			return put(ctx, db, tx, "dead", 1)
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.False(t, ran.Load(), "a job whose ctx is done is refused before it starts")

		release := holdWriter(t, db)
		var wg sync.WaitGroup
		// Queued, then abandoned before the writer takes it.
		queued, cancelQueued := context.WithCancel(ctx)
		var queuedErr error
		queuedDone := make(chan struct{})
		wg.Go(func() {
			defer close(queuedDone)
			queuedErr = db.WriteTx(queued, func(ctx context.Context, tx storage.Tx) error {
				ran.Store(true)
				return put(ctx, db, tx, "abandoned", 1)
			})
		})
		waitQueued(t, db, 1)
		// Cancelled by its own job half-way: the statements after the
		// cancellation run on the job's ctx, which does not end.
		running, cancelRunning := context.WithCancel(ctx)
		defer cancelRunning()
		var runningErr error
		wg.Go(func() {
			runningErr = db.WriteTx(running, func(ctx context.Context, tx storage.Tx) error {
				if err := put(ctx, db, tx, "running-a", 1); err != nil {
					return err
				}
				cancelRunning()
				return put(ctx, db, tx, "running-b", 1)
			})
		})
		others := make([]error, 8)
		for i := range others {
			wg.Go(func() {
				others[i] = db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					return put(ctx, db, tx, fmt.Sprintf("other-%d", i), i)
				})
			})
		}
		waitQueued(t, db, 2+len(others))
		cancelQueued()
		if db.Dialect == storage.SQLite {
			<-queuedDone // answered at once, while the writer is still held
		}
		release()
		wg.Wait()

		for i, err := range others {
			require.NoError(t, err, "other %d", i)
		}
		want := []string{"holder", "running-a", "running-b"}
		for i := range others {
			want = append(want, fmt.Sprintf("other-%d", i))
		}
		if db.Dialect == storage.SQLite {
			require.ErrorIs(t, queuedErr, context.Canceled)
			assert.False(t, ran.Load(), "an abandoned job never runs")
			require.NoError(t, runningErr, "a started job is answered after the commit, not at cancellation")
		} else if queuedErr == nil {
			want = append(want, "abandoned") // no queue on PostgreSQL: it may have run first
		}
		if runningErr != nil {
			// PostgreSQL: the cancelled transaction is rolled back alone.
			want = slices.DeleteFunc(want, func(k string) bool { return k == "running-a" || k == "running-b" })
		}
		slices.Sort(want)
		assert.Equal(t, want, kvKeys(t, db))
	})
}

// Writes run in the order their callers arrived, single statements and jobs
// alike (one queue).
func TestWritesRunInArrivalOrder(t *testing.T) {
	db := storagetest.SQLite(t)
	kvTable(t, db)
	ctx := t.Context()
	release := holdWriter(t, db)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		id := fmt.Sprintf("msg_%02d", i)
		if i%2 == 0 {
			wg.Go(func() {
				errs[i] = execPut(ctx, db, id, i)
			})
		} else {
			wg.Go(func() {
				errs[i] = db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
					return put(ctx, db, tx, id, i)
				})
			})
		}
		waitQueued(t, db, i+1)
	}
	release()
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "write %d", i)
	}
	rows, err := db.Read.QueryContext(ctx, `SELECT k FROM batch_kv WHERE k <> 'holder' ORDER BY rowid`)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	var got []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		got = append(got, id)
	}
	require.NoError(t, rows.Err())
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("msg_%02d", i)
	}
	assert.Equal(t, want, got)
}

// A write from inside a job fails instead of waiting for the writer the job
// holds.
func TestWriteInsideAJobFails(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		kvTable(t, db)
		ctx := t.Context()
		var nested, item error
		err := db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
			nested = db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error { return put(ctx, db, tx, "nested", 1) })
			item = execPut(ctx, db, "statement", 1)
			return put(ctx, db, tx, "outer", 1)
		})
		require.NoError(t, err)
		assert.ErrorContains(t, nested, "inside a WriteTx job")
		assert.ErrorContains(t, item, "inside a WriteTx job")
		assert.Equal(t, []string{"outer"}, kvKeys(t, db))
	})
}

// WriteStmt: one statement, its RETURNING row read inside; no row is the
// job's own outcome.
func TestWriteStmt(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		kvTable(t, db)
		ctx := t.Context()
		require.NoError(t, db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error { return put(ctx, db, tx, "a", 1) }))
		var v int
		require.NoError(t, db.WriteStmt(ctx, func(ctx context.Context, tx storage.Tx) error {
			return tx.QueryRowContext(ctx, db.Rebind(`UPDATE batch_kv SET v = v + 1 WHERE k = ? RETURNING v`), "a").Scan(&v)
		}))
		assert.Equal(t, 2, v)
		err := db.WriteStmt(ctx, func(ctx context.Context, tx storage.Tx) error {
			return tx.QueryRowContext(ctx, db.Rebind(`UPDATE batch_kv SET v = v + 1 WHERE k = ? RETURNING v`), "missing").Scan(&v)
		})
		assert.ErrorIs(t, err, sql.ErrNoRows)
	})
}

// Every acknowledged group-committed write is in the file a crash leaves.
func TestAcknowledgedWritesSurviveACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.db")
	db := storagetest.SQLiteAt(t, path)
	kvTable(t, db)
	ctx := t.Context()
	const writers, each = 16, 25
	var wg sync.WaitGroup
	var acked atomic.Int64
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				var err error
				if i%2 == 0 {
					err = db.WriteTx(ctx, func(ctx context.Context, tx storage.Tx) error {
						return put(ctx, db, tx, fmt.Sprintf("k-%02d-%02d", w, i), i)
					})
				} else {
					err = execPut(ctx, db, fmt.Sprintf("s-%02d-%02d", w, i), i)
				}
				if !assert.NoError(t, err) {
					return
				}
				acked.Add(1)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(writers*each), acked.Load())

	crashed := storagetest.SQLiteAt(t, storagetest.CrashCopy(t, path))
	var jobs, stmts int
	for _, k := range kvKeys(t, crashed) {
		if strings.HasPrefix(k, "k-") {
			jobs++
		} else if strings.HasPrefix(k, "s-") {
			stmts++
		}
	}
	assert.Equal(t, writers*(each+1)/2, jobs, "every acknowledged WriteTx job")
	assert.Equal(t, writers*(each/2), stmts, "every acknowledged single statement")
}
