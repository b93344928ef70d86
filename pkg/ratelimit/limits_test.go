package ratelimit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// bucketBackends are the token-bucket limiters: memory on a fake clock,
// and real Redis (GCRA through redis_rate, which needs Redis's TIME) when
// one answers.
func bucketBackends(t *testing.T) map[string]func(r ratelimit.Rate) ratelimit.Limiter {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	out := map[string]func(r ratelimit.Rate) ratelimit.Limiter{
		"memory": func(r ratelimit.Rate) ratelimit.Limiter { return ratelimit.NewMemoryBucket(r, clock) },
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	client, err := ratelimit.OpenRedis(ctx, "redis://127.0.0.1:6379/0")
	if err != nil {
		requireRedisOutsideCI(t)
		return out
	}
	prefix := fmt.Sprintf("taskpilot-test:%d:%d:", time.Now().UnixNano(), n64())
	t.Cleanup(func() {
		keys, _ := client.Keys(context.Background(), "rate:"+prefix+"*").Result()
		if len(keys) > 0 {
			_ = client.Del(context.Background(), keys...).Err()
		}
		_ = client.Close()
	})
	n := 0
	out["redis"] = func(r ratelimit.Rate) ratelimit.Limiter {
		n++
		return ratelimit.NewRedisBucket(client, r, fmt.Sprintf("%s%d:", prefix, n))
	}
	return out
}

func requireRedisOutsideCI(t *testing.T) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no Redis answers on 127.0.0.1:6379 (.ci/setup.d/10-services.sh starts it)")
	}
	t.Log("no Redis on 127.0.0.1:6379; real-Redis cases skipped")
}

func TestTokenBucketBurstThenRetryAfter(t *testing.T) {
	for name, newLimiter := range bucketBackends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			// 60 a minute (one a second), burst 5: five at once, then 429.
			l := newLimiter(ratelimit.Rate{Rate: 60, Per: time.Minute, Burst: 5})
			for i := range 5 {
				res, err := l.Allow(ctx, "alice")
				require.NoError(t, err)
				require.True(t, res.Allowed, "hit %d of the burst", i+1)
				assert.Equal(t, 5, res.Limit)
			}
			res, err := l.Allow(ctx, "alice")
			require.NoError(t, err)
			assert.False(t, res.Allowed, "the sixth hit in a burst")
			assert.Positive(t, res.RetryAfter)
			assert.LessOrEqual(t, res.RetryAfter, time.Second, "one token a second")
			other, err := l.Allow(ctx, "bob")
			require.NoError(t, err)
			assert.True(t, other.Allowed, "keys are independent")
		})
	}
}

func TestMemoryBucketRefills(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := ratelimit.NewMemoryBucket(ratelimit.Rate{Rate: 2, Per: time.Minute, Burst: 2}, func() time.Time { return now })
	ctx := context.Background()
	for range 2 {
		res, _ := l.Allow(ctx, "k")
		require.True(t, res.Allowed)
	}
	res, _ := l.Allow(ctx, "k")
	require.False(t, res.Allowed)
	assert.Equal(t, 30*time.Second, res.RetryAfter, "a token every 30s")
	now = now.Add(30 * time.Second)
	res, _ = l.Allow(ctx, "k")
	assert.True(t, res.Allowed, "one token back after 30s")
	res, _ = l.Allow(ctx, "k")
	assert.False(t, res.Allowed, "a refused hit does not use a token, and there is only one")
}

func TestConcurrencyCap(t *testing.T) {
	c := ratelimit.NewConcurrency(2)
	r1, ok := c.Acquire("u")
	require.True(t, ok)
	r2, ok := c.Acquire("u")
	require.True(t, ok)
	_, ok = c.Acquire("u")
	assert.False(t, ok, "a third concurrent hold")
	_, ok = c.Acquire("v")
	assert.True(t, ok, "another key")
	r1()
	r1() // idempotent
	assert.Equal(t, 1, c.Held("u"))
	_, ok = c.Acquire("u")
	assert.True(t, ok, "room after a release")
	r2()

	off := ratelimit.NewConcurrency(0)
	for range 100 {
		_, ok := off.Acquire("u")
		require.True(t, ok)
	}
}

