package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

func TestOpenSQLiteCreatesParentDirAndAppliesPragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite://"+filepath.Join(dir, "tp.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	assert.Equal(t, storage.SQLite, db.Dialect)
	require.NoError(t, db.Ping(ctx))

	for _, pool := range []*sql.DB{db.SQL, db.Read} {
		var mode string
		require.NoError(t, pool.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
		assert.Equal(t, "wal", mode)
		var fk, busy, sync int
		require.NoError(t, pool.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
		require.NoError(t, pool.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
		require.NoError(t, pool.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
		assert.Equal(t, 1, fk, "foreign_keys")
		assert.Positive(t, busy, "busy_timeout")
		assert.Equal(t, 1, sync, "synchronous=NORMAL")
	}
	_, err = db.Read.ExecContext(ctx, "CREATE TABLE nope (x INTEGER)")
	assert.Error(t, err, "the read pool must be read-only")
}

func TestOpenRelativeSQLitePath(t *testing.T) {
	t.Chdir(t.TempDir())
	db, err := storage.Open(context.Background(), "sqlite://./data/taskpilot.db")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	assert.FileExists(t, filepath.Join("data", "taskpilot.db"))
}

func TestOpenRejectsBadURLs(t *testing.T) {
	tests := []struct {
		name, url, wantInErr string
	}{
		{"no scheme", "./data.db", "sqlite:// or postgres://"},
		{"unknown scheme", "mysql://u:secretpw@h/db", `"mysql"`},
		{"memory", "sqlite://:memory:", "file path"},
		{"empty path", "sqlite://", "file path"},
		{"bad postgres", "postgres://u:secretpw@127.0.0.1:1/db?connect_timeout=1", "postgres"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := storage.Open(context.Background(), tc.url)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantInErr)
			assert.NotContains(t, err.Error(), "secretpw", "the password must never appear in errors")
		})
	}
}

func TestRebind(t *testing.T) {
	pg := &storage.DB{Dialect: storage.Postgres}
	lite := &storage.DB{Dialect: storage.SQLite}
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"},
		{"SELECT '?' , \"q?\" FROM t WHERE a = ?", "SELECT '?' , \"q?\" FROM t WHERE a = $1"},
		{"SELECT 'it''s ?' WHERE a = ? -- why?\n AND b = ?", "SELECT 'it''s ?' WHERE a = $1 -- why?\n AND b = $2"},
		{"SELECT /* ? */ ? ", "SELECT /* ? */ $1 "},
		{"INSERT INTO t VALUES (?,?,?)", "INSERT INTO t VALUES ($1,$2,$3)"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, pg.Rebind(tc.in), tc.in)
		assert.Equal(t, tc.in, lite.Rebind(tc.in), tc.in)
	}
}

func TestHelpersOnBothDialects(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, err := db.SQL.ExecContext(ctx, "CREATE TABLE helper_t (id TEXT PRIMARY KEY, parent TEXT REFERENCES helper_t (id))")
		require.NoError(t, err)
		insert := db.Rebind("INSERT INTO helper_t (id, parent) VALUES (?, ?)")

		_, err = db.SQL.ExecContext(ctx, insert, "a", nil)
		require.NoError(t, err)
		_, err = db.SQL.ExecContext(ctx, insert, "a", nil)
		assert.True(t, storage.IsUniqueViolation(err), "duplicate key: %v", err)
		assert.False(t, storage.IsForeignKeyViolation(err))

		_, err = db.SQL.ExecContext(ctx, insert, "b", "missing")
		assert.True(t, storage.IsForeignKeyViolation(err), "dangling reference: %v", err)
		assert.False(t, storage.IsUniqueViolation(err))
		assert.False(t, storage.IsUniqueViolation(errors.New("other")))

		// WithTx commits on nil and rolls back on error.
		require.NoError(t, db.WithTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, insert, "c", "a")
			return err
		}))
		boom := errors.New("boom")
		err = db.WithTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, insert, "d", nil); err != nil {
				return err
			}
			return boom
		})
		require.ErrorIs(t, err, boom)
		var n int
		require.NoError(t, db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM helper_t").Scan(&n))
		assert.Equal(t, 2, n, "c committed, d rolled back")
	})
}

