package chatkit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// handler is everything the Server does with one request type. Adding a
// request type is: its RequestType constant and params struct, a decode
// func, then either respond (a JSON answer) or plan and begin (a streamed
// turn), and one entry in handlers. Nothing else switches on the type.
type handler struct {
	// decode turns the raw params into the typed params (a *RequestError
	// for anything missing or invalid).
	decode func(t RequestType, raw json.RawMessage) (any, error)
	// respond answers a JSON request.
	respond func(s *Server, ctx context.Context, user string, req *Request) (any, error)
	// limit applies the per-request size Limits to the decoded params
	// (nil: none apply), before anything is read or written.
	limit func(l Limits, params any) error
	// creates: the turn starts a new thread (saved and announced with
	// thread.created in the stream) instead of continuing one.
	creates bool
	// plan validates a streaming request before the stream opens (404,
	// 400, 409, 501 as errors) and records what the turn needs in p.
	plan func(p *turnPlan) error
	// begin runs first in the stream: it stores what the request adds
	// (the user message, a tool output, …), sets turn.Input or
	// turn.Action and returns events to send before the responder's. A
	// failure names what failed (failMsg, for the log).
	begin func(p *turnPlan, ctx context.Context, t *turnSink, turn *Turn) (prologue []Event, failMsg string, err error)
}

// handlers is the request table: one entry per RequestTypes element.
var handlers map[RequestType]*handler

func init() {
	handlers = map[RequestType]*handler{
		ReqThreadsCreate: {creates: true, decode: decodeThreadsCreate, plan: (*turnPlan).planThreadsCreate,
			limit: func(l Limits, p any) error { return l.checkMessage(&p.(*ThreadCreateParams).Input) },
			begin: beginUserMessage(func(p any) UserMessageInput { return p.(*ThreadCreateParams).Input })},
		ReqThreadsAddUserMessage: {decode: decodeThreadsAddUserMessage, plan: (*turnPlan).planThreadsAddUserMessage,
			limit: func(l Limits, p any) error { return l.checkMessage(&p.(*ThreadAddUserMessageParams).Input) },
			begin: beginUserMessage(func(p any) UserMessageInput { return p.(*ThreadAddUserMessageParams).Input })},
		ReqThreadsAddClientToolOutput: {decode: decodeThreadsAddClientToolOutput, plan: (*turnPlan).planThreadsAddClientToolOutput, begin: (*turnPlan).beginThreadsAddClientToolOutput},
		ReqThreadsAddStructuredInput:  {decode: decodeThreadsAddStructuredInput, plan: (*turnPlan).planThreadsAddStructuredInput, begin: (*turnPlan).beginThreadsAddStructuredInput},
		ReqThreadsRetryAfterItem:      {decode: decodeThreadsRetryAfterItem, plan: (*turnPlan).planThreadsRetryAfterItem, begin: (*turnPlan).beginThreadsRetryAfterItem},
		ReqThreadsCustomAction:        {decode: decodeCustomActionParams, plan: (*turnPlan).planThreadsCustomAction, begin: (*turnPlan).beginThreadsCustomAction},
		ReqThreadsGetByID:             {decode: decodeThreadIDParams, respond: (*Server).respondThreadsGetByID},
		ReqThreadsList:                {decode: decodeListParams, respond: (*Server).respondThreadsList},
		ReqThreadsUpdate: {decode: decodeThreadsUpdate, respond: (*Server).respondThreadsUpdate,
			limit: func(l Limits, p any) error { return l.checkTitle(p.(*ThreadUpdateParams).Title) }},
		ReqThreadsDelete:           {decode: decodeThreadIDParams, respond: (*Server).respondThreadsDelete},
		ReqThreadsSyncCustomAction: {decode: decodeCustomActionParams, respond: (*Server).respondThreadsSyncCustomAction},
		ReqItemsList:               {decode: decodeListParams, respond: (*Server).respondItemsList},
		ReqItemsFeedback: {decode: decodeItemsFeedback, respond: (*Server).respondItemsFeedback,
			limit: func(l Limits, p any) error { return l.checkFeedback(p.(*ItemFeedbackParams).ItemIDs) }},
		ReqAttachmentsCreate: {decode: decodeAttachmentsCreate, respond: (*Server).respondAttachmentsCreate},
		ReqAttachmentsDelete: {decode: decodeAttachmentsDelete, respond: (*Server).respondAttachmentsDelete},
		ReqInputTranscribe:   {decode: decodeInputTranscribe, respond: (*Server).respondInputTranscribe},
	}
}

