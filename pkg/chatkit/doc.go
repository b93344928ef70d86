// Package chatkit implements the ChatKit server protocol (the JSON/SSE
// protocol the <openai-chatkit> web component speaks to a self-hosted
// backend; see chatkit-protocol.md) in Go.
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
// memstore is the in-memory implementation; pkg/storage has the SQL ones.
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
package chatkit
