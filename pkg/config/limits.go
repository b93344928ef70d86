package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// Limit defaults (README "Limits and abuse protection"). Each limit is off
// at 0.
const (
	DefaultChatTurnsPerMinute      = 20
	DefaultChatTurnBurst           = 10
	DefaultChatStreamsPerUser      = 3
	DefaultSessionsPerIPPerMinute  = 60
	DefaultMaxMessageChars         = 16000
	DefaultMaxThreadTitleChars     = 200
	DefaultMaxFeedbackItems        = 100
	DefaultMaxThreadsPerUser       = 1000
	DefaultMaxTasksPerUser         = 5000
	DefaultMaxItemsPerThread       = 2000
	DefaultRateLimitRedisKeyPrefix = "taskpilot:ratelimit:"
)

// Limits bound what one client may do (issue 11): rates, concurrency, sizes
// and per-user quotas. Every value is off at 0.
type Limits struct {
	// ChatTurnsPerMinute (CHAT_TURNS_PER_MINUTE) refills each user's
	// token bucket of chat turns; ChatTurnBurst (CHAT_TURN_BURST) is its
	// size. Over it: 429 with Retry-After, before any SSE.
	ChatTurnsPerMinute int
	ChatTurnBurst      int
	// ChatStreamsPerUser (CHAT_STREAMS_PER_USER) caps one user's
	// concurrent turn streams on one replica: 429.
	ChatStreamsPerUser int
	// SessionsPerIPPerMinute (SESSIONS_PER_IP_PER_MINUTE) caps session
	// requests per client address: 429.
	SessionsPerIPPerMinute int
	// TrustedProxies (TRUSTED_PROXIES, comma-separated CIDRs or
	// addresses) are the peers whose X-Forwarded-For names the client.
	TrustedProxies []string
	// RedisKeyPrefix (RATE_LIMIT_REDIS_PREFIX) prefixes every rate-limit
	// key in Redis (releases sharing one Redis, tests).
	RedisKeyPrefix string

	MaxMessageChars     int // MAX_MESSAGE_CHARS: 413
	MaxThreadTitleChars int // MAX_THREAD_TITLE_CHARS: 422
	MaxFeedbackItems    int // MAX_FEEDBACK_ITEMS: 413
	MaxThreadsPerUser   int // MAX_THREADS_PER_USER: 422 quota_exceeded
	MaxTasksPerUser     int // MAX_TASKS_PER_USER: 422 quota_exceeded
	MaxItemsPerThread   int // MAX_ITEMS_PER_THREAD: 422 quota_exceeded
}

// limitVars names each integer limit's variable, for loading and
// validation in one place.
func (lim *Limits) ints() []struct {
	name string
	v    *int
	def  int
} {
	return []struct {
		name string
		v    *int
		def  int
	}{
		{"CHAT_TURNS_PER_MINUTE", &lim.ChatTurnsPerMinute, DefaultChatTurnsPerMinute},
		{"CHAT_TURN_BURST", &lim.ChatTurnBurst, DefaultChatTurnBurst},
		{"CHAT_STREAMS_PER_USER", &lim.ChatStreamsPerUser, DefaultChatStreamsPerUser},
		{"SESSIONS_PER_IP_PER_MINUTE", &lim.SessionsPerIPPerMinute, DefaultSessionsPerIPPerMinute},
		{"MAX_MESSAGE_CHARS", &lim.MaxMessageChars, DefaultMaxMessageChars},
		{"MAX_THREAD_TITLE_CHARS", &lim.MaxThreadTitleChars, DefaultMaxThreadTitleChars},
		{"MAX_FEEDBACK_ITEMS", &lim.MaxFeedbackItems, DefaultMaxFeedbackItems},
		{"MAX_THREADS_PER_USER", &lim.MaxThreadsPerUser, DefaultMaxThreadsPerUser},
		{"MAX_TASKS_PER_USER", &lim.MaxTasksPerUser, DefaultMaxTasksPerUser},
		{"MAX_ITEMS_PER_THREAD", &lim.MaxItemsPerThread, DefaultMaxItemsPerThread},
	}
}

func loadLimits(l *loader) Limits {
	var lim Limits
	for _, f := range lim.ints() {
		*f.v = l.integer(f.name, f.def)
	}
	lim.TrustedProxies = splitList(l.str("TRUSTED_PROXIES", ""))
	lim.RedisKeyPrefix = l.str("RATE_LIMIT_REDIS_PREFIX", DefaultRateLimitRedisKeyPrefix)
	return lim
}

func (lim *Limits) validate() []error {
	var errs []error
	for _, f := range lim.ints() {
		if *f.v < 0 {
			errs = append(errs, &FieldError{Var: f.name, Reason: fmt.Sprintf("must be 0 (off) or positive, got %d", *f.v)})
		}
	}
	for _, p := range lim.TrustedProxies {
		if _, err := parseAddrOrPrefix(p); err != nil {
			errs = append(errs, &FieldError{Var: "TRUSTED_PROXIES", Reason: err.Error()})
		}
	}
	return errs
}

func parseAddrOrPrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("must list CIDRs (10.0.0.0/8) or addresses, got %q", s)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("must list CIDRs (10.0.0.0/8) or addresses, got %q", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
