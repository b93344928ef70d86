package chatkit

import (
	"strconv"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/chatkit/jsonenc"
)

// Direct encoders for what every turn sends and stores: the events of a
// streamed reply, user and assistant messages, thread metadata. The generic
// path (MarshalJSON of a method-less copy through encoding/json, then
// splicing the type in) is kept for everything else; it costs a reflection
// walk per level and encoding/json re-validates each nested MarshalJSON's
// output, so the bytes of a text delta were scanned three or four times.
// The output is byte for byte the generic path's (the golden and wire tests
// compare whole turns; FuzzAppendString compares strings with
// encoding/json). Each appender returns ok=false when the value has a part
// it does not cover, and the caller falls back to the generic path.

// appendString appends s as encoding/json does with SetEscapeHTML(false).
func appendString(dst []byte, s string) []byte { return jsonenc.AppendString(dst, s, false) }

// appendTime appends t in UTC as time.Time's MarshalJSON does (RFC 3339
// with nanoseconds, trailing zeros dropped); false for years it rejects.
func appendTime(dst []byte, t time.Time) ([]byte, bool) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, false
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), true
}

// appendItemHead appends `{"id":…,"thread_id":…,"created_at":…,"type":typ`.
func appendItemHead(dst []byte, b *ItemBase, typ string) ([]byte, bool) {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, b.ID)
	dst = append(dst, `,"thread_id":`...)
	dst = appendString(dst, b.ThreadID)
	dst = append(dst, `,"created_at":`...)
	dst, ok := appendTime(dst, b.CreatedAt)
	if !ok {
		return dst, false
	}
	dst = append(dst, `,"type":`...)
	return appendString(dst, typ), true
}

// appendOutputText covers parts without annotations.
func appendOutputText(dst []byte, o *OutputText) ([]byte, bool) {
	if len(o.Annotations) > 0 {
		return dst, false
	}
	dst = append(dst, `{"annotations":[],"text":`...)
	dst = appendString(dst, o.Text)
	return append(dst, `,"type":"output_text"}`...), true
}

// appendAssistantMessage covers messages whose parts have no annotations.
func appendAssistantMessage(dst []byte, it *AssistantMessageItem) ([]byte, bool) {
	dst, ok := appendItemHead(dst, &it.ItemBase, ItemAssistantMessage)
	if !ok {
		return dst, false
	}
	dst = append(dst, `,"content":[`...)
	for i := range it.Content {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, ok = appendOutputText(dst, &it.Content[i]); !ok {
			return dst, false
		}
	}
	return append(dst, "]}"...), true
}

