// Package storagetest gives tests a fresh, migrated storage.DB on SQLite (a
// temporary file) and on PostgreSQL (a schema of its own per test, so parallel
// test packages never collide).
//
// PostgreSQL comes from DATABASE_URL_TEST, or postgres://postgres@127.0.0.1:5432/test.
// When it cannot be reached the test is skipped with a line that says why,
// except with CI=true, where it fails: CI always has PostgreSQL.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/storage"
)

// DefaultPostgresURL is used when DATABASE_URL_TEST is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// SQLite returns a migrated store in a new file under t.TempDir(), closed
// when the test ends.
func SQLite(tb testing.TB, opts ...storage.Option) *storage.DB {
	tb.Helper()
	return SQLiteAt(tb, filepath.Join(tb.TempDir(), "taskpilot.db"), opts...)
}

// SQLiteAt opens (and migrates) the SQLite file at path, closed when the test
// ends (closing it earlier is fine). Use it to reopen a file, e.g. to test a
// restart.
func SQLiteAt(tb testing.TB, path string, opts ...storage.Option) *storage.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := storage.Open(ctx, "sqlite://"+path, opts...)
	if err != nil {
		tb.Fatalf("open sqlite store: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// CrashCopy copies the SQLite database at path as a crashed process would
// leave it: the database file and its write-ahead log as they are on disk,
// with no checkpoint and no clean close (the shared-memory index is rebuilt
// from the log when the copy is opened). Call it while no write is in
// flight; open the returned path with SQLiteAt.
func CrashCopy(tb testing.TB, path string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), "crashed.db")
	copyFile(tb, path, dst, true)
	copyFile(tb, path+"-wal", dst+"-wal", false)
	return dst
}

func copyFile(tb testing.TB, src, dst string, required bool) {
	tb.Helper()
	in, err := os.Open(src)
	if errors.Is(err, os.ErrNotExist) && !required {
		return
	}
	if err != nil {
		tb.Fatalf("crash copy: %v", err)
	}
	defer func() { _ = in.Close() }()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatalf("crash copy: %v", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		tb.Fatalf("crash copy %s: %v", src, err)
	}
	if err := out.Close(); err != nil {
		tb.Fatalf("crash copy %s: %v", src, err)
	}
}

// PostgresURL returns the URL of the test PostgreSQL server.
func PostgresURL() string {
	if u := os.Getenv("DATABASE_URL_TEST"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// Postgres returns a migrated store in a new schema of the test PostgreSQL
// server; the schema is dropped when the test ends.
func Postgres(tb testing.TB, opts ...storage.Option) *storage.DB {
	tb.Helper()
	schema := NewPostgresSchema(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := storage.Open(ctx, PostgresURL(), append(opts, storage.WithSearchPath(schema))...)
	if err != nil {
		tb.Fatalf("open postgres store in schema %s: %v", schema, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// PostgresAt opens (and migrates) a store in an existing schema made by
// NewPostgresSchema, closed when the test ends. Use it to reopen a store.
func PostgresAt(tb testing.TB, schema string, opts ...storage.Option) *storage.DB {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := storage.Open(ctx, PostgresURL(), append(opts, storage.WithSearchPath(schema))...)
	if err != nil {
		tb.Fatalf("open postgres store in schema %s: %v", schema, err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// NewPostgresSchema creates an empty schema named taskpilot_test_<random>
// and drops it (with everything in it) when the test ends. It skips the test
// when PostgreSQL is unreachable, or fails it with CI=true.
func NewPostgresSchema(tb testing.TB) string {
	tb.Helper()
	admin := adminConn(tb)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatalf("random schema name: %v", err)
	}
	schema := "taskpilot_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// adminConn opens a small pool on the test server, closed after the schema
// is dropped (cleanups run last-in first-out).
func adminConn(tb testing.TB) *sql.DB {
	tb.Helper()
	raw := PostgresURL()
	unreachable := func(err error) {
		tb.Helper()
		msg := fmt.Sprintf("PostgreSQL not reachable at %s: %v", redact(raw), err)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg + " (CI=true: PostgreSQL is required)")
		}
		tb.Skip(msg + " (set DATABASE_URL_TEST to run these tests)")
	}
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		unreachable(err)
	}
	admin.SetMaxOpenConns(2)
	tb.Cleanup(func() { _ = admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		unreachable(err)
	}
	return admin
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable DATABASE_URL_TEST)"
	}
	return u.Redacted()
}

// Each runs fn as a subtest per backend: "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB), opts ...storage.Option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t, opts...)) })
}
