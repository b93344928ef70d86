package chatkit_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
)

func TestPagination(t *testing.T) {
	f := newFixture(t, chatkit.EchoResponder{}, nil)
	ctx := context.Background()
	threadID, _ := createThread(t, f, "alice", "m0") // 2 items
	for i := 1; i < 12; i++ {                        // +22 items = 24
		f.ok(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input(fmt.Sprintf("m%d", i))})
	}
	require.NoError(t, f.store.AddItem(ctx, "alice", threadID, &chatkit.SDKHiddenContextItem{
		ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.IDSDKHiddenContext), ThreadID: threadID, CreatedAt: time.Now()}, Content: "x"}))
	all, err := f.store.ListItems(ctx, "alice", threadID, chatkit.ListOptions{Limit: 100, Order: chatkit.OrderAsc})
	require.NoError(t, err)
	require.Len(t, all.Data, 24)
	ids := func(items []chatkit.Item) []string {
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = it.Header().ID
		}
		return out
	}
	want := ids(all.Data)
	for _, order := range []string{"asc", "desc"} {
		t.Run(order, func(t *testing.T) {
			var got []string
			params := map[string]any{"order": order, "limit": 10}
			pages := 0
			for {
				page := listItems(t, f, "alice", threadID, params)
				pages++
				got = append(got, ids(page.Data)...)
				if !page.HasMore {
					assert.Empty(t, page.After)
					break
				}
				assert.Len(t, page.Data, 10)
				assert.Equal(t, page.Data[len(page.Data)-1].Header().ID, page.After)
				params["after"] = page.After
			}
			assert.Equal(t, 3, pages)
			exp := append([]string(nil), want...)
			if order == "desc" {
				for i, j := 0, len(exp)-1; i < j; i, j = i+1, j-1 {
					exp[i], exp[j] = exp[j], exp[i]
				}
			}
			assert.Equal(t, exp, got)
		})
	}
	// Default: desc, 20; unknown cursor: empty page.
	page := listItems(t, f, "alice", threadID, nil)
	assert.Len(t, page.Data, 20)
	assert.True(t, page.HasMore)
	assert.Equal(t, want[23], page.Data[0].Header().ID)
	page = listItems(t, f, "alice", threadID, map[string]any{"after": "msg_unknown"})
	assert.Empty(t, page.Data)
	assert.False(t, page.HasMore)

	// Threads page the same way.
	for i := 0; i < 4; i++ {
		createThread(t, f, "alice", fmt.Sprintf("t%d", i))
	}
	var titles []string
	params := map[string]any{"limit": 2}
	for {
		p := decode[chatkit.Page[chatkit.Thread]](t, f.ok(t, "alice", chatkit.ReqThreadsList, params).Body)
		for _, th := range p.Data {
			titles = append(titles, th.Title)
		}
		if !p.HasMore {
			break
		}
		params["after"] = p.After
	}
	assert.Equal(t, []string{"t3", "t2", "t1", "t0", "m0"}, titles)
}

