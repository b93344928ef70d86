package chatkit

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Event types.
const (
	EventThreadCreated      = "thread.created"
	EventThreadUpdated      = "thread.updated"
	EventThreadItemAdded    = "thread.item.added"
	EventThreadItemUpdated  = "thread.item.updated"
	EventThreadItemDone     = "thread.item.done"
	EventThreadItemRemoved  = "thread.item.removed"
	EventThreadItemReplaced = "thread.item.replaced"
	EventStreamOptions      = "stream_options"
	EventProgressUpdate     = "progress_update"
	EventClientEffect       = "client_effect"
	EventNotice             = "notice"
	EventError              = "error"
)

// Event is a stream event. The set is closed: only this package's *Event
// types implement it.
type Event interface {
	// EventType is the wire "type" discriminator.
	EventType() string
	json.Marshaler
	event()
}

type eventBase struct{}

func (eventBase) event() {}

// ThreadCreatedEvent announces a new thread (threads.create only).
type ThreadCreatedEvent struct {
	eventBase
	Thread Thread `json:"thread"`
}

// ThreadUpdatedEvent carries changed thread metadata (title, status).
type ThreadUpdatedEvent struct {
	eventBase
	Thread Thread `json:"thread"`
}

// ThreadItemAddedEvent starts a streamed item; it is not persisted.
type ThreadItemAddedEvent struct {
	eventBase
	Item Item `json:"item"`
}

// ThreadItemUpdatedEvent is an incremental change to a pending item.
type ThreadItemUpdatedEvent struct {
	eventBase
	ItemID string     `json:"item_id"`
	Update ItemUpdate `json:"update"`
}

// ThreadItemDoneEvent carries an item's final state; it is persisted.
type ThreadItemDoneEvent struct {
	eventBase
	Item Item `json:"item"`
}

// ThreadItemRemovedEvent deletes an item.
type ThreadItemRemovedEvent struct {
	eventBase
	ItemID string `json:"item_id"`
}

// ThreadItemReplacedEvent swaps an item in place (upsert by id).
type ThreadItemReplacedEvent struct {
	eventBase
	Item Item `json:"item"`
}

// StreamOptions are per-stream runtime options.
type StreamOptions struct {
	AllowCancel bool `json:"allow_cancel"`
}

// StreamOptionsEvent is the first event of every response phase.
type StreamOptionsEvent struct {
	eventBase
	StreamOptions StreamOptions `json:"stream_options"`
}

// ProgressUpdateEvent is a transient status line; never stored.
type ProgressUpdateEvent struct {
	eventBase
	Icon string `json:"icon,omitempty"`
	Text string `json:"text"`
}

// ClientEffectEvent is a fire-and-forget signal to the page's onEffect.
type ClientEffectEvent struct {
	eventBase
	Name string         `json:"name"`
	Data map[string]any `json:"data"`
}

// Notice levels.
const (
	NoticeInfo    = "info"
	NoticeWarning = "warning"
	NoticeDanger  = "danger"
)

// NoticeEvent is a user-facing banner; Message is Markdown.
type NoticeEvent struct {
	eventBase
	Level   string `json:"level"`
	Message string `json:"message"`
	Title   string `json:"title,omitempty"`
}

// Error codes of error events.
const (
	// ErrorCodeStream is the generic failure; the UI shows its own message.
	ErrorCodeStream = "stream.error"
	// ErrorCodeCustom shows Message verbatim.
	ErrorCodeCustom = "custom"
)

// ErrorEvent is an error shown in the chat.
type ErrorEvent struct {
	eventBase
	Code       string `json:"code"`
	Message    string `json:"message,omitempty"`
	AllowRetry bool   `json:"allow_retry"`
}

// EventType implementations.
func (ThreadCreatedEvent) EventType() string      { return EventThreadCreated }
func (ThreadUpdatedEvent) EventType() string      { return EventThreadUpdated }
func (ThreadItemAddedEvent) EventType() string    { return EventThreadItemAdded }
func (ThreadItemUpdatedEvent) EventType() string  { return EventThreadItemUpdated }
func (ThreadItemDoneEvent) EventType() string     { return EventThreadItemDone }
func (ThreadItemRemovedEvent) EventType() string  { return EventThreadItemRemoved }
func (ThreadItemReplacedEvent) EventType() string { return EventThreadItemReplaced }
func (StreamOptionsEvent) EventType() string      { return EventStreamOptions }
func (ProgressUpdateEvent) EventType() string     { return EventProgressUpdate }
func (ClientEffectEvent) EventType() string       { return EventClientEffect }
func (NoticeEvent) EventType() string             { return EventNotice }
func (ErrorEvent) EventType() string              { return EventError }

