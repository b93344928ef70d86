// Package storetest is the contract test suite every chatkit.Store must pass
// (the SQL stores on SQLite and PostgreSQL, and the in-memory store): thread
// and item CRUD and upserts, keyset pagination in both orders, hidden-item
// filtering, cascading deletes, attachments, feedback (only on items of the
// thread), the counts quotas read, the control-character rule (CheckText),
// per-user isolation on every method and per-thread lock exclusion, and the
// turn storage steps (chatkit.TurnStore, or PlainTurns over the store).
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// Run runs the contract suite (call it from a test of your store); newStore must return an empty store
// for each call (each subtest gets its own).
func Run(t *testing.T, newStore func(t *testing.T) chatkit.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s chatkit.Store)
	}{
		{"ThreadSaveLoadUpsert", testThreadSaveLoadUpsert},
		{"ThreadListPagination", testThreadListPagination},
		{"ThreadListDefaults", testThreadListDefaults},
		{"ItemAddLoadSaveDelete", testItemCRUD},
		{"ItemRoundTripAllTypes", testItemRoundTrip},
		{"ItemPaginationBothOrders", testItemPagination},
		{"ItemPaginationDefaultsAndCursors", testItemPaginationDefaults},
		{"HiddenItemsFilteredInQuery", testHiddenItems},
		{"ItemsOnMissingThread", testItemsOnMissingThread},
		{"DeleteThreadCascades", testDeleteThreadCascades},
		{"Attachments", testAttachments},
		{"Feedback", testFeedback},
		{"FeedbackOnlyOnItemsOfTheThread", testFeedbackUnknownItems},
		{"CountsForQuotas", testCounts},
		{"ControlCharacters", testControlCharacters},
		{"IsolationBetweenUsers", testIsolation},
		{"LockMutualExclusion", testLockExclusion},
		{"LockHonoursContext", testLockContext},
		{"ConcurrentAddItem", testConcurrentAddItem},
		{"ThreadWithItemsPage", testThreadPage},
		{"UpdateThreadFields", testUpdateThread},
		{"ThreadFeedback", testThreadFeedback},
		{"TurnOpenCreate", testTurnOpenCreate},
		{"TurnOpenExisting", testTurnOpenExisting},
		{"TurnCommit", testTurnCommit},
		{"TurnHoldsLock", testTurnHoldsLock},
		{"TurnSerialization", testTurnSerialization},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

const (
	alice = "user_alice"
	bob   = "user_bob"
)

var base = time.Date(2026, 11, 28, 16, 45, 54, 321457000, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

// thread builds thread metadata created n seconds after base.
func thread(id string, n int) chatkit.ThreadMetadata {
	return chatkit.ThreadMetadata{ID: id, CreatedAt: base.Add(time.Duration(n) * time.Second)}
}

// userMsg builds a user message created at base+n ms.
func userMsg(threadID, id string, n int, text string) *chatkit.UserMessageItem {
	return &chatkit.UserMessageItem{
		ItemBase: chatkit.ItemBase{ID: id, ThreadID: threadID, CreatedAt: base.Add(time.Duration(n) * time.Millisecond)},
		Content:  []chatkit.UserContent{chatkit.TextContent(text)},
	}
}

func assistantMsg(threadID, id string, n int, text string) *chatkit.AssistantMessageItem {
	return &chatkit.AssistantMessageItem{
		ItemBase: chatkit.ItemBase{ID: id, ThreadID: threadID, CreatedAt: base.Add(time.Duration(n) * time.Millisecond)},
		Content:  []chatkit.OutputText{{Text: text}},
	}
}

func hiddenMsg(threadID, id string, n int) *chatkit.SDKHiddenContextItem {
	return &chatkit.SDKHiddenContextItem{
		ItemBase: chatkit.ItemBase{ID: id, ThreadID: threadID, CreatedAt: base.Add(time.Duration(n) * time.Millisecond)},
		Content:  chatkit.CancelledContent,
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func requireNotFound(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Truef(t, errors.Is(err, chatkit.ErrNotFound), "want ErrNotFound, got %v (%v)", err, fmt.Sprint(msgAndArgs...))
}

func ids[T any](list []T, id func(T) string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		out = append(out, id(v))
	}
	return out
}

func itemIDs(items []chatkit.Item) []string {
	return ids(items, func(it chatkit.Item) string { return it.Header().ID })
}

func threadIDs(ts []chatkit.ThreadMetadata) []string {
	return ids(ts, func(t chatkit.ThreadMetadata) string { return t.ID })
}

func reversed(in []string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}

func mustSaveThread(t *testing.T, s chatkit.Store, user string, th chatkit.ThreadMetadata) {
	t.Helper()
	require.NoError(t, s.SaveThread(ctx(t), user, th))
}

func mustAdd(t *testing.T, s chatkit.Store, user, threadID string, it chatkit.Item) {
	t.Helper()
	require.NoError(t, s.AddItem(ctx(t), user, threadID, it))
}

func testThreadSaveLoadUpsert(t *testing.T, s chatkit.Store) {
	th := chatkit.ThreadMetadata{
		ID:                  "thr_1",
		Title:               "Groceries",
		CreatedAt:           base.In(time.FixedZone("CET", 3600)),
		Status:              chatkit.ThreadStatus{Type: chatkit.StatusLocked, Reason: "read only"},
		AllowedImageDomains: []string{"example.com", "cdn.example.org"},
		Metadata:            map[string]any{"previous_response_id": "resp_1", "n": 2.5, "nested": map[string]any{"k": []any{"v"}}},
	}
	mustSaveThread(t, s, alice, th)
	got, err := s.LoadThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	assert.Equal(t, "thr_1", got.ID)
	assert.Equal(t, "Groceries", got.Title)
	assert.True(t, got.CreatedAt.Equal(base), "created_at %v, want %v", got.CreatedAt, base)
	assert.Equal(t, time.UTC, got.CreatedAt.Location(), "times come back in UTC")
	assert.Equal(t, th.Status, got.Status)
	assert.Equal(t, th.AllowedImageDomains, got.AllowedImageDomains)
	assert.Equal(t, th.Metadata, got.Metadata)

	// Upsert by id: the title changes, nothing is duplicated.
	th.Title = "Shopping"
	th.Status = chatkit.ThreadStatus{Type: chatkit.StatusActive}
	th.AllowedImageDomains = nil
	th.Metadata = nil
	mustSaveThread(t, s, alice, th)
	got, err = s.LoadThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	assert.Equal(t, "Shopping", got.Title)
	assert.Equal(t, chatkit.StatusActive, got.Status.Type)
	assert.Empty(t, got.AllowedImageDomains)
	assert.Empty(t, got.Metadata)
	page, err := s.ListThreads(ctx(t), alice, chatkit.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"thr_1"}, threadIDs(page.Data))

	// An untitled thread stays untitled.
	mustSaveThread(t, s, alice, thread("thr_2", 1))
	got, err = s.LoadThread(ctx(t), alice, "thr_2")
	require.NoError(t, err)
	assert.Empty(t, got.Title)
	assert.NotContains(t, mustJSON(t, got), `"title"`)

	_, err = s.LoadThread(ctx(t), alice, "thr_missing")
	requireNotFound(t, err, "load missing thread")
}

func testThreadListPagination(t *testing.T, s chatkit.Store) {
	// Saved out of order; thr_c and thr_d share created_at (insertion order
	// breaks the tie).
	for _, th := range []chatkit.ThreadMetadata{thread("thr_b", 2), thread("thr_a", 1), thread("thr_c", 3), thread("thr_d", 3), thread("thr_e", 5), thread("thr_f", 6), thread("thr_g", 7)} {
		mustSaveThread(t, s, alice, th)
	}
	asc := []string{"thr_a", "thr_b", "thr_c", "thr_d", "thr_e", "thr_f", "thr_g"}
	for _, order := range []chatkit.Order{chatkit.OrderAsc, chatkit.OrderDesc} {
		want := asc
		if order == chatkit.OrderDesc {
			want = reversed(asc)
		}
		for _, limit := range []int{1, 2, 3, 7, 8} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				require.Less(t, pages, 10, "pagination does not end")
				page, err := s.ListThreads(ctx(t), alice, chatkit.ListOptions{Limit: limit, Order: order, After: after})
				require.NoError(t, err)
				require.LessOrEqual(t, len(page.Data), limit)
				got = append(got, threadIDs(page.Data)...)
				if !page.HasMore {
					assert.Empty(t, page.After, "after is omitted on the last page")
					break
				}
				require.Len(t, page.Data, limit, "a page with more after it is full")
				require.Equal(t, page.Data[len(page.Data)-1].ID, page.After, "after = id of the last row")
				after = page.After
			}
			assert.Equal(t, want, got, "order %s limit %d", order, limit)
		}
	}
	// Exclusive cursor in the middle, both orders.
	page, err := s.ListThreads(ctx(t), alice, chatkit.ListOptions{Limit: 2, Order: chatkit.OrderAsc, After: "thr_c"})
	require.NoError(t, err)
	assert.Equal(t, []string{"thr_d", "thr_e"}, threadIDs(page.Data))
	assert.True(t, page.HasMore)
	page, err = s.ListThreads(ctx(t), alice, chatkit.ListOptions{Limit: 2, Order: chatkit.OrderDesc, After: "thr_d"})
	require.NoError(t, err)
	assert.Equal(t, []string{"thr_c", "thr_b"}, threadIDs(page.Data))
	// Exactly limit rows left: no more.
	page, err = s.ListThreads(ctx(t), alice, chatkit.ListOptions{Limit: 2, Order: chatkit.OrderDesc, After: "thr_c"})
	require.NoError(t, err)
	assert.Equal(t, []string{"thr_b", "thr_a"}, threadIDs(page.Data))
	assert.False(t, page.HasMore)
	// Unknown cursor: empty page.
	page, err = s.ListThreads(ctx(t), alice, chatkit.ListOptions{After: "thr_nope"})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	assert.False(t, page.HasMore)
}

