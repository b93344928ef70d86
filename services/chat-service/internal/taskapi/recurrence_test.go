package taskapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

func TestRecurrenceREST(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		app := newApp(t, db)
		const u = "rest-rec"

		r := do(t, app, u, http.MethodPost, "/api/v1/tasks",
			`{"title":"Pay rent","due_at":"2026-12-01T09:00:00+01:00","recurrence":{"rule":"FREQ=MONTHLY;BYMONTHDAY=1","time_zone":"Europe/Paris"}}`)
		require.Equal(t, http.StatusCreated, r.status, r.raw)
		assert.Equal(t, map[string]any{"rule": "FREQ=MONTHLY;BYMONTHDAY=1", "text": "repeats monthly on the 1st",
			"time_zone": "Europe/Paris", "start": "2026-12-01T08:00:00Z"}, r.body["recurrence"])

		// Completing it moves it to January, still pending.
		r = do(t, app, u, http.MethodPatch, "/api/v1/tasks/1", `{"status":"completed"}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, "pending", r.body["status"])
		assert.Equal(t, "2027-01-01T08:00:00Z", r.body["due_at"])
		r = do(t, app, u, http.MethodGet, "/api/v1/tasks/1/occurrences", "")
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, []any{map[string]any{"due_at": "2026-12-01T08:00:00Z", "completed_at": "2026-11-28T12:00:00Z"}},
			r.body["occurrences"])

		// The task's own JSON can be sent back (text and start are read-only).
		get := do(t, app, u, http.MethodGet, "/api/v1/tasks/1", "")
		back, err := json.Marshal(map[string]any{"recurrence": get.body["recurrence"]})
		require.NoError(t, err)
		r = do(t, app, u, http.MethodPatch, "/api/v1/tasks/1", string(back))
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, get.body["recurrence"], r.body["recurrence"])

		// A list shows it too.
		r = do(t, app, u, http.MethodGet, "/api/v1/tasks", "")
		require.Equal(t, http.StatusOK, r.status, r.raw)
		list, ok := r.body["tasks"].([]any)
		require.True(t, ok)
		require.Len(t, list, 1)
		assert.Contains(t, list[0], "recurrence")

		// null stops the repetition; the key disappears.
		r = do(t, app, u, http.MethodPatch, "/api/v1/tasks/1", `{"recurrence":null}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.NotContains(t, r.body, "recurrence")

		bad := []struct{ body, field, msg string }{
			{`{"title":"x","recurrence":{"rule":"FREQ=HOURLY"}}`, "recurrence", "FREQ must be"},
			{`{"title":"x","recurrence":{"rule":"FREQ=DAILY","time_zone":"Nowhere/Land"}}`, "time_zone", "IANA"},
			{`{"title":"x","recurrence":"FREQ=DAILY"}`, "recurrence", "must be an object"},
			{`{"title":"x","recurrence":{"rule":"FREQ=DAILY","every":2}}`, "recurrence", "must be an object"},
			{`{"title":"x","recurrence":{}}`, "recurrence", "rule is required"},
		}
		for _, b := range bad {
			r = do(t, app, u, http.MethodPost, "/api/v1/tasks", b.body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			errBody, _ := r.body["error"].(map[string]any)
			fieldsMap, _ := errBody["fields"].(map[string]any)
			assert.Contains(t, fieldsMap[b.field], b.msg, b.body)
		}
		r = do(t, app, u, http.MethodGet, "/api/v1/tasks/99/occurrences", "")
		assert.Equal(t, http.StatusNotFound, r.status)
	})
}

func TestRecurrenceRESTZoneHeader(t *testing.T) {
	app := newApp(t, storagetest.SQLite(t))
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/api/v1/tasks",
		strings.NewReader(`{"title":"Water the plants","recurrence":{"rule":"FREQ=WEEKLY;BYDAY=MO"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Test-User", "rest-zone")
	req.Header.Set("X-Timezone", "America/New_York")
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(raw))
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	// Now is Saturday 2026-11-28: next Monday at 9:00 New York time.
	assert.Equal(t, "2026-11-30T14:00:00Z", body["due_at"])
	rec, _ := body["recurrence"].(map[string]any)
	assert.Equal(t, "America/New_York", rec["time_zone"])
	assert.Equal(t, "repeats every Monday", rec["text"])
}

// A rule set by PATCH without a zone of its own is made in the X-Timezone
// zone too; a header that is not an IANA zone is ignored (UTC).
func TestRecurrenceRESTZoneHeaderOnPatch(t *testing.T) {
	app := newApp(t, storagetest.SQLite(t))
	tests := []struct{ name, header, wantZone, wantDue string }{
		{"IANA zone", "America/New_York", "America/New_York", "2026-11-30T14:00:00Z"},
		{"not a zone", "Nowhere/Land", "UTC", "2026-11-30T09:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, app, "rest-zone-patch", http.MethodPost, "/api/v1/tasks", `{"title":"Water the plants"}`)
			require.Equal(t, http.StatusCreated, r.status, r.raw)
			req := httptest.NewRequestWithContext(context.Background(), http.MethodPatch, r.header.Get("Location"),
				strings.NewReader(`{"recurrence":{"rule":"FREQ=WEEKLY;BYDAY=MO"}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Test-User", "rest-zone-patch")
			req.Header.Set("X-Timezone", tc.header)
			resp, err := app.Test(req, -1)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
			var body map[string]any
			require.NoError(t, json.Unmarshal(raw, &body))
			rec, _ := body["recurrence"].(map[string]any)
			assert.Equal(t, tc.wantZone, rec["time_zone"])
			assert.Equal(t, tc.wantDue, body["due_at"], "next Monday at 9:00 in that zone")
		})
	}
}
