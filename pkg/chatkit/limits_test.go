package chatkit_test

import (
	"context"
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

// gate is an Admission that refuses when closed and counts holds.
type gate struct {
	mu       sync.Mutex
	closed   bool
	held     int
	admitted int
}

func (g *gate) AdmitTurn(context.Context, string, string) (func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, chatkit.RateLimited(7 * time.Second)
	}
	g.held++
	g.admitted++
	var once sync.Once
	return func() { once.Do(func() { g.mu.Lock(); g.held--; g.mu.Unlock() }) }, nil
}

func (g *gate) state() (held, admitted int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held, g.admitted
}

func errCode(t *testing.T, res *chatkittest.Result) chatkit.ErrorDetail {
	t.Helper()
	assert.True(t, strings.HasPrefix(res.ContentType, "application/json"), "a JSON error, no SSE: %s", res.ContentType)
	return decode[chatkit.ErrorBody](t, res.Body).Error
}

func TestAdmissionGatesTurnsBeforeTheStream(t *testing.T) {
	g := &gate{}
	f := newFixture(t, scripted("", "hi"), func(o *chatkit.Options) { o.Admission = g })
	res := f.ok(t, "u", chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")})
	require.NotEmpty(t, res.Events)
	held, admitted := g.state()
	assert.Equal(t, 1, admitted)
	require.Eventually(t, func() bool { h, _ := g.state(); return h == 0 }, 5*time.Second, 10*time.Millisecond,
		"the hold is released when the stream ends (held %d)", held)

	// A turn on a missing thread is admitted, then refused: released at once.
	res = f.do(t, "u", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": "thr_nope", "input": chatkittest.Input("x")})
	assert.Equal(t, http.StatusNotFound, res.Status)
	held, _ = g.state()
	assert.Zero(t, held)

	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	res = f.do(t, "u", chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("again")})
	assert.Equal(t, http.StatusTooManyRequests, res.Status)
	assert.Equal(t, "7", res.Header.Get("Retry-After"))
	assert.Equal(t, "rate_limited", errCode(t, res).Code)
	n, err := f.store.CountThreads(context.Background(), "u")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "a refused turn stores nothing")

	// JSON requests are not turns.
	f.ok(t, "u", chatkit.ReqThreadsList, map[string]any{})
}

