// Package ratelimit limits how often a key (a user id) may do something:
// fixed windows anchored at a key's first hit, counted in memory for one
// process or in Redis (REDIS_URL) so that every replica shares the count.
package ratelimit

import (
	"context"
	"time"
)

// Result is the outcome of one Allow.
type Result struct {
	// Allowed reports whether the hit is within the limit.
	Allowed bool
	// Limit is the number of hits allowed per window.
	Limit int
	// Remaining is how many more hits the window allows.
	Remaining int
	// RetryAfter is how long until the window resets; when Allowed is
	// false, the caller should wait this long.
	RetryAfter time.Duration
}

// Limiter counts hits per key.
type Limiter interface {
	// Allow records one hit for key and reports whether it is allowed.
	Allow(ctx context.Context, key string) (Result, error)
}

func result(count, limit int, reset time.Duration) Result {
	return Result{
		Allowed:    count <= limit,
		Limit:      limit,
		Remaining:  max(limit-count, 0),
		RetryAfter: max(reset, 0),
	}
}
