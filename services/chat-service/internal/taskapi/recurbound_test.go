package taskapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// A rule that never occurs within 10 years of its start is a 422 on
// recurrence, with or without a due date, on create and on change; nothing
// is stored.
func TestTaskAPIRuleThatNeverOccurs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		app := newApp(t, db)
		const u = "never"
		for _, body := range []string{
			`{"title":"Leap","due_at":"2027-01-04T09:00:00Z","recurrence":{"rule":"FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"}}`,
			`{"title":"Leap","recurrence":{"rule":"FREQ=DAILY;BYMONTH=1;BYYEARDAY=200"}}`,
		} {
			r := do(t, app, u, "POST", "/api/v1/tasks", body)
			require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
			code, fields := errorOf(t, r)
			assert.Equal(t, "validation_failed", code)
			assert.Contains(t, fields["recurrence"], "never occurs within 10 years")
		}
		r := do(t, app, u, "GET", "/api/v1/tasks", "")
		assert.Empty(t, listIDs(t, r), "nothing stored")

		r = do(t, app, u, "POST", "/api/v1/tasks", `{"title":"Plain","due_at":"2027-01-04T09:00:00Z"}`)
		require.Equal(t, http.StatusCreated, r.status, r.raw)
		r = do(t, app, u, "PATCH", r.header.Get("Location"), `{"recurrence":{"rule":"FREQ=MONTHLY;BYMONTH=2;BYDAY=5MO"}}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
		_, fields := errorOf(t, r)
		assert.Contains(t, fields["recurrence"], "never occurs within 10 years")
	})
}
