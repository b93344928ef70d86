package chatkit_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
)

type errBody = chatkit.ErrorBody

func createThread(t *testing.T, f *fixture, user, text string) (string, *chatkittest.Result) {
	t.Helper()
	res := f.ok(t, user, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(text)})
	require.NotEmpty(t, res.Events)
	created, ok := res.Events[0].(chatkit.ThreadCreatedEvent)
	require.True(t, ok, "first event is %s", res.Events[0].EventType())
	return created.Thread.ID, res
}

func listItems(t *testing.T, f *fixture, user, threadID string, params map[string]any) chatkit.Page[chatkit.Item] {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	params["thread_id"] = threadID
	return decode[chatkit.Page[chatkit.Item]](t, f.ok(t, user, chatkit.ReqItemsList, params).Body)
}

func itemTypes(items []chatkit.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ItemType()
	}
	return out
}

type fakeAttachments struct{ deleted []string }

func (a *fakeAttachments) CreateAttachment(_ context.Context, _ string, p chatkit.AttachmentCreateParams) (chatkit.Attachment, error) {
	id := chatkit.NewID(chatkit.IDAttachment)
	return chatkit.Attachment{ID: id, Name: p.Name, MimeType: p.MimeType, Type: chatkit.AttachmentFile,
		UploadDescriptor: &chatkit.UploadDescriptor{URL: "http://upload.test/" + id, Method: "PUT", Headers: map[string]string{}},
		Metadata:         map[string]any{"secret": "server-side"}}, nil
}

func (a *fakeAttachments) DeleteAttachment(_ context.Context, _, id string) error {
	a.deleted = append(a.deleted, id)
	return nil
}

type transcriber struct{}

func (transcriber) Transcribe(_ context.Context, audio []byte, mime string) (string, error) {
	return "heard " + string(audio) + " as " + mime, nil
}

// widgetActions answers actions on a counter widget.
type widgetActions struct{}

func (widgetActions) Action(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
	if turn.Sender == nil {
		return errors.New("no sender")
	}
	if err := chatkit.ReplaceWidget(ctx, sink, turn.Sender, json.RawMessage(`{"type":"Card","children":[{"type":"Text","value":"pressed `+turn.Action.Type+`"}]}`)); err != nil {
		return err
	}
	_, err := chatkit.SendAssistantMessage(ctx, sink, "Action "+turn.Action.Type+" done")
	return err
}

func (widgetActions) SyncAction(_ context.Context, turn *chatkit.Turn) (chatkit.Item, error) {
	w := *turn.Sender
	w.Widget = json.RawMessage(`{"type":"Card","children":[{"type":"Text","value":"synced"}]}`)
	return &w, nil
}

// toolResponder asks for a client tool on the first message, a structured
// input on "ask", a widget on "widget", and otherwise reports what it got.
func toolResponder() chatkit.Responder {
	return chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		text := ""
		if turn.Input != nil {
			text = turn.Input.Text()
		}
		switch text {
		case "tool":
			return chatkit.SendItem(ctx, sink, &chatkit.ClientToolCallItem{Status: chatkit.ToolCallPending,
				CallID: "call_1", Name: "get_selection", Arguments: json.RawMessage(`{"a":1}`)})
		case "ask":
			return chatkit.SendItem(ctx, sink, &chatkit.StructuredInputItem{Status: chatkit.StructuredPending,
				Inputs: []chatkit.StructuredInput{
					{ID: "q1", Question: "Color?", Type: chatkit.InputMultipleChoice,
						Options: []chatkit.ChoiceOption{{Value: "red"}, {Value: "blue"}}},
					{ID: "q2", Question: "Notes?", Type: chatkit.InputFreeform},
				}})
		case "widget":
			_, err := chatkit.SendWidget(ctx, sink, json.RawMessage(`{"type":"Card","children":[{"type":"Button","label":"Go","onClickAction":{"type":"go"}}]}`), "Go")
			return err
		case "hidden":
			if err := chatkit.SendHiddenContext(ctx, sink, map[string]any{"note": "secret"}); err != nil {
				return err
			}
		case "fail":
			return errors.New("upstream exploded")
		case "custom fail":
			return chatkit.CustomError("Quota exceeded", false)
		case "panic":
			panic("boom")
		}
		hist, err := turn.History(ctx, 50)
		if err != nil {
			return err
		}
		_, err = chatkit.SendAssistantMessage(ctx, sink, "seen "+strings.Join(itemTypes(hist), ","))
		return err
	})
}