func testThreadListDefaults(t *testing.T, s chatkit.Store) {
	page, err := s.ListThreads(ctx(t), alice, chatkit.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	assert.False(t, page.HasMore)
	assert.Equal(t, `{"data":[],"has_more":false}`, mustJSON(t, page), "an empty page marshals with data []")

	var all []string
	for i := range chatkit.DefaultPageSize + 5 {
		id := fmt.Sprintf("thr_%03d", i)
		all = append(all, id)
		mustSaveThread(t, s, alice, thread(id, i))
	}
	page, err = s.ListThreads(ctx(t), alice, chatkit.ListOptions{})
	require.NoError(t, err)
	require.Len(t, page.Data, chatkit.DefaultPageSize, "limit 0 means the default page size")
	assert.Equal(t, reversed(all)[:chatkit.DefaultPageSize], threadIDs(page.Data), "order \"\" means newest first")
	assert.True(t, page.HasMore)
	page, err = s.ListThreads(ctx(t), alice, chatkit.ListOptions{Limit: -3, After: page.After})
	require.NoError(t, err)
	assert.Equal(t, reversed(all)[chatkit.DefaultPageSize:], threadIDs(page.Data))
	assert.False(t, page.HasMore)
}

func testItemCRUD(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	u := userMsg("thr_1", "msg_u", 1, "hello")
	a := assistantMsg("thr_1", "msg_a", 2, "hi there")
	mustAdd(t, s, alice, "thr_1", u)
	mustAdd(t, s, alice, "thr_1", a)

	got, err := s.LoadItem(ctx(t), alice, "thr_1", "msg_u")
	require.NoError(t, err)
	assert.JSONEq(t, mustJSON(t, u), mustJSON(t, got))
	um, ok := got.(*chatkit.UserMessageItem)
	require.True(t, ok, "user message decodes to *UserMessageItem, got %T", got)
	assert.Equal(t, "hello", um.Text())

	// SaveItem upserts in place: same position, new content.
	a2 := assistantMsg("thr_1", "msg_a", 2, "hi there, updated")
	require.NoError(t, s.SaveItem(ctx(t), alice, "thr_1", a2))
	got, err = s.LoadItem(ctx(t), alice, "thr_1", "msg_a")
	require.NoError(t, err)
	assert.JSONEq(t, mustJSON(t, a2), mustJSON(t, got))
	// AddItem of an existing id overwrites too (no duplicate).
	u2 := userMsg("thr_1", "msg_u", 1, "hello again")
	mustAdd(t, s, alice, "thr_1", u2)
	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_u", "msg_a"}, itemIDs(page.Data))
	assert.JSONEq(t, mustJSON(t, u2), mustJSON(t, page.Data[0]))
	// SaveItem of a new id inserts.
	require.NoError(t, s.SaveItem(ctx(t), alice, "thr_1", assistantMsg("thr_1", "msg_b", 3, "more")))

	// Delete one item.
	require.NoError(t, s.DeleteItem(ctx(t), alice, "thr_1", "msg_a"))
	_, err = s.LoadItem(ctx(t), alice, "thr_1", "msg_a")
	requireNotFound(t, err, "load deleted item")
	requireNotFound(t, s.DeleteItem(ctx(t), alice, "thr_1", "msg_a"), "delete twice")
	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_u", "msg_b"}, itemIDs(page.Data))

	_, err = s.LoadItem(ctx(t), alice, "thr_1", "msg_missing")
	requireNotFound(t, err, "load missing item")
	// Item ids are scoped by thread: the same id in another thread is another item.
	mustSaveThread(t, s, alice, thread("thr_2", 1))
	_, err = s.LoadItem(ctx(t), alice, "thr_2", "msg_u")
	requireNotFound(t, err, "item of another thread")
	requireNotFound(t, s.DeleteItem(ctx(t), alice, "thr_2", "msg_u"), "delete item through another thread")
	_, err = s.LoadItem(ctx(t), alice, "thr_1", "msg_u")
	require.NoError(t, err, "still there")
}

func testItemRoundTrip(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	at := base.Add(123456789 * time.Nanosecond).Truncate(time.Microsecond)
	b := func(id string) chatkit.ItemBase { return chatkit.ItemBase{ID: id, ThreadID: "thr_1", CreatedAt: at} }
	unknown, err := chatkit.UnmarshalItem([]byte(`{"id":"msg_x","thread_id":"thr_1","created_at":"2026-11-28T16:45:54.444913Z","type":"future_thing","z":1,"a":{"b":[1,2.50,"x"]}}`))
	require.NoError(t, err)
	items := []chatkit.Item{
		&chatkit.UserMessageItem{ItemBase: b("msg_1"), Content: []chatkit.UserContent{
			chatkit.TextContent("Summarise "),
			{Type: chatkit.ContentInputTag, ID: "ent_1", Text: "Q3 report", Data: map[string]any{"k": "v"}, Group: "Docs", Interactive: true},
		}, QuotedText: "quoted", InferenceOptions: chatkit.InferenceOptions{Model: "gpt-5"},
			Attachments: []chatkit.Attachment{{ID: "atc_1", Name: "a.pdf", MimeType: "application/pdf", Type: "file", ThreadID: "thr_1"}}},
		&chatkit.AssistantMessageItem{ItemBase: b("msg_2"), Content: []chatkit.OutputText{{Text: "**Markdown** ünïcødé 🎉 \"quotes\" \\ <tags>"}}},
		&chatkit.ClientToolCallItem{ItemBase: b("tc_1"), Status: "pending", CallID: "call_1", Name: "get_location", Arguments: json.RawMessage(`{"a":1}`)},
		&chatkit.WidgetItem{ItemBase: b("msg_3"), Widget: json.RawMessage(`{"type":"Card","children":[{"type":"Text","value":"Hi","streaming":true}]}`), CopyText: "Hi"},
		&chatkit.EndOfTurnItem{ItemBase: b("msg_4")},
		&chatkit.HiddenContextItem{ItemBase: b("msg_5"), Content: json.RawMessage(`{"note":"x"}`)},
		&chatkit.SDKHiddenContextItem{ItemBase: b("shcx_1"), Content: chatkit.CancelledContent},
		unknown,
	}
	for _, it := range items {
		mustAdd(t, s, alice, "thr_1", it)
	}
	for _, it := range items {
		got, err := s.LoadItem(ctx(t), alice, "thr_1", it.Header().ID)
		require.NoError(t, err)
		assert.Equal(t, mustJSON(t, it), mustJSON(t, got), "item %s round-trips byte for byte", it.Header().ID)
		assert.Equal(t, it.ItemType(), got.ItemType())
		assert.True(t, got.Header().CreatedAt.Equal(it.Header().CreatedAt))
	}
	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderAsc, IncludeHidden: true})
	require.NoError(t, err)
	require.Len(t, page.Data, len(items))
	for i, it := range items {
		assert.Equal(t, mustJSON(t, it), mustJSON(t, page.Data[i]))
	}
}

