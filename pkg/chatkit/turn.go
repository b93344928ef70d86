package chatkit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Turn outcomes (metric labels).
const (
	outcomeOK        = "ok"
	outcomeCancelled = "cancelled"
	outcomeError     = "error"
	outcomeBusy      = "busy"
)

// StoppingMessage is the error that ends a stream the server cut short
// because it is shutting down (the partial reply is kept).
const StoppingMessage = "The server is restarting, so this reply was cut short. Please try again in a moment."

// BusyMessage is the error shown when a turn waited LockTimeout for
// another turn on the same thread.
const BusyMessage = "Another reply is still being written in this conversation. Wait for it to finish, then send your message again."

// turnPlan is a validated streaming request, ready to run.
type turnPlan struct {
	s           *Server
	req         *Request
	user        string
	info        RequestInfo
	threadID    string
	attachments []Attachment
	respErr     error           // what the responder returned, for the Observer
	ctx         context.Context // request context (values, span)
	release     func()          // the Admission hold, released when the stream ends
	// session is the turn's storage (TurnStore.OpenTurn: the thread's lock
	// held) and opened what it found, when the plan opened it; busy: the
	// lock did not come free in time (the stream says so).
	session TurnSession
	opened  TurnOpened
	busy    bool
	// um is the user message OpenTurn stored (nil: begin stores it).
	um *UserMessageItem
	// creates and begin come from the request type's handler.
	creates bool
	begin   func(p *turnPlan, ctx context.Context, t *turnSink, turn *Turn) ([]Event, string, error)
}

// planTurn validates a streaming request before any byte is written:
// foreign or missing threads/items → 404, wrong item kinds → 400,
// actions without an ActionHandler → 501.
func (s *Server) planTurn(ctx context.Context, user string, info RequestInfo, req *Request) (*turnPlan, error) {
	h := handlers[req.Type]
	if h == nil || h.plan == nil {
		return nil, errInvalid("unsupported request type %q", req.Type)
	}
	p := &turnPlan{s: s, req: req, user: user, info: info, ctx: ctx, creates: h.creates, begin: h.begin}
	if err := h.plan(p); err != nil {
		return nil, err
	}
	return p, nil
}

// loadThread checks that the thread exists (and is the user's) and has
// room for a turn, and makes it the turn's thread.
func (p *turnPlan) loadThread(id string) error {
	if _, err := p.s.store.LoadThread(p.ctx, p.user, id); err != nil {
		return notFound(err, "thread")
	}
	p.threadID = id
	return p.s.checkItemQuota(p.ctx, p.user, id)
}

// openTurn opens the turn's storage before the stream starts (the user
// message turns): the thread's lock, the thread (created with create), the
// quota checks, the history the responder reads first, and the user
// message in, committed, in as few store calls as the store can (one
// pipelined batch on PostgreSQL). A missing thread is a 404 and a reached
// quota a 422, before any byte is written; a lock that stays busy is the
// busy error event of the stream.
func (p *turnPlan) openTurn(create bool, in UserMessageInput) error {
	s := p.s
	o := TurnOpen{ThreadID: p.threadID, LockTimeout: s.lockTimeout, MaxItems: s.limits.MaxItemsPerThread, History: s.turnHistory}
	if create {
		meta := ThreadMetadata{ID: p.threadID, CreatedAt: s.clock.Now(), Status: ThreadStatus{Type: StatusActive}}
		o.Create, o.MaxThreads, o.MaxItems, o.History = &meta, s.limits.MaxThreadsPerUser, 0, 0
	}
	if len(p.attachments) == 0 {
		// With attachments, begin stores the message after them.
		o.Add = func() []Item {
			p.um = p.newUserMessage(in)
			return []Item{p.um}
		}
	}
	sess, opened, err := s.turns.OpenTurn(p.ctx, p.user, o)
	switch {
	case errors.Is(err, ErrBusy):
		p.busy, p.um = true, nil
		return nil
	case err != nil:
		return notFound(err, "thread")
	}
	if opened.Refused {
		sess.Close()
		if create {
			return Errorf(KindQuotaExceeded, "you have %d conversations, the most allowed; delete one to start another", opened.Threads)
		}
		return Errorf(KindQuotaExceeded, "this conversation has reached its length limit (%d items); start a new one", s.limits.MaxItemsPerThread)
	}
	p.session, p.opened = sess, opened
	return nil
}