// MarshalJSON implementations: the type discriminator comes first. The
// events of a streamed reply are written by encodeEvent directly.
func (e ThreadCreatedEvent) MarshalJSON() ([]byte, error)      { return encodeEvent(e) }
func (e ThreadUpdatedEvent) MarshalJSON() ([]byte, error)      { return encodeEvent(e) }
func (e ThreadItemAddedEvent) MarshalJSON() ([]byte, error)    { return encodeEvent(e) }
func (e ThreadItemDoneEvent) MarshalJSON() ([]byte, error)     { return encodeEvent(e) }
func (e ThreadItemReplacedEvent) MarshalJSON() ([]byte, error) { return encodeEvent(e) }
func (e ThreadItemUpdatedEvent) MarshalJSON() ([]byte, error)  { return encodeEvent(e) }
func (e StreamOptionsEvent) MarshalJSON() ([]byte, error)      { return encodeEvent(e) }

func errNoItem(typ string) error { return fmt.Errorf("chatkit: %s without item", typ) }

var errNoUpdate = errors.New("chatkit: thread.item.updated without update")

func (e ThreadItemRemovedEvent) MarshalJSON() ([]byte, error) {
	return typed(e.EventType(), struct {
		ItemID string `json:"item_id"`
	}{e.ItemID})
}

func (e ProgressUpdateEvent) MarshalJSON() ([]byte, error) {
	return typed(e.EventType(), struct {
		Icon string `json:"icon,omitempty"`
		Text string `json:"text"`
	}{e.Icon, e.Text})
}

func (e ClientEffectEvent) MarshalJSON() ([]byte, error) {
	return typed(e.EventType(), struct {
		Name string         `json:"name"`
		Data map[string]any `json:"data"`
	}{e.Name, nonNilMap(e.Data)})
}

func (e NoticeEvent) MarshalJSON() ([]byte, error) {
	return typed(e.EventType(), struct {
		Level   string `json:"level"`
		Message string `json:"message"`
		Title   string `json:"title,omitempty"`
	}{e.Level, e.Message, e.Title})
}

func (e ErrorEvent) MarshalJSON() ([]byte, error) {
	return typed(e.EventType(), struct {
		Code       string `json:"code"`
		Message    string `json:"message,omitempty"`
		AllowRetry bool   `json:"allow_retry"`
	}{e.Code, e.Message, e.AllowRetry})
}

// UnmarshalEvent decodes one stream event (used by clients and tests).
func UnmarshalEvent(data []byte) (Event, error) {
	typ, err := peekType(data)
	if err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	var raw struct {
		Thread        *Thread         `json:"thread"`
		Item          json.RawMessage `json:"item"`
		ItemID        string          `json:"item_id"`
		Update        json.RawMessage `json:"update"`
		StreamOptions StreamOptions   `json:"stream_options"`
		Icon          string          `json:"icon"`
		Text          string          `json:"text"`
		Name          string          `json:"name"`
		Data          map[string]any  `json:"data"`
		Level         string          `json:"level"`
		Message       string          `json:"message"`
		Title         string          `json:"title"`
		Code          string          `json:"code"`
		AllowRetry    bool            `json:"allow_retry"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode %s event: %w", typ, err)
	}
	item := func() (Item, error) { return UnmarshalItem(raw.Item) }
	switch typ {
	case EventThreadCreated, EventThreadUpdated:
		if raw.Thread == nil {
			return nil, fmt.Errorf("decode %s event: missing thread", typ)
		}
		if typ == EventThreadCreated {
			return ThreadCreatedEvent{Thread: *raw.Thread}, nil
		}
		return ThreadUpdatedEvent{Thread: *raw.Thread}, nil
	case EventThreadItemAdded, EventThreadItemDone, EventThreadItemReplaced:
		it, err := item()
		if err != nil {
			return nil, err
		}
		switch typ {
		case EventThreadItemAdded:
			return ThreadItemAddedEvent{Item: it}, nil
		case EventThreadItemDone:
			return ThreadItemDoneEvent{Item: it}, nil
		}
		return ThreadItemReplacedEvent{Item: it}, nil
	case EventThreadItemUpdated:
		u, err := UnmarshalItemUpdate(raw.Update)
		if err != nil {
			return nil, err
		}
		return ThreadItemUpdatedEvent{ItemID: raw.ItemID, Update: u}, nil
	case EventThreadItemRemoved:
		return ThreadItemRemovedEvent{ItemID: raw.ItemID}, nil
	case EventStreamOptions:
		return StreamOptionsEvent{StreamOptions: raw.StreamOptions}, nil
	case EventProgressUpdate:
		return ProgressUpdateEvent{Icon: raw.Icon, Text: raw.Text}, nil
	case EventClientEffect:
		return ClientEffectEvent{Name: raw.Name, Data: raw.Data}, nil
	case EventNotice:
		return NoticeEvent{Level: raw.Level, Message: raw.Message, Title: raw.Title}, nil
	case EventError:
		return ErrorEvent{Code: raw.Code, Message: raw.Message, AllowRetry: raw.AllowRetry}, nil
	}
	return nil, fmt.Errorf("decode event: unknown type %q", typ)
}