// seedItems adds n visible items to thr_1 with created_at ties (every third
// item shares the previous one's time) and returns their ids oldest first.
func seedItems(t *testing.T, s chatkit.Store, n int) []string {
	t.Helper()
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	var all []string
	ms := 0
	for i := range n {
		if i%3 != 2 {
			ms++
		}
		// Ids are not in time order so that ordering by id would be wrong.
		id := fmt.Sprintf("msg_%03d_%d", (i*37)%n, i)
		all = append(all, id)
		if i%2 == 0 {
			mustAdd(t, s, alice, "thr_1", userMsg("thr_1", id, ms, "u"))
		} else {
			mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", id, ms, "a"))
		}
	}
	return all
}

func testItemPagination(t *testing.T, s chatkit.Store) {
	asc := seedItems(t, s, 45)
	for _, order := range []chatkit.Order{chatkit.OrderAsc, chatkit.OrderDesc} {
		want := asc
		if order == chatkit.OrderDesc {
			want = reversed(asc)
		}
		for _, limit := range []int{1, 7, 20, 44, 45, 46, 100} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				require.Less(t, pages, 50, "pagination does not end")
				page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: limit, Order: order, After: after})
				require.NoError(t, err)
				got = append(got, itemIDs(page.Data)...)
				if !page.HasMore {
					assert.Empty(t, page.After)
					break
				}
				require.Len(t, page.Data, limit)
				require.Equal(t, page.Data[len(page.Data)-1].Header().ID, page.After)
				after = page.After
			}
			assert.Equal(t, want, got, "order %s limit %d", order, limit)
		}
	}
}