// loadAttachments loads the attachments a message refers to.
func (p *turnPlan) loadAttachments(ids []string) error {
	for _, id := range ids {
		a, err := p.s.store.LoadAttachment(p.ctx, p.user, id)
		if err != nil {
			return notFound(err, "attachment "+id)
		}
		p.attachments = append(p.attachments, a)
	}
	return nil
}

func (s *Server) pendingToolCall(ctx context.Context, user, threadID string) (*ClientToolCallItem, error) {
	page, err := s.store.ListItems(ctx, user, threadID, ListOptions{Limit: 1, Order: OrderDesc, IncludeHidden: true})
	if err != nil {
		return nil, notFound(err, "thread")
	}
	if len(page.Data) == 1 {
		if tc, ok := page.Data[0].(*ClientToolCallItem); ok && tc.Status == ToolCallPending {
			return tc, nil
		}
	}
	return nil, Errorf(KindConflict, "thread %s has no pending client tool call", threadID)
}

func (s *Server) pendingStructuredInput(ctx context.Context, user, threadID, itemID string) (*StructuredInputItem, error) {
	it, err := s.store.LoadItem(ctx, user, threadID, itemID)
	if err != nil {
		return nil, notFound(err, "item")
	}
	si, ok := it.(*StructuredInputItem)
	if !ok {
		return nil, errInvalid("params.item_id: item %s is not a structured input", itemID)
	}
	if si.Status != StructuredPending {
		return nil, Errorf(KindConflict, "structured input %s was already answered", itemID)
	}
	return si, nil
}

// run executes the turn, sending frames; it returns the turn's outcome
// when persistence is complete.
func (p *turnPlan) run(ctx context.Context, frames chan<- frame) (outcome string) {
	s := p.s
	start := time.Now()
	outcome = outcomeOK
	defer func() {
		s.obs.RequestDone(p.ctx, string(p.req.Type), RequestEnd{Outcome: outcome,
			Failed: outcome == outcomeError || outcome == outcomeBusy,
			Err:    p.respErr, Turn: true, ThreadID: p.threadID, Elapsed: time.Since(start)})
	}()
	// persist is the context for store writes: they complete even when the
	// client has gone, so the thread stays consistent.
	persist := context.WithoutCancel(ctx)
	t := &turnSink{s: s, ctx: ctx, persist: persist, user: p.user, frames: frames, rec: turnRecord{pending: map[string]Item{}}, announce: -1}

	busy := func(err error) string {
		s.log.LogAttrs(persist, slog.LevelWarn, "chatkit turn gave up waiting for the thread lock",
			slog.String("thread_id", p.threadID), slog.String("error", err.Error()))
		t.send(ErrorEvent{Code: ErrorCodeCustom, Message: BusyMessage, AllowRetry: false})
		return outcomeBusy
	}
	if p.busy {
		return busy(ErrBusy)
	}
	if p.session == nil {
		// The turns that do not add a user message open here, under the
		// stream (their plan checked the thread already).
		sess, opened, err := s.turns.OpenTurn(ctx, p.user, TurnOpen{ThreadID: p.threadID, LockTimeout: s.lockTimeout})
		switch {
		case err == nil:
			p.session, p.opened = sess, opened
		case ctx.Err() != nil:
			return outcomeCancelled
		case errors.Is(err, ErrBusy):
			return busy(err)
		default:
			// The store failed (e.g. the database is unreachable): not
			// another turn, so not the busy message.
			s.log.LogAttrs(persist, slog.LevelError, "chatkit turn could not open the thread",
				slog.String("thread_id", p.threadID), slog.String("error", err.Error()))
			t.send(ErrorEvent{Code: ErrorCodeStream, AllowRetry: true})
			return outcomeError
		}
	}
	defer p.session.Close()
	t.session = p.session

	outcome = p.execute(persist, t)
	return outcome
}

