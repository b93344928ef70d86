package mcpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
	"github.com/taskpilotai/taskpilot/services/chat-service/internal/mcpapi"
)

// signer mints the session secrets the real auth middleware verifies.
func newSigner(t *testing.T) *auth.Signer {
	t.Helper()
	s, err := auth.NewSigner([]byte("0123456789abcdef0123456789abcdef"), time.Hour, nil)
	require.NoError(t, err)
	return s
}

func secret(t *testing.T, s *auth.Signer, user string) string {
	t.Helper()
	tok, err := s.Mint(user)
	require.NoError(t, err)
	return tok.Secret
}

// serve runs the MCP endpoint on a real listener (as in production: Fiber
// on fasthttp) and returns its URL.
func serve(t *testing.T, db *storage.DB, signer *auth.Signer) (string, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	tools, err := tasks.NewTools(tasks.NewService(tasks.NewSQLStore(db), nil), reg)
	require.NoError(t, err)
	h, err := mcpapi.New(tools, nil)
	require.NoError(t, err)
	// The production bootstrap (request ids, metrics, CORS, body limit,
	// immutable strings) in front of the endpoint.
	app := httpserver.New(httpserver.Options{Service: "chat-service", Registry: reg,
		Logger: slog.New(slog.DiscardHandler), AllowOrigins: []string{"http://localhost:3000"}}).App
	h.Routes(app.Group("/api/v1", auth.RequireUser(auth.NewAuthenticator(signer, nil))))
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String() + "/api/v1/mcp", reg
}

// bearer adds the Authorization header to every request of a client.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func connect(t *testing.T, endpoint, token string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "taskpilot-test", Version: "1"}, nil)
	transport := &mcp.StreamableClientTransport{Endpoint: endpoint, MaxRetries: -1,
		HTTPClient: &http.Client{Transport: bearer{token: token, base: http.DefaultTransport}, Timeout: 10 * time.Second}}
	session, err := client.Connect(ctx, transport, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = session.Close() })
	return session
}

func callTool(t *testing.T, s *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	require.NoError(t, err)
	require.Len(t, res.Content, 1)
	text, ok := res.Content[0].(*mcp.TextContent)
	require.True(t, ok, "content is text")
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(text.Text), &out))
	structured, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	assert.JSONEq(t, text.Text, string(structured), "structured content matches the text")
	return res, out
}

