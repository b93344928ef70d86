package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis client timeouts: a limit check is on every request's path and fails
// open, so an unreachable Redis must cost milliseconds, not go-redis's
// default 5 s dial timeout and three retries.
const (
	redisDialTimeout = 250 * time.Millisecond
	redisIOTimeout   = 250 * time.Millisecond
)

var quietRedisLogs sync.Once

type discardRedisLog struct{}

func (discardRedisLog) Printf(context.Context, string, ...any) {}

// Backend makes limiters that count in memory (one process) or in one
// Redis shared by every replica (REDIS_URL).
type Backend struct {
	client *redis.Client
	prefix string
}

// NewBackend returns a Redis backend when redisURL is set, else a memory
// one. A Redis that does not answer at start-up is logged, not fatal: every
// limiter fails open until it answers (see Enforcer).
func NewBackend(ctx context.Context, redisURL, prefix string, logger *slog.Logger) (*Backend, error) {
	b := &Backend{prefix: prefix}
	if redisURL == "" {
		return b, nil
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		// The URL may hold a password: don't echo it.
		return nil, fmt.Errorf("parse REDIS_URL: invalid URL")
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = redisDialTimeout, redisIOTimeout, redisIOTimeout
	opts.PoolTimeout = redisIOTimeout
	opts.MaxRetries = 1
	// go-redis retries a failed dial 5 times, 100 ms apart, by default.
	opts.DialerRetries, opts.DialerRetryTimeout = 1, 10*time.Millisecond
	// go-redis logs every failed dial through its own global logger: one
	// line per request during an outage. The Enforcer logs an outage once
	// instead.
	quietRedisLogs.Do(func() { redis.SetLogger(discardRedisLog{}) })
	b.client = redis.NewClient(opts)
	if err := b.client.Ping(ctx).Err(); err != nil && logger != nil {
		logger.LogAttrs(ctx, slog.LevelWarn, "redis for rate limits does not answer yet; limits fail open until it does",
			slog.String("addr", opts.Addr), slog.String("error", err.Error()))
	}
	return b, nil
}

// Shared reports whether counts are shared through Redis.
func (b *Backend) Shared() bool { return b.client != nil }

// Window is a fixed-window limiter of limit hits per window, keyed under
// name; nil (no limit) when limit is 0.
func (b *Backend) Window(name string, limit int, window time.Duration) Limiter {
	if limit <= 0 {
		return nil
	}
	if b.client != nil {
		return NewRedis(b.client, limit, window, b.prefix+name)
	}
	return NewMemory(limit, window, time.Now)
}

// Bucket is a token-bucket limiter keyed under name; nil (no limit) when
// r.Rate is 0. A zero burst means a burst of r.Rate.
func (b *Backend) Bucket(name string, r Rate) Limiter {
	if r.Rate <= 0 {
		return nil
	}
	if r.Burst <= 0 {
		r.Burst = r.Rate
	}
	if b.client != nil {
		return NewRedisBucket(b.client, r, b.prefix+name)
	}
	return NewMemoryBucket(r, time.Now)
}

// Close releases the Redis client.
func (b *Backend) Close() error {
	if b.client == nil {
		return nil
	}
	return b.client.Close()
}