func TestIsolation(t *testing.T) {
	atts := &fakeAttachments{}
	f := newFixture(t, toolResponder(), func(o *chatkit.Options) { o.ActionHandler = widgetActions{}; o.Attachments = atts })
	threadID, res := createThread(t, f, "alice", "widget")
	userItem := res.Events[1].(chatkit.ThreadItemDoneEvent).Item.Header().ID
	widgetID := res.Events[3].(chatkit.ThreadItemDoneEvent).Item.Header().ID
	att := decode[chatkit.Attachment](t, f.ok(t, "alice", chatkit.ReqAttachmentsCreate, map[string]any{"name": "a", "size": 1, "mime_type": "text/plain"}).Body)
	attempts := []struct {
		typ    chatkit.RequestType
		params map[string]any
	}{
		{chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}},
		{chatkit.ReqItemsList, map[string]any{"thread_id": threadID}},
		{chatkit.ReqThreadsUpdate, map[string]any{"thread_id": threadID, "title": "mine"}},
		{chatkit.ReqThreadsDelete, map[string]any{"thread_id": threadID}},
		{chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("hi")}},
		{chatkit.ReqThreadsRetryAfterItem, map[string]any{"thread_id": threadID, "item_id": userItem}},
		{chatkit.ReqThreadsAddClientToolOutput, map[string]any{"thread_id": threadID, "result": 1}},
		{chatkit.ReqThreadsAddStructuredInput, map[string]any{"thread_id": threadID, "item_id": userItem, "input": map[string]any{}}},
		{chatkit.ReqThreadsCustomAction, map[string]any{"thread_id": threadID, "item_id": widgetID, "action": map[string]any{"type": "go"}}},
		{chatkit.ReqThreadsSyncCustomAction, map[string]any{"thread_id": threadID, "item_id": widgetID, "action": map[string]any{"type": "go"}}},
		{chatkit.ReqItemsFeedback, map[string]any{"thread_id": threadID, "item_ids": []string{userItem}, "kind": "negative"}},
		{chatkit.ReqAttachmentsDelete, map[string]any{"attachment_id": att.ID}},
		{chatkit.ReqThreadsCreate, map[string]any{"input": map[string]any{"content": []any{}, "attachments": []string{att.ID}, "inference_options": map[string]any{}}}},
	}
	for _, a := range attempts {
		t.Run(string(a.typ), func(t *testing.T) {
			res := f.do(t, "bob", a.typ, a.params)
			assert.Equal(t, http.StatusNotFound, res.Status, "body %s", res.Body)
			assert.Equal(t, "not_found", decode[errBody](t, res.Body).Error.Code)
		})
	}
	list := decode[chatkit.Page[chatkit.Thread]](t, f.ok(t, "bob", chatkit.ReqThreadsList, map[string]any{}).Body)
	assert.Empty(t, list.Data)
	// Alice's thread is untouched.
	th := decode[chatkit.Thread](t, f.ok(t, "alice", chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}).Body)
	assert.Equal(t, "widget", th.Title)
	assert.Len(t, th.Items.Data, 2)
	assert.Empty(t, f.store.Feedback("alice", threadID))
	assert.Empty(t, atts.deleted)
}

// readEvents reads SSE frames from a live stream until n events arrived.
func readEvents(t *testing.T, r *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for len(out) < n {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "data: ") {
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, "data: ")))
		}
	}
	return out
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDisconnectMidStream(t *testing.T) {
	f := newFixture(t, chatkit.EchoResponder{Delay: 20 * time.Millisecond}, nil)
	ctx := context.Background()
	threadID, _ := createThread(t, f, "alice", "first")

	long := strings.Repeat("word ", 200)
	cctx, cut := context.WithCancel(ctx)
	resp, err := f.client("alice").Post(cctx, chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
		map[string]any{"thread_id": threadID, "input": chatkittest.Input(long)}))
	require.NoError(t, err)
	// user item, stream_options, added, part added, 3 deltas.
	got := readEvents(t, bufio.NewReader(resp.Body), 7)
	assert.Contains(t, got[6], "text_delta")
	cut()
	_ = resp.Body.Close()

	// The turn notices, saves the partial reply and the cancellation note.
	waitFor(t, func() bool {
		page, err := f.store.ListItems(ctx, "alice", threadID, chatkit.ListOptions{Limit: 1, IncludeHidden: true})
		return err == nil && len(page.Data) == 1 && page.Data[0].ItemType() == chatkit.ItemSDKHiddenContext
	})
	waitFor(t, func() bool { return float64(f.obs.ActiveStreams()) == 0 })

	items := listItems(t, f, "alice", threadID, map[string]any{"order": "asc"})
	require.Equal(t, []string{"user_message", "assistant_message", "user_message", "assistant_message"}, itemTypes(items.Data))
	partial := items.Data[3].(*chatkit.AssistantMessageItem).Text()
	full := "You said: " + long
	assert.NotEmpty(t, partial)
	assert.True(t, strings.HasPrefix(full, partial), "partial %q", partial)
	assert.Less(t, len(partial), len(full), "the reply was cut")
	all, err := f.store.ListItems(ctx, "alice", threadID, chatkit.ListOptions{Order: chatkit.OrderAsc, IncludeHidden: true})
	require.NoError(t, err)
	require.Len(t, all.Data, 5)
	assert.Equal(t, chatkit.CancelledContent, all.Data[4].(*chatkit.SDKHiddenContextItem).Content)
	assert.Equal(t, 1.0, float64(f.obs.Requests("threads.add_user_message", "cancelled")))

	// The next turn works and sees the cancellation note in its history.
	res := f.ok(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("again")})
	assert.Equal(t, "thread.item.done", res.Types()[len(res.Types())-1])
	items = listItems(t, f, "alice", threadID, map[string]any{"order": "asc"})
	assert.Len(t, items.Data, 6)
}

