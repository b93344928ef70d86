package tasks_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
	"github.com/taskpilotai/taskpilot/pkg/textcheck"
)

// TestControlCharactersAlikeOnEveryStore: a task field with NUL or another
// C0 control character is refused the same way on SQLite and PostgreSQL
// (PostgreSQL used to fail with SQLSTATE 22021, a 500): the Service with a
// 422 naming the field, the store itself (the backstop) with a 400; tab and
// newline in a description are kept.
func TestControlCharactersAlikeOnEveryStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		const u = "hygiene"
		cases := []struct {
			field string
			in    tasks.NewTask
		}{
			{"title", tasks.NewTask{Title: "null\x00byte"}},
			{"title", tasks.NewTask{Title: "bell\x07"}},
			{"description", tasks.NewTask{Title: "ok", Description: "esc\x1b[31m"}},
			{"tags", tasks.NewTask{Title: "ok", Tags: []string{"a\x00b"}}},
		}
		for _, tc := range cases {
			_, err := svc.Add(ctx, u, tc.in)
			ae, ok := apperr.As(err)
			require.True(t, ok, "%s: want a 4xx, got %v", tc.field, err)
			assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)
			assert.Contains(t, ae.Fields, tc.field)
		}
		_, err := svc.List(ctx, u, tasks.Filter{Query: "a\x00"})
		ae, ok := apperr.As(err)
		require.True(t, ok, "search text with NUL: %v", err)
		assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)

		task, err := svc.Add(ctx, u, tasks.NewTask{Title: "Plan", Description: "line one\n\tline two"})
		require.NoError(t, err)
		assert.Equal(t, "line one\n\tline two", task.Description)
		_, err = svc.Update(ctx, u, task.ID, tasks.Patch{Title: ptr("re\x00named")})
		ae, ok = apperr.As(err)
		require.True(t, ok)
		assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)

		// The store's own backstop, for callers that skip the Service.
		store := tasks.NewSQLStore(db)
		_, err = store.Create(ctx, u, tasks.Task{Title: "x\x00", Status: tasks.StatusPending, Priority: tasks.PriorityNone})
		assert.ErrorIs(t, err, textcheck.ErrControl)
		ae, ok = apperr.As(err)
		require.True(t, ok)
		assert.Equal(t, http.StatusBadRequest, ae.Status)
		_, err = store.List(ctx, u, tasks.Filter{Query: "\x00", Status: tasks.FilterAll, Limit: 10}, task.CreatedAt)
		assert.ErrorIs(t, err, textcheck.ErrControl)
		n, err := svc.Count(ctx, u)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "nothing with a control character was stored")
	})
}

// TestTaskQuota: WithMaxTasks caps a user's tasks (422 quota_exceeded);
// other users and deleting make room.
func TestTaskQuota(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		c := newClock()
		svc := tasks.NewService(tasks.NewSQLStore(db), c.Now, tasks.WithMaxTasks(3))
		for i := range 3 {
			_, err := svc.Add(ctx, "quota", tasks.NewTask{Title: "t" + string(rune('a'+i))})
			require.NoError(t, err)
		}
		_, err := svc.Add(ctx, "quota", tasks.NewTask{Title: "one too many"})
		ae, ok := apperr.As(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, http.StatusUnprocessableEntity, ae.Status)
		assert.Equal(t, apperr.CodeQuotaExceeded, ae.Code)
		assert.Contains(t, ae.Message, "you have 3 tasks")
		n, err := svc.Count(ctx, "quota")
		require.NoError(t, err)
		assert.Equal(t, 3, n)

		// The tools explain it to the agent instead of failing the turn.
		tools, err := tasks.NewTools(svc, prometheus.NewRegistry())
		require.NoError(t, err)
		res, err := tools.AddTask(ctx, "quota", tasks.AddArgs{Title: ptr("through a tool")})
		require.NoError(t, err)
		assert.False(t, res.OK)
		assert.Equal(t, tasks.CodeQuotaExceeded, res.Code)
		assert.Contains(t, res.Error, "the most allowed")

		_, err = svc.Add(ctx, "someone-else", tasks.NewTask{Title: "mine"})
		require.NoError(t, err, "the quota is per user")
		_, err = svc.Delete(ctx, "quota", 1)
		require.NoError(t, err)
		again, err := svc.Add(ctx, "quota", tasks.NewTask{Title: "room again", Tags: []string{"x"}})
		require.NoError(t, err)
		assert.Equal(t, int64(4), again.ID, "refused adds used no id")
		got, err := svc.Get(ctx, "quota", again.ID)
		require.NoError(t, err)
		assert.Equal(t, again, got, "what Add returns is what is stored")
	})
}
