package offline_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/agent/offline"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// discardSink is a Sink that keeps nothing: the benchmarks measure the
// agent, not the event encoding or the chat store.
type discardSink struct {
	thread chatkit.ThreadMetadata
	clock  *chatkit.MonotonicClock
	events int
}

func (s *discardSink) Emit(context.Context, chatkit.Event) error     { s.events++; return nil }
func (s *discardSink) UpdateThread(fn func(*chatkit.ThreadMetadata)) { fn(&s.thread) }
func (s *discardSink) Thread() chatkit.ThreadMetadata                { return s.thread }
func (s *discardSink) NewItemID(kind chatkit.IDKind) string          { return chatkit.NewID(kind) }
func (s *discardSink) Now() time.Time                                { return s.clock.Now() }

// memTasks is a tasks.Store in memory, enough for the benchmarks: it leaves
// the SQL out so that what remains is the agent and the tools layer.
type memTasks struct {
	mu    sync.Mutex
	next  map[string]int64
	tasks map[string]map[int64]tasks.Task
}

func newMemTasks() *memTasks {
	return &memTasks{next: map[string]int64{}, tasks: map[string]map[int64]tasks.Task{}}
}

func (m *memTasks) Create(_ context.Context, user string, t tasks.Task) (tasks.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next[user]++
	t.ID = m.next[user]
	if m.tasks[user] == nil {
		m.tasks[user] = map[int64]tasks.Task{}
	}
	m.tasks[user][t.ID] = t
	return t, nil
}

func (m *memTasks) Get(_ context.Context, user string, id int64) (tasks.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[user][id]
	if !ok {
		return tasks.Task{}, tasks.ErrNotFound
	}
	return t, nil
}

func (m *memTasks) List(_ context.Context, user string, f tasks.Filter, _ time.Time) ([]tasks.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []tasks.Task
	for _, t := range m.tasks[user] {
		if f.Status == tasks.FilterPending && t.Status != tasks.StatusPending ||
			f.Status == tasks.FilterCompleted && t.Status != tasks.StatusCompleted {
			continue
		}
		if f.Query != "" && !strings.Contains(strings.ToLower(t.Title), strings.ToLower(f.Query)) {
			continue
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b tasks.Task) int { return int(a.ID - b.ID) })
	return out, nil
}

func (m *memTasks) Replace(_ context.Context, user string, t tasks.Task) (tasks.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.tasks[user][t.ID]
	if !ok {
		return tasks.Task{}, tasks.ErrNotFound
	}
	t.CreatedAt = old.CreatedAt
	m.tasks[user][t.ID] = t
	return t, nil
}

func (m *memTasks) Delete(_ context.Context, user string, id int64) (tasks.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[user][id]
	if !ok {
		return tasks.Task{}, tasks.ErrNotFound
	}
	delete(m.tasks[user], id)
	return t, nil
}

func (m *memTasks) Put(_ context.Context, user string, t tasks.Task) (tasks.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tasks[user] == nil {
		m.tasks[user] = map[int64]tasks.Task{}
	}
	m.tasks[user][t.ID] = t
	m.next[user] = max(m.next[user], t.ID)
	return t, nil
}

func (m *memTasks) Count(_ context.Context, user string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tasks[user]), nil
}

// BenchmarkTurn measures one offline turn through Respond, as the turn load
// scenario runs it: a new thread whose only item is the user message. The
// sink discards events; tasks are on SQLite or in memory (the agent and the
// tools layer alone).
func BenchmarkTurn(b *testing.B) {
	for _, store := range []string{"mem", "sqlite"} {
		for _, bc := range []struct{ name, text string }{
			{"add", "add a task to buy milk tomorrow"},
			{"list", "what's pending?"},
			{"complete", "mark task 3 as done"},
		} {
			b.Run(store+"/"+bc.name, func(b *testing.B) {
				ctx := context.Background()
				var ts tasks.Store = newMemTasks()
				if store == "sqlite" {
					ts = tasks.NewSQLStore(storagetest.SQLite(b))
				}
				svc := tasks.NewService(ts, nil)
				tools, err := tasks.NewTools(svc, nil)
				if err != nil {
					b.Fatal(err)
				}
				a, err := offline.New(offline.Options{Tools: tools})
				if err != nil {
					b.Fatal(err)
				}
				for i := range 10 {
					if _, err := svc.Add(ctx, testUser, tasks.NewTask{Title: fmt.Sprintf("Task number %d", i)}); err != nil {
						b.Fatal(err)
					}
				}
				chats := memstore.New()
				clock := chatkit.NewMonotonicClock(nil)
				thread := chatkit.ThreadMetadata{ID: chatkit.NewID(chatkit.IDThread), CreatedAt: clock.Now(),
					Status: chatkit.ThreadStatus{Type: "active"}}
				if err := chats.SaveThread(ctx, testUser, thread); err != nil {
					b.Fatal(err)
				}
				in := &chatkit.UserMessageItem{
					ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.IDMessage), ThreadID: thread.ID, CreatedAt: clock.Now()},
					Content:  []chatkit.UserContent{chatkit.TextContent(bc.text)}, Attachments: []chatkit.Attachment{},
				}
				if err := chats.AddItem(ctx, testUser, thread.ID, in); err != nil {
					b.Fatal(err)
				}
				turn := &chatkit.Turn{UserID: testUser, Request: chatkit.ReqThreadsCreate, Thread: thread, Input: in,
					Info: chatkit.RequestInfo{TimeZone: "America/New_York", Location: nyc, Metadata: map[string]any{}}, Store: chats}
				b.ReportAllocs()
				for b.Loop() {
					sink := &discardSink{thread: thread, clock: clock}
					if err := a.Respond(ctx, turn, sink); err != nil {
						b.Fatal(err)
					}
					if sink.events < 4 {
						b.Fatalf("%d events", sink.events)
					}
					if bc.name == "complete" {
						// Reopen task 3 so every turn completes it again.
						if _, err := svc.Update(ctx, testUser, 3, tasks.Patch{Status: new(tasks.StatusPending)}); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