// ---- decode: params of each request type.

func decodeThreadsCreate(t RequestType, raw json.RawMessage) (any, error) {
	var w struct {
		Input json.RawMessage `json:"input"`
	}
	if err := unmarshalParams(raw, &w); err != nil {
		return nil, err
	}
	in, err := decodeInput(w.Input)
	if err != nil {
		return nil, err
	}
	return &ThreadCreateParams{Input: *in}, nil
}

func decodeThreadsAddUserMessage(t RequestType, raw json.RawMessage) (any, error) {
	var w struct {
		ThreadID string          `json:"thread_id"`
		Input    json.RawMessage `json:"input"`
	}
	if err := unmarshalParams(raw, &w); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", w.ThreadID); err != nil {
		return nil, err
	}
	in, err := decodeInput(w.Input)
	if err != nil {
		return nil, err
	}
	return &ThreadAddUserMessageParams{ThreadID: w.ThreadID, Input: *in}, nil
}

func decodeThreadsAddClientToolOutput(t RequestType, raw json.RawMessage) (any, error) {
	var p ThreadAddClientToolOutputParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", p.ThreadID); err != nil {
		return nil, err
	}
	if len(p.Result) == 0 {
		return nil, reqErr("params.result", "is required")
	}
	return &p, nil
}

func decodeThreadsAddStructuredInput(t RequestType, raw json.RawMessage) (any, error) {
	var p ThreadAddStructuredInputParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", p.ThreadID); err != nil {
		return nil, err
	}
	if err := required("params.item_id", p.ItemID); err != nil {
		return nil, err
	}
	switch p.Input.Status {
	case "":
		p.Input.Status = StructuredAnswered
	case StructuredAnswered, StructuredSkipped:
	default:
		return nil, reqErr("params.input.status", "must be \"answered\" or \"skipped\"")
	}
	return &p, nil
}

func decodeThreadsRetryAfterItem(t RequestType, raw json.RawMessage) (any, error) {
	var p ThreadRetryAfterItemParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", p.ThreadID); err != nil {
		return nil, err
	}
	if err := required("params.item_id", p.ItemID); err != nil {
		return nil, err
	}
	return &p, nil
}

func decodeCustomActionParams(t RequestType, raw json.RawMessage) (any, error) {
	var w struct {
		ThreadID string  `json:"thread_id"`
		ItemID   *string `json:"item_id"`
		Action   *Action `json:"action"`
	}
	if err := unmarshalParams(raw, &w); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", w.ThreadID); err != nil {
		return nil, err
	}
	if w.Action == nil || w.Action.Type == "" {
		return nil, reqErr("params.action.type", "is required")
	}
	if err := clean("params.action.type", w.Action.Type); err != nil {
		return nil, err
	}
	p := &ThreadCustomActionParams{ThreadID: w.ThreadID, Action: *w.Action}
	if isNull(p.Action.Payload) {
		p.Action.Payload = nil
	}
	if w.ItemID != nil {
		if err := clean("params.item_id", *w.ItemID); err != nil {
			return nil, err
		}
		p.ItemID = *w.ItemID
	}
	return p, nil
}

func decodeThreadIDParams(t RequestType, raw json.RawMessage) (any, error) {
	var p ThreadIDParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", p.ThreadID); err != nil {
		return nil, err
	}
	return &p, nil
}

func decodeListParams(t RequestType, raw json.RawMessage) (any, error) {
	var w struct {
		ThreadID string  `json:"thread_id"`
		Limit    *int    `json:"limit"`
		Order    *string `json:"order"`
		After    *string `json:"after"`
	}
	if err := unmarshalParams(raw, &w); err != nil {
		return nil, err
	}
	p := &ListParams{Order: OrderDesc, Limit: DefaultPageSize}
	if t == ReqItemsList {
		if err := required("params.thread_id", w.ThreadID); err != nil {
			return nil, err
		}
		p.ThreadID = w.ThreadID
	}
	if w.Limit != nil {
		switch {
		case *w.Limit < 0:
			return nil, reqErr("params.limit", "must not be negative")
		case *w.Limit > MaxPageSize:
			p.Limit = MaxPageSize
		case *w.Limit > 0:
			p.Limit = *w.Limit
		}
	}
	if w.Order != nil {
		switch Order(*w.Order) {
		case OrderAsc, OrderDesc:
			p.Order = Order(*w.Order)
		default:
			return nil, reqErr("params.order", "must be \"asc\" or \"desc\"")
		}
	}
	if w.After != nil {
		if err := clean("params.after", *w.After); err != nil {
			return nil, err
		}
		p.After = *w.After
	}
	return p, nil
}