func TestEveryRequestType(t *testing.T) {
	atts := &fakeAttachments{}
	f := newFixture(t, toolResponder(), func(o *chatkit.Options) {
		o.Attachments = atts
		o.Transcriber = transcriber{}
		o.ActionHandler = widgetActions{}
	})
	const u = "alice"
	covered := map[chatkit.RequestType]bool{}
	mark := func(ts ...chatkit.RequestType) {
		for _, t := range ts {
			covered[t] = true
		}
	}

	// attachments.create → record with upload descriptor, no metadata.
	res := f.ok(t, u, chatkit.ReqAttachmentsCreate, map[string]any{"name": "a.pdf", "size": 10, "mime_type": "application/pdf"})
	assert.NotContains(t, string(res.Body), "metadata")
	att := decode[chatkit.Attachment](t, res.Body)
	assert.Equal(t, "PUT", att.UploadDescriptor.Method)
	mark(chatkit.ReqAttachmentsCreate)

	// threads.create with the attachment: the user item embeds it with the thread id.
	in := chatkittest.Input("tool")
	in["attachments"] = []string{att.ID}
	res = f.ok(t, u, chatkit.ReqThreadsCreate, map[string]any{"input": in})
	threadID := res.Events[0].(chatkit.ThreadCreatedEvent).Thread.ID
	um := res.Events[1].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.UserMessageItem)
	require.Len(t, um.Attachments, 1)
	assert.Equal(t, threadID, um.Attachments[0].ThreadID)
	assert.Nil(t, um.Attachments[0].Metadata)
	// The tool call ends the stream.
	assert.Equal(t, []string{"thread.created", "thread.item.done", "stream_options", "thread.item.done", "thread.updated"}, res.Types())
	tc := res.Events[3].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.ClientToolCallItem)
	assert.Equal(t, chatkit.ToolCallPending, tc.Status)
	mark(chatkit.ReqThreadsCreate)

	// threads.add_client_tool_output completes it silently, then responds.
	res = f.ok(t, u, chatkit.ReqThreadsAddClientToolOutput, map[string]any{"thread_id": threadID, "result": map[string]any{"sel": "x"}})
	assert.Equal(t, []string{"stream_options", "thread.item.done"}, res.Types())
	assert.Equal(t, "seen user_message,client_tool_call", res.Events[1].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.AssistantMessageItem).Text())
	stored, err := f.store.LoadItem(context.Background(), u, threadID, tc.ID)
	require.NoError(t, err)
	assert.Equal(t, chatkit.ToolCallCompleted, stored.(*chatkit.ClientToolCallItem).Status)
	assert.JSONEq(t, `{"sel":"x"}`, string(stored.(*chatkit.ClientToolCallItem).Output))
	// No pending tool call any more → 409.
	assert.Equal(t, http.StatusConflict, f.do(t, u, chatkit.ReqThreadsAddClientToolOutput, map[string]any{"thread_id": threadID, "result": 1}).Status)
	mark(chatkit.ReqThreadsAddClientToolOutput)

	// threads.add_user_message + structured input.
	res = f.ok(t, u, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("ask")})
	si := res.Events[2].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.StructuredInputItem)
	mark(chatkit.ReqThreadsAddUserMessage)
	res = f.ok(t, u, chatkit.ReqThreadsAddStructuredInput, map[string]any{"thread_id": threadID, "item_id": si.ID,
		"input": map[string]any{"status": "answered", "answers": map[string]any{"q1": map[string]any{"values": []string{"blue", "red"}}, "zz": map[string]any{"values": []string{"x"}}}}})
	assert.Equal(t, []string{"stream_options", "thread.item.replaced", "thread.item.done"}, res.Types())
	answered := res.Events[1].(chatkit.ThreadItemReplacedEvent).Item.(*chatkit.StructuredInputItem)
	assert.Equal(t, chatkit.StructuredAnswered, answered.Status)
	assert.Equal(t, []string{"blue"}, answered.Inputs[0].Answer.Values)
	assert.True(t, answered.Inputs[1].Answer.Skipped)
	storedSI, err := f.store.LoadItem(context.Background(), u, threadID, si.ID)
	require.NoError(t, err)
	assert.Equal(t, chatkit.StructuredAnswered, storedSI.(*chatkit.StructuredInputItem).Status)
	assert.Equal(t, http.StatusConflict, f.do(t, u, chatkit.ReqThreadsAddStructuredInput, map[string]any{"thread_id": threadID, "item_id": si.ID, "input": map[string]any{"status": "skipped"}}).Status)
	mark(chatkit.ReqThreadsAddStructuredInput)

	// Widgets: custom_action streams, sync_custom_action answers JSON.
	res = f.ok(t, u, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input("widget")})
	widget := res.Events[2].(chatkit.ThreadItemDoneEvent).Item.(*chatkit.WidgetItem)
	res = f.ok(t, u, chatkit.ReqThreadsCustomAction, map[string]any{"thread_id": threadID, "item_id": widget.ID, "action": map[string]any{"type": "go", "payload": map[string]any{"k": 1}}})
	assert.Equal(t, []string{"stream_options", "thread.item.replaced", "thread.item.done"}, res.Types())
	assert.Contains(t, string(res.Frames[1]), "pressed go")
	mark(chatkit.ReqThreadsCustomAction)
	res = f.ok(t, u, chatkit.ReqThreadsSyncCustomAction, map[string]any{"thread_id": threadID, "item_id": widget.ID, "action": map[string]any{"type": "sync"}})
	assert.Contains(t, string(res.Body), `"updated_item":{"id":"`+widget.ID)
	assert.Contains(t, string(res.Body), "synced")
	// The action's sender must be a widget.
	assert.Equal(t, http.StatusBadRequest, f.do(t, u, chatkit.ReqThreadsCustomAction, map[string]any{"thread_id": threadID, "item_id": um.ID, "action": map[string]any{"type": "go"}}).Status)
	mark(chatkit.ReqThreadsSyncCustomAction)

	// items.feedback is stored.
	res = f.ok(t, u, chatkit.ReqItemsFeedback, map[string]any{"thread_id": threadID, "item_ids": []string{widget.ID}, "kind": "positive"})
	assert.Equal(t, "{}", string(res.Body))
	assert.Equal(t, map[string]string{widget.ID: "positive"}, f.store.Feedback(u, threadID))
	mark(chatkit.ReqItemsFeedback)

	// threads.retry_after_item deletes everything after the message and answers it again.
	items := listItems(t, f, u, threadID, map[string]any{"order": "asc", "limit": 100})
	askMsg := items.Data[3] // tool msg, tool call, reply, ask msg, …
	require.Equal(t, "ask", askMsg.(*chatkit.UserMessageItem).Text())
	res = f.ok(t, u, chatkit.ReqThreadsRetryAfterItem, map[string]any{"thread_id": threadID, "item_id": askMsg.Header().ID})
	assert.Equal(t, []string{"stream_options", "thread.item.done"}, res.Types())
	items = listItems(t, f, u, threadID, map[string]any{"order": "asc", "limit": 100})
	assert.Equal(t, []string{"user_message", "client_tool_call", "assistant_message", "user_message", "structured_input"}, itemTypes(items.Data))
	assert.Equal(t, http.StatusBadRequest, f.do(t, u, chatkit.ReqThreadsRetryAfterItem, map[string]any{"thread_id": threadID, "item_id": items.Data[1].Header().ID}).Status)
	mark(chatkit.ReqThreadsRetryAfterItem, chatkit.ReqItemsList)

	// threads.get_by_id, list, update.
	th := decode[chatkit.Thread](t, f.ok(t, u, chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}).Body)
	assert.Equal(t, "tool", th.Title)
	assert.Len(t, th.Items.Data, 5)
	res = f.ok(t, u, chatkit.ReqThreadsUpdate, map[string]any{"thread_id": threadID, "title": "Renamed"})
	assert.Equal(t, "Renamed", decode[chatkit.Thread](t, res.Body).Title)
	list := decode[chatkit.Page[chatkit.Thread]](t, f.ok(t, u, chatkit.ReqThreadsList, map[string]any{}).Body)
	require.Len(t, list.Data, 1)
	assert.Equal(t, "Renamed", list.Data[0].Title)
	assert.Empty(t, list.Data[0].Items.Data)
	mark(chatkit.ReqThreadsGetByID, chatkit.ReqThreadsUpdate, chatkit.ReqThreadsList)

	// input.transcribe.
	res = f.ok(t, u, chatkit.ReqInputTranscribe, map[string]any{"audio_base64": base64.StdEncoding.EncodeToString([]byte("abc")), "mime_type": "audio/webm;codecs=opus"})
	assert.JSONEq(t, `{"text":"heard abc as audio/webm;codecs=opus"}`, string(res.Body))
	assert.Equal(t, http.StatusBadRequest, f.do(t, u, chatkit.ReqInputTranscribe, map[string]any{"audio_base64": "!!", "mime_type": "audio/ogg"}).Status)
	mark(chatkit.ReqInputTranscribe)

	// attachments.delete removes bytes and record.
	res = f.ok(t, u, chatkit.ReqAttachmentsDelete, map[string]any{"attachment_id": att.ID})
	assert.Equal(t, "{}", string(res.Body))
	assert.Equal(t, []string{att.ID}, atts.deleted)
	assert.Equal(t, http.StatusNotFound, f.do(t, u, chatkit.ReqAttachmentsDelete, map[string]any{"attachment_id": att.ID}).Status)
	mark(chatkit.ReqAttachmentsDelete)

	// threads.delete.
	assert.Equal(t, "{}", string(f.ok(t, u, chatkit.ReqThreadsDelete, map[string]any{"thread_id": threadID}).Body))
	assert.Equal(t, http.StatusNotFound, f.do(t, u, chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}).Status)
	mark(chatkit.ReqThreadsDelete)

	for _, rt := range chatkit.RequestTypes {
		assert.True(t, covered[rt], "request type %s not covered", rt)
	}
}

