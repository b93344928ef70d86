package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// hitScript counts a hit and returns {count, milliseconds until reset}. The
// window starts at the key's first hit; a key left without expiry (never,
// but cheap to guard) gets one.
var hitScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
`)

// Redis is a Limiter whose counts live in Redis, shared by all replicas.
type Redis struct {
	client redis.Scripter
	limit  int
	window time.Duration
	prefix string
}

// NewRedis allows limit hits per key per window, keeping counts under
// prefix+key in Redis.
func NewRedis(client redis.Scripter, limit int, window time.Duration, prefix string) *Redis {
	return &Redis{client: client, limit: limit, window: window, prefix: prefix}
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string) (Result, error) {
	res, err := hitScript.Run(ctx, r.client, []string{r.prefix + key}, r.window.Milliseconds()).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("count rate-limit hit in redis: %w", err)
	}
	if len(res) != 2 {
		return Result{}, fmt.Errorf("count rate-limit hit in redis: unexpected reply %v", res)
	}
	return result(int(res[0]), r.limit, time.Duration(res[1])*time.Millisecond), nil
}

// OpenRedis connects to a redis:// or rediss:// URL and checks the
// connection with PING.
func OpenRedis(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		// The URL may hold a password: don't echo it.
		return nil, fmt.Errorf("parse REDIS_URL: invalid URL")
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("ping redis at %s: %w", opts.Addr, err)
	}
	return client, nil
}
