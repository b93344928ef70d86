package taskapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
	"github.com/taskpilotai/taskpilot/services/chat-service/internal/taskapi"
)

// testUser stands in for the auth middleware: the user is the X-Test-User
// header; without it the request is anonymous.
func testUser(c *fiber.Ctx) error {
	if u := c.Get("X-Test-User"); u != "" {
		c.SetUserContext(auth.WithUser(c.UserContext(), u))
	}
	return c.Next()
}

func newApp(t *testing.T, db *storage.DB) *fiber.App {
	t.Helper()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	svc := tasks.NewService(tasks.NewSQLStore(db), func() time.Time { return now })
	app := httpserver.New(httpserver.Options{Service: "chat-service", Logger: slog.New(slog.DiscardHandler)}).App
	taskapi.New(svc).Routes(app.Group("/api/v1", testUser))
	return app
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func do(t *testing.T, app *fiber.App, user, method, target, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequestWithContext(context.Background(), method, target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out.body), "body: %s", raw)
	}
	return out
}

func listIDs(t *testing.T, r response) []float64 {
	t.Helper()
	list, ok := r.body["tasks"].([]any)
	require.True(t, ok, "body: %s", r.raw)
	out := make([]float64, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)["id"].(float64)
	}
	return out
}

func errorOf(t *testing.T, r response) (code string, fields map[string]any) {
	t.Helper()
	e, ok := r.body["error"].(map[string]any)
	require.True(t, ok, "want an error body, got %s", r.raw)
	f, _ := e["fields"].(map[string]any)
	return e["code"].(string), f
}

