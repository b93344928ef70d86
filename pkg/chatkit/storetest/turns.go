package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// The turn storage steps (chatkit.TurnStore), through chatkit.StoreTurns:
// the store's own implementation when it has one, PlainTurns otherwise, so
// every store runs the same cases.

func addOf(items ...chatkit.Item) func() []chatkit.Item {
	return func() []chatkit.Item { return items }
}

func testTurnOpenCreate(t *testing.T, s chatkit.Store) {
	ts := chatkit.StoreTurns(s)
	meta := thread("thr_new", 0)
	um := userMsg("thr_new", "msg_u1", 1, "hello")
	sess, opened, err := ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_new", Create: &meta, MaxThreads: 2, Add: addOf(um)})
	require.NoError(t, err)
	assert.False(t, opened.Refused)
	assert.Equal(t, "thr_new", opened.Thread.ID)
	assert.Equal(t, 0, opened.Threads, "threads before")
	// Committed before the turn goes on: another reader sees both.
	got, err := s.LoadThread(ctx(t), alice, "thr_new")
	require.NoError(t, err)
	assert.True(t, meta.CreatedAt.Equal(got.CreatedAt))
	page, err := s.ListItems(ctx(t), alice, "thr_new", chatkit.ListOptions{IncludeHidden: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_u1"}, itemIDs(page.Data))

	title := "Greeting"
	fresh, err := sess.Commit(ctx(t), chatkit.TurnWrites{
		Items:  []chatkit.TurnItemWrite{{Item: assistantMsg("thr_new", "msg_a1", 2, "hi")}, {Item: hiddenMsg("thr_new", "msg_h1", 3)}},
		Thread: &chatkit.ThreadUpdate{ID: "thr_new", Title: &title},
		End:    true,
	})
	require.NoError(t, err)
	assert.Equal(t, "Greeting", fresh.Title)
	sess.Close() // after End: nothing more to release
	page, err = s.ListItems(ctx(t), alice, "thr_new", chatkit.ListOptions{IncludeHidden: true, Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_u1", "msg_a1", "msg_h1"}, itemIDs(page.Data))
	got, err = s.LoadThread(ctx(t), alice, "thr_new")
	require.NoError(t, err)
	assert.Equal(t, "Greeting", got.Title)
	requireLockFree(t, s, alice, "thr_new")

	// At the thread quota: refused, nothing written (Add may have been
	// called: a new thread's items may be made before the lock).
	mustSaveThread(t, s, alice, thread("thr_other", 1))
	meta2 := thread("thr_third", 2)
	sess, opened, err = ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_third", Create: &meta2, MaxThreads: 2,
		Add: addOf(userMsg("thr_third", "msg_u3", 3, "refused"))})
	require.NoError(t, err)
	assert.True(t, opened.Refused)
	assert.Equal(t, 2, opened.Threads)
	sess.Close()
	_, err = s.LoadThread(ctx(t), alice, "thr_third")
	requireNotFound(t, err)
	requireLockFree(t, s, alice, "thr_third")
}

func testTurnOpenExisting(t *testing.T, s chatkit.Store) {
	ts := chatkit.StoreTurns(s)
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	for i := range 5 {
		mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", fmt.Sprintf("msg_%d", i), i, "x"))
	}
	mustAdd(t, s, alice, "thr_1", hiddenMsg("thr_1", "msg_hidden", 10))
	um := userMsg("thr_1", "msg_u", 20, "next")
	sess, opened, err := ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_1", MaxItems: 100, History: 3, Add: addOf(um)})
	require.NoError(t, err)
	assert.False(t, opened.Refused)
	assert.Equal(t, "thr_1", opened.Thread.ID)
	assert.Equal(t, 6, opened.Items, "items before the message, hidden ones too")
	assert.Equal(t, []string{"msg_hidden", "msg_4", "msg_3"}, itemIDs(opened.History), "newest first, hidden included, before Add")
	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 1, IncludeHidden: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_u"}, itemIDs(page.Data), "the message is committed at OpenTurn")
	sess.Close()
	sess.Close() // idempotent
	requireLockFree(t, s, alice, "thr_1")

	// At the item quota: refused, nothing written.
	sess, opened, err = ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_1", MaxItems: 7,
		Add: func() []chatkit.Item { t.Error("Add called on a refused turn"); return nil }})
	require.NoError(t, err)
	assert.True(t, opened.Refused)
	assert.Equal(t, 7, opened.Items)
	sess.Close()
	requireLockFree(t, s, alice, "thr_1")

	// A missing or another user's thread: not found, lock released.
	for _, tc := range []struct{ user, thread string }{{alice, "thr_missing"}, {bob, "thr_1"}} {
		sess, _, err := ts.OpenTurn(ctx(t), tc.user, chatkit.TurnOpen{ThreadID: tc.thread, History: 5, MaxItems: 10,
			Add: func() []chatkit.Item { t.Error("Add called for a missing thread"); return nil }})
		requireNotFound(t, err, tc.user+" "+tc.thread)
		assert.Nil(t, sess)
		requireLockFree(t, s, tc.user, tc.thread)
	}
}

