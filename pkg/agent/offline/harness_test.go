package offline_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/offline"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// The suite's clock: Wednesday 25 November 2026, 10:00 in New York (15:00 UTC).
var (
	nyc, _  = time.LoadLocation("America/New_York")
	suiteAt = time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
)

func ny(m time.Month, d, h, min int) time.Time {
	return time.Date(2026, m, d, h, min, 0, 0, nyc).UTC()
}

const testUser = "user-1"

// call is one tool call the agent made.
type call struct {
	Name string
	Args map[string]any
	Res  tasks.Result
}

// recorder wraps the real toolbox and remembers the calls.
type recorder struct {
	inner tasks.Toolbox
	// typedOnly fails Call: the agent must use the typed calls.
	typedOnly bool
	mu        sync.Mutex
	calls     []call
}

func (r *recorder) Definitions() []tasks.Tool { return r.inner.Definitions() }

func (r *recorder) Call(ctx context.Context, user, name string, args json.RawMessage) (tasks.Result, error) {
	if r.typedOnly {
		return tasks.Result{}, errors.New("the agent called " + name + " through Call despite the typed calls")
	}
	res, err := r.inner.Call(ctx, user, name, args)
	var m map[string]any
	_ = json.Unmarshal(args, &m)
	r.mu.Lock()
	r.calls = append(r.calls, call{Name: name, Args: m, Res: res})
	r.mu.Unlock()
	return res, err
}

// record remembers a call whose JSON arguments are args.
func (r *recorder) record(name string, args any, res tasks.Result) {
	raw, _ := json.Marshal(args)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	r.mu.Lock()
	r.calls = append(r.calls, call{Name: name, Args: m, Res: res})
	r.mu.Unlock()
}

// typedRecorder is a recorder over tasks.Tools with its typed calls too,
// which the agent then uses (as it does in production); each is recorded
// with its arguments as JSON, as Call would have received them.
type typedRecorder struct {
	*recorder
	tools *tasks.Tools
}

func (r typedRecorder) AddTask(ctx context.Context, user string, a tasks.AddArgs) (tasks.Result, error) {
	res, err := r.tools.AddTask(ctx, user, a)
	r.record(tasks.ToolAddTask, a, res)
	return res, err
}

func (r typedRecorder) ListTasks(ctx context.Context, user string, a tasks.ListArgs) (tasks.Result, error) {
	res, err := r.tools.ListTasks(ctx, user, a)
	r.record(tasks.ToolListTasks, a, res)
	return res, err
}

func (r typedRecorder) CompleteTask(ctx context.Context, user string, id int64) (tasks.Result, error) {
	res, err := r.tools.CompleteTask(ctx, user, id)
	r.record(tasks.ToolCompleteTask, map[string]int64{"task_id": id}, res)
	return res, err
}

func (r typedRecorder) UpdateTask(ctx context.Context, user string, id int64, a tasks.UpdateArgs) (tasks.Result, error) {
	res, err := r.tools.UpdateTask(ctx, user, id, a)
	r.record(tasks.ToolUpdateTask, struct {
		TaskID int64 `json:"task_id"`
		tasks.UpdateArgs
	}{id, a}, res)
	return res, err
}

func (r typedRecorder) DeleteTask(ctx context.Context, user string, id int64) (tasks.Result, error) {
	res, err := r.tools.DeleteTask(ctx, user, id)
	r.record(tasks.ToolDeleteTask, map[string]int64{"task_id": id}, res)
	return res, err
}

func (r *recorder) take() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.calls
	r.calls = nil
	return out
}

// harness runs the offline agent over the real task tools on SQLite and a
// chat store, one thread, turn by turn, persisting items like the Server.
type harness struct {
	t      *testing.T
	svc    *tasks.Service
	tools  *recorder
	agent  *offline.Agent
	store  *memstore.Store
	thread chatkit.ThreadMetadata
	clock  *chatkit.MonotonicClock
	loc    *time.Location
	now    time.Time
	// events of the last turn
	events []chatkit.Event
	// baseline is the highest task id before the turn under test, snapshot
	// the tasks then (the everyday suite's checks).
	baseline int64
	snapshot []tasks.Task
}

// newHarness builds a harness whose agent calls the tools as in
// production: through their typed calls.
func newHarness(t *testing.T, loc *time.Location) *harness {
	t.Helper()
	return newHarnessWith(t, loc, true)
}