func TestTurnsOnOneThreadDoNotInterleave(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var log []string
	responder := chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		text := turn.Input.Text()
		mu.Lock()
		log = append(log, "start "+text)
		mu.Unlock()
		if text == "slow" {
			<-release
		}
		_, err := chatkit.SendAssistantMessage(ctx, sink, "re "+text)
		mu.Lock()
		log = append(log, "end "+text)
		mu.Unlock()
		return err
	})
	f := newFixture(t, responder, nil)
	threadID, _ := createThread(t, f, "alice", "first")

	results := make(chan *chatkittest.Result, 2)
	go func() {
		results <- f.ok(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("slow")})
	}()
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(log) == 3 })
	go func() {
		results <- f.ok(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("fast")})
	}()
	time.Sleep(100 * time.Millisecond) // give the second turn every chance to (wrongly) start
	mu.Lock()
	assert.Equal(t, []string{"start first", "end first", "start slow"}, log)
	mu.Unlock()
	close(release)
	<-results
	<-results
	assert.Equal(t, []string{"start first", "end first", "start slow", "end slow", "start fast", "end fast"}, log)
	items := listItems(t, f, "alice", threadID, map[string]any{"order": "asc"})
	var texts []string
	for _, it := range items.Data {
		switch v := it.(type) {
		case *chatkit.UserMessageItem:
			texts = append(texts, v.Text())
		case *chatkit.AssistantMessageItem:
			texts = append(texts, v.Text())
		}
	}
	assert.Equal(t, []string{"first", "re first", "slow", "re slow", "fast", "re fast"}, texts)
}

func TestBusyThreadGetsErrorEvent(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{}, 1)
	responder := chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		if turn.Input.Text() == "slow" {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		_, err := chatkit.SendAssistantMessage(ctx, sink, "ok")
		return err
	})
	f := newFixture(t, responder, func(o *chatkit.Options) { o.LockTimeout = 50 * time.Millisecond })
	threadID, _ := createThread(t, f, "alice", "first")
	go f.do(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("slow")})
	<-started
	res := f.ok(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("second")})
	require.Equal(t, []string{"error"}, res.Types())
	assert.Equal(t, `{"type":"error","code":"custom","message":"`+chatkit.BusyMessage+`","allow_retry":false}`, string(res.Frames[0]))
	assert.Equal(t, 1.0, float64(f.obs.Requests("threads.add_user_message", "busy")))
}

// The Observer hears of every request with its outcome, of each stream and
// of each event sent; a turn ends with its thread.
func TestObserver(t *testing.T) {
	f := newFixture(t, chatkit.EchoResponder{}, nil)
	threadID, _ := createThread(t, f, "alice", "hello there")
	f.do(t, "alice", chatkit.ReqThreadsGetByID, map[string]any{"thread_id": "thr_missing"})
	waitFor(t, func() bool { return f.obs.Requests("threads.create", "ok") == 1 })
	assert.Equal(t, 1, f.obs.Requests("threads.get_by_id", "not_found"))
	assert.Equal(t, 0, f.obs.ActiveStreams())
	assert.GreaterOrEqual(t, f.obs.Events(""), 5)
	assert.Equal(t, 1, f.obs.Events("thread.created"))
	var types []string
	for _, e := range f.obs.Ended() {
		types = append(types, e.Type)
		switch e.Type {
		case "threads.create":
			assert.True(t, e.Turn)
			assert.Equal(t, threadID, e.ThreadID)
			assert.False(t, e.Failed)
		case "threads.get_by_id":
			assert.False(t, e.Turn)
			assert.True(t, e.Failed)
			ce, ok := chatkit.AsError(e.Err)
			require.True(t, ok, "%v", e.Err)
			assert.Equal(t, chatkit.KindNotFound, ce.Kind)
		}
	}
	assert.ElementsMatch(t, []string{"threads.create", "threads.get_by_id"}, types)
}