func testItemPaginationDefaults(t *testing.T, s chatkit.Store) {
	asc := seedItems(t, s, 25)
	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, reversed(asc)[:chatkit.DefaultPageSize], itemIDs(page.Data), "default: newest first, 20")
	assert.True(t, page.HasMore)
	assert.Equal(t, asc[5], page.After)

	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 3, Order: chatkit.OrderAsc, After: asc[10]})
	require.NoError(t, err)
	assert.Equal(t, asc[11:14], itemIDs(page.Data), "after is exclusive")
	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 3, Order: chatkit.OrderDesc, After: asc[10]})
	require.NoError(t, err)
	assert.Equal(t, reversed(asc[7:10]), itemIDs(page.Data))
	// The last row as cursor: nothing after it.
	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderAsc, After: asc[len(asc)-1]})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	assert.False(t, page.HasMore)
	// An unknown cursor, or one from another thread: empty page.
	mustSaveThread(t, s, alice, thread("thr_2", 1))
	mustAdd(t, s, alice, "thr_2", userMsg("thr_2", "msg_other", 1, "x"))
	for _, after := range []string{"msg_unknown", "msg_other"} {
		page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{After: after})
		require.NoError(t, err)
		assert.Empty(t, page.Data, "after %s", after)
		assert.False(t, page.HasMore)
	}
	// An empty thread.
	mustSaveThread(t, s, alice, thread("thr_empty", 2))
	page, err = s.ListItems(ctx(t), alice, "thr_empty", chatkit.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, `{"data":[],"has_more":false}`, mustJSON(t, page))
}

func testHiddenItems(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	mustAdd(t, s, alice, "thr_1", userMsg("thr_1", "msg_1", 1, "a"))
	mustAdd(t, s, alice, "thr_1", hiddenMsg("thr_1", "shcx_1", 2))
	mustAdd(t, s, alice, "thr_1", &chatkit.HiddenContextItem{ItemBase: chatkit.ItemBase{ID: "msg_h", ThreadID: "thr_1", CreatedAt: base.Add(3 * time.Millisecond)}, Content: json.RawMessage(`"ctx"`)})
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_2", 4, "b"))
	mustAdd(t, s, alice, "thr_1", userMsg("thr_1", "msg_3", 5, "c"))

	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_1", "msg_2", "msg_3"}, itemIDs(page.Data))
	// Filtered in the query: a page of 2 is full even with hidden items in between.
	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 2, Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_1", "msg_2"}, itemIDs(page.Data))
	assert.True(t, page.HasMore)
	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 2, Order: chatkit.OrderAsc, After: page.After})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_3"}, itemIDs(page.Data))
	assert.False(t, page.HasMore)
	// A hidden item as cursor still positions the page.
	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderAsc, After: "shcx_1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_2", "msg_3"}, itemIDs(page.Data))

	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderDesc, IncludeHidden: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_3", "msg_2", "msg_h", "shcx_1", "msg_1"}, itemIDs(page.Data))
	// Hidden items load by id.
	got, err := s.LoadItem(ctx(t), alice, "thr_1", "shcx_1")
	require.NoError(t, err)
	assert.Equal(t, chatkit.ItemSDKHiddenContext, got.ItemType())

	// An item that stops being hidden (upsert with another type) shows again.
	require.NoError(t, s.SaveItem(ctx(t), alice, "thr_1", assistantMsg("thr_1", "msg_h", 3, "now visible")))
	page, err = s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_1", "msg_h", "msg_2", "msg_3"}, itemIDs(page.Data))
}