// appendUserMessage covers input_text parts without attachments.
func appendUserMessage(dst []byte, it *UserMessageItem) ([]byte, bool) {
	if len(it.Attachments) > 0 {
		return dst, false
	}
	dst, ok := appendItemHead(dst, &it.ItemBase, ItemUserMessage)
	if !ok {
		return dst, false
	}
	dst = append(dst, `,"content":[`...)
	for i := range it.Content {
		c := &it.Content[i]
		if c.Type != ContentInputText {
			return dst, false
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"type":"input_text","text":`...)
		dst = appendString(dst, c.Text)
		dst = append(dst, '}')
	}
	dst = append(dst, `],"attachments":[]`...)
	if it.QuotedText != "" {
		dst = append(dst, `,"quoted_text":`...)
		dst = appendString(dst, it.QuotedText)
	}
	dst = append(dst, `,"inference_options":{`...)
	opts := &it.InferenceOptions
	if opts.ToolChoice != nil {
		dst = append(dst, `"tool_choice":{"id":`...)
		dst = appendString(dst, opts.ToolChoice.ID)
		dst = append(dst, '}')
	}
	if opts.Model != "" {
		if opts.ToolChoice != nil {
			dst = append(dst, ',')
		}
		dst = append(dst, `"model":`...)
		dst = appendString(dst, opts.Model)
	}
	return append(dst, "}}"...), true
}

// appendItem covers the message items; other types take the generic path.
func appendItem(dst []byte, it Item) ([]byte, bool) {
	switch v := it.(type) {
	case *AssistantMessageItem:
		if v != nil {
			return appendAssistantMessage(dst, v)
		}
	case *UserMessageItem:
		if v != nil {
			return appendUserMessage(dst, v)
		}
	}
	return dst, false
}

// appendItemOrMarshal appends it's encoding, directly when covered.
func appendItemOrMarshal(dst []byte, it Item) ([]byte, error) {
	if out, ok := appendItem(dst, it); ok {
		return out, nil
	}
	b, err := it.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(dst, b...), nil
}

// appendThreadMetadata covers threads without server-side metadata (the
// wire thread never carries it).
func appendThreadMetadata(dst []byte, t *ThreadMetadata) ([]byte, bool) {
	if len(t.Metadata) > 0 {
		return dst, false
	}
	dst = append(dst, '{')
	if t.Title != "" {
		dst = append(dst, `"title":`...)
		dst = appendString(dst, t.Title)
		dst = append(dst, ',')
	}
	dst = append(dst, `"id":`...)
	dst = appendString(dst, t.ID)
	dst = append(dst, `,"created_at":`...)
	dst, ok := appendTime(dst, t.CreatedAt)
	if !ok {
		return dst, false
	}
	st := t.Status.Type
	if st == "" {
		st = StatusActive
	}
	dst = append(dst, `,"status":{"type":`...)
	dst = appendString(dst, st)
	if t.Status.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = appendString(dst, t.Status.Reason)
	}
	dst = append(dst, '}')
	if len(t.AllowedImageDomains) > 0 {
		dst = append(dst, `,"allowed_image_domains":[`...)
		for i, d := range t.AllowedImageDomains {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, d)
		}
		dst = append(dst, ']')
	}
	return append(dst, `,"metadata":{}}`...), true
}

// appendThread covers a wire thread with an empty item page (what
// thread.created and thread.updated carry).
func appendThread(dst []byte, t *Thread) ([]byte, bool) {
	if len(t.Items.Data) > 0 || t.Items.HasMore || t.Items.After != "" {
		return dst, false
	}
	dst, ok := appendThreadMetadata(dst, &t.ThreadMetadata)
	if !ok {
		return dst, false
	}
	dst = dst[:len(dst)-1] // reopen the object for items
	return append(dst, `,"items":{"data":[],"has_more":false}}`...), true
}

// appendUpdate covers the assistant message updates of a streamed reply.
func appendUpdate(dst []byte, u ItemUpdate) ([]byte, bool) {
	part := func(typ string, idx int, content *OutputText) ([]byte, bool) {
		dst = append(dst, `{"type":`...)
		dst = appendString(dst, typ)
		dst = append(dst, `,"content_index":`...)
		dst = strconv.AppendInt(dst, int64(idx), 10)
		dst = append(dst, `,"content":`...)
		dst, ok := appendOutputText(dst, content)
		if !ok {
			return dst, false
		}
		return append(dst, '}'), true
	}
	switch v := u.(type) {
	case ContentPartTextDelta:
		dst = append(dst, `{"type":"assistant_message.content_part.text_delta","content_index":`...)
		dst = strconv.AppendInt(dst, int64(v.ContentIndex), 10)
		dst = append(dst, `,"delta":`...)
		dst = appendString(dst, v.Delta)
		return append(dst, '}'), true
	case ContentPartAdded:
		return part(UpdateContentPartAdded, v.ContentIndex, &v.Content)
	case ContentPartDone:
		return part(UpdateContentPartDone, v.ContentIndex, &v.Content)
	}
	return dst, false
}

// encodeEvent is an event's wire encoding (its MarshalJSON): directly for
// the events of a streamed reply, through the generic path otherwise.
func encodeEvent(ev Event) ([]byte, error) {
	dst := make([]byte, 0, 256)
	head := func(typ string) {
		dst = append(dst, `{"type":`...)
		dst = appendString(dst, typ)
	}
	item := func(typ string, it Item) ([]byte, error) {
		if it == nil {
			return nil, errNoItem(typ)
		}
		head(typ)
		dst = append(dst, `,"item":`...)
		out, err := appendItemOrMarshal(dst, it)
		if err != nil {
			return nil, err
		}
		return append(out, '}'), nil
	}
	thread := func(typ string, t *Thread) ([]byte, error) {
		head(typ)
		dst = append(dst, `,"thread":`...)
		out, ok := appendThread(dst, t)
		if !ok {
			b, err := t.MarshalJSON()
			if err != nil {
				return nil, err
			}
			out = append(dst, b...) //nolint:gocritic // dst holds the prefix; out is the failed fast path's
		}
		return append(out, '}'), nil
	}
	switch e := ev.(type) {
	case ThreadItemAddedEvent:
		return item(EventThreadItemAdded, e.Item)
	case ThreadItemDoneEvent:
		return item(EventThreadItemDone, e.Item)
	case ThreadItemReplacedEvent:
		return item(EventThreadItemReplaced, e.Item)
	case ThreadItemUpdatedEvent:
		if e.Update == nil {
			return nil, errNoUpdate
		}
		head(EventThreadItemUpdated)
		dst = append(dst, `,"item_id":`...)
		dst = appendString(dst, e.ItemID)
		dst = append(dst, `,"update":`...)
		out, ok := appendUpdate(dst, e.Update)
		if !ok {
			b, err := e.Update.MarshalJSON()
			if err != nil {
				return nil, err
			}
			out = append(dst, b...) //nolint:gocritic // dst holds the prefix; out is the failed fast path's
		}
		return append(out, '}'), nil
	case ThreadCreatedEvent:
		return thread(EventThreadCreated, &e.Thread)
	case ThreadUpdatedEvent:
		return thread(EventThreadUpdated, &e.Thread)
	case StreamOptionsEvent:
		head(EventStreamOptions)
		dst = append(dst, `,"stream_options":{"allow_cancel":`...)
		dst = strconv.AppendBool(dst, e.StreamOptions.AllowCancel)
		return append(dst, "}}"...), nil
	}
	return ev.MarshalJSON()
}