func testTurnCommit(t *testing.T, s chatkit.Store) {
	ts := chatkit.StoreTurns(s)
	th := thread("thr_1", 0)
	th.Title = "Old"
	mustSaveThread(t, s, alice, th)
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_keep", 1, "keep"))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_drop", 2, "drop"))
	sess, _, err := ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_1"})
	require.NoError(t, err)
	defer sess.Close()

	// A step without End: items in order (an upsert, a replace, deletions,
	// one of an item that is not there), the thread untouched.
	_, err = sess.Commit(ctx(t), chatkit.TurnWrites{Items: []chatkit.TurnItemWrite{
		{Item: assistantMsg("thr_1", "msg_new", 3, "first")},
		{Item: assistantMsg("thr_1", "msg_new", 3, "second")},
		{DeleteID: "msg_drop"},
		{DeleteID: "msg_never_was"},
	}})
	require.NoError(t, err)
	it, err := s.LoadItem(ctx(t), alice, "thr_1", "msg_new")
	require.NoError(t, err)
	assert.Equal(t, "second", it.(*chatkit.AssistantMessageItem).Text())
	_, err = s.LoadItem(ctx(t), alice, "thr_1", "msg_drop")
	requireNotFound(t, err)

	// A rename while the turn runs is kept: only the changed fields are set.
	renamed := th
	renamed.Title = "Renamed"
	mustSaveThread(t, s, alice, renamed)
	status := chatkit.ThreadStatus{Type: chatkit.StatusLocked, Reason: "done"}
	fresh, err := sess.Commit(ctx(t), chatkit.TurnWrites{Thread: &chatkit.ThreadUpdate{ID: "thr_1", Status: &status}, End: true})
	require.NoError(t, err)
	assert.Equal(t, "Renamed", fresh.Title)
	assert.Equal(t, status, fresh.Status)
	got, err := s.LoadThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	assert.Equal(t, "Renamed", got.Title)
	assert.Equal(t, status, got.Status)
	requireLockFree(t, s, alice, "thr_1")
}

func testTurnHoldsLock(t *testing.T, s chatkit.Store) {
	ts := chatkit.StoreTurns(s)
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	sess, _, err := ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_1"})
	require.NoError(t, err)

	// Another turn on the thread waits, then gives up: ErrBusy.
	_, _, err = ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_1", LockTimeout: 100 * time.Millisecond,
		Add: func() []chatkit.Item { t.Error("Add called without the lock"); return nil }})
	require.Error(t, err)
	assert.ErrorIs(t, err, chatkit.ErrBusy)

	sess.Close()
	requireLockFree(t, s, alice, "thr_1")
}

// Concurrent turns on one thread run one at a time, and each reads what
// the previous one committed: the history a turn opens with ends with the
// previous turn's reply, never with its own predecessor's message alone.
func testTurnSerialization(t *testing.T, s chatkit.Store) {
	ts := chatkit.StoreTurns(s)
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	const workers, rounds = 4, 6
	var (
		mu    sync.Mutex
		clock = base
		wg    sync.WaitGroup
		errs  = make(chan error, workers*rounds)
	)
	now := func() int {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return int(clock.Sub(base) / time.Millisecond)
	}
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				id := fmt.Sprintf("%d_%d", w, r)
				sess, opened, err := ts.OpenTurn(ctx(t), alice, chatkit.TurnOpen{ThreadID: "thr_1", History: 2,
					Add: func() []chatkit.Item { return []chatkit.Item{userMsg("thr_1", "msg_u"+id, now(), id)} }})
				if err != nil {
					errs <- err
					return
				}
				if len(opened.History) > 0 {
					if _, ok := opened.History[0].(*chatkit.AssistantMessageItem); !ok {
						errs <- fmt.Errorf("turn %s opened on %s: the previous turn's reply is not visible", id, opened.History[0].Header().ID)
					}
				}
				_, err = sess.Commit(ctx(t), chatkit.TurnWrites{End: true,
					Items: []chatkit.TurnItemWrite{{Item: assistantMsg("thr_1", "msg_a"+id, now(), id)}}})
				sess.Close()
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: chatkit.MaxPageSize, Order: chatkit.OrderAsc})
	require.NoError(t, err)
	require.Len(t, page.Data, 2*workers*rounds)
	for i := 0; i < len(page.Data); i += 2 {
		u, a := page.Data[i].Header().ID, page.Data[i+1].Header().ID
		assert.Equal(t, "msg_a"+u[len("msg_u"):], a, "a turn's reply follows its message, no turn interleaved")
	}
}

// requireLockFree fails unless the thread's lock can be taken at once.
func requireLockFree(t *testing.T, s chatkit.Store, user, threadID string) {
	t.Helper()
	c, cancel := contextWithTimeout(t, 5*time.Second)
	defer cancel()
	unlock, err := s.LockThread(c, user, threadID)
	if err != nil {
		t.Fatalf("the lock of %s is still held: %v", threadID, err)
	}
	unlock()
}