// A feature the Server was built without is 501 unsupported: not
// not_configured, which is 503 (a setting an operator can add).
func TestUnsupportedFeatures(t *testing.T) {
	f := newFixture(t, chatkit.EchoResponder{}, nil)
	threadID, _ := createThread(t, f, "alice", "hi")
	for _, tc := range []struct {
		typ    chatkit.RequestType
		params map[string]any
	}{
		{chatkit.ReqInputTranscribe, map[string]any{"audio_base64": "YWJj", "mime_type": "audio/webm"}},
		{chatkit.ReqAttachmentsCreate, map[string]any{"name": "a", "size": 1, "mime_type": "text/plain"}},
		{chatkit.ReqThreadsCustomAction, map[string]any{"thread_id": threadID, "action": map[string]any{"type": "x"}}},
		{chatkit.ReqThreadsSyncCustomAction, map[string]any{"thread_id": threadID, "action": map[string]any{"type": "x"}}},
	} {
		res := f.do(t, "alice", tc.typ, tc.params)
		assert.Equal(t, http.StatusNotImplemented, res.Status, tc.typ)
		assert.Equal(t, "unsupported", decode[errBody](t, res.Body).Error.Code, tc.typ)
	}
}

func TestResponderErrors(t *testing.T) {
	f := newFixture(t, toolResponder(), nil)
	threadID, _ := createThread(t, f, "alice", "hello")
	tests := []struct {
		text string
		want string
	}{
		{"fail", `{"type":"error","code":"stream.error","allow_retry":true}`},
		{"panic", `{"type":"error","code":"stream.error","allow_retry":true}`},
		{"custom fail", `{"type":"error","code":"custom","message":"Quota exceeded","allow_retry":false}`},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			res := f.ok(t, "alice", chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input(tc.text)})
			assert.Equal(t, []string{"thread.item.done", "stream_options", "error"}, res.Types())
			assert.Equal(t, tc.want, string(res.Frames[2]))
			// The user message stays saved.
			items := listItems(t, f, "alice", threadID, map[string]any{"limit": 1})
			assert.Equal(t, tc.text, items.Data[0].(*chatkit.UserMessageItem).Text())
		})
	}
}

