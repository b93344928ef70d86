package chatkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
)

const testUserHeader = "X-Test-User"

type fixture struct {
	store *memstore.Store
	srv   *chatkit.Server
	url   string
	obs   *chatkittest.Observer
}

// newFixture serves a Server on 127.0.0.1:0 behind a test middleware that
// authenticates the user named in X-Test-User.
func newFixture(t *testing.T, responder chatkit.Responder, mutate func(*chatkit.Options)) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New(), obs: &chatkittest.Observer{}}
	opts := chatkit.Options{
		Store: f.store, Responder: responder, Observer: f.obs,
		Logger: slog.New(slog.DiscardHandler),
	}
	if mutate != nil {
		mutate(&opts)
	}
	srv, err := chatkit.NewServer(opts)
	require.NoError(t, err)
	f.srv = srv
	h := srv.Handler(chatkit.HandlerOptions{MaxBodyBytes: 64 << 10,
		Authenticate: func(r *http.Request) (string, error) { return r.Header.Get(testUserHeader), nil }})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx) // lets a request a test left running finish
	})
	f.url = "http://" + ln.Addr().String() + "/api/v1/chatkit"
	return f
}

func (f *fixture) client(user string) *chatkittest.Client {
	h := http.Header{}
	if user != "" {
		h.Set(testUserHeader, user)
	}
	return &chatkittest.Client{URL: f.url, Header: h}
}

func (f *fixture) do(t *testing.T, user string, typ chatkit.RequestType, params any) *chatkittest.Result {
	t.Helper()
	res, err := f.client(user).Do(context.Background(), chatkittest.Request(typ, params))
	require.NoError(t, err)
	return res
}

// ok asserts a 200 and returns the result.
func (f *fixture) ok(t *testing.T, user string, typ chatkit.RequestType, params any) *chatkittest.Result {
	t.Helper()
	res := f.do(t, user, typ, params)
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	return res
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(data, &v), "body: %s", data)
	return v
}

// scripted streams the reference's reply and sets its title at the end.
func scripted(title string, deltas ...string) chatkit.Responder {
	return chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		msg, err := chatkit.StartAssistantMessage(ctx, sink)
		if err != nil {
			return err
		}
		for _, d := range deltas {
			if err := msg.AppendText(ctx, d); err != nil {
				return err
			}
		}
		if _, err := msg.Finish(ctx); err != nil {
			return err
		}
		if title != "" {
			chatkit.SetTitle(sink, title)
		}
		return nil
	})
}

// normalize replaces ids and timestamps in raw JSON by stable placeholders
// (in order of first appearance) and keeps every other byte, so streams can
// be compared with the reference's byte for byte, member order included.
var (
	idMember   = regexp.MustCompile(`"(id|thread_id|item_id|after)":"([^"]*)"`)
	timeMember = regexp.MustCompile(`"created_at":"([^"]*)"`)
	goodID     = regexp.MustCompile(`^(thr|msg|tc|wf|tsk|atc|shcx)_[0-9a-z]{16,}$`)
	rfc3339    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)
)

func normalize(t *testing.T, frames []string, reference bool) []string {
	t.Helper()
	ids := map[string]string{}
	out := make([]string, len(frames))
	for i, f := range frames {
		f = idMember.ReplaceAllStringFunc(f, func(m string) string {
			sub := idMember.FindStringSubmatch(m)
			if !reference && sub[1] != "after" {
				assert.Regexp(t, goodID, sub[2], "id format")
			}
			if _, ok := ids[sub[2]]; !ok {
				ids[sub[2]] = fmt.Sprintf("<id%d>", len(ids))
			}
			return `"` + sub[1] + `":"` + ids[sub[2]] + `"`
		})
		f = timeMember.ReplaceAllStringFunc(f, func(m string) string {
			if !reference {
				assert.Regexp(t, rfc3339, timeMember.FindStringSubmatch(m)[1], "timestamp must be RFC 3339 UTC")
			}
			return `"created_at":"<time>"`
		})
		out[i] = f
	}
	return out
}

func frames(res *chatkittest.Result) []string {
	out := make([]string, len(res.Frames))
	for i, f := range res.Frames {
		out[i] = string(f)
	}
	return out
}

