package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Rate is a token bucket: Per refills Rate tokens, spread evenly, and a key
// may hold up to Burst of them (a burst of Burst hits, then one hit per
// Per/Rate).
type Rate struct {
	Rate  int
	Per   time.Duration
	Burst int
}

// MemoryBucket is a token-bucket Limiter kept in process
// (golang.org/x/time/rate, one limiter per key; idle keys are swept).
type MemoryBucket struct {
	r   Rate
	now func() time.Time

	mu        sync.Mutex
	keys      map[string]*memKey
	nextSweep time.Time
}

type memKey struct {
	lim  *rate.Limiter
	last time.Time
}

// NewMemoryBucket limits each key to r. now is the clock (nil: time.Now).
func NewMemoryBucket(r Rate, now func() time.Time) *MemoryBucket {
	if now == nil {
		now = time.Now
	}
	return &MemoryBucket{r: r, now: now, keys: map[string]*memKey{}}
}

// Allow implements Limiter.
func (m *MemoryBucket) Allow(_ context.Context, key string) (Result, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	// A key idle for Per*Burst/Rate has a full bucket again: forgetting it
	// changes nothing.
	full := m.r.Per * time.Duration(max(m.r.Burst, 1)) / time.Duration(max(m.r.Rate, 1))
	if !now.Before(m.nextSweep) {
		for k, v := range m.keys {
			if now.Sub(v.last) > full {
				delete(m.keys, k)
			}
		}
		m.nextSweep = now.Add(max(full, time.Minute))
	}
	k, ok := m.keys[key]
	if !ok {
		k = &memKey{lim: rate.NewLimiter(rate.Every(m.r.Per/time.Duration(max(m.r.Rate, 1))), m.r.Burst)}
		m.keys[key] = k
	}
	k.last = now
	res := Result{Limit: m.r.Burst}
	rsv := k.lim.ReserveN(now, 1)
	if !rsv.OK() { // burst 0: never
		res.RetryAfter = m.r.Per
		return res, nil
	}
	if d := rsv.DelayFrom(now); d > 0 {
		rsv.CancelAt(now)
		res.RetryAfter = d
		return res, nil
	}
	res.Allowed = true
	res.Remaining = int(k.lim.TokensAt(now))
	return res, nil
}

// RedisBucket is a token-bucket Limiter whose state lives in Redis, shared
// by every replica (GCRA through github.com/go-redis/redis_rate).
type RedisBucket struct {
	lim    *redis_rate.Limiter
	limit  redis_rate.Limit
	prefix string
}

// NewRedisBucket limits each key to r, keeping state under
// "rate:"+prefix+key.
func NewRedisBucket(client redis.UniversalClient, r Rate, prefix string) *RedisBucket {
	return &RedisBucket{lim: redis_rate.NewLimiter(client),
		limit: redis_rate.Limit{Rate: r.Rate, Period: r.Per, Burst: r.Burst}, prefix: prefix}
}

// Allow implements Limiter.
func (b *RedisBucket) Allow(ctx context.Context, key string) (Result, error) {
	res, err := b.lim.Allow(ctx, b.prefix+key, b.limit)
	if err != nil {
		return Result{}, fmt.Errorf("token bucket in redis: %w", err)
	}
	out := Result{Allowed: res.Allowed > 0, Limit: b.limit.Burst, Remaining: max(res.Remaining, 0)}
	if !out.Allowed {
		out.RetryAfter = max(res.RetryAfter, time.Millisecond)
	}
	return out, nil
}
