package offline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/agent/offline"
	"github.com/taskpilotai/taskpilot/pkg/agent/widgets"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatfiber"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// httpEnv is the ChatKit endpoint served over real HTTP with the offline
// agent and the widget action handler, tasks on SQLite.
type httpEnv struct {
	client  *chatkittest.Client
	svc     *tasks.Service
	reg     *prometheus.Registry
	metrics *agent.Metrics
}

func newHTTPEnv(tb testing.TB, zone string) *httpEnv {
	tb.Helper()
	db := storagetest.SQLite(tb)
	reg := prometheus.NewRegistry()
	svc := tasks.NewService(tasks.NewSQLStore(db), nil)
	tools, err := tasks.NewTools(svc, reg)
	require.NoError(tb, err)
	metrics, err := agent.NewMetrics(reg)
	require.NoError(tb, err)
	responder, err := offline.New(offline.Options{Tools: tools, Metrics: metrics})
	require.NoError(tb, err)
	actions, err := widgets.NewHandler(widgets.HandlerOptions{Tools: tools, Metrics: metrics})
	require.NoError(tb, err)
	server, err := chatkit.NewServer(chatkit.Options{Store: memstore.New(), Responder: responder, ActionHandler: actions})
	require.NoError(tb, err)

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	// Stand-in for the auth middleware: the user is the X-Test-User header.
	app.Use(func(c *fiber.Ctx) error {
		if u := c.Get("X-Test-User"); u != "" {
			c.SetUserContext(auth.WithUser(c.UserContext(), strings.Clone(u)))
		}
		return c.Next()
	})
	app.Post("/api/v1/chatkit", chatfiber.Handler(server, chatfiber.Options{}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go func() { _ = app.Listener(ln) }()
	tb.Cleanup(func() { _ = app.Shutdown() })
	header := http.Header{}
	header.Set("X-Test-User", testUser)
	if zone != "" {
		header.Set(chatkit.HeaderTimezone, zone)
	}
	return &httpEnv{client: &chatkittest.Client{URL: "http://" + ln.Addr().String() + "/api/v1/chatkit", Header: header},
		svc: svc, reg: reg, metrics: metrics}
}

// turn posts a streaming request and returns its events.
func (e *httpEnv) turn(tb testing.TB, typ chatkit.RequestType, params any) []chatkit.Event {
	tb.Helper()
	res, err := e.client.Do(context.Background(), chatkittest.Request(typ, params))
	require.NoError(tb, err)
	require.Equal(tb, http.StatusOK, res.Status, "body: %s", res.Body)
	require.True(tb, strings.HasPrefix(res.ContentType, "text/event-stream"), "content type %q", res.ContentType)
	return res.Events
}

func (e *httpEnv) say(tb testing.TB, threadID, text string) []chatkit.Event {
	tb.Helper()
	return e.turn(tb, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": threadID, "input": chatkittest.Input(text)})
}

// reply is the text of the completed assistant messages among events.
func reply(events []chatkit.Event) string {
	var parts []string
	for _, ev := range events {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if m, ok := d.Item.(*chatkit.AssistantMessageItem); ok {
				parts = append(parts, m.Text())
			}
		}
	}
	return strings.Join(parts, "\n")
}

func widgetDone(events []chatkit.Event) *chatkit.WidgetItem {
	for _, ev := range events {
		if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
			if w, ok := d.Item.(*chatkit.WidgetItem); ok {
				return w
			}
		}
	}
	return nil
}

func effectsOf(events []chatkit.Event) []chatkit.ClientEffectEvent {
	var out []chatkit.ClientEffectEvent
	for _, ev := range events {
		if e, ok := ev.(chatkit.ClientEffectEvent); ok {
			out = append(out, e)
		}
	}
	return out
}

func types(events []chatkit.Event) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.EventType()
		if u, ok := ev.(chatkit.ThreadItemUpdatedEvent); ok {
			out[i] += ":" + u.Update.UpdateType()
		}
	}
	return out
}

