package config_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/config"
)

func TestLimitDefaults(t *testing.T) {
	c, err := config.Load(config.MapLookup(nil), config.AllInOne)
	require.NoError(t, err)
	assert.Equal(t, config.Limits{
		ChatTurnsPerMinute: 20, ChatTurnBurst: 10, ChatStreamsPerUser: 3, SessionsPerIPPerMinute: 60,
		ChatTurnsPerIPPerMinute: 120, APIRequestsPerMinute: 600,
		RedisKeyPrefix:  "taskpilot:ratelimit:",
		MaxMessageChars: 4000, MaxThreadTitleChars: 200, MaxFeedbackItems: 100,
		MaxThreadsPerUser: 1000, MaxTasksPerUser: 5000, MaxItemsPerThread: 2000,
		TokensPerUserPerDay: 500_000, TokensPerIPPerDay: 2_000_000,
	}, c.Limits)
}

func TestLimitsOffRaisedAndInvalid(t *testing.T) {
	off := map[string]string{}
	for _, v := range []string{"CHAT_TURNS_PER_MINUTE", "CHAT_TURN_BURST", "CHAT_STREAMS_PER_USER", "CHAT_TURNS_PER_IP_PER_MINUTE",
		"SESSIONS_PER_IP_PER_MINUTE", "MAX_MESSAGE_CHARS", "MAX_THREAD_TITLE_CHARS", "MAX_FEEDBACK_ITEMS",
		"MAX_THREADS_PER_USER", "MAX_TASKS_PER_USER", "MAX_ITEMS_PER_THREAD",
		"OPENAI_TOKENS_PER_USER_PER_DAY", "OPENAI_TOKENS_PER_IP_PER_DAY", "API_REQUESTS_PER_MINUTE"} {
		off[v] = "0"
	}
	off["TRUSTED_PROXIES"] = " 10.0.0.0/8 , 192.168.1.7,fd00::/8 "
	c, err := config.Load(config.MapLookup(off), config.ChatService)
	require.Error(t, err) // SESSION_SIGNING_KEY is required here
	var fe *config.FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "SESSION_SIGNING_KEY", fe.Var, "0 is valid for every limit: %v", err)
	assert.Equal(t, config.Limits{RedisKeyPrefix: "taskpilot:ratelimit:",
		TrustedProxies: []string{"10.0.0.0/8", "192.168.1.7", "fd00::/8"}}, c.Limits)

	c, err = config.Load(config.MapLookup(map[string]string{"CHAT_TURNS_PER_MINUTE": "100000", "MAX_MESSAGE_CHARS": "1000000"}), config.AllInOne)
	require.NoError(t, err)
	assert.Equal(t, 100000, c.Limits.ChatTurnsPerMinute)
	assert.Equal(t, 1000000, c.Limits.MaxMessageChars)

	_, err = config.Load(config.MapLookup(map[string]string{
		"CHAT_TURN_BURST": "-1", "MAX_TASKS_PER_USER": "many", "TRUSTED_PROXIES": "10.0.0.0/33,ingress",
	}), config.AllInOne)
	require.Error(t, err)
	vars := map[string]int{}
	for _, e := range unwrapAll(err) {
		var fe *config.FieldError
		if errors.As(e, &fe) {
			vars[fe.Var]++
		}
	}
	assert.Equal(t, map[string]int{"CHAT_TURN_BURST": 1, "MAX_TASKS_PER_USER": 1, "TRUSTED_PROXIES": 2}, vars, "%v", err)
}

// unwrapAll flattens joined errors.
func unwrapAll(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, unwrapAll(e)...)
	}
	return out
}