func TestRequestSizeLimits(t *testing.T) {
	f := newFixture(t, scripted("", "ok"), func(o *chatkit.Options) {
		o.Limits = chatkit.Limits{MaxMessageChars: 10, MaxTitleChars: 5, MaxFeedbackItems: 2}
	})
	res := f.do(t, "u", chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("eleven char")})
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
	e := errCode(t, res)
	assert.Equal(t, "payload_too_large", e.Code)
	assert.Contains(t, e.Fields, "params.input.content")
	n, _ := f.store.CountThreads(context.Background(), "u")
	assert.Zero(t, n)

	res = f.ok(t, "u", chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("ten chars!")})
	tid := threadIDOf(t, res)
	res = f.do(t, "u", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": tid, "input": chatkittest.Input("é" + strings.Repeat("x", 10))})
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status, "characters, not bytes: 11 > 10")

	res = f.do(t, "u", chatkit.ReqThreadsUpdate, map[string]any{"thread_id": tid, "title": "sixsix"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
	assert.Contains(t, errCode(t, res).Fields, "params.title")
	f.ok(t, "u", chatkit.ReqThreadsUpdate, map[string]any{"thread_id": tid, "title": "fine"})

	items := decode[chatkit.Page[map[string]any]](t, f.ok(t, "u", chatkit.ReqItemsList, map[string]any{"thread_id": tid}).Body)
	require.GreaterOrEqual(t, len(items.Data), 2)
	id0, id1 := items.Data[0]["id"].(string), items.Data[1]["id"].(string)
	res = f.do(t, "u", chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": []string{id0, id1, id0}, "kind": "positive"})
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
	res = f.do(t, "u", chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": []string{id0, "msg_made_up"}, "kind": "positive"})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
	assert.Contains(t, errCode(t, res).Fields, "params.item_ids")
	assert.Empty(t, f.store.Feedback("u", tid), "nothing written")
	f.ok(t, "u", chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": []string{id0, id1}, "kind": "positive"})
	assert.Len(t, f.store.Feedback("u", tid), 2)
}

func TestQuotas(t *testing.T) {
	f := newFixture(t, scripted("", "ok"), func(o *chatkit.Options) {
		o.Limits = chatkit.Limits{MaxThreadsPerUser: 2, MaxItemsPerThread: 3}
	})
	create := func(user string) *chatkittest.Result {
		return f.do(t, user, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hi")})
	}
	first := create("u")
	require.Equal(t, http.StatusOK, first.Status)
	tid := threadIDOf(t, first)
	require.Equal(t, http.StatusOK, create("u").Status)
	res := create("u")
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
	assert.Equal(t, "quota_exceeded", errCode(t, res).Code)
	assert.Equal(t, http.StatusOK, create("v").Status, "per user")

	// The first turn left 2 items (message, reply): one more turn fits.
	f.ok(t, "u", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": tid, "input": chatkittest.Input("more")})
	res = f.do(t, "u", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": tid, "input": chatkittest.Input("and more")})
	assert.Equal(t, http.StatusUnprocessableEntity, res.Status)
	assert.Equal(t, "quota_exceeded", errCode(t, res).Code)

	f.ok(t, "u", chatkit.ReqThreadsDelete, map[string]any{"thread_id": tid})
	assert.Equal(t, http.StatusOK, create("u").Status, "deleting makes room")
}

func TestControlCharactersInRequests(t *testing.T) {
	f := newFixture(t, scripted("", "ok"), nil)
	// A message: stray control characters from a paste are dropped.
	res := f.ok(t, "u", chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("buy\x00 milk\r\n\tnow\x1b")})
	tid := threadIDOf(t, res)
	items := decode[chatkit.Page[map[string]any]](t, f.ok(t, "u", chatkit.ReqItemsList, map[string]any{"thread_id": tid, "order": "asc"}).Body)
	content := items.Data[0]["content"].([]any)[0].(map[string]any)
	assert.Equal(t, "buy milk\n\tnow", content["text"])

	// Fields a program sets: refused with 400 naming the field.
	for _, tc := range []struct {
		typ    chatkit.RequestType
		params map[string]any
		field  string
	}{
		{chatkit.ReqThreadsUpdate, map[string]any{"thread_id": tid, "title": "a\x00b"}, "params.title"},
		{chatkit.ReqThreadsGetByID, map[string]any{"thread_id": tid + "\x00"}, "params.thread_id"},
		{chatkit.ReqItemsList, map[string]any{"thread_id": tid, "after": "x\x00"}, "params.after"},
		{chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": []string{"m\x00"}, "kind": "positive"}, "params.item_ids[0]"},
	} {
		res := f.do(t, "u", tc.typ, tc.params)
		assert.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", tc.typ, res.Body)
		assert.Contains(t, errCode(t, res).Fields, tc.field, "%s", tc.typ)
	}
}

// TestResponderTitleIsCleaned: a title the responder sets (a model's) has
// its control characters dropped, and is saved (the stores refuse them).
func TestResponderTitleIsCleaned(t *testing.T) {
	f := newFixture(t, scripted("Groceries\x00 list\x07", "ok"), nil)
	res := f.ok(t, "u", chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hi")})
	tid := threadIDOf(t, res)
	th := decode[chatkit.Thread](t, f.ok(t, "u", chatkit.ReqThreadsGetByID, map[string]any{"thread_id": tid}).Body)
	assert.Equal(t, "Groceries list", th.Title)
}

func threadIDOf(t *testing.T, res *chatkittest.Result) string {
	t.Helper()
	require.NotEmpty(t, res.Events, "body: %s", res.Body)
	tc, ok := res.Events[0].(chatkit.ThreadCreatedEvent)
	require.True(t, ok)
	return tc.Thread.ID
}