func decodeThreadsUpdate(t RequestType, raw json.RawMessage) (any, error) {
	var w struct {
		ThreadID string  `json:"thread_id"`
		Title    *string `json:"title"`
	}
	if err := unmarshalParams(raw, &w); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", w.ThreadID); err != nil {
		return nil, err
	}
	if w.Title == nil {
		return nil, reqErr("params.title", "is required")
	}
	if err := clean("params.title", *w.Title); err != nil {
		return nil, err
	}
	return &ThreadUpdateParams{ThreadID: w.ThreadID, Title: *w.Title}, nil
}

func decodeItemsFeedback(t RequestType, raw json.RawMessage) (any, error) {
	var p ItemFeedbackParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if err := required("params.thread_id", p.ThreadID); err != nil {
		return nil, err
	}
	if p.ItemIDs == nil {
		return nil, reqErr("params.item_ids", "is required")
	}
	for i, id := range p.ItemIDs {
		if id == "" {
			return nil, reqErr(fmt.Sprintf("params.item_ids[%d]", i), "must not be empty")
		}
		if err := clean(fmt.Sprintf("params.item_ids[%d]", i), id); err != nil {
			return nil, err
		}
	}
	if p.Kind != FeedbackPositive && p.Kind != FeedbackNegative {
		return nil, reqErr("params.kind", "must be \"positive\" or \"negative\"")
	}
	return &p, nil
}

func decodeAttachmentsCreate(t RequestType, raw json.RawMessage) (any, error) {
	var w struct {
		Name     string `json:"name"`
		Size     *int64 `json:"size"`
		MimeType string `json:"mime_type"`
	}
	if err := unmarshalParams(raw, &w); err != nil {
		return nil, err
	}
	if err := required("params.name", w.Name); err != nil {
		return nil, err
	}
	if err := required("params.mime_type", w.MimeType); err != nil {
		return nil, err
	}
	if w.Size == nil {
		return nil, reqErr("params.size", "is required")
	}
	if *w.Size < 0 {
		return nil, reqErr("params.size", "must not be negative")
	}
	return &AttachmentCreateParams{Name: w.Name, Size: *w.Size, MimeType: w.MimeType}, nil
}

func decodeAttachmentsDelete(t RequestType, raw json.RawMessage) (any, error) {
	var p AttachmentDeleteParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if err := required("params.attachment_id", p.AttachmentID); err != nil {
		return nil, err
	}
	return &p, nil
}

func decodeInputTranscribe(t RequestType, raw json.RawMessage) (any, error) {
	var p InputTranscribeParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if err := required("params.audio_base64", p.AudioBase64); err != nil {
		return nil, err
	}
	if err := required("params.mime_type", p.MimeType); err != nil {
		return nil, err
	}
	return &p, nil
}

// ---- respond: JSON requests.

func (s *Server) respondThreadsGetByID(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*ThreadIDParams)
	meta, items, err := LoadThreadPage(ctx, s.store, user, p.ThreadID, ListOptions{Limit: DefaultPageSize, Order: OrderAsc})
	if err != nil {
		return nil, notFound(err, "thread")
	}
	return wireThread(meta, items), nil
}

func (s *Server) respondThreadsDelete(ctx context.Context, user string, req *Request) (any, error) {
	return s.deleteThread(ctx, user, req.Params.(*ThreadIDParams).ThreadID)
}

func (s *Server) respondItemsList(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*ListParams)
	opts := ListOptions{Limit: p.Limit, Order: p.Order, After: p.After}
	if raw, ok := s.store.(RawItemLister); ok {
		items, err := raw.ListItemsJSON(ctx, user, p.ThreadID, opts)
		if err != nil {
			return nil, notFound(err, "thread")
		}
		return items, nil
	}
	items, err := s.store.ListItems(ctx, user, p.ThreadID, opts)
	if err != nil {
		return nil, notFound(err, "thread")
	}
	return items, nil
}