// referenceTurn is the reference's minimal conformant turn (protocol §13,
// captured from chatkit-python 1.6.5).
var referenceTurn = []string{
	`{"type":"thread.created","thread":{"id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.828484","status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}}`,
	`{"type":"thread.item.done","item":{"id":"msg_0a1b2c3d","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.836616","type":"user_message","content":[{"type":"input_text","text":"Hi there"}],"attachments":[],"inference_options":{}}}`,
	`{"type":"stream_options","stream_options":{"allow_cancel":true}}`,
	`{"type":"thread.item.added","item":{"id":"msg_4e5f6a7b","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.845302","type":"assistant_message","content":[]}}`,
	`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.added","content_index":0,"content":{"annotations":[],"text":"","type":"output_text"}}}`,
	`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.text_delta","content_index":0,"delta":"Hello"}}`,
	`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.text_delta","content_index":0,"delta":"! How can"}}`,
	`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.text_delta","content_index":0,"delta":" I help?"}}`,
	`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.done","content_index":0,"content":{"annotations":[],"text":"Hello! How can I help?","type":"output_text"}}}`,
	`{"type":"thread.item.done","item":{"id":"msg_4e5f6a7b","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.862366","type":"assistant_message","content":[{"annotations":[],"text":"Hello! How can I help?","type":"output_text"}]}}`,
	`{"type":"thread.updated","thread":{"title":"Greeting","id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.828484","status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}}`,
}

const referenceGetByID = `{"title":"Greeting","id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.828484","status":{"type":"active"},"metadata":{},"items":{"data":[{"id":"msg_0a1b2c3d","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.836616","type":"user_message","content":[{"type":"input_text","text":"Hi there"}],"attachments":[],"inference_options":{}},{"id":"msg_4e5f6a7b","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.862366","type":"assistant_message","content":[{"annotations":[],"text":"Hello! How can I help?","type":"output_text"}]}],"has_more":false}}`

const referenceRequest = `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"Hi there"}],"attachments":[],"quoted_text":null,"inference_options":{"tool_choice":null,"model":null}}}}`

func TestNormalTurnMatchesReference(t *testing.T) {
	f := newFixture(t, scripted("Greeting", "Hello", "! How can", " I help?"), nil)
	c := f.client("alice")
	c.Header.Set("Accept-Language", "en-US")
	resp, err := c.Post(context.Background(), []byte(referenceRequest))
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "no", resp.Header.Get("X-Accel-Buffering"))
	raw, err := chatkittest.ParseSSE(resp.Body)
	require.NoError(t, err)
	got := make([]string, len(raw))
	for i, r := range raw {
		got[i] = string(r)
	}
	assert.Equal(t, normalize(t, referenceTurn, true), normalize(t, got, false))

	var created chatkit.ThreadCreatedEvent
	ev, err := chatkit.UnmarshalEvent(raw[0])
	require.NoError(t, err)
	created = ev.(chatkit.ThreadCreatedEvent)
	get := f.ok(t, "alice", chatkit.ReqThreadsGetByID, map[string]any{"thread_id": created.Thread.ID})
	assert.Equal(t, "application/json", get.ContentType)
	assert.Equal(t, normalize(t, []string{referenceGetByID}, true), normalize(t, []string{string(get.Body)}, false))

	// Second turn: the same stream without thread.created (and without
	// thread.updated: the title did not change).
	second := f.ok(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{
		"thread_id": created.Thread.ID, "input": chatkittest.Input("Again")})
	assert.Equal(t, []string{"thread.item.done", "stream_options", "thread.item.added", "thread.item.updated",
		"thread.item.updated", "thread.item.updated", "thread.item.updated", "thread.item.updated",
		"thread.item.done"}, second.Types())
}

func TestUntitledThreadGetsTitleFromFirstMessage(t *testing.T) {
	f := newFixture(t, chatkit.EchoResponder{}, nil)
	res := f.ok(t, "alice", chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("  Plan my   week\nwith details")})
	types := res.Types()
	require.Equal(t, "thread.updated", types[len(types)-1])
	upd := res.Events[len(res.Events)-1].(chatkit.ThreadUpdatedEvent)
	assert.Equal(t, "Plan my week", upd.Thread.Title)
	done := res.Events[len(res.Events)-2].(chatkit.ThreadItemDoneEvent)
	assert.Equal(t, "You said:   Plan my   week\nwith details", done.Item.(*chatkit.AssistantMessageItem).Text())
	// Several deltas were streamed.
	deltas := 0
	for _, ev := range res.Events {
		if u, ok := ev.(chatkit.ThreadItemUpdatedEvent); ok && u.Update.UpdateType() == chatkit.UpdateContentPartTextDelta {
			deltas++
		}
	}
	assert.GreaterOrEqual(t, deltas, 2)
}

func TestDeriveTitle(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello", "hello"},
		{"", "New chat"},
		{"\n\n  ", "New chat"},
		{"first line\nsecond", "first line"},
		{strings.Repeat("word ", 30), "word word word word word word word word word word word word…"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, chatkit.DeriveTitle(tc.in), "in=%q", tc.in)
	}
}
