package chatkit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var stringSeeds = []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnl\ncr\r\b\f\x00\x1f\x7f",
	"“curly” — dash", "\u2028\u2029", "bad \xff\xfe utf8 \xe2\x28\xa1", "emoji 🧪", "\xed\xa0\x80 surrogate"}

func TestAppendTimeMatchesMarshalJSON(t *testing.T) {
	loc := time.FixedZone("x", -7*3600)
	for _, tm := range []time.Time{
		time.Date(2026, 11, 28, 21, 9, 36, 627435000, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 0, loc),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
	} {
		want, err := tm.UTC().MarshalJSON()
		require.NoError(t, err)
		got, ok := appendTime(nil, tm)
		require.True(t, ok)
		require.Equal(t, string(want), string(got))
	}
	_, ok := appendTime(nil, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	require.False(t, ok, "years MarshalJSON rejects take the generic path")
}

// FuzzMessageItemsMatchGenericEncoding: the direct encoders of the message
// items write the generic path's bytes, whatever the strings hold.
func FuzzMessageItemsMatchGenericEncoding(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add(s, s, "", int64(1764364176627435000), true)
	}
	f.Fuzz(func(t *testing.T, text, id, model string, nanos int64, toolChoice bool) {
		base := ItemBase{ID: id, ThreadID: "thr_" + id, CreatedAt: time.Unix(0, nanos)}
		um := UserMessageItem{ItemBase: base, Content: []UserContent{TextContent(text), TextContent(id)},
			QuotedText: model, InferenceOptions: InferenceOptions{Model: model}}
		if toolChoice {
			um.InferenceOptions.ToolChoice = &ToolChoice{ID: text}
		}
		am := AssistantMessageItem{ItemBase: base, Content: []OutputText{{Text: text}, {Text: model}}}
		for _, c := range []struct {
			fast, generic func() ([]byte, error)
		}{
			{um.MarshalJSON, um.marshalGeneric},
			{am.MarshalJSON, am.marshalGeneric},
			{UserMessageItem{ItemBase: base}.MarshalJSON, UserMessageItem{ItemBase: base}.marshalGeneric},
			{AssistantMessageItem{ItemBase: base}.MarshalJSON, AssistantMessageItem{ItemBase: base}.marshalGeneric},
		} {
			want, werr := c.generic()
			got, gerr := c.fast()
			require.Equal(t, werr == nil, gerr == nil, "errors: %v / %v", werr, gerr)
			require.Equal(t, string(want), string(got))
		}
	})
}

// TestDirectEventsMatchGenericEncoding: each event the direct encoder
// covers gives the generic path's bytes (typed() over the same members).
func TestDirectEventsMatchGenericEncoding(t *testing.T) {
	now := time.Date(2026, 11, 28, 21, 9, 36, 627435000, time.UTC)
	meta := ThreadMetadata{Title: `A "title" <b>`, ID: "thr_1", CreatedAt: now,
		Status: ThreadStatus{Type: StatusLocked, Reason: "read\nonly"}, AllowedImageDomains: []string{"a.example", "b\u2028"}}
	threads := []Thread{
		wireThread(meta, Page[Item]{}),
		wireThread(ThreadMetadata{ID: "thr_2", CreatedAt: now}, Page[Item]{}),
	}
	am := &AssistantMessageItem{ItemBase: ItemBase{ID: "msg_1", ThreadID: "thr_1", CreatedAt: now},
		Content: []OutputText{{Text: "hi “there”\n"}}}
	um := &UserMessageItem{ItemBase: ItemBase{ID: "msg_2", ThreadID: "thr_1", CreatedAt: now},
		Content: []UserContent{TextContent("add <milk> & eggs")}, InferenceOptions: InferenceOptions{ToolChoice: &ToolChoice{ID: "t"}, Model: "m"}}
	updates := []ItemUpdate{
		ContentPartTextDelta{ContentIndex: 3, Delta: "x\"y"},
		ContentPartAdded{ContentIndex: 0, Content: OutputText{Text: ""}},
		ContentPartDone{ContentIndex: 1, Content: OutputText{Text: "done\t"}},
	}
	type generic struct {
		ev   Event
		want func() ([]byte, error)
	}
	var cases []generic
	for _, th := range threads {
		cases = append(cases,
			generic{ThreadCreatedEvent{Thread: th}, func() ([]byte, error) {
				return typed(EventThreadCreated, struct {
					Thread Thread `json:"thread"`
				}{th})
			}},
			generic{ThreadUpdatedEvent{Thread: th}, func() ([]byte, error) {
				return typed(EventThreadUpdated, struct {
					Thread Thread `json:"thread"`
				}{th})
			}})
	}
	for _, it := range []Item{am, um} {
		cases = append(cases,
			generic{ThreadItemAddedEvent{Item: it}, func() ([]byte, error) {
				return typed(EventThreadItemAdded, struct {
					Item Item `json:"item"`
				}{it})
			}},
			generic{ThreadItemDoneEvent{Item: it}, func() ([]byte, error) {
				return typed(EventThreadItemDone, struct {
					Item Item `json:"item"`
				}{it})
			}},
			generic{ThreadItemReplacedEvent{Item: it}, func() ([]byte, error) {
				return typed(EventThreadItemReplaced, struct {
					Item Item `json:"item"`
				}{it})
			}})
	}
	for _, u := range updates {
		cases = append(cases, generic{ThreadItemUpdatedEvent{ItemID: "msg_1", Update: u}, func() ([]byte, error) {
			return typed(EventThreadItemUpdated, struct {
				ItemID string     `json:"item_id"`
				Update ItemUpdate `json:"update"`
			}{"msg_1", u})
		}})
	}
	for _, allow := range []bool{true, false} {
		cases = append(cases, generic{StreamOptionsEvent{StreamOptions: StreamOptions{AllowCancel: allow}}, func() ([]byte, error) {
			return typed(EventStreamOptions, struct {
				StreamOptions StreamOptions `json:"stream_options"`
			}{StreamOptions{AllowCancel: allow}})
		}})
	}
	for _, c := range cases {
		want, err := c.want()
		require.NoError(t, err)
		got, err := encodeEvent(c.ev)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "%T", c.ev)
		require.True(t, json.Valid(got))
	}
	_, err := encodeEvent(ThreadItemDoneEvent{})
	require.EqualError(t, err, "chatkit: thread.item.done without item")
	_, err = encodeEvent(ThreadItemUpdatedEvent{ItemID: "x"})
	require.EqualError(t, err, "chatkit: thread.item.updated without update")
}
