package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is an in-process Limiter (one replica, or tests).
type Memory struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	windows   map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	ends  time.Time
	count int
}

// NewMemory allows limit hits per key per window. now is the clock (nil:
// time.Now).
func NewMemory(limit int, window time.Duration, now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{limit: limit, window: window, now: now, windows: map[string]*bucket{}}
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string) (Result, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.nextSweep) {
		for k, w := range m.windows {
			if !now.Before(w.ends) {
				delete(m.windows, k)
			}
		}
		m.nextSweep = now.Add(m.window)
	}
	w, ok := m.windows[key]
	if !ok || !now.Before(w.ends) {
		w = &bucket{ends: now.Add(m.window)}
		m.windows[key] = w
	}
	w.count++
	return result(w.count, m.limit, w.ends.Sub(now)), nil
}