// TestEndToEndOverHTTP is the acceptance conversation over the ChatKit
// endpoint (SSE): add → list → "the first one" → what have I completed?
func TestEndToEndOverHTTP(t *testing.T) {
	env := newHTTPEnv(t, "America/New_York")
	ctx := context.Background()

	// 1. add, in a new thread
	events := env.turn(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add a task to buy milk tomorrow")})
	created, ok := events[0].(chatkit.ThreadCreatedEvent)
	require.True(t, ok, "first event is thread.created: %v", types(events))
	threadID := created.Thread.ID
	got := types(events)
	// The reply is streamed: added → content part → deltas → done → item done.
	assert.Equal(t, []string{"thread.created", "thread.item.done", "stream_options", "thread.item.added",
		"thread.item.updated:assistant_message.content_part.added"}, got[:5])
	assert.Contains(t, got, "thread.item.updated:assistant_message.content_part.text_delta")
	assert.Contains(t, got, "thread.item.updated:assistant_message.content_part.done")
	assert.Contains(t, reply(events), "Added task 1 “Buy milk” — due tomorrow")
	eff := effectsOf(events)
	require.Len(t, eff, 1)
	assert.Equal(t, "tasks_changed", eff[0].Name)
	all, err := env.svc.List(ctx, testUser, tasks.Filter{})
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "Buy milk", all[0].Title)
	require.NotNil(t, all[0].DueAt)
	// "tomorrow" in New York, end of that day.
	local := all[0].DueAt.In(nyc)
	assert.Equal(t, time.Now().In(nyc).AddDate(0, 0, 1).Format("2006-01-02"), local.Format("2006-01-02"))
	assert.Equal(t, "23:59", local.Format("15:04"))

	// 2. list
	events = env.say(t, threadID, "show my tasks")
	assert.Contains(t, reply(events), "1 task")
	w := widgetDone(events)
	require.NotNil(t, w, "the list is a widget")
	l, ok := widgets.Parse(w.Widget)
	require.True(t, ok)
	assert.Equal(t, []int64{1}, l.IDs())

	// 3. the first one
	events = env.say(t, threadID, "mark the first one as done")
	assert.Contains(t, reply(events), "Marked task 1 “Buy milk” as done")
	assert.Contains(t, types(events), "thread.item.replaced", "the list widget is updated in place")
	task, err := env.svc.Get(ctx, testUser, 1)
	require.NoError(t, err)
	assert.Equal(t, tasks.StatusCompleted, task.Status)

	// 4. what have I completed?
	events = env.say(t, threadID, "what have I completed?")
	assert.Contains(t, reply(events), "You've completed 1 task")
	l, ok = widgets.Parse(widgetDone(events).Widget)
	require.True(t, ok)
	assert.Equal(t, []int64{1}, l.IDs())

	// The thread as stored shows no hidden records to the client.
	res, err := env.client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": threadID}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status)
	assert.NotContains(t, string(res.Body), "taskpilot.change")

	// Metrics: every turn counted as an offline turn that went well.
	assert.Equal(t, 4.0, testutil.ToFloat64(env.metrics.Turns.WithLabelValues("offline", "ok")))
	assert.Equal(t, 1, testutil.CollectAndCount(env.metrics.TurnDuration, "taskpilot_agent_turn_duration_seconds"))
	n, err := testutil.GatherAndCount(env.reg, "taskpilot_agent_turns_total", "taskpilot_agent_tool_calls_total")
	require.NoError(t, err)
	assert.Positive(t, n, "registered on the injected registry")
}