func testItemsOnMissingThread(t *testing.T, s chatkit.Store) {
	requireNotFound(t, s.AddItem(ctx(t), alice, "thr_missing", userMsg("thr_missing", "msg_1", 1, "x")), "add")
	requireNotFound(t, s.SaveItem(ctx(t), alice, "thr_missing", userMsg("thr_missing", "msg_1", 1, "x")), "save")
	_, err := s.ListItems(ctx(t), alice, "thr_missing", chatkit.ListOptions{})
	requireNotFound(t, err, "list")
	_, err = s.ListItems(ctx(t), alice, "thr_missing", chatkit.ListOptions{After: "msg_1", Order: chatkit.OrderAsc})
	requireNotFound(t, err, "list with cursor")
	_, err = s.LoadItem(ctx(t), alice, "thr_missing", "msg_1")
	requireNotFound(t, err, "load")
	requireNotFound(t, s.DeleteItem(ctx(t), alice, "thr_missing", "msg_1"), "delete item")
	requireNotFound(t, s.DeleteThread(ctx(t), alice, "thr_missing"), "delete thread")
	requireNotFound(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_missing", ItemIDs: []string{"msg_1"}, Kind: "positive"}), "feedback")
}

func testDeleteThreadCascades(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	mustSaveThread(t, s, alice, thread("thr_2", 1))
	for i := range 5 {
		mustAdd(t, s, alice, "thr_1", userMsg("thr_1", fmt.Sprintf("msg_%d", i), i, "x"))
	}
	mustAdd(t, s, alice, "thr_1", hiddenMsg("thr_1", "shcx_1", 9))
	mustAdd(t, s, alice, "thr_2", userMsg("thr_2", "msg_keep", 1, "keep"))
	require.NoError(t, s.SaveAttachment(ctx(t), alice, chatkit.Attachment{ID: "atc_1", Name: "a.png", MimeType: "image/png", Type: "image", PreviewURL: "https://x/p", ThreadID: "thr_1"}))
	require.NoError(t, s.SaveAttachment(ctx(t), alice, chatkit.Attachment{ID: "atc_2", Name: "b.pdf", MimeType: "application/pdf", Type: "file", ThreadID: "thr_2"}))
	require.NoError(t, s.SaveAttachment(ctx(t), alice, chatkit.Attachment{ID: "atc_3", Name: "c.pdf", MimeType: "application/pdf", Type: "file"}))
	require.NoError(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1"}, Kind: "positive"}))

	require.NoError(t, s.DeleteThread(ctx(t), alice, "thr_1"))
	_, err := s.LoadThread(ctx(t), alice, "thr_1")
	requireNotFound(t, err, "deleted thread")
	_, err = s.LoadItem(ctx(t), alice, "thr_1", "msg_1")
	requireNotFound(t, err, "item of deleted thread")
	_, err = s.LoadAttachment(ctx(t), alice, "atc_1")
	requireNotFound(t, err, "attachment of deleted thread")
	requireNotFound(t, s.DeleteThread(ctx(t), alice, "thr_1"), "delete twice")

	// Re-creating the id gives an empty thread: the items are really gone.
	mustSaveThread(t, s, alice, thread("thr_1", 5))
	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{IncludeHidden: true})
	require.NoError(t, err)
	assert.Empty(t, page.Data)
	if fb := feedbackOf(t, s, alice, "thr_1"); fb != nil {
		assert.Empty(t, fb, "feedback of the deleted thread is gone")
	}

	// Other rows are untouched.
	_, err = s.LoadItem(ctx(t), alice, "thr_2", "msg_keep")
	require.NoError(t, err)
	_, err = s.LoadAttachment(ctx(t), alice, "atc_2")
	require.NoError(t, err)
	_, err = s.LoadAttachment(ctx(t), alice, "atc_3")
	require.NoError(t, err)
	threads, err := s.ListThreads(ctx(t), alice, chatkit.ListOptions{Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"thr_2", "thr_1"}, threadIDs(threads.Data))
}

func testAttachments(t *testing.T, s chatkit.Store) {
	a := chatkit.Attachment{
		ID: "atc_1", Name: "cat.png", MimeType: "image/png", Type: "image", PreviewURL: "https://x/p",
		UploadDescriptor: &chatkit.UploadDescriptor{URL: "https://x/u", Method: "PUT", Headers: map[string]string{"X": "1"}},
		Metadata:         map[string]any{"path": "/blobs/1"},
	}
	require.NoError(t, s.SaveAttachment(ctx(t), alice, a))
	got, err := s.LoadAttachment(ctx(t), alice, "atc_1")
	require.NoError(t, err)
	assert.Equal(t, a, got, "metadata is kept in the store")

	// Upsert: upload finished, stamped with its thread.
	a.UploadDescriptor = nil
	a.ThreadID = "thr_1"
	require.NoError(t, s.SaveAttachment(ctx(t), alice, a))
	got, err = s.LoadAttachment(ctx(t), alice, "atc_1")
	require.NoError(t, err)
	assert.Equal(t, a, got)

	require.NoError(t, s.DeleteAttachment(ctx(t), alice, "atc_1"))
	_, err = s.LoadAttachment(ctx(t), alice, "atc_1")
	requireNotFound(t, err, "deleted attachment")
	requireNotFound(t, s.DeleteAttachment(ctx(t), alice, "atc_1"), "delete twice")
	_, err = s.LoadAttachment(ctx(t), alice, "atc_missing")
	requireNotFound(t, err, "missing attachment")
}

// feedbackOf reads recorded feedback when the store exposes it (the SQL
// store: Feedback(ctx, user, thread) (map, error); memstore: Feedback(user,
// thread) map); nil otherwise.
func feedbackOf(t *testing.T, s chatkit.Store, user, threadID string) map[string]string {
	t.Helper()
	switch fs := s.(type) {
	case interface {
		Feedback(context.Context, string, string) (map[string]string, error)
	}:
		fb, err := fs.Feedback(ctx(t), user, threadID)
		require.NoError(t, err)
		return fb
	case interface {
		Feedback(string, string) map[string]string
	}:
		fb := fs.Feedback(user, threadID)
		if fb == nil {
			fb = map[string]string{}
		}
		return fb
	}
	return nil
}

func testFeedback(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_1", 1, "a"))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_2", 2, "b"))
	require.NoError(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1", "msg_2"}, Kind: "positive"}))
	require.NoError(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_2"}, Kind: "negative"}))
	require.NoError(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: nil, Kind: "negative"}), "no items is fine")
	if fb := feedbackOf(t, s, alice, "thr_1"); fb != nil {
		assert.Equal(t, map[string]string{"msg_1": "positive", "msg_2": "negative"}, fb, "later feedback replaces earlier")
		require.NoError(t, s.DeleteItem(ctx(t), alice, "thr_1", "msg_1"))
		assert.Equal(t, map[string]string{"msg_2": "negative"}, feedbackOf(t, s, alice, "thr_1"), "feedback goes with its item")
		assert.Empty(t, feedbackOf(t, s, bob, "thr_1"), "bob sees none of alice's feedback")
	}
	requireNotFound(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_nope", ItemIDs: nil, Kind: "negative"}), "missing thread, no items")
}