func TestTaskAPI(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		app := newApp(t, db)
		const u = "alice"

		t.Run("create", func(t *testing.T) {
			r := do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Submit report","description":"Q4",
				"due_at":"2026-12-04T17:00:00+01:00","priority":"high","tags":["#Work"]}`)
			require.Equal(t, http.StatusCreated, r.status, r.raw)
			assert.Equal(t, "/api/v1/tasks/1", r.header.Get("Location"))
			assert.Equal(t, map[string]any{
				"id": 1.0, "title": "Submit report", "description": "Q4", "status": "pending", "priority": "high",
				"due_at": "2026-12-04T16:00:00Z", "due_all_day": false, "tags": []any{"work"}, "created_at": "2026-11-28T12:00:00Z",
				"updated_at": "2026-11-28T12:00:00Z", "completed_at": nil,
			}, r.body)
			r = do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Buy milk","tags":["shopping"]}`)
			require.Equal(t, http.StatusCreated, r.status, r.raw)
			assert.Equal(t, 2.0, r.body["id"])
			r = do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Old chore","due_at":"2026-11-20T08:00:00Z"}`)
			require.Equal(t, http.StatusCreated, r.status, r.raw)
		})

		t.Run("create validation is 422 per field", func(t *testing.T) {
			r := do(t, app, u, "POST", "/api/v1/tasks", `{"title":"","priority":"mega","due_at":"friday",
				"tags":"work","colour":"red"}`)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			code, fields := errorOf(t, r)
			assert.Equal(t, "validation_failed", code)
			assert.Contains(t, fields, "due_at")
			assert.Contains(t, fields, "tags")
			assert.Equal(t, "unknown field", fields["colour"])

			r = do(t, app, u, "POST", "/api/v1/tasks", `{"description":"no title"}`)
			require.Equal(t, http.StatusUnprocessableEntity, r.status)
			_, fields = errorOf(t, r)
			assert.Equal(t, "is required", fields["title"])

			r = do(t, app, u, "POST", "/api/v1/tasks", `{"title":"  ","priority":"mega"}`)
			require.Equal(t, http.StatusUnprocessableEntity, r.status)
			_, fields = errorOf(t, r)
			assert.Equal(t, "must not be empty", fields["title"])
			assert.Contains(t, fields["priority"], "must be one of")
		})

		t.Run("create rejects non-JSON bodies", func(t *testing.T) {
			r := do(t, app, u, "POST", "/api/v1/tasks", `not json`)
			assert.Equal(t, http.StatusBadRequest, r.status)
			code, _ := errorOf(t, r)
			assert.Equal(t, "invalid_request", code)
			r = do(t, app, u, "POST", "/api/v1/tasks", `[{"title":"x"}]`)
			assert.Equal(t, http.StatusBadRequest, r.status)
		})

		t.Run("list with filters", func(t *testing.T) {
			r := do(t, app, u, "GET", "/api/v1/tasks", "")
			require.Equal(t, http.StatusOK, r.status, r.raw)
			assert.Equal(t, []float64{3, 1, 2}, listIDs(t, r), "sorted by due, none last")
			cases := map[string][]float64{
				"?status=pending":                        {3, 1, 2},
				"?status=completed":                      {},
				"?query=MILK":                            {2},
				"?q=report":                              {1},
				"?tag=work":                              {1},
				"?priority=high":                         {1},
				"?overdue=true":                          {3},
				"?due_before=2026-12-01T00:00:00Z":       {3},
				"?due_after=2026-12-01T00:00:00%2B01:00": {1},
				"?limit=1":                               {3},
			}
			for q, want := range cases {
				r := do(t, app, u, "GET", "/api/v1/tasks"+q, "")
				require.Equal(t, http.StatusOK, r.status, "%s: %s", q, r.raw)
				assert.Equal(t, want, listIDs(t, r), q)
			}
		})

		t.Run("list validation is 422 per field", func(t *testing.T) {
			r := do(t, app, u, "GET", "/api/v1/tasks?status=done&priority=x&due_before=soon&overdue=maybe&limit=0", "")
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			_, fields := errorOf(t, r)
			for _, f := range []string{"due_before", "overdue", "limit"} {
				assert.Contains(t, fields, f)
			}
			r = do(t, app, u, "GET", "/api/v1/tasks?status=done&priority=x", "")
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			_, fields = errorOf(t, r)
			assert.Contains(t, fields, "status")
			assert.Contains(t, fields, "priority")
		})

		t.Run("get", func(t *testing.T) {
			r := do(t, app, u, "GET", "/api/v1/tasks/2", "")
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, "Buy milk", r.body["title"])
			r = do(t, app, u, "GET", "/api/v1/tasks/99", "")
			assert.Equal(t, http.StatusNotFound, r.status)
			code, _ := errorOf(t, r)
			assert.Equal(t, "not_found", code)
			assert.Equal(t, "task 99 does not exist", r.body["error"].(map[string]any)["message"])
			r = do(t, app, u, "GET", "/api/v1/tasks/abc", "")
			assert.Equal(t, http.StatusBadRequest, r.status)
		})

		t.Run("patch fields, complete, reopen, clear with null", func(t *testing.T) {
			r := do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"title":"Urgent: submit report","priority":"urgent",
				"tags":["work","q4"]}`)
			require.Equal(t, http.StatusOK, r.status, r.raw)
			assert.Equal(t, "Urgent: submit report", r.body["title"])
			assert.Equal(t, "urgent", r.body["priority"])
			assert.Equal(t, []any{"work", "q4"}, r.body["tags"])
			assert.Equal(t, "2026-12-04T16:00:00Z", r.body["due_at"], "absent fields stay")

			r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"status":"completed"}`)
			require.Equal(t, http.StatusOK, r.status, r.raw)
			assert.Equal(t, "completed", r.body["status"])
			assert.Equal(t, "2026-11-28T12:00:00Z", r.body["completed_at"])

			r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"status":"pending","due_at":null,"description":null,"tags":null}`)
			require.Equal(t, http.StatusOK, r.status, r.raw)
			assert.Equal(t, "pending", r.body["status"])
			assert.Nil(t, r.body["completed_at"])
			assert.Nil(t, r.body["due_at"])
			assert.Equal(t, "", r.body["description"])
			assert.Equal(t, []any{}, r.body["tags"])

			r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{}`)
			require.Equal(t, http.StatusOK, r.status, "an empty patch changes nothing")
			assert.Equal(t, "Urgent: submit report", r.body["title"])
		})

		t.Run("patch validation and missing ids", func(t *testing.T) {
			r := do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"title":null,"status":"done","priority":null,"due_at":"x","id":5}`)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			_, fields := errorOf(t, r)
			assert.Equal(t, "must not be null", fields["title"])
			assert.Equal(t, "must not be null", fields["priority"])
			assert.Contains(t, fields, "due_at")
			assert.Equal(t, "unknown field", fields["id"])

			r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"status":"done"}`)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			_, fields = errorOf(t, r)
			assert.Contains(t, fields, "status")

			r = do(t, app, u, "PATCH", "/api/v1/tasks/42", `{"title":"x"}`)
			assert.Equal(t, http.StatusNotFound, r.status)
		})

		t.Run("delete returns the deleted task", func(t *testing.T) {
			r := do(t, app, u, "DELETE", "/api/v1/tasks/2", "")
			require.Equal(t, http.StatusOK, r.status, r.raw)
			assert.Equal(t, "Buy milk", r.body["title"])
			r = do(t, app, u, "GET", "/api/v1/tasks/2", "")
			assert.Equal(t, http.StatusNotFound, r.status)
			r = do(t, app, u, "DELETE", "/api/v1/tasks/2", "")
			assert.Equal(t, http.StatusNotFound, r.status)
		})

		t.Run("anonymous requests are 401", func(t *testing.T) {
			r := do(t, app, "", "GET", "/api/v1/tasks", "")
			assert.Equal(t, http.StatusUnauthorized, r.status)
			code, _ := errorOf(t, r)
			assert.Equal(t, "unauthorized", code)
		})
	})
}

// TestTaskAPIIsolation: no REST call ever reaches another user's tasks.
func TestTaskAPIIsolation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		app := newApp(t, db)
		r := do(t, app, "alice", "POST", "/api/v1/tasks", `{"title":"Alice's secret"}`)
		require.Equal(t, http.StatusCreated, r.status)

		r = do(t, app, "bob", "GET", "/api/v1/tasks", "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, []float64{}, listIDs(t, r))
		for _, req := range []struct{ method, body string }{
			{"GET", ""}, {"PATCH", `{"title":"bob's now"}`}, {"DELETE", ""},
		} {
			r := do(t, app, "bob", req.method, "/api/v1/tasks/1", req.body)
			assert.Equal(t, http.StatusNotFound, r.status, req.method)
			assert.NotContains(t, r.raw, "secret", req.method)
		}
		r = do(t, app, "alice", "GET", "/api/v1/tasks/1", "")
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "Alice's secret", r.body["title"])
	})
}
