package chatkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Options configures NewServer.
type Options struct {
	// Store persists threads, items and attachments (required).
	Store Store
	// Responder answers turns (required).
	Responder Responder
	// ActionHandler serves threads.custom_action and
	// threads.sync_custom_action; without one they answer 501
	// unsupported.
	ActionHandler ActionHandler
	// Attachments keeps attachment bytes; without one attachments.create
	// answers 501 unsupported.
	Attachments AttachmentStore
	// Transcriber serves input.transcribe; without one it answers 501
	// unsupported.
	Transcriber Transcriber
	// Logger receives error logs; nil discards.
	Logger *slog.Logger
	// Observer receives the requests' outcomes, streams and events (for
	// metrics and traces); nil measures nothing.
	Observer Observer
	// KeepAlive, when positive, writes an SSE comment line (": keep-alive")
	// after that much idle time in a stream. Off by default: whether the
	// official client tolerates comments is unverified.
	KeepAlive time.Duration
	// LockTimeout bounds how long a turn waits for another turn on the same
	// thread to finish; then it gets an error event. 0 means 60s.
	LockTimeout time.Duration
	// CleanupTimeout bounds the persistence done after a client disconnect.
	// 0 means 10s.
	CleanupTimeout time.Duration
	// Now is the time source (time.Now when nil); the Server makes its
	// readings UTC, microsecond-precise and strictly increasing.
	Now func() time.Time
	// NewID generates ids (NewID when nil).
	NewID func(IDKind) string
	// Limits bound request sizes and per-user quotas (zero: none).
	Limits Limits
	// TurnHistory is how many of a thread's newest items a user-message
	// turn reads with the thread's lock, before the responder runs:
	// Turn.History serves a call for at most that many from them without
	// a store read. 0 reads none (every History call reads the store).
	TurnHistory int
	// Admission gates turns (rate limit, concurrent streams per user);
	// nil admits every turn.
	Admission Admission
	// ClassifyError tells the Server the kind of an error it did not make
	// (a Responder's, an ActionHandler's or an Admission's own error type),
	// for the HTTP status, the metrics' outcome label and the log level;
	// nil (or a nil result) means internal. A *Error is always known.
	ClassifyError func(error) *Error
}

// Server answers ChatKit requests: Process decodes, validates and
// authorizes a request and either answers it (JSON) or returns a stream
// that runs the turn. The HTTP binding is Handler.
type Server struct {
	store       Store
	turns       TurnStore
	turnHistory int
	responder   Responder
	actions     ActionHandler
	attachments AttachmentStore
	transcriber Transcriber
	log         *slog.Logger
	obs         Observer
	keepAlive   time.Duration
	lockTimeout time.Duration
	cleanup     time.Duration
	clock       *MonotonicClock
	newID       func(IDKind) string
	limits      Limits
	admission   Admission
	classifyErr func(error) *Error
}

// NewServer builds a Server.
func NewServer(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("chatkit: Options.Store is required")
	}
	if opts.Responder == nil {
		return nil, errors.New("chatkit: Options.Responder is required")
	}
	s := &Server{
		store: opts.Store, turns: StoreTurns(opts.Store), turnHistory: max(opts.TurnHistory, 0),
		responder: opts.Responder, actions: opts.ActionHandler,
		attachments: opts.Attachments, transcriber: opts.Transcriber, log: opts.Logger,
		obs: opts.Observer, keepAlive: opts.KeepAlive, lockTimeout: opts.LockTimeout,
		cleanup: opts.CleanupTimeout, clock: NewMonotonicClock(opts.Now), newID: opts.NewID,
		limits: opts.Limits, admission: opts.Admission, classifyErr: opts.ClassifyError,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	if s.lockTimeout <= 0 {
		s.lockTimeout = 60 * time.Second
	}
	if s.cleanup <= 0 {
		s.cleanup = 10 * time.Second
	}
	if s.newID == nil {
		s.newID = NewID
	}
	return s, nil
}

// Response is the answer to one request: either a JSON body or a stream.
type Response struct {
	// JSON is the body of a non-streaming response.
	JSON []byte
	turn *turnPlan
}