func testIsolation(t *testing.T, s chatkit.Store) {
	th := thread("thr_a", 0)
	th.Title = "Alice's"
	mustSaveThread(t, s, alice, th)
	mustAdd(t, s, alice, "thr_a", userMsg("thr_a", "msg_a1", 1, "secret"))
	mustAdd(t, s, alice, "thr_a", assistantMsg("thr_a", "msg_a2", 2, "reply"))
	require.NoError(t, s.SaveAttachment(ctx(t), alice, chatkit.Attachment{ID: "atc_a", Name: "a.pdf", MimeType: "application/pdf", Type: "file", ThreadID: "thr_a"}))
	mustSaveThread(t, s, bob, thread("thr_b", 5))
	mustAdd(t, s, bob, "thr_b", userMsg("thr_b", "msg_b1", 1, "bob's"))

	// Reads.
	_, err := s.LoadThread(ctx(t), bob, "thr_a")
	requireNotFound(t, err, "LoadThread")
	page, err := s.ListThreads(ctx(t), bob, chatkit.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"thr_b"}, threadIDs(page.Data), "ListThreads shows only bob's")
	page, err = s.ListThreads(ctx(t), bob, chatkit.ListOptions{After: "thr_a"})
	require.NoError(t, err)
	assert.Empty(t, page.Data, "another user's thread is no cursor")
	_, err = s.ListItems(ctx(t), bob, "thr_a", chatkit.ListOptions{})
	requireNotFound(t, err, "ListItems")
	_, err = s.ListItems(ctx(t), bob, "thr_a", chatkit.ListOptions{After: "msg_a1", Order: chatkit.OrderAsc})
	requireNotFound(t, err, "ListItems with cursor")
	items, err := s.ListItems(ctx(t), bob, "thr_b", chatkit.ListOptions{After: "msg_a1", Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Empty(t, items.Data, "another user's item is no cursor")
	_, err = s.LoadItem(ctx(t), bob, "thr_a", "msg_a1")
	requireNotFound(t, err, "LoadItem")
	_, err = s.LoadItem(ctx(t), bob, "thr_b", "msg_a1")
	requireNotFound(t, err, "LoadItem through own thread")
	_, err = s.LoadAttachment(ctx(t), bob, "atc_a")
	requireNotFound(t, err, "LoadAttachment")

	// Writes.
	stolen := thread("thr_a", 9)
	stolen.Title = "Bob was here"
	requireNotFound(t, s.SaveThread(ctx(t), bob, stolen), "SaveThread over another user's id")
	requireNotFound(t, s.AddItem(ctx(t), bob, "thr_a", userMsg("thr_a", "msg_x", 3, "inject")), "AddItem")
	requireNotFound(t, s.SaveItem(ctx(t), bob, "thr_a", userMsg("thr_a", "msg_a1", 1, "overwrite")), "SaveItem")
	requireNotFound(t, s.DeleteItem(ctx(t), bob, "thr_a", "msg_a1"), "DeleteItem")
	requireNotFound(t, s.DeleteThread(ctx(t), bob, "thr_a"), "DeleteThread")
	requireNotFound(t, s.SaveAttachment(ctx(t), bob, chatkit.Attachment{ID: "atc_a", Name: "evil", MimeType: "text/plain", Type: "file"}), "SaveAttachment")
	requireNotFound(t, s.DeleteAttachment(ctx(t), bob, "atc_a"), "DeleteAttachment")
	requireNotFound(t, s.SaveFeedback(ctx(t), bob, chatkit.Feedback{ThreadID: "thr_a", ItemIDs: []string{"msg_a2"}, Kind: "negative"}), "SaveFeedback")

	// Alice's data is intact.
	got, err := s.LoadThread(ctx(t), alice, "thr_a")
	require.NoError(t, err)
	assert.Equal(t, "Alice's", got.Title)
	assert.True(t, got.CreatedAt.Equal(base))
	alicePage, err := s.ListItems(ctx(t), alice, "thr_a", chatkit.ListOptions{Order: chatkit.OrderAsc})
	require.NoError(t, err)
	assert.Equal(t, []string{"msg_a1", "msg_a2"}, itemIDs(alicePage.Data))
	um, ok := alicePage.Data[0].(*chatkit.UserMessageItem)
	require.True(t, ok)
	assert.Equal(t, "secret", um.Text())
	att, err := s.LoadAttachment(ctx(t), alice, "atc_a")
	require.NoError(t, err)
	assert.Equal(t, "a.pdf", att.Name)
	if fb := feedbackOf(t, s, alice, "thr_a"); fb != nil {
		assert.Empty(t, fb)
	}
	ap, err := s.ListThreads(ctx(t), alice, chatkit.ListOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"thr_a"}, threadIDs(ap.Data))

	// Bob deleting his own thread leaves Alice's alone.
	require.NoError(t, s.DeleteThread(ctx(t), bob, "thr_b"))
	_, err = s.LoadItem(ctx(t), alice, "thr_a", "msg_a1")
	require.NoError(t, err)

	// Locks are per user: the same thread id under two users does not block.
	unlockA, err := s.LockThread(ctx(t), alice, "thr_a")
	require.NoError(t, err)
	defer unlockA()
	c, cancel := context.WithTimeout(ctx(t), 10*time.Second)
	defer cancel()
	unlockB, err := s.LockThread(c, bob, "thr_a")
	require.NoError(t, err, "bob's lock on the same id is a different lock")
	unlockB()
}

