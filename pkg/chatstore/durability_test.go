package chatstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

var t0 = time.Date(2026, 11, 28, 9, 30, 0, 123456000, time.UTC)

// fixture writes a thread with every kind of row and returns the JSON of
// everything a reader can see, to compare after a restart or across dialects.
func writeFixture(t *testing.T, s chatkit.Store) {
	t.Helper()
	ctx := t.Context()
	th := chatkit.ThreadMetadata{ID: "thr_fixture", Title: "Plans", CreatedAt: t0,
		Status: chatkit.ThreadStatus{Type: chatkit.StatusClosed, Reason: "archived"}, AllowedImageDomains: []string{"example.com"},
		Metadata: map[string]any{"previous_response_id": "resp_9"}}
	require.NoError(t, s.SaveThread(ctx, "alice", th))
	items := []chatkit.Item{
		&chatkit.UserMessageItem{ItemBase: chatkit.ItemBase{ID: "msg_1", ThreadID: th.ID, CreatedAt: t0.Add(time.Millisecond)},
			Content: []chatkit.UserContent{chatkit.TextContent("add a task to buy milk tomorrow")}},
		&chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: "msg_2", ThreadID: th.ID, CreatedAt: t0.Add(2 * time.Millisecond)},
			Content: []chatkit.OutputText{{Text: "Added **Buy milk** — due tomorrow ✅"}}},
		&chatkit.WidgetItem{ItemBase: chatkit.ItemBase{ID: "msg_3", ThreadID: th.ID, CreatedAt: t0.Add(2 * time.Millisecond)},
			Widget: json.RawMessage(`{"type":"ListView","children":[{"type":"ListViewItem","children":[{"type":"Text","value":"Buy milk","size":1.50}]}],"z":null,"a":0}`)},
		&chatkit.SDKHiddenContextItem{ItemBase: chatkit.ItemBase{ID: "shcx_1", ThreadID: th.ID, CreatedAt: t0.Add(3 * time.Millisecond)},
			Content: chatkit.CancelledContent},
	}
	for _, it := range items {
		require.NoError(t, s.AddItem(ctx, "alice", th.ID, it))
	}
	require.NoError(t, s.SaveAttachment(ctx, "alice", chatkit.Attachment{ID: "atc_1", Name: "list.txt", MimeType: "text/plain", Type: "file", ThreadID: th.ID}))
	require.NoError(t, s.SaveFeedback(ctx, "alice", chatkit.Feedback{ThreadID: th.ID, ItemIDs: []string{"msg_2"}, Kind: "positive"}))
}

// snapshot returns what readers see, as JSON.
func snapshot(t *testing.T, s *chatstore.Store) map[string]string {
	t.Helper()
	ctx := t.Context()
	out := map[string]string{}
	th, err := s.LoadThread(ctx, "alice", "thr_fixture")
	require.NoError(t, err)
	out["thread"] = mustMarshal(t, th)
	out["thread.metadata"] = mustMarshal(t, th.Metadata)
	threads, err := s.ListThreads(ctx, "alice", chatkit.ListOptions{})
	require.NoError(t, err)
	out["threads"] = mustMarshal(t, threads)
	for _, order := range []chatkit.Order{chatkit.OrderAsc, chatkit.OrderDesc} {
		for _, hidden := range []bool{false, true} {
			page, err := s.ListItems(ctx, "alice", "thr_fixture", chatkit.ListOptions{Order: order, IncludeHidden: hidden, Limit: 2})
			require.NoError(t, err)
			out["items."+string(order)+map[bool]string{false: "", true: ".hidden"}[hidden]] = mustMarshal(t, page)
		}
	}
	for _, id := range []string{"msg_1", "msg_2", "msg_3", "shcx_1"} {
		it, err := s.LoadItem(ctx, "alice", "thr_fixture", id)
		require.NoError(t, err)
		out["item."+id] = mustMarshal(t, it)
	}
	att, err := s.LoadAttachment(ctx, "alice", "atc_1")
	require.NoError(t, err)
	out["attachment"] = mustMarshal(t, att)
	fb, err := s.Feedback(ctx, "alice", "thr_fixture")
	require.NoError(t, err)
	out["feedback"] = mustMarshal(t, fb)
	return out
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestSQLiteRestartKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "taskpilot.db")
	db := storagetest.SQLiteAt(t, path)
	s := chatstore.New(db)
	writeFixture(t, s)
	before := snapshot(t, s)
	version, err := db.MigrationVersion(t.Context())
	require.NoError(t, err)
	require.NoError(t, db.Close())

	// A new process opens the same file: migrations are a no-op, data intact.
	db2 := storagetest.SQLiteAt(t, path)
	after := snapshot(t, chatstore.New(db2))
	assert.Equal(t, before, after)
	v2, err := db2.MigrationVersion(t.Context())
	require.NoError(t, err)
	assert.Equal(t, version, v2)
	var applied int
	require.NoError(t, db2.Read.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+storage.MigrationTable+" WHERE version_id = 1").Scan(&applied))
	assert.Equal(t, 1, applied, "migration 1 recorded once")

	// The file is complete on its own after Close: no WAL left behind.
	require.NoError(t, db2.Close())
	assert.NoFileExists(t, path+"-wal")
}

