package taskapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// Date-only due dates through REST on both stores: created, read back,
// changed by PATCH (flag alone, a due time alone, null), refused without a
// due date or with a non-boolean, kept across a recurring task's occurrences.
func TestTaskAPIDueAllDay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		app := newApp(t, db)
		const u = "all-day"

		r := do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Dentist","due_at":"2026-12-07T23:59:00-05:00","due_all_day":true}`)
		require.Equal(t, http.StatusCreated, r.status, r.raw)
		assert.Equal(t, true, r.body["due_all_day"])
		assert.Equal(t, "2026-12-08T04:59:00Z", r.body["due_at"])
		r = do(t, app, u, "GET", "/api/v1/tasks/1", "")
		assert.Equal(t, true, r.body["due_all_day"], r.raw)

		r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"due_at":"2026-12-07T17:00:00-05:00"}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, false, r.body["due_all_day"], "a due time alone is a timed due date")
		r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"due_at":"2026-12-08T23:59:00-05:00","due_all_day":true}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, true, r.body["due_all_day"])
		r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"due_all_day":null}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, false, r.body["due_all_day"], "null clears the flag")
		assert.Equal(t, "2026-12-09T04:59:00Z", r.body["due_at"], "and keeps the due date")
		r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"due_all_day":true}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, true, r.body["due_all_day"])
		r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"due_at":null}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Nil(t, r.body["due_at"])
		assert.Equal(t, false, r.body["due_all_day"], "clearing the due date clears the flag")

		r = do(t, app, u, "PATCH", "/api/v1/tasks/1", `{"due_all_day":true}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
		code, fields := errorOf(t, r)
		assert.Equal(t, "validation_failed", code)
		assert.Contains(t, fields["due_all_day"], "needs a due date")
		r = do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Someday","due_all_day":true}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
		_, fields = errorOf(t, r)
		assert.Contains(t, fields["due_all_day"], "needs a due date")
		r = do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Bad","due_at":"2026-12-07T23:59:00Z","due_all_day":"yes"}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
		_, fields = errorOf(t, r)
		assert.Equal(t, "must be true or false", fields["due_all_day"])

		r = do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Bins","due_at":"2026-12-07T23:59:00-05:00","due_all_day":true,
			"recurrence":{"rule":"FREQ=WEEKLY","time_zone":"America/New_York"}}`)
		require.Equal(t, http.StatusCreated, r.status, r.raw)
		id := r.header.Get("Location")
		r = do(t, app, u, "PATCH", id, `{"status":"completed"}`)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.Equal(t, "pending", r.body["status"])
		assert.Equal(t, "2026-12-15T04:59:00Z", r.body["due_at"], "next Monday, 23:59 in New York")
		assert.Equal(t, true, r.body["due_all_day"], "the next occurrence is date-only too")
	})
}
