package tasks_test

import (
	"context"
	"os"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Migration 00012 marks the tasks stored under the earlier convention (a
// date without a time is 23:59 local) as date-only: due at :59 or :29 (a
// whole- or half-hour zone) with no seconds. Other tasks stay timed.
func TestMigrationMarksEndOfDayTasksDateOnly(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		dialect, dir := goose.DialectSQLite3, "../storage/migrations/sqlite"
		if db.Dialect == storage.Postgres {
			dialect, dir = goose.DialectPostgres, "../storage/migrations/postgres"
		}
		p, err := goose.NewProvider(dialect, db.SQL, os.DirFS(dir), goose.WithTableName(storage.MigrationTable),
			goose.WithDisableGlobalRegistry(true))
		require.NoError(t, err)
		_, err = p.UpTo(ctx, 11)
		require.NoError(t, err)

		rows := []struct {
			id  int
			due any
		}{
			{1, "2026-12-08T04:59:00Z"}, // 23:59 in New York
			{2, "2026-12-07T18:29:00Z"}, // 23:59 in Kolkata (+05:30)
			{3, "2026-12-07T22:00:00Z"}, // 5 PM in New York
			{4, "2026-12-07T22:59:30Z"}, // seconds: not the convention
			{5, nil},
		}
		for _, r := range rows {
			_, err := db.SQL.ExecContext(ctx, db.Rebind(`INSERT INTO tasks
(user_id, id, title, status, priority, due_at, created_at, updated_at) VALUES (?, ?, ?, 'pending', 'none', ?, ?, ?)`),
				"mig", r.id, "t", r.due, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z")
			require.NoError(t, err)
		}
		_, err = db.SQL.ExecContext(ctx, db.Rebind(`INSERT INTO task_counters (user_id, last_id) VALUES (?, 5)`), "mig")
		require.NoError(t, err)

		require.NoError(t, db.Migrate(ctx), "the rest, 00012 included, as the service runs them")
		store := tasks.NewSQLStore(db)
		want := map[int64]bool{1: true, 2: true, 3: false, 4: false, 5: false}
		for id, allDay := range want {
			task, err := store.Get(ctx, "mig", id)
			require.NoError(t, err)
			assert.Equal(t, allDay, task.DueAllDay, "task %d due %v", id, task.DueAt)
		}
	}, storage.WithoutMigrations())
}