func TestPostgresReopenKeepsEverything(t *testing.T) {
	schema := storagetest.NewPostgresSchema(t)
	db := storagetest.PostgresAt(t, schema)
	s := chatstore.New(db)
	writeFixture(t, s)
	before := snapshot(t, s)
	require.NoError(t, db.Close())
	after := snapshot(t, chatstore.New(storagetest.PostgresAt(t, schema)))
	assert.Equal(t, before, after)
}

func TestDialectsProduceIdenticalJSON(t *testing.T) {
	lite := chatstore.New(storagetest.SQLite(t))
	pg := chatstore.New(storagetest.Postgres(t))
	writeFixture(t, lite)
	writeFixture(t, pg)
	a, b := snapshot(t, lite), snapshot(t, pg)
	require.NotEmpty(t, a)
	for k := range a {
		assert.Equal(t, a[k], b[k], "%s differs between SQLite and PostgreSQL", k)
	}
	// The widget's JSON is kept byte for byte (member order, 1.50, null).
	assert.Contains(t, a["item.msg_3"], `"size":1.50}]}],"z":null,"a":0}`)
}

func TestConcurrentMigrationsOnPostgres(t *testing.T) {
	schema := storagetest.NewPostgresSchema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			db, err := storage.Open(t.Context(), storagetest.PostgresURL(), storage.WithSearchPath(schema))
			if err == nil {
				err = db.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "replicas starting together all migrate cleanly")
	}
	db := storagetest.PostgresAt(t, schema)
	v, err := db.MigrationVersion(t.Context())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, v, int64(1))
}

// Two replicas (two pools on one database) exclude each other, and a holder
// whose session dies (a crashed replica) frees the lock.
func TestPostgresThreadLockAcrossReplicas(t *testing.T) {
	schema := storagetest.NewPostgresSchema(t)
	r1 := chatstore.New(storagetest.PostgresAt(t, schema))
	r2 := chatstore.New(storagetest.PostgresAt(t, schema))
	ctx := t.Context()

	unlock1, err := r1.LockThread(ctx, "alice", "thr_1")
	require.NoError(t, err)
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = r2.LockThread(c, "alice", "thr_1")
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "replica 2 must wait while replica 1 holds the lock")
	unlock1()
	unlock2, err := r2.LockThread(ctx, "alice", "thr_1")
	require.NoError(t, err, "released by replica 1, taken by replica 2")

	// Replica 2 "crashes": its session is terminated while holding the lock.
	admin := storagetest.PostgresAt(t, schema)
	key := uint64(chatstore.LockKey("alice", "thr_1"))
	res, err := admin.SQL.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1`, int64(key>>32), int64(key&0xffffffff))
	require.NoError(t, err)
	n, err := res.RowsAffected()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "exactly one session holds the lock")
	c, cancel = context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	unlock1, err = r1.LockThread(c, "alice", "thr_1")
	require.NoError(t, err, "the dead holder's lock is gone")
	unlock2() // the crashed holder's unlock must not hang or panic
	unlock1()
}

// Waiting for a lock never starves queries: the lock pool is separate.
func TestPostgresLocksDoNotStarveQueries(t *testing.T) {
	db := storagetest.Postgres(t, storage.WithMaxOpenConns(2))
	s := chatstore.New(db)
	ctx := t.Context()
	require.NoError(t, s.SaveThread(ctx, "alice", chatkit.ThreadMetadata{ID: "thr_1", CreatedAt: t0}))
	var unlocks []func()
	for i := range 4 { // more held locks than query connections
		u, err := s.LockThread(ctx, "alice", "thr_"+string(rune('a'+i)))
		require.NoError(t, err)
		unlocks = append(unlocks, u)
	}
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := s.LoadThread(c, "alice", "thr_1")
	require.NoError(t, err)
	require.NoError(t, db.WithTx(c, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(c, "SELECT 1")
		return err
	}))
	for _, u := range unlocks {
		u()
	}
}
