package ratelimit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/ratelimit"
)

// A daily budget counts what each key spends per UTC day, refuses a key
// that has spent it until the next midnight, and starts afresh then; in
// memory and in Redis alike.
func TestDailyBudget(t *testing.T) {
	mr := miniredis.RunT(t)
	for name, url := range map[string]string{"memory": "", "redis": "redis://" + mr.Addr()} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			backend, err := ratelimit.NewBackend(ctx, url, "budget-test:", nil)
			require.NoError(t, err)
			t.Cleanup(func() { _ = backend.Close() })
			now := time.Date(2026, 12, 6, 22, 0, 0, 0, time.UTC)
			reg := prometheus.NewRegistry()
			b := backend.DailyBudget(100, ratelimit.BudgetOptions{Name: "tokens:", Registry: reg, Service: "test",
				Now: func() time.Time { return now }})

			require.NoError(t, b.Check(ctx, "alice"))
			b.Spend(ctx, "alice", 60)
			require.NoError(t, b.Check(ctx, "alice"), "60 of 100 spent")
			b.Spend(ctx, "alice", 60) // the call that crosses it was already made
			err = b.Check(ctx, "alice")
			ae, ok := apperr.As(err)
			require.True(t, ok, "refused: %v", err)
			assert.Equal(t, apperr.KindRateLimited, ae.Kind)
			assert.Equal(t, 2*time.Hour, ae.RetryAfter, "until midnight UTC")
			assert.NoError(t, b.Check(ctx, "bob"), "every key has its own")
			assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP taskpilot_budget_rejected_total Turns refused because a daily budget (model tokens) was spent, by budget.
# TYPE taskpilot_budget_rejected_total counter
taskpilot_budget_rejected_total{budget="tokens:",service="test"} 1
`), "taskpilot_budget_rejected_total"))

			now = now.Add(2 * time.Hour) // 00:00 UTC the next day
			assert.NoError(t, b.Check(ctx, "alice"), "a new day, a new budget")
		})
	}
}

func TestDailyBudgetOffAndFailingOpen(t *testing.T) {
	ctx := context.Background()
	off, err := ratelimit.NewBackend(ctx, "", "", nil)
	require.NoError(t, err)
	none := off.DailyBudget(0, ratelimit.BudgetOptions{Name: "x"})
	assert.Nil(t, none, "0 is off")
	none.Spend(ctx, "alice", 1e9)
	assert.NoError(t, none.Check(ctx, "alice"))

	mr := miniredis.RunT(t)
	backend, err := ratelimit.NewBackend(ctx, "redis://"+mr.Addr(), "budget-test:", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = backend.Close() })
	reg := prometheus.NewRegistry()
	b := backend.DailyBudget(10, ratelimit.BudgetOptions{Name: "tokens:", Registry: reg, Service: "test"})
	b.Spend(ctx, "alice", 20)
	require.Error(t, b.Check(ctx, "alice"))
	mr.Close()
	assert.NoError(t, b.Check(ctx, "alice"), "Redis down: fail open")
	b.Spend(ctx, "alice", 5)
	assert.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP taskpilot_ratelimit_backend_errors_total Rate-limit checks whose backend (Redis) failed; the request was allowed (fail open).
# TYPE taskpilot_ratelimit_backend_errors_total counter
taskpilot_ratelimit_backend_errors_total{service="test"} 2
`), "taskpilot_ratelimit_backend_errors_total"), "the check and the spend both failed")
}