// execute runs the request-specific prologue and the response phase. The
// prologue runs on a short-lived goroutine: its store calls take the stack
// to ~32 KiB through SQLite (modernc), and the turn's goroutine would keep
// that stack while it waits on the responder for seconds (an idle stack is
// halved at most once per GC, and only while it is less than a quarter
// used), once per open stream.
func (p *turnPlan) execute(ctx context.Context, t *turnSink) string {
	var (
		turn     *Turn
		prologue []Event
		failed   string
	)
	OnFreshStack(func() { turn, prologue, failed = p.prologue(ctx, t) })
	if failed != "" {
		return failed
	}
	return p.respond(t, turn, prologue)
}

// prologue persists the request's input (new thread, user message, tool
// output, ...) and returns the turn to respond to, or the outcome of a
// failure already reported to the client.
func (p *turnPlan) prologue(ctx context.Context, t *turnSink) (turn *Turn, prologue []Event, failed string) {
	s := p.s
	fail := func(msg string, err error) (*Turn, []Event, string) {
		s.log.LogAttrs(ctx, slog.LevelError, msg, slog.String("thread_id", p.threadID),
			slog.String("request_type", string(p.req.Type)), slog.String("error", err.Error()))
		t.send(ErrorEvent{Code: ErrorCodeStream, AllowRetry: false})
		return nil, nil, outcomeError
	}
	turn = &Turn{UserID: p.user, Request: p.req.Type, Info: p.info, Store: s.store}
	meta := p.opened.Thread
	t.setThread(meta)
	if p.creates {
		t.send(ThreadCreatedEvent{Thread: wireThread(meta, Page[Item]{})})
	}
	turn.Thread = t.Thread()
	if p.um != nil {
		// What the turn reads first was read with the lock: the history
		// before the message, newest first, then the message.
		turn.preload = append([]Item{p.um}, p.opened.History...)
		turn.preloadAll = p.creates || len(p.opened.History) < s.turnHistory
	}
	turn.flush = func(context.Context) error { return t.commit(false, true) }
	t.onCommit = func() { turn.preload = nil }

	prologue, msg, err := p.begin(p, ctx, t, turn)
	if err != nil {
		return fail(msg, err)
	}
	return turn, prologue, ""
}

// newUserMessage is the turn's user message item.
func (p *turnPlan) newUserMessage(in UserMessageInput) *UserMessageItem {
	s := p.s
	return &UserMessageItem{
		ItemBase:         ItemBase{ID: s.newID(IDMessage), ThreadID: p.threadID, CreatedAt: s.clock.Now()},
		Content:          in.Content,
		Attachments:      make([]Attachment, 0, len(p.attachments)),
		QuotedText:       in.QuotedText,
		InferenceOptions: in.InferenceOptions,
	}
}

// addUserMessage stores the turn's user message, unless OpenTurn did.
func (p *turnPlan) addUserMessage(ctx context.Context, in UserMessageInput) (*UserMessageItem, error) {
	if p.um != nil {
		return p.um, nil
	}
	s := p.s
	um := p.newUserMessage(in)
	for _, a := range p.attachments {
		a.ThreadID = p.threadID
		if err := s.store.SaveAttachment(ctx, p.user, a); err != nil {
			return nil, fmt.Errorf("save attachment %s: %w", a.ID, err)
		}
		um.Attachments = append(um.Attachments, a.Public())
	}
	if err := s.store.AddItem(ctx, p.user, p.threadID, um); err != nil {
		return nil, fmt.Errorf("add user message: %w", err)
	}
	return um, nil
}

