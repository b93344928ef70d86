package chatkit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Responder produces the assistant's side of a turn. The task assistant
// implements it. Respond is called once per streaming request that asks for
// a response (threads.create, add_user_message, add_client_tool_output,
// add_structured_input, retry_after_item), after the Server has persisted
// and echoed the user's message.
//
// Respond emits events through sink (see the Send*/StartAssistantMessage
// helpers) and returns when the turn is complete. It must return promptly
// once ctx is done (the client went away): Sink.Emit then fails with an
// error wrapping ErrCancelled, which Respond should return. An error
// returned by Respond becomes an error event: a *StreamError keeps its code,
// message and allow_retry; anything else becomes stream.error with
// allow_retry true (the message is logged, never sent).
type Responder interface {
	Respond(ctx context.Context, turn *Turn, sink Sink) error
}

// ResponderFunc adapts a function to Responder.
type ResponderFunc func(ctx context.Context, turn *Turn, sink Sink) error

// Respond calls f.
func (f ResponderFunc) Respond(ctx context.Context, turn *Turn, sink Sink) error {
	return f(ctx, turn, sink)
}

// ActionHandler handles widget actions (button presses, form submits).
// Action serves threads.custom_action (streamed like Respond; turn.Action
// and turn.Sender are set). SyncAction serves threads.sync_custom_action:
// it returns the updated sender item to show, or nil for none; it must not
// take long (it runs while another response may be streaming).
type ActionHandler interface {
	Action(ctx context.Context, turn *Turn, sink Sink) error
	SyncAction(ctx context.Context, turn *Turn) (Item, error)
}

// Transcriber turns dictated audio into composer text (input.transcribe).
// mimeType is the raw recorder type, e.g. "audio/webm;codecs=opus".
type Transcriber interface {
	Transcribe(ctx context.Context, audio []byte, mimeType string) (string, error)
}

// Turn describes the request a Responder or ActionHandler answers.
type Turn struct {
	// UserID is the authenticated user (also in ctx via auth.WithUser).
	UserID string
	// Request is the request type that started the turn.
	Request RequestType
	// Thread is the thread's metadata at the start of the turn. Change it
	// through Sink.UpdateThread, not here.
	Thread ThreadMetadata
	// Input is the user message being answered: the new message for
	// threads.create/add_user_message, the retried one for
	// retry_after_item; nil for tool output, structured input and actions.
	Input *UserMessageItem
	// Action and Sender are set for custom actions (Sender may be nil).
	Action *Action
	Sender *WidgetItem
	// Info holds the caller's time zone, locale and request metadata.
	Info RequestInfo
	// Store gives access to the thread (History, or direct reads).
	Store Store

	// preload is the thread's newest items read when the turn opened
	// (newest first, the input first), all of them when preloadAll;
	// History serves from it while the turn has stored nothing else.
	preload    []Item
	preloadAll bool
	// flush commits what the turn emitted and holds (History reads it).
	flush func(context.Context) error
}

// History returns up to limit of the thread's newest items, oldest first,
// including hidden context items (the model needs them) and the turn's own
// input. limit ≤ 0 means DefaultPageSize.
func (t *Turn) History(ctx context.Context, limit int) ([]Item, error) {
	if t.Store == nil {
		return nil, errors.New("chatkit: turn has no store")
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	if t.flush != nil {
		if err := t.flush(ctx); err != nil {
			return nil, fmt.Errorf("load history of %s: %w", t.Thread.ID, err)
		}
	}
	if t.preload != nil && (limit <= len(t.preload) || t.preloadAll) {
		n := min(limit, len(t.preload))
		out := make([]Item, n)
		for i, it := range t.preload[:n] {
			out[n-1-i] = it
		}
		return out, nil
	}
	page, err := t.Store.ListItems(ctx, t.UserID, t.Thread.ID,
		ListOptions{Limit: limit, Order: OrderDesc, IncludeHidden: true})
	if err != nil {
		return nil, fmt.Errorf("load history of %s: %w", t.Thread.ID, err)
	}
	out := make([]Item, len(page.Data))
	for i, it := range page.Data {
		out[len(out)-1-i] = it
	}
	return out, nil
}

// RequestInfo is per-request context for the assistant.
type RequestInfo struct {
	// TimeZone is the caller's IANA zone: the X-Timezone header, else the
	// request's metadata.timezone, else "UTC". Location is it, loaded.
	TimeZone string
	Location *time.Location
	// Locale is the Accept-Language the UI sent ("" when absent).
	Locale string
	// Metadata is the request's top-level metadata object ({} when absent).
	Metadata map[string]any
	// RequestID is the HTTP request id, for logs.
	RequestID string
	// ClientIP is the caller's address (Options.ClientIP), for limits.
	ClientIP string
}

type requestInfoKey struct{}

// WithRequestInfo returns ctx carrying info.
func WithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom returns the RequestInfo in ctx (UTC when absent).
func RequestInfoFrom(ctx context.Context) RequestInfo {
	if info, ok := ctx.Value(requestInfoKey{}).(RequestInfo); ok {
		return info
	}
	return RequestInfo{TimeZone: "UTC", Location: time.UTC, Metadata: map[string]any{}}
}

// Sink receives a turn's events. The Server's implementation persists per
// the protocol (done → insert, replaced → upsert, removed → delete, added
// and updated → nothing, hidden items stored but not sent) and writes the
// events to the client in order. It is safe for concurrent use.
type Sink interface {
	// Emit sends one event. It fails with an error wrapping ErrCancelled
	// once the turn is cancelled (client gone), in which case the event was
	// neither persisted nor sent; or with a store error.
	Emit(ctx context.Context, ev Event) error
	// UpdateThread changes the thread's metadata (title, status,
	// allowed_image_domains; Metadata too, which is never sent). The
	// Server saves it and emits thread.updated after the next event, or at
	// the end of the turn.
	UpdateThread(fn func(t *ThreadMetadata))
	// Thread returns a copy of the thread's current metadata.
	Thread() ThreadMetadata
	// NewItemID returns a fresh id for an item of the given kind.
	NewItemID(kind IDKind) string
	// Now returns the timestamp for a new item (UTC, strictly increasing).
	Now() time.Time
}

// ErrCancelled is wrapped by Sink.Emit errors after the turn was cancelled.
var ErrCancelled = errors.New("chatkit: turn cancelled")

// StreamError is a failure reported to the client as an error event.
type StreamError struct {
	Code       string // ErrorCodeStream, ErrorCodeCustom or another code
	Message    string // shown verbatim for ErrorCodeCustom
	AllowRetry bool
	Err        error // cause, logged only
}

func (e *StreamError) Error() string {
	msg := e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *StreamError) Unwrap() error { return e.Err }

// CustomError is a StreamError whose message the UI shows verbatim.
func CustomError(message string, allowRetry bool) *StreamError {
	return &StreamError{Code: ErrorCodeCustom, Message: message, AllowRetry: allowRetry}
}