func (s *Server) respondThreadsList(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*ListParams)
	opts := ListOptions{Limit: p.Limit, Order: p.Order, After: p.After}
	threads, err := s.store.ListThreads(ctx, user, opts)
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	out := Page[Thread]{Data: make([]Thread, 0, len(threads.Data)), HasMore: threads.HasMore, After: threads.After}
	for _, t := range threads.Data {
		out.Data = append(out.Data, wireThread(t, Page[Item]{}))
	}
	return out, nil
}

func (s *Server) respondThreadsUpdate(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*ThreadUpdateParams)
	title := strings.TrimSpace(p.Title)
	meta, err := UpdateThread(ctx, s.store, user, ThreadUpdate{ID: p.ThreadID, Title: &title})
	if err != nil {
		return nil, notFound(err, "thread")
	}
	return wireThread(meta, Page[Item]{}), nil
}

func (s *Server) respondThreadsSyncCustomAction(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*ThreadCustomActionParams)
	return s.syncAction(ctx, user, p)
}

func (s *Server) respondItemsFeedback(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*ItemFeedbackParams)
	err := SaveThreadFeedback(ctx, s.store, user, Feedback{ThreadID: p.ThreadID, ItemIDs: p.ItemIDs, Kind: p.Kind})
	if errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnknownItem) {
		return nil, notFound(err, "thread")
	}
	if err != nil {
		return nil, feedbackErr(err)
	}
	return struct{}{}, nil
}

func (s *Server) respondAttachmentsCreate(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*AttachmentCreateParams)
	if s.attachments == nil {
		return nil, unsupported("file upload")
	}
	a, err := s.attachments.CreateAttachment(ctx, user, *p)
	if err != nil {
		return nil, fmt.Errorf("create attachment: %w", err)
	}
	if err := s.store.SaveAttachment(ctx, user, a); err != nil {
		return nil, fmt.Errorf("save attachment: %w", err)
	}
	return a.Public(), nil
}

func (s *Server) respondAttachmentsDelete(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*AttachmentDeleteParams)
	if _, err := s.store.LoadAttachment(ctx, user, p.AttachmentID); err != nil {
		return nil, notFound(err, "attachment")
	}
	if s.attachments != nil {
		if err := s.attachments.DeleteAttachment(ctx, user, p.AttachmentID); err != nil {
			return nil, fmt.Errorf("delete attachment bytes: %w", err)
		}
	}
	if err := s.store.DeleteAttachment(ctx, user, p.AttachmentID); err != nil {
		return nil, notFound(err, "attachment")
	}
	return struct{}{}, nil
}

func (s *Server) respondInputTranscribe(ctx context.Context, user string, req *Request) (any, error) {
	p := req.Params.(*InputTranscribeParams)
	if s.transcriber == nil {
		return nil, unsupported("dictation (input.transcribe)")
	}
	audio, err := base64.StdEncoding.DecodeString(p.AudioBase64)
	if err != nil {
		return nil, errInvalid("params.audio_base64: not valid base64")
	}
	text, err := s.transcriber.Transcribe(ctx, audio, p.MimeType)
	if err != nil {
		return nil, fmt.Errorf("transcribe: %w", err)
	}
	return TranscriptionResult{Text: text}, nil
}

// ---- plan and begin: streamed turns.

func (p *turnPlan) planThreadsCreate() error {
	q := p.req.Params.(*ThreadCreateParams)
	p.threadID = p.s.newID(IDThread)
	if err := p.loadAttachments(q.Input.Attachments); err != nil {
		return err
	}
	return p.openTurn(true, q.Input)
}

func (p *turnPlan) planThreadsAddUserMessage() error {
	q := p.req.Params.(*ThreadAddUserMessageParams)
	p.threadID = q.ThreadID
	if err := p.loadAttachments(q.Input.Attachments); err != nil {
		return err
	}
	return p.openTurn(false, q.Input)
}

func (p *turnPlan) planThreadsAddClientToolOutput() error {
	q := p.req.Params.(*ThreadAddClientToolOutputParams)
	s, ctx, user := p.s, p.ctx, p.user
	if err := p.loadThread(q.ThreadID); err != nil {
		return err
	}
	if _, err := s.pendingToolCall(ctx, user, q.ThreadID); err != nil {
		return err
	}
	return nil
}

