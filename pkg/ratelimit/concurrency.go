package ratelimit

import (
	"sync"
)

// Concurrency caps how many things (open streams) one key holds at once in
// this process. It is per replica on purpose: a stream lives on one
// connection to one replica, so the count needs no shared state, and a
// crashed replica takes its counts with it (a Redis lease would need a TTL
// and heartbeats, and a lost heartbeat would lock a user out until it
// expired). With N replicas a user may hold up to N times the cap; the
// shared turn rate limit still bounds what those streams cost.
// Hand-written: a counter per key under one mutex (golang.org/x/sync's
// semaphore has no keys, and one per user would need the same map).
type Concurrency struct {
	limit int

	mu   sync.Mutex
	held map[string]int
}

// NewConcurrency allows limit concurrent holds per key (0: no limit).
func NewConcurrency(limit int) *Concurrency {
	return &Concurrency{limit: limit, held: map[string]int{}}
}

// Acquire takes one hold for key. It returns a release func (idempotent)
// and true, or false when key already holds the limit.
func (c *Concurrency) Acquire(key string) (release func(), ok bool) {
	if c == nil || c.limit <= 0 {
		return func() {}, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held[key] >= c.limit {
		return nil, false
	}
	c.held[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.held[key]--; c.held[key] <= 0 {
				delete(c.held, key)
			}
		})
	}, true
}

// Held returns how many holds key has.
func (c *Concurrency) Held(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held[key]
}