func TestMCPEndToEnd(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		signer := newSigner(t)
		endpoint, reg := serve(t, db, signer)
		alice := connect(t, endpoint, secret(t, signer, "alice"))
		ctx := context.Background()

		t.Run("lists the tools with their schemas", func(t *testing.T) {
			list, err := alice.ListTools(ctx, nil)
			require.NoError(t, err)
			var names []string
			for _, tool := range list.Tools {
				names = append(names, tool.Name)
				assert.NotEmpty(t, tool.Description)
				schema, err := json.Marshal(tool.InputSchema)
				require.NoError(t, err)
				assert.Contains(t, string(schema), `"type":"object"`)
			}
			assert.ElementsMatch(t, []string{"add_task", "list_tasks", "complete_task", "update_task", "delete_task",
				"add_tasks", "complete_tasks", "delete_tasks"}, names)
			for _, tool := range list.Tools {
				if tool.Name == "add_task" {
					schema, err := json.Marshal(tool.InputSchema)
					require.NoError(t, err)
					var s struct {
						Required []string `json:"required"`
					}
					require.NoError(t, json.Unmarshal(schema, &s))
					assert.Equal(t, []string{"title"}, s.Required, "MCP publishes the conventional schema")
				}
				if tool.Name == "list_tasks" {
					assert.True(t, tool.Annotations.ReadOnlyHint)
				}
				if tool.Name == "delete_tasks" {
					require.NotNil(t, tool.Annotations.DestructiveHint)
					assert.True(t, *tool.Annotations.DestructiveHint)
				}
				if tool.Name == "add_tasks" {
					// The conventional schema all the way down: each task
					// requires only its title.
					schema, err := json.Marshal(tool.InputSchema)
					require.NoError(t, err)
					var s struct {
						Properties struct {
							Tasks struct {
								Items struct {
									Required   []string                  `json:"required"`
									Properties map[string]map[string]any `json:"properties"`
								} `json:"items"`
							} `json:"tasks"`
						} `json:"properties"`
					}
					require.NoError(t, json.Unmarshal(schema, &s))
					assert.Equal(t, []string{"title"}, s.Properties.Tasks.Items.Required)
					assert.Equal(t, "string", s.Properties.Tasks.Items.Properties["repeat"]["type"])
				}
			}
		})

		t.Run("recurrence and bulk tools", func(t *testing.T) {
			carol := connect(t, endpoint, secret(t, signer, "carol"))
			res, out := callTool(t, carol, "add_tasks", map[string]any{"tasks": []any{
				map[string]any{"title": "Pay rent", "due_at": "2026-12-01T09:00:00+01:00",
					"repeat": "FREQ=MONTHLY;BYMONTHDAY=1", "time_zone": "Europe/Paris"},
				map[string]any{"title": "Buy milk"},
			}})
			require.False(t, res.IsError, "%v", out)
			list, _ := out["tasks"].([]any)
			require.Len(t, list, 2)
			first, _ := list[0].(map[string]any)
			assert.Equal(t, map[string]any{"rule": "FREQ=MONTHLY;BYMONTHDAY=1", "text": "repeats monthly on the 1st",
				"time_zone": "Europe/Paris", "start": "2026-12-01T08:00:00Z"}, first["recurrence"])

			res, out = callTool(t, carol, "complete_task", map[string]any{"task_id": 1})
			require.False(t, res.IsError, "%v", out)
			task, _ := out["task"].(map[string]any)
			assert.Equal(t, "pending", task["status"])
			assert.Equal(t, "2027-01-01T08:00:00Z", task["due_at"])

			res, out = callTool(t, carol, "delete_tasks", map[string]any{"task_ids": []int{1, 2}})
			assert.True(t, res.IsError)
			assert.Equal(t, "needs_confirmation", out["code"])
			res, out = callTool(t, carol, "delete_tasks", map[string]any{"task_ids": []int{1, 2}, "confirm": true})
			assert.False(t, res.IsError, "%v", out)
			assert.InDelta(t, 2, out["count"], 0)
		})

		t.Run("add_task then list_tasks", func(t *testing.T) {
			res, out := callTool(t, alice, "add_task", map[string]any{"title": "Buy milk",
				"due_at": "2026-12-01T09:00:00+01:00", "tags": []string{"#Shopping"}})
			assert.False(t, res.IsError)
			assert.Equal(t, true, out["ok"])
			task := out["task"].(map[string]any)
			assert.Equal(t, 1.0, task["id"])
			assert.Equal(t, "2026-12-01T08:00:00Z", task["due_at"])
			assert.Equal(t, []any{"shopping"}, task["tags"])

			_, out = callTool(t, alice, "add_task", map[string]any{"title": "Call mom", "priority": "high"})
			assert.Equal(t, 2.0, out["task"].(map[string]any)["id"])

			res, out = callTool(t, alice, "list_tasks", map[string]any{})
			assert.False(t, res.IsError)
			assert.Equal(t, 2.0, out["count"])
			titles := []any{}
			for _, x := range out["tasks"].([]any) {
				titles = append(titles, x.(map[string]any)["title"])
			}
			assert.Equal(t, []any{"Buy milk", "Call mom"}, titles)

			_, out = callTool(t, alice, "list_tasks", map[string]any{"tag": "shopping"})
			assert.Equal(t, 1.0, out["count"])
		})

		t.Run("complete, update and delete", func(t *testing.T) {
			_, out := callTool(t, alice, "complete_task", map[string]any{"task_id": 2})
			assert.Equal(t, "completed", out["task"].(map[string]any)["status"])
			_, out = callTool(t, alice, "complete_task", map[string]any{"task_id": 2})
			assert.Contains(t, out["message"], "was already completed")
			_, out = callTool(t, alice, "update_task", map[string]any{"task_id": 2, "status": "pending", "title": "Call mom tonight"})
			assert.Equal(t, "pending", out["task"].(map[string]any)["status"])
			assert.Equal(t, "Call mom tonight", out["task"].(map[string]any)["title"])
			_, out = callTool(t, alice, "delete_task", map[string]any{"task_id": 1})
			assert.Equal(t, "Buy milk", out["task"].(map[string]any)["title"])
		})

		t.Run("explainable errors are tool results with isError", func(t *testing.T) {
			res, out := callTool(t, alice, "complete_task", map[string]any{"task_id": 99})
			assert.True(t, res.IsError)
			assert.Equal(t, "task 99 does not exist; you have 1 task (id 2)", out["error"])
			res, out = callTool(t, alice, "add_task", map[string]any{"title": "x", "due_at": "next friday"})
			assert.True(t, res.IsError)
			assert.Equal(t, "invalid_argument", out["code"])
		})

		t.Run("calls are counted", func(t *testing.T) {
			n, err := testutil.GatherAndCount(reg, "taskpilot_agent_tool_calls_total")
			require.NoError(t, err)
			assert.GreaterOrEqual(t, n, 5)
		})
	})
}

