package chatkit

import (
	"crypto/rand"
	"sync"
	"time"
)

// IDKind selects the prefix of a generated id.
type IDKind string

// Id kinds and their prefixes (the reference's prefixes; the random part is
// longer than the reference's 8 hex chars so ids do not collide).
const (
	IDThread            IDKind = "thr"
	IDMessage           IDKind = "msg"
	IDToolCall          IDKind = "tc"
	IDWorkflow          IDKind = "wf"
	IDTask              IDKind = "tsk"
	IDAttachment        IDKind = "atc"
	IDSDKHiddenContext  IDKind = "shcx"
	idRandomLen                = 20
	idAlphabet                 = "0123456789abcdefghijklmnopqrstuvwxyz"
	idAlphabetRejectMax        = 252 // largest multiple of 36 below 256
)

// NewID returns "<prefix>_" followed by 20 random lowercase alphanumerics
// (about 103 bits of entropy) from crypto/rand.
func NewID(kind IDKind) string {
	out := make([]byte, 0, len(kind)+1+idRandomLen)
	out = append(out, kind...)
	out = append(out, '_')
	var buf [32]byte
	for len(out) < cap(out) {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
		for _, b := range buf {
			if b >= idAlphabetRejectMax {
				continue
			}
			out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			if len(out) == cap(out) {
				break
			}
		}
	}
	return string(out)
}

// MonotonicClock wraps a time source so that successive readings are UTC,
// truncated to microseconds (what SQL stores keep) and strictly increasing.
// Items created in one process therefore sort by created_at exactly in the
// order they were created, even within one microsecond.
type MonotonicClock struct {
	mu   sync.Mutex
	now  func() time.Time
	last time.Time
}

// NewMonotonicClock returns a clock over now (time.Now when nil).
func NewMonotonicClock(now func() time.Time) *MonotonicClock {
	if now == nil {
		now = time.Now
	}
	return &MonotonicClock{now: now}
}

// Now returns the next reading.
func (c *MonotonicClock) Now() time.Time {
	t := c.now().UTC().Truncate(time.Microsecond)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.After(c.last) {
		t = c.last.Add(time.Microsecond)
	}
	c.last = t
	return t
}