// Streaming reports whether the response is an SSE stream (use
// WriteStream) rather than JSON.
func (r *Response) Streaming() bool { return r.turn != nil }

// Process handles one request body for userID. Errors are *Error
// (400 invalid request, 404 missing or foreign ids, 413/422 over a size
// limit or quota, 429 refused by Admission, 501 not configured) or
// internal failures; when a stream is returned, nothing has been written
// yet and the turn runs inside Response.WriteStream.
func (s *Server) Process(ctx context.Context, userID string, info RequestInfo, body []byte) (resp *Response, err error) {
	if userID == "" {
		return nil, Errorf(KindUnauthorized, "authentication required")
	}
	req, derr := DecodeRequest(body)
	typ := "invalid"
	if req != nil {
		typ = string(req.Type)
	}
	ctx = s.obs.Request(ctx, typ)
	defer func() {
		if resp != nil && resp.turn != nil {
			return // the turn reports its end when its stream ends
		}
		outcome := "ok"
		if err != nil {
			outcome = s.errorCode(err)
		}
		s.obs.RequestDone(ctx, typ, RequestEnd{Outcome: outcome, Failed: err != nil, Err: err})
	}()
	if derr != nil {
		var re *RequestError
		if errors.As(derr, &re) {
			e := errInvalid("%s", re.Error())
			if re.Field != "" {
				e.Fields = map[string]string{re.Field: re.Message}
			}
			return nil, e
		}
		return nil, errInvalid("invalid request")
	}
	if h := handlers[req.Type]; h != nil && h.limit != nil {
		if err := h.limit(s.limits, req.Params); err != nil {
			return nil, err
		}
	}
	info = completeInfo(info, req.Metadata)
	ctx = WithRequestInfo(ctx, info)
	if req.Type.Streaming() {
		release := func() {}
		if s.admission != nil {
			if release, err = s.admission.AdmitTurn(ctx, userID, info.ClientIP); err != nil {
				return nil, err
			}
		}
		plan, err := s.planTurn(ctx, userID, info, req)
		if err != nil {
			release()
			return nil, err
		}
		plan.release = func() {
			release()
			if plan.session != nil {
				plan.session.Close() // the turn closed it already, unless it never ran
			}
		}
		return &Response{turn: plan}, nil
	}
	out, err := s.processJSON(ctx, userID, req)
	if err != nil {
		return nil, err
	}
	var data []byte
	switch page := out.(type) {
	case Page[Item]: // already compact: skip encoding/json's re-scan
		data, err = page.MarshalJSON()
	case Page[Thread]:
		data, err = page.MarshalJSON()
	case Page[json.RawMessage]:
		data, err = page.MarshalJSON()
	default:
		data, err = jsonMarshal(out)
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s response: %w", req.Type, err)
	}
	return &Response{JSON: data}, nil
}

func (s *Server) errorCode(err error) string {
	if e := s.classify(err); e != nil {
		return e.Code()
	}
	return KindInternal.Code()
}

// completeInfo fills the time zone from metadata.timezone (when the header
// gave none) and defaults to UTC.
func completeInfo(info RequestInfo, md map[string]any) RequestInfo {
	info.Metadata = md
	if info.TimeZone == "" || info.Location == nil {
		info.TimeZone, info.Location = "UTC", time.UTC
		if tz, ok := md["timezone"].(string); ok {
			if loc, err := LoadTimeZone(tz); err == nil {
				info.TimeZone, info.Location = tz, loc
			}
		}
	}
	return info
}

// LoadTimeZone loads an IANA zone name, rejecting empty, overlong and
// relative names (time.LoadLocation would read them from disk).
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" || len(name) > 64 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("invalid time zone %q", name)
	}
	if name == "Local" {
		return nil, fmt.Errorf("invalid time zone %q", name)
	}
	return time.LoadLocation(name)
}

