package taskapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// TestRequestPreamble: what every handler reads before its own lines (the
// caller, the task id, the body) answers the same on every route, the
// caller first.
func TestRequestPreamble(t *testing.T) {
	app := newApp(t, storagetest.SQLite(t))
	r := do(t, app, "pre", http.MethodPost, "/api/v1/tasks", `{"title":"Existing"}`)
	require.Equal(t, http.StatusCreated, r.status, r.raw)

	tests := []struct {
		name, user, method, target, contentType, body string
		wantStatus                                    int
		wantCode                                      string
	}{
		{"anonymous list", "", "GET", "/api/v1/tasks", "", "", 401, "unauthorized"},
		{"anonymous create with a bad body", "", "POST", "/api/v1/tasks", "text/plain", "x", 401, "unauthorized"},
		{"anonymous get with a bad id", "", "GET", "/api/v1/tasks/abc", "", "", 401, "unauthorized"},
		{"anonymous patch", "", "PATCH", "/api/v1/tasks/1", "application/json", `{"title":"x"}`, 401, "unauthorized"},
		{"anonymous delete", "", "DELETE", "/api/v1/tasks/1", "", "", 401, "unauthorized"},
		{"anonymous occurrences", "", "GET", "/api/v1/tasks/1/occurrences", "", "", 401, "unauthorized"},
		{"id zero", "pre", "GET", "/api/v1/tasks/0", "", "", 400, "invalid_request"},
		{"negative id", "pre", "DELETE", "/api/v1/tasks/-1", "", "", 400, "invalid_request"},
		{"id not a number on occurrences", "pre", "GET", "/api/v1/tasks/one/occurrences", "", "", 400, "invalid_request"},
		{"bad id before a bad body", "pre", "PATCH", "/api/v1/tasks/x", "text/plain", "x", 400, "invalid_request"},
		{"create with another content type", "pre", "POST", "/api/v1/tasks", "text/plain", `{"title":"x"}`, 415, "unsupported_media_type"},
		{"patch with another content type", "pre", "PATCH", "/api/v1/tasks/1", "text/plain", `{"title":"x"}`, 415, "unsupported_media_type"},
		{"patch without a body", "pre", "PATCH", "/api/v1/tasks/1", "application/json", "", 400, "invalid_request"},
		{"patch as a merge patch", "pre", "PATCH", "/api/v1/tasks/1", "application/merge-patch+json", `{"title":"Renamed"}`, 200, ""},
		{"create without a content type", "pre", "POST", "/api/v1/tasks", "", `{"title":"Untyped"}`, 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req := httptest.NewRequestWithContext(context.Background(), tc.method, tc.target, body)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.user != "" {
				req.Header.Set("X-Test-User", tc.user)
			}
			resp, err := app.Test(req, -1)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.StatusCode, string(raw))
			if tc.wantCode != "" {
				assert.Contains(t, string(raw), `"code":"`+tc.wantCode+`"`)
			}
		})
	}
}