func TestTurnGate(t *testing.T) {
	reg := prometheus.NewRegistry()
	gate := &ratelimit.TurnGate{
		Turns:   ratelimit.NewEnforcer(ratelimit.NewMemoryBucket(ratelimit.Rate{Rate: 60, Per: time.Minute, Burst: 3}, nil), reg, "s", nil),
		Streams: ratelimit.NewConcurrency(2),
	}
	ctx := context.Background()
	rel1, err := gate.AdmitTurn(ctx, "u", "192.0.2.1")
	require.NoError(t, err)
	rel2, err := gate.AdmitTurn(ctx, "u", "192.0.2.1")
	require.NoError(t, err)
	_, err = gate.AdmitTurn(ctx, "u", "192.0.2.1")
	ae, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, http.StatusTooManyRequests, ae.Status)
	assert.Equal(t, ratelimit.StreamsRetryAfter, ae.RetryAfter)
	rel1()
	rel3, err := gate.AdmitTurn(ctx, "u", "192.0.2.1")
	require.NoError(t, err, "the refused turn took no token: the third one is left")
	rel2()
	rel3()
	_, err = gate.AdmitTurn(ctx, "u", "192.0.2.1")
	ae, ok = apperr.As(err)
	require.True(t, ok, "the bucket of 3 is empty: %v", err)
	assert.Equal(t, http.StatusTooManyRequests, ae.Status)
	assert.Positive(t, ae.RetryAfter)
	assert.Equal(t, 0, gate.Streams.Held("u"), "a turn refused by the rate gives its stream slot back")
}

// TestTurnGatePerAddress: new identities from one address share its
// bucket; another address, or an unknown one, does not.
func TestTurnGatePerAddress(t *testing.T) {
	reg := prometheus.NewRegistry()
	gate := &ratelimit.TurnGate{
		Turns:   ratelimit.NewEnforcer(ratelimit.NewMemoryBucket(ratelimit.Rate{Rate: 60, Per: time.Minute, Burst: 10}, nil), reg, "s", nil),
		IPTurns: ratelimit.NewEnforcer(ratelimit.NewMemoryBucket(ratelimit.Rate{Rate: 2, Per: time.Minute, Burst: 2}, nil), reg, "s", nil),
	}
	ctx := context.Background()
	for i := range 2 {
		_, err := gate.AdmitTurn(ctx, fmt.Sprintf("fresh-identity-%d", i), "192.0.2.1")
		require.NoError(t, err)
	}
	_, err := gate.AdmitTurn(ctx, "fresh-identity-3", "192.0.2.1")
	ae, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, http.StatusTooManyRequests, ae.Status)
	assert.InDelta(t, 30*time.Second, ae.RetryAfter, float64(time.Second), "a token every 30 s")
	_, err = gate.AdmitTurn(ctx, "fresh-identity-3", "192.0.2.2")
	assert.NoError(t, err, "another address")
	_, err = gate.AdmitTurn(ctx, "fresh-identity-4", "")
	assert.NoError(t, err, "no address known: the per-user limit only")
}

func TestClientIP(t *testing.T) {
	proxies, err := ratelimit.ParseTrustedProxies([]string{"10.0.0.0/8", "192.168.1.7", "fd00::/8"})
	require.NoError(t, err)
	ip := netip.MustParseAddr
	cases := []struct {
		name string
		peer string
		xff  []string
		want string
	}{
		{"untrusted peer: its header is ignored", "203.0.113.9", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy: the hop it added", "10.1.2.3", []string{"198.51.100.20"}, "198.51.100.20"},
		{"a client-prepended entry is ignored", "10.1.2.3", []string{"1.2.3.4, 198.51.100.20"}, "198.51.100.20"},
		{"a chain of trusted proxies", "10.1.2.3", []string{"198.51.100.20, 192.168.1.7, 10.9.9.9"}, "198.51.100.20"},
		{"several header lines", "10.1.2.3", []string{"1.1.1.1", "198.51.100.20"}, "198.51.100.20"},
		{"trusted proxy without a header", "10.1.2.3", nil, "10.1.2.3"},
		{"garbage stops the walk", "10.1.2.3", []string{"198.51.100.20, not-an-ip"}, "10.1.2.3"},
		{"IPv4-mapped peer", "::ffff:10.1.2.3", []string{"198.51.100.20"}, "198.51.100.20"},
		{"IPv6 proxy", "fd12::1", []string{"2001:db8::5"}, "2001:db8::5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, ip(tc.want), proxies.ClientIP(ip(tc.peer), tc.xff))
		})
	}
	var none *ratelimit.TrustedProxies
	assert.Equal(t, ip("10.1.2.3"), none.ClientIP(ip("10.1.2.3"), []string{"1.2.3.4"}), "no trusted proxies: the peer")
	_, err = ratelimit.ParseTrustedProxies([]string{"10.0.0.0/33"})
	assert.Error(t, err)
	_, err = ratelimit.ParseTrustedProxies([]string{"ingress"})
	assert.Error(t, err)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// flakyLimiter fails while down is set.
type flakyLimiter struct{ down atomic.Bool }

func (f *flakyLimiter) Allow(context.Context, string) (ratelimit.Result, error) {
	if f.down.Load() {
		return ratelimit.Result{}, errors.New("dial tcp 127.0.0.1:1: connection refused")
	}
	return ratelimit.Result{Allowed: true, Limit: 1, Remaining: 1}, nil
}

// TestEnforcerLogsOutageOnceAndCountsIt: a failing backend allows every
// request (fail open), counts each in
// taskpilot_ratelimit_backend_errors_total, and logs once per outage.
func TestEnforcerLogsOutageOnceAndCountsIt(t *testing.T) {
	var logs syncBuffer
	reg := prometheus.NewRegistry()
	fl := &flakyLimiter{}
	fl.down.Store(true)
	enf := ratelimit.NewEnforcer(fl, reg, "svc", slog.New(slog.NewJSONHandler(&logs, nil)))
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { assert.NoError(t, enf.Check(context.Background(), nil, "k")) })
	}
	wg.Wait()
	assert.Equal(t, 1, strings.Count(logs.String(), "rate limiter backend unavailable"), logs.String())
	assert.InDelta(t, 50, testutil.ToFloat64(backendErrors(t, reg)), 0)

	fl.down.Store(false)
	require.NoError(t, enf.Check(context.Background(), nil, "k"))
	assert.Contains(t, logs.String(), "answers again")
	fl.down.Store(true)
	require.NoError(t, enf.Check(context.Background(), nil, "k"))
	assert.Equal(t, 2, strings.Count(logs.String(), "rate limiter backend unavailable"), "a new outage is logged again")
}