func TestConcurrentWritersDoNotFailWithBusy(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		_, err := db.SQL.ExecContext(ctx, "CREATE TABLE busy_t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
		require.NoError(t, err)
		_, err = db.SQL.ExecContext(ctx, "INSERT INTO busy_t (id, n) VALUES (1, 0)")
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make(chan error, 8*25*2)
		for range 8 {
			wg.Go(func() {
				for range 25 {
					errs <- db.WithTx(ctx, func(tx *sql.Tx) error {
						var n int
						if err := tx.QueryRowContext(ctx, "SELECT n FROM busy_t WHERE id = 1").Scan(&n); err != nil {
							return err
						}
						_, err := tx.ExecContext(ctx, db.Rebind("UPDATE busy_t SET n = ? WHERE id = 1"), n+1)
						return err
					})
					var n int
					errs <- db.Read.QueryRowContext(ctx, "SELECT n FROM busy_t WHERE id = 1").Scan(&n)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		if db.Dialect == storage.SQLite { // PostgreSQL's READ COMMITTED may lose updates here; SQLite must not
			var n int
			require.NoError(t, db.Read.QueryRowContext(ctx, "SELECT n FROM busy_t WHERE id = 1").Scan(&n))
			assert.Equal(t, 200, n)
		}
	})
}

func TestMigrationsAreIdempotent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		v1, err := db.MigrationVersion(ctx)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, v1, int64(1))
		require.NoError(t, db.Migrate(ctx))
		require.NoError(t, db.Migrate(ctx))
		v2, err := db.MigrationVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, v1, v2)
	})
}

func TestObserveRecordsMetricAndSpan(t *testing.T) {
	reg := prometheus.NewRegistry()
	rec := tracetest.NewSpanRecorder()
	tp := trace.NewTracerProvider(trace.WithSpanProcessor(rec))
	db := storagetest.SQLite(t, storage.WithRegisterer(reg), storage.WithTracerProvider(tp))
	// A second DB on the same registry shares the histogram instead of failing.
	_ = storagetest.SQLite(t, storage.WithRegisterer(reg))

	_, done := db.Observe(context.Background(), "tasks", "add")
	done(nil)
	_, done = db.Observe(context.Background(), "tasks", "add")
	done(errors.New("boom"))

	families, err := reg.Gather()
	require.NoError(t, err)
	var count uint64
	for _, f := range families {
		if f.GetName() != storage.OperationDurationName {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["store"] == "tasks" && labels["operation"] == "add" {
				count = m.GetHistogram().GetSampleCount()
			}
		}
	}
	assert.Equal(t, uint64(2), count, "tasks/add observations")

	var found int
	for _, s := range rec.Ended() {
		if s.Name() == "tasks.add" {
			found++
		}
	}
	assert.Equal(t, 2, found)
}

func TestSQLitePingAndReadsDuringAWriteTransaction(t *testing.T) {
	db := storagetest.SQLite(t)
	ctx := t.Context()
	_, err := db.SQL.ExecContext(ctx, "CREATE TABLE ping_t (id INTEGER PRIMARY KEY)")
	require.NoError(t, err)
	inTx, release := make(chan struct{}), make(chan struct{})
	txDone := make(chan error, 1)
	go func() {
		txDone <- db.WithTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO ping_t (id) VALUES (1)"); err != nil {
				return err
			}
			close(inTx)
			<-release
			return nil
		})
	}()
	<-inTx
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	require.NoError(t, db.Ping(c), "readiness does not wait for the writer")
	var n int
	require.NoError(t, db.Read.QueryRowContext(c, "SELECT COUNT(*) FROM ping_t").Scan(&n))
	assert.Zero(t, n, "readers see the last committed state (WAL)")
	close(release)
	require.NoError(t, <-txDone)
	require.NoError(t, db.Read.QueryRowContext(ctx, "SELECT COUNT(*) FROM ping_t").Scan(&n))
	assert.Equal(t, 1, n)
}
