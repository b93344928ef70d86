package tasks_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// Concurrent updates of different fields of one task all hold: an update
// reads the task and writes it in one transaction, so none writes back a
// field another has just changed (a read-then-write outside a transaction
// loses them).
func TestConcurrentUpdatesAreNotLost(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		svc, _ := newService(t, db)
		ctx := context.Background()
		for round := range 20 {
			task, err := svc.Add(ctx, "u", tasks.NewTask{Title: "start"})
			require.NoError(t, err)
			title, desc := "renamed", "described"
			high := tasks.PriorityHigh
			done := tasks.StatusCompleted
			patches := []tasks.Patch{{Title: &title}, {Description: &desc}, {Priority: &high}, {Status: &done}}
			var wg sync.WaitGroup
			for _, p := range patches {
				wg.Go(func() {
					_, err := svc.Update(ctx, "u", task.ID, p)
					assert.NoError(t, err)
				})
			}
			wg.Wait()
			got, err := svc.Get(ctx, "u", task.ID)
			require.NoError(t, err)
			assert.Equal(t, "renamed", got.Title, "round %d", round)
			assert.Equal(t, "described", got.Description, "round %d", round)
			assert.Equal(t, tasks.PriorityHigh, got.Priority, "round %d", round)
			assert.Equal(t, tasks.StatusCompleted, got.Status, "round %d", round)
		}
	})
}
