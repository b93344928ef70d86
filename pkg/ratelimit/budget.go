package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Budget is a daily allowance per key (model tokens per user, per client
// address, or for the whole deployment): what a key spent since 00:00 UTC
// is counted, and once it reaches the allowance the key is refused until
// the next UTC midnight. Spending is recorded after the fact (a model call
// reports its tokens when it ends), so the last call of a day may take a
// key past its allowance; the next check refuses it.
//
// Counts live in Redis when the Backend has one (shared by every replica)
// and in memory otherwise. A failing Redis fails open, like the rate
// limits, and is counted in taskpilot_ratelimit_backend_errors_total.
type Budget struct {
	name  string
	limit int64
	store budgetStore
	now   func() time.Time

	rejected prometheus.Counter
	outage   *outage
}

// budgetStore keeps what each key spent on one day.
type budgetStore interface {
	spent(ctx context.Context, key string, day time.Time) (int64, error)
	spend(ctx context.Context, key string, day time.Time, n int64) error
}

// BudgetOptions names a Budget and gives it its metrics.
type BudgetOptions struct {
	// Name keys the counts ("tokens-user:") and labels the rejections.
	Name     string
	Registry prometheus.Registerer
	Service  string
	Logger   *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// DailyBudget is a Budget of limit per key and UTC day; nil (no budget)
// when limit is 0.
func (b *Backend) DailyBudget(limit int64, o BudgetOptions) *Budget {
	if limit <= 0 {
		return nil
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var store budgetStore = &memoryBudget{}
	if b.client != nil {
		store = &redisBudget{client: b.client, prefix: b.prefix + o.Name}
	}
	rejected := telemetry.MustRegister(o.Registry, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_budget_rejected_total",
		Help: "Turns refused because a daily budget (model tokens) was spent, by budget.",
	}, []string{"service", "budget"}))
	return &Budget{name: o.Name, limit: limit, store: store, now: o.Now,
		rejected: rejected.WithLabelValues(o.Service, o.Name),
		outage:   newOutage(o.Registry, o.Service, "budget "+o.Name, o.Logger)}
}

// day is the UTC day t falls in.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Check is nil while key has allowance left today, else a 429
// *apperr.Error whose RetryAfter is the next UTC midnight. A nil Budget
// allows everything.
func (b *Budget) Check(ctx context.Context, key string) error {
	if b == nil || key == "" {
		return nil
	}
	now := b.now()
	spent, err := b.store.spent(ctx, key, day(now))
	if b.outage.failed(ctx, err) {
		return nil
	}
	if spent < b.limit {
		return nil
	}
	b.rejected.Inc()
	e := apperr.RateLimited(day(now).AddDate(0, 0, 1).Sub(now))
	e.Message = "today's allowance for the assistant is used up; it renews at midnight UTC"
	return e
}

// Spend adds n to what key spent today.
func (b *Budget) Spend(ctx context.Context, key string, n int64) {
	if b == nil || key == "" || n <= 0 {
		return
	}
	b.outage.failed(ctx, b.store.spend(ctx, key, day(b.now()), n))
}

// memoryBudget counts in process; a new day forgets the last.
type memoryBudget struct {
	mu   sync.Mutex
	day  time.Time
	used map[string]int64
}

func (m *memoryBudget) roll(d time.Time) {
	if !m.day.Equal(d) {
		m.day, m.used = d, map[string]int64{}
	}
}

func (m *memoryBudget) spent(_ context.Context, key string, d time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(d)
	return m.used[key], nil
}

func (m *memoryBudget) spend(_ context.Context, key string, d time.Time, n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll(d)
	m.used[key] += n
	return nil
}

// redisBudget counts under <prefix><key>:<yyyymmdd>, kept two days.
type redisBudget struct {
	client *redis.Client
	prefix string
}

func (r *redisBudget) key(key string, d time.Time) string {
	return r.prefix + key + ":" + d.Format("20060102")
}

func (r *redisBudget) spent(ctx context.Context, key string, d time.Time) (int64, error) {
	v, err := r.client.Get(ctx, r.key(key, d)).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read budget in redis: %w", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read budget in redis: %w", err)
	}
	return n, nil
}

func (r *redisBudget) spend(ctx context.Context, key string, d time.Time, n int64) error {
	k := r.key(key, d)
	pipe := r.client.TxPipeline()
	pipe.IncrBy(ctx, k, n)
	pipe.Expire(ctx, k, 48*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("spend budget in redis: %w", err)
	}
	return nil
}
