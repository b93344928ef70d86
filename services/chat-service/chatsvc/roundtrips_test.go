package chatsvc_test

// The PostgreSQL cost of each request type, counted: chat-service built as
// main builds it on a PostgreSQL schema of its own, every query traced
// (storagetest.RoundTrips), and each request of a conversation checked
// against its budget of round trips and transactions. The table of counts is
// in bench/RESULTS.md ("PostgreSQL round trips per request").

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// postgresConfig is testConfig on a fresh PostgreSQL schema (skipped when
// PostgreSQL is unreachable, failed with CI=true).
func postgresConfig(t *testing.T, extra ...string) *config.Config {
	t.Helper()
	schema := storagetest.NewPostgresSchema(t)
	u, err := url.Parse(storagetest.PostgresURL())
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dir := t.TempDir()
	env := map[string]string{
		"DATABASE_URL":        u.String(),
		"DATA_DIR":            dir,
		"SESSION_SIGNING_KEY": signingKey,
		"FRONTEND_URL":        "http://localhost:3000",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	cfg, err := config.Load(config.MapLookup(env), config.ChatService)
	require.NoError(t, err)
	return cfg
}

// budget is the most round trips and transactions one request may make on
// PostgreSQL (prepares, once per statement and connection, are not
// counted).
type budget struct{ roundTrips, transactions int }

func TestPostgresRoundTripsPerRequest(t *testing.T) {
	cfg := postgresConfig(t)
	counter := &storagetest.RoundTrips{}
	base, _ := serve(t, cfg, storage.WithPostgresTracer(counter))

	// The conversation runs twice: once to warm the pool (statements
	// prepared on its connections), then counted for another user.
	var table []string
	for _, user := range []string{"warm", "alice"} {
		counted := user == "alice"
		token := mint(t, user, time.Now)
		c := client(base, token)
		r := &conversation{t: t, c: c, base: base, token: token}
		check := func(name string, b budget, do func()) {
			t.Helper()
			counter.Take()
			do()
			got := counter.Take()
			if !counted {
				return
			}
			table = append(table, fmt.Sprintf("| %s | %d | %d |", name, got.RoundTrips, got.Transactions))
			if got.RoundTrips > b.roundTrips || got.Transactions > b.transactions {
				t.Errorf("%s: %s; budget %d round trips, %d transactions", name, got, b.roundTrips, b.transactions)
			} else {
				t.Logf("%s: %s", name, got)
			}
		}

		check("threads.create turn (add a task)", budget{5, 3}, func() {
			r.thread = r.turn(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add buy milk tomorrow")})
		})
		check("threads.add_user_message turn (list tasks)", budget{5, 3}, func() {
			r.turn(chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": r.thread, "input": chatkittest.Input("show my tasks")})
		})
		check("threads.add_user_message turn (complete a task)", budget{5, 3}, func() {
			r.turn(chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": r.thread, "input": chatkittest.Input("mark the first one as done")})
		})
		check("threads.list", budget{1, 1}, func() {
			r.json(chatkit.ReqThreadsList, map[string]any{"limit": 20})
		})
		check("items.list", budget{1, 1}, func() {
			r.json(chatkit.ReqItemsList, map[string]any{"thread_id": r.thread, "limit": 20})
		})
		check("threads.get_by_id", budget{1, 1}, func() {
			r.json(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": r.thread})
		})
		check("threads.update", budget{1, 1}, func() {
			r.json(chatkit.ReqThreadsUpdate, map[string]any{"thread_id": r.thread, "title": "Groceries"})
		})
		check("items.feedback", budget{1, 1}, func() {
			r.json(chatkit.ReqItemsFeedback, map[string]any{"thread_id": r.thread, "item_ids": []string{r.assistant}, "kind": "positive"})
		})
		check("GET /api/v1/tasks", budget{1, 1}, func() { r.rest(http.MethodGet, "/api/v1/tasks", "") })
		check("GET /api/v1/tasks/1", budget{1, 1}, func() { r.rest(http.MethodGet, "/api/v1/tasks/1", "") })
		check("POST /api/v1/tasks", budget{1, 1}, func() {
			r.rest(http.MethodPost, "/api/v1/tasks", `{"title":"Call mom","due_at":"2030-01-02T15:00:00Z"}`)
		})
		check("PATCH /api/v1/tasks/2", budget{2, 1}, func() {
			r.rest(http.MethodPatch, "/api/v1/tasks/2", `{"title":"Call mom tonight"}`)
		})
		check("DELETE /api/v1/tasks/2", budget{1, 1}, func() { r.rest(http.MethodDelete, "/api/v1/tasks/2", "") })
		check("threads.delete", budget{1, 1}, func() {
			r.json(chatkit.ReqThreadsDelete, map[string]any{"thread_id": r.thread})
		})
	}
	t.Logf("round trips and transactions per request on PostgreSQL:\n| request | round trips | transactions |\n|---|---|---|\n%s",
		strings.Join(table, "\n"))
}

// conversation is one user's requests and what they left behind.
type conversation struct {
	t         *testing.T
	c         *chatkittest.Client
	base      string
	token     string
	thread    string // the thread threads.create made
	assistant string // the newest assistant message id
}

// turn runs a streamed request to its end and returns the thread's id.
func (r *conversation) turn(typ chatkit.RequestType, params any) string {
	r.t.Helper()
	res, err := r.c.Do(context.Background(), chatkittest.Request(typ, params))
	require.NoError(r.t, err)
	require.Equal(r.t, http.StatusOK, res.Status, "body %s", res.Body)
	thread := r.thread
	for _, ev := range res.Events {
		switch e := ev.(type) {
		case chatkit.ThreadCreatedEvent:
			thread = e.Thread.ID
		case chatkit.ThreadItemDoneEvent:
			if m, ok := e.Item.(*chatkit.AssistantMessageItem); ok {
				r.assistant = m.ID
			}
		case chatkit.ErrorEvent:
			r.t.Fatalf("%s: error event %+v", typ, e)
		}
	}
	return thread
}

// json sends a non-streaming request and checks it answers 200.
func (r *conversation) json(typ chatkit.RequestType, params any) {
	r.t.Helper()
	res, err := r.c.Do(context.Background(), chatkittest.Request(typ, params))
	require.NoError(r.t, err)
	require.Equal(r.t, http.StatusOK, res.Status, "%s: body %s", typ, res.Body)
}

// rest sends a REST task request and checks it answers 2xx.
func (r *conversation) rest(method, path, body string) {
	r.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, r.base+path, strings.NewReader(body))
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+r.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	require.True(r.t, resp.StatusCode/100 == 2, "%s %s: %d %s", method, path, resp.StatusCode, out)
}

// With the quotas off (as bench/run.sh runs), a turn has nothing to count:
// the same budget.
func TestPostgresRoundTripsWithoutQuotas(t *testing.T) {
	cfg := postgresConfig(t, "MAX_THREADS_PER_USER", "0", "MAX_TASKS_PER_USER", "0", "MAX_ITEMS_PER_THREAD", "0")
	counter := &storagetest.RoundTrips{}
	base, _ := serve(t, cfg, storage.WithPostgresTracer(counter))
	for _, user := range []string{"warm", "alice"} {
		token := mint(t, user, time.Now)
		r := &conversation{t: t, c: client(base, token), base: base, token: token}
		counter.Take()
		r.thread = r.turn(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add a task to buy milk tomorrow")})
		create := counter.Take()
		r.turn(chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": r.thread, "input": chatkittest.Input("show my tasks")})
		list := counter.Take()
		if user == "warm" {
			continue
		}
		for name, got := range map[string]storagetest.Counts{"create turn": create, "list turn": list} {
			if got.RoundTrips > 5 || got.Transactions > 3 {
				t.Errorf("%s: %s; budget 5 round trips, 3 transactions", name, got)
			} else {
				t.Logf("%s: %s", name, got)
			}
		}
	}
}