func backendErrors(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	t.Helper()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "taskpilot_ratelimit_backend_errors_total",
		Help: "Rate-limit checks whose backend (Redis) failed; the request was allowed (fail open)."}, []string{"service"})
	var are prometheus.AlreadyRegisteredError
	require.ErrorAs(t, reg.Register(c), &are)
	return are.ExistingCollector.(*prometheus.CounterVec).WithLabelValues("svc")
}

// TestBackendUnreachableRedisFailsOpen: a Backend on a Redis that does not
// answer still builds (start-up is not blocked) and its limiters fail fast
// with an error the Enforcer turns into "allowed".
func TestBackendUnreachableRedisFailsOpen(t *testing.T) {
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close() // nothing listens there now
	b, err := ratelimit.NewBackend(context.Background(), "redis://"+addr+"/0", "p:", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	assert.True(t, b.Shared())
	l := b.Bucket("turns:", ratelimit.Rate{Rate: 1, Per: time.Minute})
	_, err = l.Allow(context.Background(), "u")
	require.Error(t, err)
	enf := ratelimit.NewEnforcer(l, prometheus.NewRegistry(), "s", nil)
	for range 5 {
		assert.NoError(t, enf.Check(context.Background(), nil, "u"), "fail open")
	}
	assert.Nil(t, b.Window("w:", 0, time.Minute), "0 turns a limit off")
	assert.Nil(t, b.Bucket("b:", ratelimit.Rate{}), "0 turns a limit off")
	_, err = ratelimit.NewBackend(context.Background(), "redis://:secret@[bad", "p:", nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

// BenchmarkAdmitTurn is what the gate adds to a turn: a stream slot and a
// token from each bucket, in memory and (when one answers) in Redis.
func BenchmarkAdmitTurn(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, bucket func(name string) ratelimit.Limiter) {
		reg := prometheus.NewRegistry()
		gate := &ratelimit.TurnGate{
			Turns:   ratelimit.NewEnforcer(bucket("u:"), reg, "b", nil),
			IPTurns: ratelimit.NewEnforcer(bucket("ip:"), reg, "b", nil),
			Streams: ratelimit.NewConcurrency(3),
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			release, err := gate.AdmitTurn(ctx, "user-"+strconv.Itoa(i%1000), "192.0.2."+strconv.Itoa(i%200))
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	}
	huge := ratelimit.Rate{Rate: 1 << 30, Per: time.Minute, Burst: 1 << 30}
	b.Run("memory", func(b *testing.B) {
		run(b, func(string) ratelimit.Limiter { return ratelimit.NewMemoryBucket(huge, nil) })
	})
	backend, err := ratelimit.NewBackend(ctx, "redis://127.0.0.1:6379/0", fmt.Sprintf("taskpilot-bench:%d:", time.Now().UnixNano()), nil)
	if err != nil || backend.Bucket("probe:", huge) == nil {
		return
	}
	defer backend.Close()
	if _, err := backend.Bucket("probe:", huge).Allow(ctx, "x"); err != nil {
		b.Log("no Redis on 127.0.0.1:6379: redis case skipped")
		return
	}
	b.Run("redis", func(b *testing.B) {
		run(b, func(name string) ratelimit.Limiter { return backend.Bucket(name, huge) })
	})
}
