package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// chatkit.LoadThreadPage and chatkit.UpdateThread: the store's own
// ThreadPageLoader and ThreadUpdater when it has them, the plain methods
// otherwise; the same answers either way.

func testThreadPage(t *testing.T, s chatkit.Store) {
	th := thread("thr_1", 0)
	th.Title = "Page"
	mustSaveThread(t, s, alice, th)
	mustAdd(t, s, alice, "thr_1", userMsg("thr_1", "msg_1", 1, "one"))
	mustAdd(t, s, alice, "thr_1", hiddenMsg("thr_1", "msg_h", 2))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_2", 3, "two"))
	mustAdd(t, s, alice, "thr_1", userMsg("thr_1", "msg_3", 4, "three"))

	for _, opts := range []chatkit.ListOptions{
		{Limit: 2, Order: chatkit.OrderAsc},
		{Limit: 2, Order: chatkit.OrderAsc, After: "msg_2"},
		{Order: chatkit.OrderDesc},
		{Limit: 5, IncludeHidden: true},
		{Limit: 2, After: "msg_missing"},
	} {
		meta, page, err := chatkit.LoadThreadPage(ctx(t), s, alice, "thr_1", opts)
		require.NoError(t, err, "%+v", opts)
		assert.Equal(t, "Page", meta.Title)
		assert.True(t, th.CreatedAt.Equal(meta.CreatedAt))
		want, err := s.ListItems(ctx(t), alice, "thr_1", opts)
		require.NoError(t, err)
		assert.Equal(t, itemIDs(want.Data), itemIDs(page.Data), "%+v", opts)
		assert.Equal(t, want.HasMore, page.HasMore, "%+v", opts)
		assert.Equal(t, want.After, page.After, "%+v", opts)
		assert.Equal(t, mustJSON(t, want.Data), mustJSON(t, page.Data))
	}

	mustSaveThread(t, s, alice, thread("thr_empty", 1))
	meta, page, err := chatkit.LoadThreadPage(ctx(t), s, alice, "thr_empty", chatkit.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, "thr_empty", meta.ID)
	assert.Empty(t, page.Data)
	assert.False(t, page.HasMore)

	for _, tc := range []struct{ user, thread string }{{alice, "thr_missing"}, {bob, "thr_1"}, {alice, "thr_\x00"}} {
		_, _, err := chatkit.LoadThreadPage(ctx(t), s, tc.user, tc.thread, chatkit.ListOptions{})
		requireNotFound(t, err, tc.user+" "+tc.thread)
	}
}

func testUpdateThread(t *testing.T, s chatkit.Store) {
	th := thread("thr_1", 0)
	th.Title = "Before"
	th.Status = chatkit.ThreadStatus{Type: chatkit.StatusClosed, Reason: "kept"}
	th.Metadata = map[string]any{"k": "v"}
	mustSaveThread(t, s, alice, th)

	title := "After"
	got, err := chatkit.UpdateThread(ctx(t), s, alice, chatkit.ThreadUpdate{ID: "thr_1", Title: &title})
	require.NoError(t, err)
	assert.Equal(t, "After", got.Title)
	assert.Equal(t, th.Status, got.Status, "fields not in the update are kept")
	assert.Equal(t, th.Metadata, got.Metadata)
	assert.True(t, th.CreatedAt.Equal(got.CreatedAt))
	stored, err := s.LoadThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	assert.Equal(t, mustJSON(t, got), mustJSON(t, stored), "what it returns is what is stored")

	empty := ""
	got, err = chatkit.UpdateThread(ctx(t), s, alice, chatkit.ThreadUpdate{ID: "thr_1", Title: &empty})
	require.NoError(t, err)
	assert.Empty(t, got.Title)

	for _, tc := range []struct{ user, thread string }{{alice, "thr_missing"}, {bob, "thr_1"}} {
		_, err := chatkit.UpdateThread(ctx(t), s, tc.user, chatkit.ThreadUpdate{ID: tc.thread, Title: &title})
		requireNotFound(t, err, tc.user+" "+tc.thread)
	}
	stored, err = s.LoadThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	assert.Empty(t, stored.Title, "another user's update changed nothing")
}

func testThreadFeedback(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_1", 1, "one"))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_2", 2, "two"))

	require.NoError(t, chatkit.SaveThreadFeedback(ctx(t), s, alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1", "msg_2", "msg_1"}, Kind: chatkit.FeedbackPositive}))
	require.NoError(t, chatkit.SaveThreadFeedback(ctx(t), s, alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_2"}, Kind: chatkit.FeedbackNegative}))
	if fb := feedbackOf(t, s, alice, "thr_1"); fb != nil {
		assert.Equal(t, map[string]string{"msg_1": chatkit.FeedbackPositive, "msg_2": chatkit.FeedbackNegative}, fb)
	}

	// An id that is not an item of the thread: ErrUnknownItem, nothing written.
	err := chatkit.SaveThreadFeedback(ctx(t), s, alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1", "msg_other"}, Kind: chatkit.FeedbackNegative})
	require.Error(t, err)
	assert.ErrorIs(t, err, chatkit.ErrUnknownItem)
	if fb := feedbackOf(t, s, alice, "thr_1"); fb != nil {
		assert.Equal(t, chatkit.FeedbackPositive, fb["msg_1"], "nothing written")
	}

	// A missing or another user's thread: ErrNotFound, not an unknown item.
	for _, tc := range []struct{ user, thread string }{{alice, "thr_missing"}, {bob, "thr_1"}} {
		err := chatkit.SaveThreadFeedback(ctx(t), s, tc.user, chatkit.Feedback{ThreadID: tc.thread, ItemIDs: []string{"msg_1"}, Kind: chatkit.FeedbackPositive})
		requireNotFound(t, err, tc.user+" "+tc.thread)
		assert.NotErrorIs(t, err, chatkit.ErrUnknownItem)
	}
}
