package chatstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// Concurrent writes share group commits on SQLite; a write that fails (its
// thread is missing) must fail alone, every other one must land, and every
// acknowledged one must survive a reopen.
func TestConcurrentWritesFailAloneAndPersist(t *testing.T) {
	path := t.TempDir() + "/batch.db"
	db := storagetest.SQLiteAt(t, path)
	store := chatstore.New(db)
	ctx := t.Context()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, store.SaveThread(ctx, "u1", chatkit.ThreadMetadata{ID: "thr_ok", CreatedAt: start}))

	const writers, perWriter = 32, 20
	var wg sync.WaitGroup
	errs := make([]error, writers*perWriter)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				thread := "thr_ok"
				if (w*perWriter+i)%7 == 0 {
					thread = "thr_missing"
				}
				it := &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{
					ID: fmt.Sprintf("msg_%03d_%03d", w, i), ThreadID: thread, CreatedAt: start.Add(time.Duration(w*perWriter+i) * time.Microsecond)},
					Content: []chatkit.OutputText{{Text: "x"}}}
				errs[w*perWriter+i] = store.AddItem(ctx, "u1", thread, it)
			}
		})
	}
	// A rename in the middle, by another user's id: refused, nothing else is.
	wg.Go(func() {
		err := store.SaveThread(ctx, "intruder", chatkit.ThreadMetadata{ID: "thr_ok", Title: "stolen", CreatedAt: start})
		assert.ErrorIs(t, err, chatkit.ErrNotFound)
	})
	wg.Wait()

	want := 0
	for i, err := range errs {
		if i%7 == 0 {
			assert.ErrorIs(t, err, chatkit.ErrNotFound, "write %d to a missing thread", i)
			continue
		}
		assert.NoError(t, err, "write %d", i)
		want++
	}
	require.NoError(t, db.Close())

	db2 := storagetest.SQLiteAt(t, path)
	page, err := chatstore.New(db2).ListItems(context.Background(), "u1", "thr_ok", chatkit.ListOptions{Limit: chatkit.MaxPageSize})
	require.NoError(t, err)
	got := len(page.Data)
	for page.HasMore {
		page, err = chatstore.New(db2).ListItems(context.Background(), "u1", "thr_ok", chatkit.ListOptions{Limit: chatkit.MaxPageSize, After: page.After})
		require.NoError(t, err)
		got += len(page.Data)
	}
	assert.Equal(t, want, got)
	meta, err := chatstore.New(db2).LoadThread(context.Background(), "u1", "thr_ok")
	require.NoError(t, err)
	assert.Empty(t, meta.Title)
}

// A store closed while writers wait answers them with an error instead of
// hanging.
func TestWritesAfterCloseFail(t *testing.T) {
	db := storagetest.SQLite(t)
	store := chatstore.New(db)
	require.NoError(t, db.Close())
	err := store.SaveThread(t.Context(), "u1", chatkit.ThreadMetadata{ID: "thr_x", CreatedAt: time.Now()})
	require.Error(t, err)
}
