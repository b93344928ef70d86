package chatsvc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/config"
)

// The model-token budgets bound what a user, an address or everyone may
// spend on the OpenAI agent per day: once a budget is spent, the next turn
// is refused with 429 before any stream opens; other users keep theirs.
func TestModelTokenBudgets(t *testing.T) {
	for name, tc := range map[string]struct {
		env        map[string]string
		bobRefused bool
	}{
		"per user":        {env: map[string]string{"OPENAI_TOKENS_PER_USER_PER_DAY": "30"}},
		"for the service": {env: map[string]string{"OPENAI_TOKENS_PER_USER_PER_DAY": "0", "OPENAI_TOKENS_PER_DAY": "30"}, bobRefused: true},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			fake := fakeopenai.New(t, openAIKey)
			dir := t.TempDir()
			env := map[string]string{
				"DATABASE_URL":        "sqlite://" + filepath.Join(dir, "chat.db"),
				"DATA_DIR":            dir,
				"SESSION_SIGNING_KEY": signingKey,
				"OPENAI_API_KEY":      openAIKey,
				"OPENAI_BASE_URL":     fake.URL,
			}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, err := config.Load(config.MapLookup(env), config.ChatService)
			require.NoError(t, err)
			url, _ := serve(t, cfg)
			turn := func(user string) *chatkittest.Result {
				res, err := client(url, mint(t, user, nil)).Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate,
					map[string]any{"input": chatkittest.Input("hello")}))
				require.NoError(t, err)
				return res
			}

			// 18 tokens: under the budget of 30, so the second turn runs
			// too and takes alice to 36.
			fake.Enqueue(fakeopenai.Reply("Hi!"), fakeopenai.Reply("Hi again!"))
			for range 2 {
				res := turn("alice")
				require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
			}

			refused := turn("alice")
			require.Equal(t, http.StatusTooManyRequests, refused.Status, "body: %s", refused.Body)
			var body struct {
				Error struct{ Code, Message string }
			}
			require.NoError(t, json.Unmarshal(refused.Body, &body))
			assert.Equal(t, "rate_limited", body.Error.Code)
			assert.Contains(t, body.Error.Message, "midnight UTC")
			retry, err := strconv.Atoi(refused.Header.Get("Retry-After"))
			require.NoError(t, err)
			assert.Greater(t, retry, 0)
			assert.LessOrEqual(t, time.Duration(retry)*time.Second, 24*time.Hour)
			assert.Len(t, fake.Requests(), 2, "a refused turn never reaches the model")

			fake.Enqueue(fakeopenai.Reply("Hello Bob."))
			bob := turn("bob")
			if tc.bobRefused {
				assert.Equal(t, http.StatusTooManyRequests, bob.Status, "the service's budget is everyone's")
			} else {
				assert.Equal(t, http.StatusOK, bob.Status, "bob has a budget of his own: %s", bob.Body)
			}
		})
	}
}

// Every authenticated request counts against the user's request rate
// (API_REQUESTS_PER_MINUTE): ChatKit JSON requests and REST reads alike;
// past it a 429 with Retry-After, other users unaffected.
func TestRequestRatePerUser(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg, err := config.Load(config.MapLookup(map[string]string{
		"DATABASE_URL":            "sqlite://" + filepath.Join(dir, "chat.db"),
		"DATA_DIR":                dir,
		"SESSION_SIGNING_KEY":     signingKey,
		"API_REQUESTS_PER_MINUTE": "4",
	}), config.ChatService)
	require.NoError(t, err)
	url, _ := serve(t, cfg)
	get := func(token string) *http.Response {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/tasks", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp
	}
	alice := mint(t, "alice", nil)
	for range 2 {
		assert.Equal(t, http.StatusOK, get(alice).StatusCode)
	}
	for range 2 {
		res, err := client(url, alice).Do(ctx, chatkittest.Request(chatkit.ReqThreadsList, map[string]any{}))
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.Status)
	}
	refused := get(alice)
	assert.Equal(t, http.StatusTooManyRequests, refused.StatusCode)
	assert.NotEmpty(t, refused.Header.Get("Retry-After"))
	res, err := client(url, alice).Do(ctx, chatkittest.Request(chatkit.ReqThreadsList, map[string]any{}))
	require.NoError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, res.Status, "ChatKit requests share the rate")
	assert.Equal(t, http.StatusOK, get(mint(t, "bob", nil)).StatusCode, "bob has his own")
}