// newHarnessWith builds a harness; typed false gives the agent a toolbox
// with Call only (JSON arguments), as any other Toolbox.
func newHarnessWith(t *testing.T, loc *time.Location, typed bool) *harness {
	t.Helper()
	db := storagetest.SQLite(t)
	h := &harness{t: t, loc: loc, now: suiteAt, store: memstore.New(), clock: chatkit.NewMonotonicClock(nil)}
	h.svc = tasks.NewService(tasks.NewSQLStore(db), func() time.Time { return h.now })
	tools, err := tasks.NewTools(h.svc, nil)
	require.NoError(t, err)
	h.tools = &recorder{inner: tools}
	var toolbox tasks.Toolbox = h.tools
	if typed {
		h.tools.typedOnly = true
		toolbox = typedRecorder{recorder: h.tools, tools: tools}
	}
	h.agent, err = offline.New(offline.Options{Tools: toolbox, Service: h.svc, Now: func() time.Time { return h.now }})
	require.NoError(t, err)
	h.thread = chatkit.ThreadMetadata{ID: chatkit.NewID(chatkit.IDThread), CreatedAt: h.clock.Now(),
		Status: chatkit.ThreadStatus{Type: "active"}}
	require.NoError(t, h.store.SaveThread(context.Background(), testUser, h.thread))
	return h
}

// seed adds the suite's standard tasks:
//
//	1 Buy groceries  due tomorrow (end of day)
//	2 Team meeting   due today 15:00, high, #work
//	3 Meeting notes  #work
//	4 Pay bills      due yesterday (overdue), urgent, #finance
//	5 Call mom       completed
func (h *harness) seed() {
	ctx := context.Background()
	due := func(t time.Time) *time.Time { return &t }
	for _, nt := range []tasks.NewTask{
		{Title: "Buy groceries", DueAt: due(ny(11, 26, 23, 59))},
		{Title: "Team meeting", DueAt: due(ny(11, 25, 15, 0)), Priority: tasks.PriorityHigh, Tags: []string{"work"}},
		{Title: "Meeting notes", Tags: []string{"work"}},
		{Title: "Pay bills", DueAt: due(ny(11, 24, 23, 59)), Priority: tasks.PriorityUrgent, Tags: []string{"finance"}},
		{Title: "Call mom"},
	} {
		_, err := h.svc.Add(ctx, testUser, nt)
		require.NoError(h.t, err)
	}
	_, err := h.svc.Complete(ctx, testUser, 5)
	require.NoError(h.t, err)
}

// persistSink records events like chatkittest.Sink and persists items like
// the Server (done → add, replaced → save, removed → delete).
type persistSink struct {
	*chatkittest.Sink
	h *harness
}

func (s persistSink) Emit(ctx context.Context, ev chatkit.Event) error {
	var err error
	switch e := ev.(type) {
	case chatkit.ThreadItemDoneEvent:
		err = s.h.store.AddItem(ctx, testUser, s.h.thread.ID, e.Item)
	case chatkit.ThreadItemReplacedEvent:
		err = s.h.store.SaveItem(ctx, testUser, s.h.thread.ID, e.Item)
	case chatkit.ThreadItemRemovedEvent:
		err = s.h.store.DeleteItem(ctx, testUser, s.h.thread.ID, e.ItemID)
	}
	if err != nil {
		return err
	}
	return s.Sink.Emit(ctx, ev)
}

func (s persistSink) Now() time.Time { return s.h.clock.Now() }

// say runs one user turn and returns the assistant's text.
func (h *harness) say(text string) string {
	h.t.Helper()
	ctx := context.Background()
	in := &chatkit.UserMessageItem{
		ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.IDMessage), ThreadID: h.thread.ID, CreatedAt: h.clock.Now()},
		Content:  []chatkit.UserContent{chatkit.TextContent(text)}, Attachments: []chatkit.Attachment{},
	}
	require.NoError(h.t, h.store.AddItem(ctx, testUser, h.thread.ID, in))
	sink := persistSink{Sink: chatkittest.NewSink(ctx, h.thread), h: h}
	turn := &chatkit.Turn{UserID: testUser, Request: chatkit.ReqThreadsAddUserMessage, Thread: h.thread, Input: in,
		Info: chatkit.RequestInfo{TimeZone: h.loc.String(), Location: h.loc, Metadata: map[string]any{}}, Store: h.store}
	require.NoError(h.t, h.agent.Respond(ctx, turn, sink), "turn %q", text)
	h.events = sink.Events()
	return sink.Text()
}

// task reads one task (ok false when it does not exist).
func (h *harness) task(id int64) (tasks.Task, bool) {
	t, err := h.svc.Get(context.Background(), testUser, id)
	if err != nil {
		return tasks.Task{}, false
	}
	return t, true
}

func (h *harness) all() []tasks.Task {
	ts, err := h.svc.List(context.Background(), testUser, tasks.Filter{})
	require.NoError(h.t, err)
	return ts
}

// effects returns the client effects of the last turn.
func (h *harness) effects() []chatkit.ClientEffectEvent {
	var out []chatkit.ClientEffectEvent
	for _, ev := range h.events {
		if e, ok := ev.(chatkit.ClientEffectEvent); ok {
			out = append(out, e)
		}
	}
	return out
}

// widgetsShown returns the widget items completed in the last turn.
func (h *harness) widgetsShown() []*chatkit.WidgetItem {
	var out []*chatkit.WidgetItem
	for _, ev := range h.events {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if w, ok := d.Item.(*chatkit.WidgetItem); ok {
				out = append(out, w)
			}
		}
	}
	return out
}

var _ = agent.EffectTasksChanged