// notFound maps a store ErrNotFound to a 404 and wraps anything else.
func notFound(err error, what string) error {
	if errors.Is(err, ErrNotFound) {
		return Errorf(KindNotFound, "%s not found", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// unsupported is a feature this Server was built without (no
// ActionHandler, AttachmentStore or Transcriber): 501 unsupported.
func unsupported(what string) error {
	return &Error{Kind: KindUnsupported, Message: what + " is not offered by this server"}
}

// wireThread is the client view of a thread: server metadata stripped.
func wireThread(meta ThreadMetadata, items Page[Item]) Thread {
	meta.Metadata = nil
	if items.Data == nil {
		items.Data = []Item{}
	}
	return Thread{ThreadMetadata: meta, Items: items}
}

func (s *Server) processJSON(ctx context.Context, user string, req *Request) (any, error) {
	h := handlers[req.Type]
	if h == nil || h.respond == nil {
		return nil, errInvalid("unsupported request type %q", req.Type)
	}
	return h.respond(s, ctx, user, req)
}

// deleteThread deletes a thread, then the bytes of the attachments its
// messages referenced.
func (s *Server) deleteThread(ctx context.Context, user, threadID string) (any, error) {
	var attIDs []string
	if s.attachments != nil {
		opts := ListOptions{Limit: MaxPageSize, Order: OrderAsc}
		for {
			page, err := s.store.ListItems(ctx, user, threadID, opts)
			if err != nil {
				return nil, notFound(err, "thread")
			}
			for _, it := range page.Data {
				if um, ok := it.(*UserMessageItem); ok {
					for _, a := range um.Attachments {
						attIDs = append(attIDs, a.ID)
					}
				}
			}
			if !page.HasMore {
				break
			}
			opts.After = page.After
		}
	}
	if err := s.store.DeleteThread(ctx, user, threadID); err != nil {
		return nil, notFound(err, "thread")
	}
	for _, id := range attIDs {
		if err := s.attachments.DeleteAttachment(ctx, user, id); err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "delete attachment bytes failed",
				slog.String("attachment_id", id), slog.String("error", err.Error()))
		}
	}
	return struct{}{}, nil
}

func (s *Server) loadSender(ctx context.Context, user, threadID, itemID string) (*WidgetItem, error) {
	if itemID == "" {
		return nil, nil
	}
	it, err := s.store.LoadItem(ctx, user, threadID, itemID)
	if err != nil {
		return nil, notFound(err, "item")
	}
	w, ok := it.(*WidgetItem)
	if !ok {
		return nil, errInvalid("params.item_id: item %s is not a widget", itemID)
	}
	return w, nil
}

func (s *Server) syncAction(ctx context.Context, user string, p *ThreadCustomActionParams) (any, error) {
	meta, err := s.store.LoadThread(ctx, user, p.ThreadID)
	if err != nil {
		return nil, notFound(err, "thread")
	}
	sender, err := s.loadSender(ctx, user, p.ThreadID, p.ItemID)
	if err != nil {
		return nil, err
	}
	if s.actions == nil {
		return nil, unsupported("widget actions")
	}
	action := p.Action
	turn := &Turn{UserID: user, Request: ReqThreadsSyncCustomAction, Thread: meta, Action: &action,
		Sender: sender, Info: RequestInfoFrom(ctx), Store: s.store}
	updated, err := s.actions.SyncAction(ctx, turn)
	if err != nil {
		var se *StreamError
		if errors.As(err, &se) && se.Code == ErrorCodeCustom {
			return nil, errInvalid("%s", se.Message)
		}
		return nil, fmt.Errorf("sync action %q: %w", action.Type, err)
	}
	if updated == nil {
		return struct{}{}, nil
	}
	h := updated.Header()
	if h.ThreadID == "" {
		h.ThreadID = p.ThreadID
	}
	if h.ID == "" {
		h.ID = s.newID(IDMessage)
	}
	if h.CreatedAt.IsZero() {
		h.CreatedAt = s.clock.Now()
	}
	if err := s.store.SaveItem(ctx, user, p.ThreadID, updated); err != nil {
		return nil, notFound(err, "thread")
	}
	return SyncCustomActionResponse{UpdatedItem: updated}, nil
}