func testLockExclusion(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	const workers, rounds = 6, 15
	var (
		inside, maxInside atomic.Int32
		counter           int // guarded by the thread lock only
		wg                sync.WaitGroup
		errs              = make(chan error, workers*rounds)
	)
	for range workers {
		wg.Go(func() {
			for range rounds {
				unlock, err := s.LockThread(ctx(t), alice, "thr_1")
				if err != nil {
					errs <- err
					return
				}
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				v := counter
				time.Sleep(50 * time.Microsecond) // widen the window a race would need
				counter = v + 1
				inside.Add(-1)
				unlock()
				unlock() // idempotent
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, int32(1), maxInside.Load(), "at most one holder at a time")
	assert.Equal(t, workers*rounds, counter, "no lost update under the lock")

	// A different thread is not blocked by a held lock; the thread need not exist.
	unlock, err := s.LockThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	c, cancel := context.WithTimeout(ctx(t), 10*time.Second)
	defer cancel()
	other, err := s.LockThread(c, alice, "thr_does_not_exist")
	require.NoError(t, err)
	other()
	unlock()
}

func testLockContext(t *testing.T, s chatkit.Store) {
	unlock, err := s.LockThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)

	// A waiter whose context ends gives up with the context's error.
	c, cancel := context.WithTimeout(ctx(t), 200*time.Millisecond)
	_, err = s.LockThread(c, alice, "thr_1")
	cancel()
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	// A waiter gets the lock once the holder releases it.
	got := make(chan func(), 1)
	go func() {
		u, err := s.LockThread(ctx(t), alice, "thr_1")
		if err != nil {
			got <- nil
			return
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("the waiter got a lock that is held")
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	select {
	case u := <-got:
		require.NotNil(t, u, "waiter failed")
		u()
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter never got the released lock")
	}
	// The abandoned wait left nothing behind: the lock is free.
	c, cancel = context.WithTimeout(ctx(t), 10*time.Second)
	defer cancel()
	u, err := s.LockThread(c, alice, "thr_1")
	require.NoError(t, err)
	u()
}

func testConcurrentAddItem(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				// Every item has the same created_at: insertion order decides.
				errs <- s.AddItem(ctx(t), alice, "thr_1", userMsg("thr_1", fmt.Sprintf("msg_%d_%d", w, i), 1, "x"))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	asc, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 100, Order: chatkit.OrderAsc})
	require.NoError(t, err)
	require.Len(t, asc.Data, workers*each)
	desc, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 100, Order: chatkit.OrderDesc})
	require.NoError(t, err)
	assert.Equal(t, reversed(itemIDs(asc.Data)), itemIDs(desc.Data), "ties have one stable order")
	// Each worker's items keep their relative order.
	pos := map[string]int{}
	for i, id := range itemIDs(asc.Data) {
		pos[id] = i
	}
	for w := range workers {
		for i := 1; i < each; i++ {
			assert.Less(t, pos[fmt.Sprintf("msg_%d_%d", w, i-1)], pos[fmt.Sprintf("msg_%d_%d", w, i)])
		}
	}
	// Paging through ties with a cursor loses and repeats nothing.
	var walked []string
	after := ""
	for {
		p, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{Limit: 3, Order: chatkit.OrderAsc, After: after})
		require.NoError(t, err)
		walked = append(walked, itemIDs(p.Data)...)
		if !p.HasMore {
			break
		}
		after = p.After
	}
	assert.Equal(t, itemIDs(asc.Data), walked)
}

