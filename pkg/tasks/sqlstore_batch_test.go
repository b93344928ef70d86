package tasks_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// The SQL store's writes share SQLite's group commit (storage.DB.WriteTx):
// many creates, replaces and deletes of many callers in one transaction.
// These tests drive them concurrently through the store's own API.

var batchNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newTask(title string) tasks.Task {
	return tasks.Task{Title: title, Status: tasks.StatusPending, Priority: tasks.PriorityNone,
		Tags: []string{}, CreatedAt: batchNow, UpdatedAt: batchNow}
}

// allIDs returns the ids of every task of user, sorted.
func allIDs(t *testing.T, store tasks.Store, user string) []int64 {
	t.Helper()
	list, err := store.List(t.Context(), user, tasks.Filter{Limit: tasks.MaxList}, batchNow)
	require.NoError(t, err)
	out := ids(list)
	slices.Sort(out)
	return out
}

func oneTo(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

// Concurrent creates of one user get distinct, consecutive ids, while
// creates that fail after taking an id (a row the schema refuses) and
// updates and deletes of missing tasks fail alone in the same batches: the
// failed creates give their ids back, every good create is kept.
func TestStoreConcurrentWritesFailAlone(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		store := tasks.NewSQLStore(db)
		ctx := t.Context()
		const good, bad = 48, 16
		var wg sync.WaitGroup
		created := make([]tasks.Task, good)
		goodErrs := make([]error, good)
		badErrs := make([]error, bad)
		missingErrs := make([]error, 2*bad)
		for i := range good {
			wg.Go(func() { created[i], goodErrs[i] = store.Create(ctx, "one", newTask(fmt.Sprintf("task %d", i))) })
		}
		for i := range bad {
			wg.Go(func() {
				bogus := newTask(fmt.Sprintf("bogus %d", i))
				bogus.Status = "bogus" // the schema's CHECK refuses it after the id is taken
				_, badErrs[i] = store.Create(ctx, "one", bogus)
			})
			wg.Go(func() {
				missing := newTask("missing")
				missing.ID = 1000 + int64(i)
				_, missingErrs[2*i] = store.Replace(ctx, "one", missing)
			})
			wg.Go(func() { _, missingErrs[2*i+1] = store.Delete(ctx, "one", 2000+int64(i)) })
		}
		wg.Wait()

		got := make([]int64, 0, good)
		for i, err := range goodErrs {
			require.NoError(t, err, "create %d", i)
			assert.Equal(t, fmt.Sprintf("task %d", i), created[i].Title)
			got = append(got, created[i].ID)
		}
		slices.Sort(got)
		assert.Equal(t, oneTo(good), got, "distinct, consecutive ids: the failed creates took none")
		for i, err := range badErrs {
			assert.Error(t, err, "bogus create %d", i)
		}
		for i, err := range missingErrs {
			assert.ErrorIs(t, err, tasks.ErrNotFound, "write %d of a missing task", i)
		}
		assert.Equal(t, oneTo(good), allIDs(t, store, "one"))
		next, err := store.Create(ctx, "one", newTask("next"))
		require.NoError(t, err)
		assert.Equal(t, int64(good+1), next.ID)
	})
}

// Callers that give up at any moment never undo anyone else's write, and a
// create is either answered and stored or refused and absent: the user's
// ids stay consecutive. On SQLite an answered create is exactly a stored
// one (the caller waits for the commit it is in).
func TestStoreCancelledCreates(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		store := tasks.NewSQLStore(db)
		const n = 64
		var wg sync.WaitGroup
		created := make([]tasks.Task, n)
		errs := make([]error, n)
		keep := make([]error, n)
		for i := range n {
			ctx, cancel := context.WithCancel(t.Context())
			switch i % 4 {
			case 0: // cancelled before the call
				cancel()
			case 1: // cancelled while queued or running
				wg.Go(func() {
					for range rand.IntN(200) {
						time.Sleep(time.Microsecond)
					}
					cancel()
				})
			}
			wg.Go(func() {
				defer cancel()
				created[i], errs[i] = store.Create(ctx, "cancel", newTask(fmt.Sprintf("task %d", i)))
			})
			// Another user's creates that nobody cancels.
			wg.Go(func() { _, keep[i] = store.Create(t.Context(), "steady", newTask(fmt.Sprintf("steady %d", i))) })
		}
		wg.Wait()

		var acked []int64
		for i, err := range errs {
			if err != nil {
				assert.ErrorIs(t, err, context.Canceled, "create %d", i)
				continue
			}
			acked = append(acked, created[i].ID)
		}
		slices.Sort(acked)
		stored := allIDs(t, store, "cancel")
		assert.Equal(t, oneTo(len(stored)), stored, "consecutive ids: a refused create left nothing")
		assert.Subset(t, stored, acked, "every answered create is stored")
		if db.Dialect == storage.SQLite {
			assert.Equal(t, stored, acked, "an answered create is exactly a stored one")
			assert.Less(t, len(acked), n, "the creates cancelled before the call were refused")
		}
		for i, err := range keep {
			require.NoError(t, err, "steady create %d", i)
		}
		assert.Equal(t, oneTo(n), allIDs(t, store, "steady"))
	})
}

// Every acknowledged create, made concurrently with the chat store's writes
// as in a turn, is in the file a crash leaves behind.
func TestStoreCreatesSurviveACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.db")
	db := storagetest.SQLiteAt(t, path)
	store := tasks.NewSQLStore(db)
	chat := chatstore.New(db)
	ctx := t.Context()
	const users, perUser = 16, 12
	var wg sync.WaitGroup
	created := make([][]tasks.Task, users)
	for u := range users {
		wg.Go(func() {
			user := fmt.Sprintf("user-%d", u)
			thread := fmt.Sprintf("thr_%d", u)
			if !assert.NoError(t, chat.SaveThread(ctx, user, chatkit.ThreadMetadata{ID: thread, CreatedAt: batchNow})) {
				return
			}
			for i := range perUser {
				if !assert.NoError(t, chat.AddItem(ctx, user, thread, &chatkit.AssistantMessageItem{
					ItemBase: chatkit.ItemBase{ID: fmt.Sprintf("msg_%d", i), ThreadID: thread, CreatedAt: batchNow}})) {
					return
				}
				task, err := store.Create(ctx, user, newTask(fmt.Sprintf("task %d", i)))
				if !assert.NoError(t, err) {
					return
				}
				created[u] = append(created[u], task)
			}
		})
	}
	wg.Wait()

	crashed := tasks.NewSQLStore(storagetest.SQLiteAt(t, storagetest.CrashCopy(t, path)))
	for u, list := range created {
		user := fmt.Sprintf("user-%d", u)
		require.Len(t, list, perUser)
		for _, want := range list {
			got, err := crashed.Get(ctx, user, want.ID)
			require.NoError(t, err, "%s task %d", user, want.ID)
			assert.Equal(t, want, got)
		}
		n, err := crashed.Count(ctx, user)
		require.NoError(t, err)
		assert.Equal(t, perUser, n)
	}
}