func (p *turnPlan) planThreadsAddStructuredInput() error {
	q := p.req.Params.(*ThreadAddStructuredInputParams)
	s, ctx, user := p.s, p.ctx, p.user
	if err := p.loadThread(q.ThreadID); err != nil {
		return err
	}
	if _, err := s.pendingStructuredInput(ctx, user, q.ThreadID, q.ItemID); err != nil {
		return err
	}
	return nil
}

func (p *turnPlan) planThreadsRetryAfterItem() error {
	q := p.req.Params.(*ThreadRetryAfterItemParams)
	s, ctx, user := p.s, p.ctx, p.user
	if err := p.loadThread(q.ThreadID); err != nil {
		return err
	}
	it, err := s.store.LoadItem(ctx, user, q.ThreadID, q.ItemID)
	if err != nil {
		return notFound(err, "item")
	}
	if _, ok := it.(*UserMessageItem); !ok {
		return errInvalid("params.item_id: item %s is not a user message", q.ItemID)
	}
	return nil
}

func (p *turnPlan) planThreadsCustomAction() error {
	q := p.req.Params.(*ThreadCustomActionParams)
	s, ctx, user := p.s, p.ctx, p.user
	if err := p.loadThread(q.ThreadID); err != nil {
		return err
	}
	if _, err := s.loadSender(ctx, user, q.ThreadID, q.ItemID); err != nil {
		return err
	}
	if s.actions == nil {
		return unsupported("widget actions")
	}
	return nil
}

// beginUserMessage is the first step of a turn that adds a user message
// (threads.create, threads.add_user_message): save it, send it, make it
// the turn's input.
func beginUserMessage(input func(params any) UserMessageInput) func(p *turnPlan, ctx context.Context, t *turnSink, turn *Turn) ([]Event, string, error) {
	return func(p *turnPlan, ctx context.Context, t *turnSink, turn *Turn) ([]Event, string, error) {
		um, err := p.addUserMessage(ctx, input(p.req.Params))
		if err != nil {
			return nil, "save user message failed", err
		}
		t.send(ThreadItemDoneEvent{Item: um})
		turn.Input = um
		return nil, "", nil
	}
}

func (p *turnPlan) beginThreadsAddClientToolOutput(ctx context.Context, t *turnSink, turn *Turn) (prologue []Event, failMsg string, err error) {
	q := p.req.Params.(*ThreadAddClientToolOutputParams)
	s := p.s
	tc, err := s.pendingToolCall(ctx, p.user, p.threadID)
	if err != nil {
		return nil, "no pending client tool call", err
	}
	tc.Output, tc.Status = q.Result, ToolCallCompleted
	if err := s.store.SaveItem(ctx, p.user, p.threadID, tc); err != nil {
		return nil, "save tool output failed", err
	}
	if err := p.dropPendingToolCalls(ctx); err != nil {
		return nil, "clean pending tool calls failed", err
	}
	return prologue, "", nil
}

func (p *turnPlan) beginThreadsAddStructuredInput(ctx context.Context, t *turnSink, turn *Turn) (prologue []Event, failMsg string, err error) {
	q := p.req.Params.(*ThreadAddStructuredInputParams)
	s := p.s
	si, err := s.pendingStructuredInput(ctx, p.user, p.threadID, q.ItemID)
	if err != nil {
		return nil, "structured input not pending", err
	}
	prologue = append(prologue, ThreadItemReplacedEvent{Item: applySubmission(si, q.Input)})
	return prologue, "", nil
}

func (p *turnPlan) beginThreadsRetryAfterItem(ctx context.Context, t *turnSink, turn *Turn) (prologue []Event, failMsg string, err error) {
	q := p.req.Params.(*ThreadRetryAfterItemParams)
	um, err := p.truncateAfter(ctx, q.ItemID)
	if err != nil {
		return nil, "retry failed", err
	}
	turn.Input = um
	return prologue, "", nil
}

func (p *turnPlan) beginThreadsCustomAction(ctx context.Context, t *turnSink, turn *Turn) (prologue []Event, failMsg string, err error) {
	q := p.req.Params.(*ThreadCustomActionParams)
	s := p.s
	sender, err := s.loadSender(ctx, p.user, p.threadID, q.ItemID)
	if err != nil {
		return nil, "load action sender failed", err
	}
	action := q.Action
	turn.Action, turn.Sender = &action, sender
	return prologue, "", nil
}
