package config

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
)

// Limit defaults (README "Limits and abuse protection"). Each limit is off
// at 0.
const (
	DefaultChatTurnsPerMinute      = 20
	DefaultChatTurnBurst           = 10
	DefaultChatStreamsPerUser      = 3
	DefaultChatTurnsPerIPPerMinute = 120
	DefaultSessionsPerIPPerMinute  = 60
	DefaultAPIRequestsPerMinute    = 600
	DefaultMaxMessageChars         = 4000
	DefaultMaxThreadTitleChars     = 200
	DefaultMaxFeedbackItems        = 100
	DefaultMaxThreadsPerUser       = 1000
	DefaultMaxTasksPerUser         = 5000
	DefaultMaxItemsPerThread       = 2000
	DefaultRateLimitRedisKeyPrefix = "taskpilot:ratelimit:"
	// A turn of the OpenAI agent with its 30-item history, the system
	// prompt and the tool definitions reads about 3–6k tokens per model
	// call: 500k a day is some hundred turns for one person.
	DefaultTokensPerUserPerDay = 500_000
	DefaultTokensPerIPPerDay   = 2_000_000
)

// Limits bound what one client may do (issue 11): rates, concurrency, sizes
// and per-user quotas. Every value is off at 0.
type Limits struct {
	// ChatTurnsPerMinute (CHAT_TURNS_PER_MINUTE) refills each user's
	// token bucket of chat turns; ChatTurnBurst (CHAT_TURN_BURST) is its
	// size. Over it: 429 with Retry-After, before any SSE.
	ChatTurnsPerMinute int
	ChatTurnBurst      int
	// ChatTurnsPerIPPerMinute (CHAT_TURNS_PER_IP_PER_MINUTE) is the same
	// for all the turns from one client address (a bucket of a minute's
	// worth): a client minting new identities gets a new per-user bucket
	// each time, not a new address.
	ChatTurnsPerIPPerMinute int
	// ChatStreamsPerUser (CHAT_STREAMS_PER_USER) caps one user's
	// concurrent turn streams on one replica: 429.
	ChatStreamsPerUser int
	// APIRequestsPerMinute (API_REQUESTS_PER_MINUTE) is a token bucket of
	// chat-service requests per user (ChatKit JSON requests and turns, the
	// task REST API, MCP), a minute's worth deep: the reads and writes that
	// are not turns are cheap, but not free. 429 with Retry-After.
	APIRequestsPerMinute int
	// SessionsPerIPPerMinute (SESSIONS_PER_IP_PER_MINUTE) caps session
	// requests per client address: 429.
	SessionsPerIPPerMinute int
	// TrustedProxies (TRUSTED_PROXIES, comma-separated CIDRs or
	// addresses) are the peers whose X-Forwarded-For names the client.
	TrustedProxies []string
	// TokensPerUserPerDay (OPENAI_TOKENS_PER_USER_PER_DAY),
	// TokensPerIPPerDay (OPENAI_TOKENS_PER_IP_PER_DAY) and TokensPerDay
	// (OPENAI_TOKENS_PER_DAY, off by default) are daily budgets of model
	// tokens (input + output, as the upstream reports them) per user, per
	// client address and for the whole deployment; a spent budget refuses
	// turns (429) until midnight UTC. They bound the OpenAI bill one client,
	// or everyone, can run up; the offline agent spends none.
	TokensPerUserPerDay int
	TokensPerIPPerDay   int
	TokensPerDay        int
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

// ints names each integer limit's variable, for validation in one place.
func (lim *Limits) ints() map[string]int {
	return map[string]int{
		"CHAT_TURNS_PER_MINUTE":          lim.ChatTurnsPerMinute,
		"CHAT_TURN_BURST":                lim.ChatTurnBurst,
		"CHAT_STREAMS_PER_USER":          lim.ChatStreamsPerUser,
		"CHAT_TURNS_PER_IP_PER_MINUTE":   lim.ChatTurnsPerIPPerMinute,
		"SESSIONS_PER_IP_PER_MINUTE":     lim.SessionsPerIPPerMinute,
		"API_REQUESTS_PER_MINUTE":        lim.APIRequestsPerMinute,
		"MAX_MESSAGE_CHARS":              lim.MaxMessageChars,
		"MAX_THREAD_TITLE_CHARS":         lim.MaxThreadTitleChars,
		"MAX_FEEDBACK_ITEMS":             lim.MaxFeedbackItems,
		"MAX_THREADS_PER_USER":           lim.MaxThreadsPerUser,
		"MAX_TASKS_PER_USER":             lim.MaxTasksPerUser,
		"MAX_ITEMS_PER_THREAD":           lim.MaxItemsPerThread,
		"OPENAI_TOKENS_PER_USER_PER_DAY": lim.TokensPerUserPerDay,
		"OPENAI_TOKENS_PER_IP_PER_DAY":   lim.TokensPerIPPerDay,
		"OPENAI_TOKENS_PER_DAY":          lim.TokensPerDay,
	}
}

func loadLimits(l *loader) Limits {
	return Limits{
		ChatTurnsPerMinute:      l.integer("CHAT_TURNS_PER_MINUTE", DefaultChatTurnsPerMinute),
		ChatTurnBurst:           l.integer("CHAT_TURN_BURST", DefaultChatTurnBurst),
		ChatStreamsPerUser:      l.integer("CHAT_STREAMS_PER_USER", DefaultChatStreamsPerUser),
		ChatTurnsPerIPPerMinute: l.integer("CHAT_TURNS_PER_IP_PER_MINUTE", DefaultChatTurnsPerIPPerMinute),
		SessionsPerIPPerMinute:  l.integer("SESSIONS_PER_IP_PER_MINUTE", DefaultSessionsPerIPPerMinute),
		APIRequestsPerMinute:    l.integer("API_REQUESTS_PER_MINUTE", DefaultAPIRequestsPerMinute),
		TrustedProxies:          splitList(l.str("TRUSTED_PROXIES", "")),
		RedisKeyPrefix:          l.str("RATE_LIMIT_REDIS_PREFIX", DefaultRateLimitRedisKeyPrefix),
		MaxMessageChars:         l.integer("MAX_MESSAGE_CHARS", DefaultMaxMessageChars),
		MaxThreadTitleChars:     l.integer("MAX_THREAD_TITLE_CHARS", DefaultMaxThreadTitleChars),
		MaxFeedbackItems:        l.integer("MAX_FEEDBACK_ITEMS", DefaultMaxFeedbackItems),
		MaxThreadsPerUser:       l.integer("MAX_THREADS_PER_USER", DefaultMaxThreadsPerUser),
		MaxTasksPerUser:         l.integer("MAX_TASKS_PER_USER", DefaultMaxTasksPerUser),
		MaxItemsPerThread:       l.integer("MAX_ITEMS_PER_THREAD", DefaultMaxItemsPerThread),
		TokensPerUserPerDay:     l.integer("OPENAI_TOKENS_PER_USER_PER_DAY", DefaultTokensPerUserPerDay),
		TokensPerIPPerDay:       l.integer("OPENAI_TOKENS_PER_IP_PER_DAY", DefaultTokensPerIPPerDay),
		TokensPerDay:            l.integer("OPENAI_TOKENS_PER_DAY", 0),
	}
}

func (lim *Limits) validate() []error {
	var errs []error
	ints := lim.ints()
	for _, name := range slices.Sorted(maps.Keys(ints)) {
		if v := ints[name]; v < 0 {
			errs = append(errs, &FieldError{Var: name, Reason: fmt.Sprintf("must be 0 (off) or positive, got %d", v)})
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
