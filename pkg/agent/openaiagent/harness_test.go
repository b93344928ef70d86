package openaiagent_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York on machines without zoneinfo

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent"
	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

const (
	apiKey = "sk-test-0123456789abcdef"
	userID = "user-1"
	zone   = "America/New_York"
)

// fixedNow is the clock of every test: Saturday 28 November 2026, 16:30
// UTC, which is 11:30 in New York (UTC-05:00).
var fixedNow = time.Date(2026, 11, 28, 16, 30, 0, 0, time.UTC)

var styles = []string{openaiagent.StyleResponses, openaiagent.StyleChatCompletions}

// harness wires the agent to the fake upstream, the real task tools on
// SQLite and an in-memory chat store, and records what the agent emits.
type harness struct {
	t      testing.TB
	fake   *fakeopenai.Server
	agent  *openaiagent.Agent
	chat   *memstore.Store
	tasks  *tasks.Service
	reg    *prometheus.Registry
	logs   *syncBuffer
	thread chatkit.ThreadMetadata
	clock  *chatkit.MonotonicClock
}

func newHarness(t testing.TB, style string, configure ...func(*openaiagent.Options)) *harness {
	t.Helper()
	h := &harness{t: t, fake: fakeopenai.New(t, apiKey), chat: memstore.New(), reg: prometheus.NewRegistry(),
		logs: &syncBuffer{}, clock: chatkit.NewMonotonicClock(nil)}
	h.tasks = tasks.NewService(tasks.NewSQLStore(storagetest.SQLite(t)), func() time.Time { return fixedNow })
	tools, err := tasks.NewTools(h.tasks, h.reg)
	require.NoError(t, err)
	noRetries := 0
	opts := openaiagent.Options{
		APIKey: apiKey, BaseURL: h.fake.URL, Style: style, Tools: tools,
		MaxRetries: &noRetries, Registerer: h.reg,
		Logger: slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return fixedNow },
	}
	for _, c := range configure {
		c(&opts)
	}
	h.agent, err = openaiagent.New(opts)
	require.NoError(t, err)
	h.thread = chatkit.ThreadMetadata{ID: chatkit.NewID(chatkit.IDThread), CreatedAt: h.clock.Now(), Metadata: map[string]any{}}
	require.NoError(t, h.chat.SaveThread(context.Background(), userID, h.thread))
	return h
}

// say stores a user message, runs one turn and returns the events and
// Respond's error.
func (h *harness) say(text string) ([]chatkit.Event, error) {
	return h.sayCtx(context.Background(), text, -1)
}

// sayCtx is say with a context, cancelling it after cancelAfter events
// when cancelAfter ≥ 0 (a client that leaves mid-stream).
func (h *harness) sayCtx(ctx context.Context, text string, cancelAfter int) ([]chatkit.Event, error) {
	h.t.Helper()
	msg := &chatkit.UserMessageItem{
		ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.IDMessage), ThreadID: h.thread.ID, CreatedAt: h.clock.Now()},
		Content:  []chatkit.UserContent{chatkit.TextContent(text)},
	}
	require.NoError(h.t, h.chat.AddItem(ctx, userID, h.thread.ID, msg))
	loc, err := time.LoadLocation(zone)
	require.NoError(h.t, err)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sink := &recordingSink{store: h.chat, user: userID, thread: h.thread, clock: h.clock, ctx: ctx,
		cancel: cancel, cancelAfter: cancelAfter}
	turn := &chatkit.Turn{
		UserID: userID, Request: chatkit.ReqThreadsAddUserMessage, Thread: h.thread, Input: msg, Store: h.chat,
		Info: chatkit.RequestInfo{TimeZone: zone, Location: loc, Metadata: map[string]any{}},
	}
	err = h.agent.Respond(ctx, turn, sink)
	return sink.events, err
}

// items returns the thread's stored items, hidden ones included.
func (h *harness) items() []chatkit.Item {
	h.t.Helper()
	page, err := h.chat.ListItems(context.Background(), userID, h.thread.ID,
		chatkit.ListOptions{Limit: 1000, Order: chatkit.OrderAsc, IncludeHidden: true})
	require.NoError(h.t, err)
	return page.Data
}

// listTasks returns all of the user's tasks.
func (h *harness) listTasks() []tasks.Task {
	h.t.Helper()
	all, err := h.tasks.List(context.Background(), userID, tasks.Filter{})
	require.NoError(h.t, err)
	return all
}

// recordingSink is a chatkit.Sink that persists like the Server does
// (done → insert, replaced → upsert, removed → delete) and records every
// event, hidden items included.
type recordingSink struct {
	mu          sync.Mutex
	store       chatkit.Store
	user        string
	thread      chatkit.ThreadMetadata
	clock       *chatkit.MonotonicClock
	ctx         context.Context
	cancel      context.CancelFunc
	cancelAfter int
	events      []chatkit.Event
}

func (s *recordingSink) Emit(ctx context.Context, ev chatkit.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", chatkit.ErrCancelled, err)
	}
	switch e := ev.(type) {
	case chatkit.ThreadItemDoneEvent:
		if err := s.store.AddItem(ctx, s.user, s.thread.ID, e.Item); err != nil {
			return err
		}
	case chatkit.ThreadItemReplacedEvent:
		if err := s.store.SaveItem(ctx, s.user, s.thread.ID, e.Item); err != nil {
			return err
		}
	case chatkit.ThreadItemRemovedEvent:
		if err := s.store.DeleteItem(ctx, s.user, s.thread.ID, e.ItemID); err != nil && !errors.Is(err, chatkit.ErrNotFound) {
			return err
		}
	}
	s.events = append(s.events, ev)
	if s.cancelAfter >= 0 && len(s.events) >= s.cancelAfter {
		s.cancel()
	}
	return nil
}

func (s *recordingSink) UpdateThread(fn func(t *chatkit.ThreadMetadata)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.thread)
}

func (s *recordingSink) Thread() chatkit.ThreadMetadata {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.thread
}

func (s *recordingSink) NewItemID(kind chatkit.IDKind) string { return chatkit.NewID(kind) }
func (s *recordingSink) Now() time.Time                       { return s.clock.Now() }

// signature renders events compactly for order assertions.
func signature(events []chatkit.Event) []string {
	out := make([]string, 0, len(events))
	for _, ev := range events {
		switch e := ev.(type) {
		case chatkit.ThreadItemAddedEvent:
			out = append(out, "added:"+e.Item.ItemType())
		case chatkit.ThreadItemDoneEvent:
			out = append(out, "done:"+e.Item.ItemType())
		case chatkit.ThreadItemRemovedEvent:
			out = append(out, "removed")
		case chatkit.ThreadItemUpdatedEvent:
			switch u := e.Update.(type) {
			case chatkit.ContentPartTextDelta:
				out = append(out, "delta:"+u.Delta)
			default:
				out = append(out, e.Update.UpdateType())
			}
		case chatkit.ProgressUpdateEvent:
			out = append(out, "progress:"+e.Text)
		case chatkit.ClientEffectEvent:
			out = append(out, "effect:"+e.Name)
		default:
			out = append(out, ev.EventType())
		}
	}
	return out
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
