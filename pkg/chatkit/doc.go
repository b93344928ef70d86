// Package chatkit implements the ChatKit server protocol (the JSON/SSE
// protocol the <openai-chatkit> web component speaks to a self-hosted
// backend; see chatkit-protocol.md) in Go: a library to build a ChatKit
// backend with, as openai/chatkit-python is for Python. Its module needs
// the standard library only (testify in its tests and storetest); the example
// (Example) is a complete echo server. The extension points are Responder
// (the assistant), Store (persistence), widgets (json.RawMessage trees sent
// with SendWidget) and ActionHandler (widget actions); README.md lists
// them.
//
// # Wire types
//
// Requests (DecodeRequest → *Request with typed Params), thread items (the
// sealed Item interface: *UserMessageItem, *AssistantMessageItem, …,
// *UnknownItem for forward compatibility), stream events (Event) and item
// updates (ItemUpdate) marshal to the same JSON as the reference Python SDK
// (openai/chatkit-python 1.6.5): same member names and order, "type"
// discriminators, null fields omitted, empty lists and objects kept. Widget
// trees are json.RawMessage so new widget components pass through.
//
// # Store
//
// Store persists threads, items, attachments and feedback, always scoped by
// the user id passed explicitly; a foreign id behaves exactly like a missing
// one (an error wrapping ErrNotFound, which the Server answers with 404).
// memstore is the in-memory implementation; the product's pkg/chatstore the
// SQL one. storetest.Run is the contract every Store must pass: run it from
// a test of your own store.
//
// # Responder
//
// The assistant implements Responder:
//
//	Respond(ctx context.Context, turn *Turn, sink Sink) error
//
// Turn carries the user, the thread, the triggering user message (Input),
// the caller's time zone and locale (Info) and the Store (History). Sink
// receives events; helpers make the common ones easy:
//
//	msg, err := chatkit.StartAssistantMessage(ctx, sink) // item.added + content_part.added
//	err = msg.AppendText(ctx, "Hello")                   // text_delta
//	item, err := msg.Finish(ctx)                         // content_part.done + item.done
//	chatkit.SendAssistantMessage(ctx, sink, "one shot")  // item.done only
//	chatkit.SendWidget(ctx, sink, cardJSON, "copy text")  // widget item.done
//	chatkit.ReplaceWidget(ctx, sink, widgetItem, newJSON) // item.replaced
//	chatkit.SendProgress / SendClientEffect / SendNotice / SendHiddenContext
//	chatkit.SetTitle(sink, "Groceries")                  // thread.updated
//
// Returning a *StreamError (or CustomError) reports that error to the user;
// any other error becomes a retryable stream.error. When the client goes
// away ctx is cancelled and Sink.Emit fails with ErrCancelled; the Server
// then saves the partial assistant text and records the cancellation.
// ActionHandler serves widget actions (threads.custom_action and
// threads.sync_custom_action). EchoResponder is a stand-in Responder.
//
// # Server
//
// NewServer(Options{Store, Responder, ...}) builds the Server; Handler is
// its net/http handler (HandlerOptions.Authenticate names the user; errors
// are JSON {"error":{"code","message","fields"}} with the status of their
// ErrorKind). Process is the transport-free core other bindings call (the
// product's Fiber binding is pkg/chatfiber). Process validates and authorizes a request completely before
// anything is written: malformed JSON, an unknown type or missing/invalid
// params answer 400 (invalid_request), missing or foreign threads, items and
// attachments 404 (not_found), a wrong item kind 400, a tool output without
// a pending tool call or an already answered structured input 409,
// features the Server was built without 501 (unsupported). Streams are SSE ("data:
// <compact json>\n\n", flushed per event, Content-Type text/event-stream,
// Cache-Control no-cache, X-Accel-Buffering no; ": keep-alive" comments
// only when Options.KeepAlive > 0) in the reference's order:
// thread.created, the user message's thread.item.done, stream_options, the
// responder's events, thread.updated when the title/status changed. The user
// message is stored before the responder runs. Items are stored on
// thread.item.done/replaced and deleted on removed, never on added/updated;
// hidden items are stored and never sent. Persistence is an explicit step
// (TurnStore): those writes are queued and committed together before the
// events that wait for them are sent (before the next streamed
// added/updated/progress event, a Turn.History read, and at the end of the
// turn), so nothing reaches the client that the store does not hold. Do not
// change an item after emitting it.
//
// Turns on one thread never interleave: each holds the thread's lock
// (TurnStore.OpenTurn; Store.LockThread through PlainTurns; an advisory
// lock on PostgreSQL). A turn waits up to Options.LockTimeout
// (60s) for the previous one, then gets an error event (code "custom",
// BusyMessage, allow_retry false) and nothing is stored.
//
// A client disconnect (also the UI's stop button) shows up as a failed
// write; the turn's context is cancelled, the responder stops at its next
// Emit, and the Server stores the partial assistant text as a completed
// item plus an sdk_hidden_context note (CancelledContent), as the reference
// does. Store writes use a context that is not cancelled, so a cut stream
// still completes its persistence.
//
// Titles: when a turn answering a user message ends and the thread still has
// no title, the Server derives one from that message (DeriveTitle: first
// line, at most 60 characters), so the history list never shows blanks.
//
// Measurements go to Options.Observer: each request's end (type, outcome,
// error; a turn's thread and duration, once its stream has ended), streams
// opened and closed, events sent. The product's Observer
// (chatfiber.NewObserver) turns them into taskpilot_chatkit_requests_total
// {type,outcome}, taskpilot_chatkit_active_streams,
// taskpilot_chatkit_events_sent_total{event},
// taskpilot_chatkit_turn_duration_seconds{outcome} and one span per request
// ("chatkit <type>", attribute chatkit.request_type).
//
// # Deliberate differences from the reference (chatkit-python 1.6.5)
//
// The JSON of every event and response was diffed against the reference SDK
// run locally (testdata/reference_outputs.json, TestMatchesReferenceOutputs):
// identical except for ids and timestamps. Differences we chose:
//
//   - created_at is RFC 3339 in UTC with "Z" (the reference writes naive
//     local time, which browsers read in the viewer's zone).
//   - Ids are the reference's prefixes plus 20 random [0-9a-z] characters
//     (the reference uses 8 hex characters).
//   - Invalid requests get a 4xx JSON error ({"error":{"code","message"}})
//     before any stream is opened, where the reference answers 500, aborts
//     an opened stream, sends an empty stream (retry of an unknown item) or
//     a lone error event (custom_action on a non-widget item).
//   - A failure after the stream opened but before the responder ran (e.g.
//     the store failing) is an error event (stream.error, allow_retry
//     false) instead of a dropped connection.
//   - Attachments, dictation and actions without their handler answer 501
//     unsupported (the reference: 500).
//   - Untitled threads get a derived title (above); the reference leaves
//     them untitled.
//   - Turns on a thread are serialized (above); the reference has no lock.
//   - List limits above MaxPageSize (100) are clamped; "order": null means
//     the default; an unknown "after" cursor yields an empty page.
//   - Hidden items are filtered in the store query, so pages are full (the
//     reference filters after fetching, returning short pages).
//   - threads.update trims the title; an empty title removes it.
//   - threads.sync_custom_action stores the item the handler returns.
//   - threads.delete also deletes the bytes of the thread's attachments.
//   - Go escapes U+2028/U+2029 in JSON strings; the reference writes them raw.
package chatkit