// TestWidgetActionOverHTTP presses the list's buttons: the action runs
// through the tools, the widget is replaced in place, a confirmation is
// streamed and tasks_changed is emitted; "undo" then reverses the press.
func TestWidgetActionOverHTTP(t *testing.T) {
	env := newHTTPEnv(t, "UTC")
	ctx := context.Background()
	for _, title := range []string{"Buy milk", "Call mom"} {
		_, err := env.svc.Add(ctx, testUser, tasks.NewTask{Title: title})
		require.NoError(t, err)
	}
	events := env.turn(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("show my tasks")})
	threadID := events[0].(chatkit.ThreadCreatedEvent).Thread.ID
	w := widgetDone(events)
	require.NotNil(t, w)
	assert.Contains(t, string(w.Widget), `"onClickAction":{"handler":"server","loadingBehavior":"container","payload":{"task_id":2},"type":"task.complete"}`)

	press := func(action string, id int64) []chatkit.Event {
		return env.turn(t, chatkit.ReqThreadsCustomAction, map[string]any{"thread_id": threadID, "item_id": w.ID,
			"action": map[string]any{"type": action, "payload": map[string]any{"task_id": id}}})
	}

	events = press(widgets.ActionComplete, 2)
	got := types(events)
	assert.Equal(t, "stream_options", got[0])
	assert.Equal(t, "thread.item.replaced", got[1], "the widget is replaced first: %v", got)
	replaced := events[1].(chatkit.ThreadItemReplacedEvent).Item.(*chatkit.WidgetItem)
	assert.Equal(t, w.ID, replaced.ID, "in place")
	assert.Contains(t, string(replaced.Widget), `"label":"Done"`)
	assert.Contains(t, string(replaced.Widget), `"type":"task.reopen"`)
	assert.Contains(t, reply(events), "Marked task 2 “Call mom” as done")
	eff := effectsOf(events)
	require.Len(t, eff, 1)
	assert.Equal(t, "tasks_changed", eff[0].Name)
	assert.Equal(t, "complete_task", eff[0].Data["action"])
	task, err := env.svc.Get(ctx, testUser, 2)
	require.NoError(t, err)
	assert.Equal(t, tasks.StatusCompleted, task.Status)

	// Delete keeps the row, struck through, so positions keep their meaning.
	events = press(widgets.ActionDelete, 1)
	replaced = events[1].(chatkit.ThreadItemReplacedEvent).Item.(*chatkit.WidgetItem)
	l, ok := widgets.Parse(replaced.Widget)
	require.True(t, ok)
	assert.True(t, l.Rows[0].Deleted)
	assert.Contains(t, reply(events), "Deleted task 1 “Buy milk”")
	_, err = env.svc.Get(ctx, testUser, 1)
	require.ErrorIs(t, err, tasks.ErrNotFound)

	// A button on a task that is gone explains itself.
	events = press(widgets.ActionComplete, 1)
	assert.Contains(t, reply(events), "no longer exists")
	assert.Empty(t, effectsOf(events))

	// "undo" in the chat reverses the last button press (the delete).
	events = env.say(t, threadID, "undo")
	assert.Contains(t, reply(events), "Undone: task 1 “Buy milk” is back")
	_, err = env.svc.Get(ctx, testUser, 1)
	require.NoError(t, err)
	assert.Contains(t, types(events), "thread.item.replaced", "the list shows the task again")

	// Sync actions answer JSON with the updated widget.
	res, err := env.client.Do(ctx, chatkittest.Request(chatkit.ReqThreadsSyncCustomAction, map[string]any{
		"thread_id": threadID, "item_id": w.ID,
		"action": map[string]any{"type": widgets.ActionReopen, "payload": map[string]any{"task_id": 2}}}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status, "body %s", res.Body)
	var sync struct {
		UpdatedItem struct {
			ID     string          `json:"id"`
			Widget json.RawMessage `json:"widget"`
		} `json:"updated_item"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &sync))
	assert.Equal(t, w.ID, sync.UpdatedItem.ID)
	task, err = env.svc.Get(ctx, testUser, 2)
	require.NoError(t, err)
	assert.Equal(t, tasks.StatusPending, task.Status)

	// A malformed action is an error event, not a crash.
	events = press("task.explode", 2)
	var errEv *chatkit.ErrorEvent
	for _, ev := range events {
		if e, ok := ev.(chatkit.ErrorEvent); ok {
			errEv = &e
		}
	}
	require.NotNil(t, errEv, "events %v", types(events))
	assert.Contains(t, errEv.Message, "Unknown action")
}

// TestIsolationOverHTTP: another user's ids answer like missing ones.
func TestIsolationOverHTTP(t *testing.T) {
	env := newHTTPEnv(t, "UTC")
	ctx := context.Background()
	_, err := env.svc.Add(ctx, "someone-else", tasks.NewTask{Title: "Secret plan"})
	require.NoError(t, err)
	events := env.turn(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("mark task 1 as done")})
	assert.Contains(t, reply(events), "Task 1 doesn't exist")
	events = env.say(t, events[0].(chatkit.ThreadCreatedEvent).Thread.ID, "delete the secret plan")
	assert.NotContains(t, reply(events), "Secret plan")
	other, err := env.svc.Get(ctx, "someone-else", 1)
	require.NoError(t, err)
	assert.Equal(t, tasks.StatusPending, other.Status)
}

// BenchmarkOfflineTurnHTTP measures one offline-agent turn end to end
// through the HTTP handler: a user message posted over HTTP, parsed,
// answered through the task tools on SQLite, streamed back as SSE.
func BenchmarkOfflineTurnHTTP(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct{ name, text string }{
		{"add", "add a task to buy milk tomorrow at 5pm"},
		{"list", "what's pending?"},
		{"complete_first", "mark the first one as done"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			env := newHTTPEnv(b, "America/New_York")
			for i := range 10 {
				_, err := env.svc.Add(ctx, testUser, tasks.NewTask{Title: fmt.Sprintf("Task number %d", i)})
				require.NoError(b, err)
			}
			events := env.turn(b, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("show my tasks")})
			threadID := events[0].(chatkit.ThreadCreatedEvent).Thread.ID
			body := chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
				map[string]any{"thread_id": threadID, "input": chatkittest.Input(bc.text)})
			b.ReportAllocs()
			for b.Loop() {
				res, err := env.client.Do(ctx, body)
				if err != nil || res.Status != http.StatusOK || len(res.Events) < 5 {
					b.Fatalf("turn failed: %v %d %s", err, res.Status, res.Body)
				}
			}
		})
	}
}