// testFeedbackUnknownItems: feedback names items of the thread only; one
// unknown (or another thread's) id fails the whole call with ErrNotFound and
// writes nothing (issue 11: made-up ids filled the table).
func testFeedbackUnknownItems(t *testing.T, s chatkit.Store) {
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	mustSaveThread(t, s, alice, thread("thr_2", 1))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_1", 1, "a"))
	mustAdd(t, s, alice, "thr_2", assistantMsg("thr_2", "msg_9", 1, "z"))
	requireNotFound(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1", "made_up"}, Kind: "positive"}), "an unknown id")
	requireNotFound(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_9"}, Kind: "positive"}), "another thread's item")
	requireNotFound(t, s.SaveFeedback(ctx(t), bob, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1"}, Kind: "positive"}), "another user's thread")
	if fb := feedbackOf(t, s, alice, "thr_1"); fb != nil {
		assert.Empty(t, fb, "a refused call writes nothing, not even its known ids")
	}
	require.NoError(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1", "msg_1"}, Kind: "negative"}), "a repeated id is one item")
	if fb := feedbackOf(t, s, alice, "thr_1"); fb != nil {
		assert.Equal(t, map[string]string{"msg_1": "negative"}, fb)
	}
}

// testCounts: the counts quotas read, per user and per thread (hidden
// items count too).
func testCounts(t *testing.T, s chatkit.Store) {
	n, err := s.CountThreads(ctx(t), alice)
	require.NoError(t, err)
	assert.Zero(t, n)
	mustSaveThread(t, s, alice, thread("thr_1", 0))
	mustSaveThread(t, s, alice, thread("thr_2", 1))
	mustSaveThread(t, s, bob, thread("thr_b", 2))
	mustAdd(t, s, alice, "thr_1", userMsg("thr_1", "msg_1", 1, "a"))
	mustAdd(t, s, alice, "thr_1", hiddenMsg("thr_1", "msg_2", 2))
	mustAdd(t, s, alice, "thr_1", assistantMsg("thr_1", "msg_3", 3, "b"))
	n, err = s.CountThreads(ctx(t), alice)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = s.CountThreads(ctx(t), bob)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = s.CountItems(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	assert.Equal(t, 3, n, "hidden items count")
	n, err = s.CountItems(ctx(t), alice, "thr_2")
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = s.CountItems(ctx(t), bob, "thr_1")
	requireNotFound(t, err, "another user's thread")
	_, err = s.CountItems(ctx(t), alice, "thr_nope")
	requireNotFound(t, err, "a missing thread")
	require.NoError(t, s.DeleteThread(ctx(t), alice, "thr_2"))
	n, err = s.CountThreads(ctx(t), alice)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// testControlCharacters is the input-hygiene rule (chatkit.CheckText) every store
// keeps, so SQLite, PostgreSQL and memory answer alike: a title with NUL or
// another C0 control character is a 400 (KindInvalid) wrapping chatkit.ErrControl
// (PostgreSQL would fail with SQLSTATE 22021); an id with one cannot exist
// (ErrNotFound, or an empty page for a cursor); text inside an item is
// JSON and round-trips exactly on every store.
func testControlCharacters(t *testing.T, s chatkit.Store) {
	for _, bad := range []string{"null\x00byte", "bell\x07", "esc\x1b[31m"} {
		th := thread("thr_bad", 0)
		th.Title = bad
		err := s.SaveThread(ctx(t), alice, th)
		require.Error(t, err, "title %q", bad)
		assert.ErrorIs(t, err, chatkit.ErrControl)
		ce, ok := chatkit.AsError(err)
		require.True(t, ok, "a caller-visible error, not a 500: %v", err)
		assert.Equal(t, chatkit.KindInvalid, ce.Kind)
		_, err = s.LoadThread(ctx(t), alice, "thr_bad")
		requireNotFound(t, err, "nothing was saved")
	}
	th := thread("thr_1", 0)
	th.Title = "tab\tand\nnewline are fine"
	mustSaveThread(t, s, alice, th)
	got, err := s.LoadThread(ctx(t), alice, "thr_1")
	require.NoError(t, err)
	assert.Equal(t, th.Title, got.Title)

	_, err = s.LoadThread(ctx(t), alice, "thr_1\x00")
	requireNotFound(t, err, "LoadThread with NUL")
	_, err = s.ListItems(ctx(t), alice, "thr_1\x00", chatkit.ListOptions{})
	requireNotFound(t, err, "ListItems with NUL")
	_, err = s.LoadItem(ctx(t), alice, "thr_1", "msg\x00")
	requireNotFound(t, err, "LoadItem with NUL")
	requireNotFound(t, s.DeleteThread(ctx(t), alice, "thr\x00"), "DeleteThread with NUL")
	_, err = s.CountItems(ctx(t), alice, "thr\x00")
	requireNotFound(t, err, "CountItems with NUL")

	// Text inside an item is stored as JSON: NUL round-trips on every store.
	mustAdd(t, s, alice, "thr_1", userMsg("thr_1", "msg_1", 1, "pasted\x00text\x01"))
	it, err := s.LoadItem(ctx(t), alice, "thr_1", "msg_1")
	require.NoError(t, err)
	assert.Equal(t, "pasted\x00text\x01", it.(*chatkit.UserMessageItem).Content[0].Text)
	requireNotFound(t, s.SaveFeedback(ctx(t), alice, chatkit.Feedback{ThreadID: "thr_1", ItemIDs: []string{"msg_1\x00"}, Kind: "positive"}), "feedback id with NUL")

	page, err := s.ListItems(ctx(t), alice, "thr_1", chatkit.ListOptions{After: "msg\x00"})
	require.NoError(t, err, "a cursor with NUL is a missing cursor")
	assert.Empty(t, page.Data)
	threads, err := s.ListThreads(ctx(t), alice, chatkit.ListOptions{After: "thr\x00"})
	require.NoError(t, err, "a cursor with NUL is a missing cursor")
	assert.Empty(t, threads.Data)
}
