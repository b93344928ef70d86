package chatkit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	t0 = time.Date(2026, 11, 28, 16, 48, 49, 828484000, time.UTC)
	t1 = time.Date(2026, 11, 28, 16, 48, 49, 836616000, time.UTC)
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// The reference's minimal conformant turn (§13), with RFC 3339 UTC times.
func TestWireMatchesReferenceTurn(t *testing.T) {
	thread := Thread{ThreadMetadata: ThreadMetadata{ID: "thr_5f2c9a1e", CreatedAt: t0}}
	user := &UserMessageItem{ItemBase: ItemBase{ID: "msg_0a1b2c3d", ThreadID: "thr_5f2c9a1e", CreatedAt: t1},
		Content: []UserContent{TextContent("Hi there")}}
	asst := &AssistantMessageItem{ItemBase: ItemBase{ID: "msg_4e5f6a7b", ThreadID: "thr_5f2c9a1e", CreatedAt: t1},
		Content: []OutputText{{Text: "Hello! How can I help?"}}}
	titled := thread
	titled.Title = "Greeting"
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{"created", ThreadCreatedEvent{Thread: thread},
			`{"type":"thread.created","thread":{"id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.828484Z","status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}}`},
		{"user done", ThreadItemDoneEvent{Item: user},
			`{"type":"thread.item.done","item":{"id":"msg_0a1b2c3d","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.836616Z","type":"user_message","content":[{"type":"input_text","text":"Hi there"}],"attachments":[],"inference_options":{}}}`},
		{"stream options", StreamOptionsEvent{StreamOptions: StreamOptions{AllowCancel: true}},
			`{"type":"stream_options","stream_options":{"allow_cancel":true}}`},
		{"added", ThreadItemAddedEvent{Item: &AssistantMessageItem{ItemBase: asst.ItemBase}},
			`{"type":"thread.item.added","item":{"id":"msg_4e5f6a7b","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.836616Z","type":"assistant_message","content":[]}}`},
		{"part added", ThreadItemUpdatedEvent{ItemID: "msg_4e5f6a7b", Update: ContentPartAdded{Content: OutputText{}}},
			`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.added","content_index":0,"content":{"annotations":[],"text":"","type":"output_text"}}}`},
		{"delta", ThreadItemUpdatedEvent{ItemID: "msg_4e5f6a7b", Update: ContentPartTextDelta{Delta: "Hello"}},
			`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.text_delta","content_index":0,"delta":"Hello"}}`},
		{"part done", ThreadItemUpdatedEvent{ItemID: "msg_4e5f6a7b", Update: ContentPartDone{Content: OutputText{Text: "Hello! How can I help?"}}},
			`{"type":"thread.item.updated","item_id":"msg_4e5f6a7b","update":{"type":"assistant_message.content_part.done","content_index":0,"content":{"annotations":[],"text":"Hello! How can I help?","type":"output_text"}}}`},
		{"assistant done", ThreadItemDoneEvent{Item: asst},
			`{"type":"thread.item.done","item":{"id":"msg_4e5f6a7b","thread_id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.836616Z","type":"assistant_message","content":[{"annotations":[],"text":"Hello! How can I help?","type":"output_text"}]}}`},
		{"updated", ThreadUpdatedEvent{Thread: titled},
			`{"type":"thread.updated","thread":{"title":"Greeting","id":"thr_5f2c9a1e","created_at":"2026-11-28T16:48:49.828484Z","status":{"type":"active"},"metadata":{},"items":{"data":[],"has_more":false}}}`},
		{"progress", ProgressUpdateEvent{Icon: "search", Text: "Searching..."},
			`{"type":"progress_update","icon":"search","text":"Searching..."}`},
		{"notice", NoticeEvent{Level: "info", Message: "Heads up", Title: "Note"},
			`{"type":"notice","level":"info","message":"Heads up","title":"Note"}`},
		{"effect", ClientEffectEvent{Name: "refresh", Data: map[string]any{"x": 1}},
			`{"type":"client_effect","name":"refresh","data":{"x":1}}`},
		{"removed", ThreadItemRemovedEvent{ItemID: "msg_x"}, `{"type":"thread.item.removed","item_id":"msg_x"}`},
		{"error", ErrorEvent{Code: "custom", Message: "Quota exceeded"},
			`{"type":"error","code":"custom","message":"Quota exceeded","allow_retry":false}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustJSON(t, tc.ev)
			assert.Equal(t, tc.want, got)
			back, err := UnmarshalEvent([]byte(got))
			require.NoError(t, err)
			assert.Equal(t, tc.want, mustJSON(t, back), "round trip")
		})
	}
}
