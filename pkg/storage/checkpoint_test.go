package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
)

// blobSize is the payload of each test write: a few overflow pages, so that
// every commit appends several frames to the WAL.
const blobSize = 16 << 10

func openBlobs(t *testing.T, path string, opts ...storage.Option) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite://"+path, opts...)
	require.NoError(t, err)
	_, err = db.SQL.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, b BLOB NOT NULL)")
	require.NoError(t, err)
	return db
}

func writeBlobs(t *testing.T, db *storage.DB, n int, after func()) {
	t.Helper()
	ctx := context.Background()
	for range n {
		_, err := db.ExecWrite(ctx, "INSERT INTO blobs (b) VALUES (randomblob(?))", blobSize)
		require.NoError(t, err)
		if after != nil {
			after()
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return fi.Size()
}

func countBlobs(t *testing.T, db *storage.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.Read.QueryRowContext(context.Background(), "SELECT count(*) FROM blobs").Scan(&n))
	return n
}

// The writer never checkpoints inside a commit: with the background
// checkpointer idle (an hour between runs) and the limit far away, a WAL well
// past SQLite's automatic threshold (1000 pages, 4 MiB) stays in the WAL.
func TestSQLiteWriterDoesNotCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tp.db")
	db := openBlobs(t, path, storage.WithCheckpointInterval(time.Hour), storage.WithWALLimit(1<<30))
	t.Cleanup(func() { _ = db.Close() })
	before := fileSize(t, path)

	writeBlobs(t, db, 400, nil) // 6.4 MiB of blobs

	assert.Greater(t, fileSize(t, path+"-wal"), int64(400*blobSize), "every commit is still in the WAL")
	assert.Equal(t, before, fileSize(t, path), "nothing was copied into the database file")
	assert.Equal(t, 400, countBlobs(t, db))
}

// The WAL file stays bounded under writes: past the limit the writer stops
// for a restarting checkpoint between two commits, so after any write the
// file is at most the limit plus a write's frames.
func TestSQLiteWALStaysBounded(t *testing.T) {
	const limit = 256 << 10
	path := filepath.Join(t.TempDir(), "tp.db")
	db := openBlobs(t, path, storage.WithCheckpointInterval(time.Hour), storage.WithWALLimit(limit))
	t.Cleanup(func() { _ = db.Close() })

	var largest int64
	writeBlobs(t, db, 300, func() { largest = max(largest, fileSize(t, path+"-wal")) }) // 4.7 MiB
	assert.LessOrEqual(t, largest, int64(limit+2*blobSize), "the WAL is bounded by the limit and one write")
	assert.Greater(t, largest, int64(limit), "the writes did take the WAL past the limit")
	assert.Greater(t, fileSize(t, path), int64(200*blobSize), "the checkpoints copied the writes into the database file")
	assert.Equal(t, 300, countBlobs(t, db))
}

// The background checkpointer copies committed writes into the database file
// without any help from the writer.
func TestSQLiteBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tp.db")
	db := openBlobs(t, path, storage.WithCheckpointInterval(5*time.Millisecond), storage.WithWALLimit(1<<30))
	t.Cleanup(func() { _ = db.Close() })

	writeBlobs(t, db, 200, nil) // 3.1 MiB
	// Waits for the checkpointer (generously: this is no timing assertion).
	require.Eventually(t, func() bool { return fileSize(t, path) >= 200*blobSize }, time.Minute, 5*time.Millisecond,
		"the database file holds the writes")
	assert.Equal(t, 200, countBlobs(t, db))
}

// Close leaves a complete database file: no WAL, and a copy of the main file
// alone holds every write.
func TestSQLiteCloseLeavesCompleteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tp.db")
	db := openBlobs(t, path, storage.WithCheckpointInterval(time.Hour), storage.WithWALLimit(1<<30))
	writeBlobs(t, db, 100, nil)
	require.NoError(t, db.Close())
	assert.Zero(t, fileSize(t, path+"-wal"), "Close empties the WAL")

	copyPath := filepath.Join(t.TempDir(), "copy.db")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(copyPath, b, 0o600))
	cp := openBlobs(t, copyPath)
	t.Cleanup(func() { _ = cp.Close() })
	assert.Equal(t, 100, countBlobs(t, cp))
}
