package ratelimit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/ratelimit"
)

// backend builds a limiter and knows how to let time pass for it.
type backend struct {
	name    string
	window  time.Duration
	new     func(t *testing.T, limit int) ratelimit.Limiter
	advance func(t *testing.T, d time.Duration)
}

func memoryBackend() backend {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	return backend{
		name:   "memory",
		window: time.Minute,
		new: func(_ *testing.T, limit int) ratelimit.Limiter {
			return ratelimit.NewMemory(limit, time.Minute, clock)
		},
		advance: func(_ *testing.T, d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() },
	}
}

func miniredisBackend(t *testing.T) backend {
	mr := miniredis.RunT(t)
	client := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	n := 0
	return backend{
		name:   "miniredis",
		window: time.Minute,
		new: func(_ *testing.T, limit int) ratelimit.Limiter {
			n++
			return ratelimit.NewRedis(client, limit, time.Minute, fmt.Sprintf("rl%d:", n))
		},
		advance: func(_ *testing.T, d time.Duration) { mr.FastForward(d) },
	}
}

// realRedisBackend uses the Redis at 127.0.0.1:6379 (started by .ci/run)
// when it answers; windows are short because real time has to pass.
func realRedisBackend(t *testing.T) (backend, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	client, err := ratelimit.OpenRedis(ctx, "redis://127.0.0.1:6379/0")
	if err != nil {
		return backend{}, false
	}
	prefix := fmt.Sprintf("taskpilot-test:%d:%d:", time.Now().UnixNano(), n64())
	t.Cleanup(func() {
		keys, _ := client.Keys(context.Background(), prefix+"*").Result()
		if len(keys) > 0 {
			_ = client.Del(context.Background(), keys...).Err()
		}
		_ = client.Close()
	})
	n := 0
	return backend{
		name:   "redis",
		window: 400 * time.Millisecond,
		new: func(_ *testing.T, limit int) ratelimit.Limiter {
			n++
			return ratelimit.NewRedis(client, limit, 400*time.Millisecond, fmt.Sprintf("%s%d:", prefix, n))
		},
		advance: func(_ *testing.T, d time.Duration) { time.Sleep(d) },
	}, true
}

var counter atomic.Int64

func n64() int64 { return counter.Add(1) }

func backends(t *testing.T) []backend {
	bs := []backend{memoryBackend(), miniredisBackend(t)}
	if b, ok := realRedisBackend(t); ok {
		bs = append(bs, b)
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no Redis answers on 127.0.0.1:6379 (.ci/setup.d/10-services.sh starts it)")
	} else {
		t.Log("no Redis on 127.0.0.1:6379; real-Redis cases skipped (.ci/run starts one)")
	}
	return bs
}

func TestLimiterContract(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()

			t.Run("allows up to the limit, then rejects with retry-after", func(t *testing.T) {
				l := b.new(t, 3)
				for i := 1; i <= 3; i++ {
					res, err := l.Allow(ctx, "alice")
					require.NoError(t, err)
					assert.True(t, res.Allowed, "hit %d", i)
					assert.Equal(t, 3-i, res.Remaining)
					assert.Equal(t, 3, res.Limit)
				}
				res, err := l.Allow(ctx, "alice")
				require.NoError(t, err)
				assert.False(t, res.Allowed)
				assert.Equal(t, 0, res.Remaining)
				assert.Positive(t, res.RetryAfter)
				assert.LessOrEqual(t, res.RetryAfter, b.window)
			})

			t.Run("keys are independent", func(t *testing.T) {
				l := b.new(t, 1)
				r1, err := l.Allow(ctx, "alice")
				require.NoError(t, err)
				r2, err := l.Allow(ctx, "bob")
				require.NoError(t, err)
				assert.True(t, r1.Allowed)
				assert.True(t, r2.Allowed)
				r3, err := l.Allow(ctx, "alice")
				require.NoError(t, err)
				assert.False(t, r3.Allowed)
			})

			t.Run("window resets", func(t *testing.T) {
				l := b.new(t, 1)
				_, err := l.Allow(ctx, "carol")
				require.NoError(t, err)
				res, err := l.Allow(ctx, "carol")
				require.NoError(t, err)
				require.False(t, res.Allowed)
				b.advance(t, b.window+b.window/4)
				res, err = l.Allow(ctx, "carol")
				require.NoError(t, err)
				assert.True(t, res.Allowed, "a new window after the reset")
			})

			t.Run("concurrent hits never exceed the limit", func(t *testing.T) {
				l := b.new(t, 10)
				var allowed atomic.Int32
				var wg sync.WaitGroup
				for range 40 {
					wg.Go(func() {
						res, err := l.Allow(ctx, "dave")
						if err == nil && res.Allowed {
							allowed.Add(1)
						}
					})
				}
				wg.Wait()
				assert.Equal(t, int32(10), allowed.Load())
			})
		})
	}
}

type failingLimiter struct{}

func (failingLimiter) Allow(context.Context, string) (ratelimit.Result, error) {
	return ratelimit.Result{}, errors.New("redis: connection refused")
}

func TestEnforcerMiddleware(t *testing.T) {
	reg := prometheus.NewRegistry()
	enf := ratelimit.NewEnforcer(ratelimit.NewMemory(2, time.Minute, nil), reg, "test-service", nil)
	app := fiber.New(fiber.Config{ErrorHandler: httpserver.ErrorHandler(slog.New(slog.DiscardHandler))})
	app.Get("/x", enf.Middleware(func(c *fiber.Ctx) string { return c.Get("X-User") }), func(c *fiber.Ctx) error {
		return c.SendString("ok")
	})
	get := func(user string) (*http.Response, string) {
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		req.Header.Set("X-User", user)
		resp, err := app.Test(req, -1)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return resp, string(b)
	}
	for range 2 {
		resp, _ := get("u1")
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	resp, body := get("u1")
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.JSONEq(t, `{"error":{"code":"rate_limited","message":"too many requests; retry later"}}`, body)
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.InDelta(t, 60, secs, 1)
	assert.Equal(t, "0", resp.Header.Get("RateLimit-Remaining"))
	assert.InDelta(t, 1, testutil.ToFloat64(mustCounter(t, reg)), 0)

	resp, _ = get("u2")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "other users are unaffected")
}

func mustCounter(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	t.Helper()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "taskpilot_ratelimit_rejected_total",
		Help: "Requests rejected by a rate limit."}, []string{"service"})
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &are)
	return are.ExistingCollector.(*prometheus.CounterVec).WithLabelValues("test-service")
}

func TestEnforcerFailsOpen(t *testing.T) {
	enf := ratelimit.NewEnforcer(failingLimiter{}, prometheus.NewRegistry(), "s", nil)
	assert.NoError(t, enf.Check(context.Background(), nil, "k"))
	off := ratelimit.NewEnforcer(nil, prometheus.NewRegistry(), "s", nil)
	for range 100 {
		require.NoError(t, off.Check(context.Background(), nil, "k"))
	}
}

func TestOpenRedisDoesNotEchoPassword(t *testing.T) {
	_, err := ratelimit.OpenRedis(context.Background(), "redis://:hunter2@%zz")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}