// dropPendingToolCalls deletes pending client tool calls among the newest
// items (there should be none; the reference does the same cleanup).
func (p *turnPlan) dropPendingToolCalls(ctx context.Context) error {
	s := p.s
	page, err := s.store.ListItems(ctx, p.user, p.threadID, ListOptions{Limit: DefaultPageSize, Order: OrderDesc, IncludeHidden: true})
	if err != nil {
		return err
	}
	for _, it := range page.Data {
		if tc, ok := it.(*ClientToolCallItem); ok && tc.Status == ToolCallPending {
			if err := s.store.DeleteItem(ctx, p.user, p.threadID, tc.ID); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// truncateAfter deletes every item newer than the user message itemID and
// returns that message.
func (p *turnPlan) truncateAfter(ctx context.Context, itemID string) (*UserMessageItem, error) {
	s := p.s
	it, err := s.store.LoadItem(ctx, p.user, p.threadID, itemID)
	if err != nil {
		return nil, err
	}
	um, ok := it.(*UserMessageItem)
	if !ok {
		return nil, fmt.Errorf("item %s is not a user message", itemID)
	}
	for {
		page, err := s.store.ListItems(ctx, p.user, p.threadID, ListOptions{Limit: MaxPageSize, Order: OrderDesc, IncludeHidden: true})
		if err != nil {
			return nil, err
		}
		deleted := 0
		for _, it := range page.Data {
			if it.Header().ID == itemID {
				return um, nil
			}
			if err := s.store.DeleteItem(ctx, p.user, p.threadID, it.Header().ID); err != nil && !errors.Is(err, ErrNotFound) {
				return nil, err
			}
			deleted++
		}
		if deleted == 0 {
			return um, nil
		}
	}
}

// applySubmission answers a structured input the way the reference does:
// missing, empty or skipped answers become {skipped:true}; single-choice
// questions keep the first value; unknown question ids are ignored.
func applySubmission(si *StructuredInputItem, sub StructuredInputSubmission) *StructuredInputItem {
	out := *si
	out.Inputs = make([]StructuredInput, len(si.Inputs))
	for i, q := range si.Inputs {
		a, ok := sub.Answers[q.ID]
		if sub.Status == StructuredSkipped || !ok || a.Skipped || len(a.Values) == 0 {
			q.Answer = &StructuredInputAnswer{Values: []string{}, Skipped: true}
		} else {
			vals := append([]string(nil), a.Values...)
			if q.Type == InputMultipleChoice && !q.Multiple {
				vals = vals[:1]
			}
			q.Answer = &StructuredInputAnswer{Values: vals}
		}
		out.Inputs[i] = q
	}
	out.Status = sub.Status
	return &out
}

// respond runs the response phase: stream_options, the prologue events,
// the responder's (or action handler's) events, then error/title/thread
// updates, or the cancellation cleanup.
func (p *turnPlan) respond(t *turnSink, turn *Turn, prologue []Event) string {
	s := p.s
	t.send(StreamOptionsEvent{StreamOptions: StreamOptions{AllowCancel: true}})
	run := func() error {
		for _, ev := range prologue {
			if err := t.Emit(t.ctx, ev); err != nil {
				return err
			}
		}
		if turn.Action != nil {
			return s.actions.Action(t.ctx, turn, t)
		}
		return s.responder.Respond(t.ctx, turn, t)
	}
	err := safely(run)
	cancelled := t.ctx.Err() != nil

	if turn.Input != nil && turn.Thread.Title == "" {
		t.UpdateThread(func(m *ThreadMetadata) {
			if m.Title == "" {
				m.Title = DeriveTitle(turn.Input.Text())
			}
		})
	}
	if cancelled {
		p.cleanupCancelled(t)
		return outcomeCancelled
	}
	outcome := outcomeOK
	if err != nil {
		outcome = outcomeError
		var se *StreamError
		ev := ErrorEvent{Code: ErrorCodeStream, AllowRetry: true}
		if errors.As(err, &se) {
			ev = ErrorEvent{Code: se.Code, Message: se.Message, AllowRetry: se.AllowRetry}
			if ev.Code == "" {
				ev.Code = ErrorCodeStream
			}
		}
		s.log.LogAttrs(t.persist, s.faultLevel(err), "chatkit responder failed",
			slog.String("thread_id", p.threadID), slog.String("request_type", string(p.req.Type)),
			slog.String("error", err.Error()))
		p.respErr = err
		// What the responder emitted before it failed goes first.
		if t.commit(false, false) == nil {
			t.send(ev)
		}
	}
	// The last commit: the items still held, the thread's changes (a
	// derived title), and the thread's lock released.
	if cerr := t.commit(true, true); cerr != nil && err == nil {
		outcome = outcomeError
		p.respErr = cerr
		t.send(ErrorEvent{Code: ErrorCodeStream, AllowRetry: true})
	}
	return outcome
}

// cleanupCancelled persists what a cancelled turn leaves behind, as the
// reference does: pending assistant messages with text become completed
// items, other pending items are dropped, and an sdk_hidden_context item
// tells the model the user stopped the reply.
func (p *turnPlan) cleanupCancelled(t *turnSink) {
	s := p.s
	t.mu.Lock()
	for _, it := range t.rec.takePending() {
		am, ok := it.(*AssistantMessageItem)
		if !ok || strings.TrimSpace(am.Text()) == "" {
			continue
		}
		t.rec.ops = append(t.rec.ops, TurnItemWrite{Item: am})
	}
	note := &SDKHiddenContextItem{
		ItemBase: ItemBase{ID: s.newID(IDSDKHiddenContext), ThreadID: p.threadID, CreatedAt: s.clock.Now()},
		Content:  CancelledContent,
	}
	t.rec.ops = append(t.rec.ops, TurnItemWrite{Item: note})
	t.mu.Unlock()
	// Errors are logged by commit; the client is gone.
	_ = t.commit(true, false)
}

// faultLevel is the log level of a failed turn, by the one rule of
// ErrorKind.ClientFault: a message the responder addressed to the user about
// their own input (a StreamError of code custom without a cause, such as a
// malformed widget action) or a client-fault error (an *Error, or one ClassifyError knows) is a warning;
// anything else (the model, the store, a bug) is an error.
func (s *Server) faultLevel(err error) slog.Level {
	var se *StreamError
	if errors.As(err, &se) && se.Code == ErrorCodeCustom && se.Err == nil {
		return slog.LevelWarn
	}
	if e := s.classify(err); e != nil && e.Kind.ClientFault() {
		return slog.LevelWarn
	}
	return slog.LevelError
}

// safely calls fn, turning a panic into an error.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}

// applyUpdate applies an update to a pending item (the client's rules):
// content parts are padded to content_index; added/done replace the part,
// text_delta appends, annotation_added inserts. Workflow tasks are added or
// replaced.
func applyUpdate(it Item, u ItemUpdate) {
	switch item := it.(type) {
	case *AssistantMessageItem:
		idx := -1
		switch v := u.(type) {
		case ContentPartAdded:
			idx = v.ContentIndex
		case ContentPartTextDelta:
			idx = v.ContentIndex
		case ContentPartAnnotationAdded:
			idx = v.ContentIndex
		case ContentPartDone:
			idx = v.ContentIndex
		}
		if idx < 0 || idx > 1024 {
			return
		}
		for len(item.Content) <= idx {
			item.Content = append(item.Content, OutputText{Annotations: []Annotation{}})
		}
		switch v := u.(type) {
		case ContentPartAdded:
			item.Content[idx] = v.Content
		case ContentPartTextDelta:
			item.Content[idx].Text += v.Delta
		case ContentPartAnnotationAdded:
			anns := item.Content[idx].Annotations
			if v.AnnotationIndex >= 0 && v.AnnotationIndex <= len(anns) {
				anns = append(anns[:v.AnnotationIndex], append([]Annotation{v.Annotation}, anns[v.AnnotationIndex:]...)...)
			} else {
				anns = append(anns, v.Annotation)
			}
			item.Content[idx].Annotations = anns
		case ContentPartDone:
			item.Content[idx] = v.Content
		}
	case *WorkflowItem:
		switch v := u.(type) {
		case WorkflowTaskAdded:
			item.Workflow.Tasks = append(item.Workflow.Tasks, v.Task)
		case WorkflowTaskUpdated:
			if v.TaskIndex >= 0 && v.TaskIndex < len(item.Workflow.Tasks) {
				item.Workflow.Tasks[v.TaskIndex] = v.Task
			}
		}
	}
}

// DeriveTitle makes a thread title from the first user message when the
// responder sets none: the first line, whitespace collapsed, cut at a word
// boundary to at most 60 characters (with "…"); "New chat" when empty.
func DeriveTitle(text string) string {
	if i := strings.IndexAny(text, "\r\n"); i >= 0 && strings.TrimSpace(text[:i]) != "" {
		text = text[:i]
	}
	text = strings.Join(strings.FieldsFunc(text, unicode.IsSpace), " ")
	if text == "" {
		return "New chat"
	}
	const maxRunes = 60
	if utf8.RuneCountInString(text) <= maxRunes {
		return text
	}
	runes := []rune(text)[:maxRunes]
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i > maxRunes/2 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}