// TestMCPIsolation: two bearer users never reach each other's tasks.
func TestMCPIsolation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		signer := newSigner(t)
		endpoint, _ := serve(t, db, signer)
		alice := connect(t, endpoint, secret(t, signer, "alice"))
		bob := connect(t, endpoint, secret(t, signer, "bob"))

		_, out := callTool(t, alice, "add_task", map[string]any{"title": "Alice's secret"})
		require.Equal(t, true, out["ok"])

		_, out = callTool(t, bob, "list_tasks", map[string]any{})
		assert.Equal(t, 0.0, out["count"])
		for _, tc := range []struct {
			tool string
			args map[string]any
		}{
			{"complete_task", map[string]any{"task_id": 1}},
			{"update_task", map[string]any{"task_id": 1, "title": "Bob's now"}},
			{"delete_task", map[string]any{"task_id": 1}},
		} {
			res, out := callTool(t, bob, tc.tool, tc.args)
			assert.True(t, res.IsError, tc.tool)
			assert.Equal(t, "not_found", out["code"], tc.tool)
		}
		_, out = callTool(t, bob, "add_task", map[string]any{"title": "Bob's own"})
		assert.Equal(t, 1.0, out["task"].(map[string]any)["id"], "ids are per user")

		_, out = callTool(t, alice, "list_tasks", map[string]any{})
		require.Equal(t, 1.0, out["count"])
		assert.Equal(t, "Alice's secret", out["tasks"].([]any)[0].(map[string]any)["title"])
	})
}

func TestMCPRequiresAUser(t *testing.T) {
	signer := newSigner(t)
	endpoint, _ := serve(t, storagetest.SQLite(t), signer)
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",` +
		`"capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`
	post := func(authz string) (int, http.Header, string) {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, endpoint, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, string(b)
	}
	status, _, text := post("")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, text, `"code":"unauthorized"`, "the auth middleware's JSON error")
	other, err := auth.NewSigner([]byte("another-key-another-key-another-key!"), time.Hour, nil)
	require.NoError(t, err)
	status, _, _ = post("Bearer " + secret(t, other, "carol"))
	assert.Equal(t, http.StatusUnauthorized, status, "a secret signed with another key")

	status, header, text := post("Bearer " + secret(t, signer, "carol"))
	require.Equal(t, http.StatusOK, status, text)
	assert.Equal(t, "application/json", header.Get("Content-Type"), "stateless JSON responses")
	assert.Empty(t, header.Get("Mcp-Session-Id"), "no session state on the server")
	assert.Contains(t, text, `"serverInfo":{"name":"taskpilot-tasks"`)

	// A client without a user never reaches a tool.
	client := mcp.NewClient(&mcp.Implementation{Name: "anon", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, MaxRetries: -1}, nil)
	assert.Error(t, err)
}

// TestMCPHandlerWithoutUser: served over net/http directly, the handler
// itself refuses a request that carries no authenticated user.
func TestMCPHandlerWithoutUser(t *testing.T) {
	tools, err := tasks.NewTools(tasks.NewService(tasks.NewSQLStore(storagetest.SQLite(t)), nil), nil)
	require.NoError(t, err)
	h, err := mcpapi.New(tools, nil)
	require.NoError(t, err)
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`
	for name, ctx := range map[string]context.Context{
		"no user":   context.Background(),
		"with user": auth.WithUser(context.Background(), "dave"),
	} {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer anything")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if name == "no user" {
			assert.Equal(t, http.StatusUnauthorized, rec.Code, name)
		} else {
			assert.Equal(t, http.StatusOK, rec.Code, "%s: %s", name, rec.Body.String())
			assert.Contains(t, rec.Body.String(), `"add_task"`, name)
		}
	}
}