func TestHiddenItemsAreStoredNeverSent(t *testing.T) {
	f := newFixture(t, toolResponder(), nil)
	threadID, res := createThread(t, f, "alice", "hidden")
	assert.NotContains(t, strings.Join(frames(res), ""), `"type":"hidden_context_item"`)
	assert.Equal(t, []string{"user_message", "assistant_message"}, itemTypes(listItems(t, f, "alice", threadID, map[string]any{"order": "asc"}).Data))
	th := f.ok(t, "alice", chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID})
	assert.NotContains(t, string(th.Body), `"type":"hidden_context_item"`)
	all, err := f.store.ListItems(context.Background(), "alice", threadID, chatkit.ListOptions{Order: chatkit.OrderAsc, IncludeHidden: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"user_message", "hidden_context_item", "assistant_message"}, itemTypes(all.Data))
	// The responder saw it in its history.
	assert.Contains(t, all.Data[2].(*chatkit.AssistantMessageItem).Text(), "hidden_context_item")
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, chatkit.EchoResponder{}, nil)
	threadID, _ := createThread(t, f, "alice", "hi")
	tests := []struct {
		name   string
		user   string
		body   string
		status int
		code   string
	}{
		{"malformed json", "alice", `{"type":`, 400, "invalid_request"},
		{"not an object", "alice", `[1,2]`, 400, "invalid_request"},
		{"empty body", "alice", ``, 400, "invalid_request"},
		{"unknown type", "alice", `{"type":"threads.explode","params":{}}`, 400, "invalid_request"},
		{"missing type", "alice", `{"params":{}}`, 400, "invalid_request"},
		{"missing params", "alice", `{"type":"threads.get_by_id"}`, 400, "invalid_request"},
		{"missing thread_id", "alice", `{"type":"threads.get_by_id","params":{}}`, 400, "invalid_request"},
		{"wrong type thread_id", "alice", `{"type":"threads.get_by_id","params":{"thread_id":5}}`, 400, "invalid_request"},
		{"missing input", "alice", `{"type":"threads.create","params":{}}`, 400, "invalid_request"},
		{"missing content", "alice", `{"type":"threads.create","params":{"input":{"attachments":[]}}}`, 400, "invalid_request"},
		{"bad content part", "alice", `{"type":"threads.create","params":{"input":{"content":[{"type":"input_image"}]}}}`, 400, "invalid_request"},
		{"bad order", "alice", `{"type":"threads.list","params":{"order":"sideways"}}`, 400, "invalid_request"},
		{"negative limit", "alice", `{"type":"threads.list","params":{"limit":-1}}`, 400, "invalid_request"},
		{"bad feedback kind", "alice", `{"type":"items.feedback","params":{"thread_id":"` + threadID + `","item_ids":[],"kind":"meh"}}`, 400, "invalid_request"},
		{"missing thread", "alice", `{"type":"threads.add_user_message","params":{"thread_id":"thr_nope","input":{"content":[],"attachments":[],"inference_options":{}}}}`, 404, "not_found"},
		{"missing attachment", "alice", `{"type":"threads.create","params":{"input":{"content":[],"attachments":["atc_nope"],"inference_options":{}}}}`, 404, "not_found"},
		{"missing retry item", "alice", `{"type":"threads.retry_after_item","params":{"thread_id":"` + threadID + `","item_id":"msg_nope"}}`, 404, "not_found"},
		{"oversize body", "alice", `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"` + strings.Repeat("x", 70<<10) + `"}]}}}`, 413, "payload_too_large"},
		{"no user", "", `{"type":"threads.list","params":{}}`, 401, "unauthorized"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := rawPost(t, f, tc.user, tc.body)
			defer resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
			var body errBody
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			assert.Equal(t, tc.code, body.Error.Code)
			assert.NotEmpty(t, body.Error.Message)
		})
	}
	// Nothing was created by the rejected requests.
	list := decode[chatkit.Page[chatkit.Thread]](t, f.ok(t, "alice", chatkit.ReqThreadsList, map[string]any{}).Body)
	assert.Len(t, list.Data, 1)
}

// rawPost writes the request on a raw connection and reads the answer even
// when the server stops reading early (oversize bodies), which net/http's
// client reports as a reset instead.
func rawPost(t *testing.T, f *fixture, user, body string) *http.Response {
	t.Helper()
	u, err := url.Parse(f.url)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", u.Path, u.Host, len(body))
	if user != "" {
		fmt.Fprintf(&b, "%s: %s\r\n", testUserHeader, user)
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString(body)
	go func() { _, _ = io.WriteString(conn, b.String()) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	return resp
}
