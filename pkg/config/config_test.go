package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/config"
)

func TestDefaults(t *testing.T) {
	c, err := config.Load(config.MapLookup(nil), config.AllInOne)
	require.NoError(t, err)
	assert.Equal(t, config.ModeSelfHosted, c.ChatKitMode)
	assert.Equal(t, "wf_6946b383d368819081b556e6e5fa66330d48d0c9ea4fccd8", c.WorkflowID)
	assert.Equal(t, "gpt-4.1", c.Model)
	assert.InDelta(t, 0.7, c.Temperature, 1e-9)
	assert.Equal(t, []string{"http://localhost:3000"}, c.FrontendURLs)
	assert.Equal(t, "sqlite://./data/taskpilot.db", c.DatabaseURL.Reveal())
	assert.Equal(t, "data", c.DataDir)
	assert.Equal(t, 10*time.Minute, c.SessionTTL)
	assert.Equal(t, config.AuthAnonymous, c.AuthMode)
	assert.Equal(t, ":8000", c.ListenAddr)
	assert.Equal(t, 30, c.RateLimitPerMinute)
	assert.Equal(t, config.APIStyleResponses, c.OpenAIAPIStyle)
	assert.Equal(t, time.Duration(0), c.SSEKeepAlive)
	assert.Equal(t, slog.LevelInfo, c.LogLevel)
	assert.Equal(t, "taskpilot", c.OTelServiceName)
	assert.Equal(t, "frontend/out", c.StaticDir)

	svc, err := config.Load(config.MapLookup(map[string]string{"SESSION_SIGNING_KEY": strings.Repeat("k", 32)}), config.SessionService)
	require.NoError(t, err)
	assert.Equal(t, ":8080", svc.ListenAddr)
	assert.Equal(t, "session-service", svc.OTelServiceName)
}

func TestOverrides(t *testing.T) {
	env := map[string]string{
		"CHATKIT_MODE":                "hosted",
		"OPENAI_API_KEY":              "sk-test-1234567890",
		"OPENAI_BASE_URL":             "http://127.0.0.1:9999/v1",
		"OPENAI_API_STYLE":            "chat_completions",
		"CHATKIT_WORKFLOW_ID":         "wf_abc",
		"CHATKIT_MODEL":               "gpt-4o-mini",
		"CHATKIT_TEMPERATURE":         "0.2",
		"FRONTEND_URL":                "http://localhost:3000, https://app.example.com",
		"DATABASE_URL":                "postgres://postgres@127.0.0.1:5432/test",
		"SESSION_SIGNING_KEY":         strings.Repeat("s", 40),
		"SESSION_TTL":                 "15m",
		"AUTH_MODE":                   "jwt",
		"AUTH_JWKS_URL":               "https://idp.example.com/.well-known/jwks.json",
		"LISTEN_ADDR":                 "127.0.0.1:9000",
		"REDIS_URL":                   "redis://:pw@127.0.0.1:6379/0",
		"RATE_LIMIT_PER_MINUTE":       "5",
		"SSE_KEEPALIVE_INTERVAL":      "15s",
		"LOG_LEVEL":                   "debug",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
	}
	c, err := config.Load(config.MapLookup(env), config.ChatService)
	require.NoError(t, err)
	assert.Equal(t, config.ModeHosted, c.ChatKitMode)
	assert.Equal(t, "sk-test-1234567890", c.OpenAIAPIKey.Reveal())
	assert.Equal(t, []string{"http://localhost:3000", "https://app.example.com"}, c.FrontendURLs)
	assert.Equal(t, 15*time.Minute, c.SessionTTL)
	assert.Equal(t, config.AuthJWT, c.AuthMode)
	assert.Equal(t, 5, c.RateLimitPerMinute)
	assert.Equal(t, 15*time.Second, c.SSEKeepAlive)
	assert.Equal(t, slog.LevelDebug, c.LogLevel)
	assert.Equal(t, "data", c.DataDir)
}

func TestHostedWithoutKeyStartsWithAWarning(t *testing.T) {
	c, err := config.Load(config.MapLookup(map[string]string{"CHATKIT_MODE": "hosted"}), config.AllInOne)
	require.NoError(t, err, "a missing key must not stop start-up")
	assert.Contains(t, strings.Join(c.Warnings(), "\n"), "OPENAI_API_KEY")
}

func TestValidateNamesEveryProblem(t *testing.T) {
	env := map[string]string{
		"CHATKIT_MODE":          "cloud",
		"OPENAI_API_STYLE":      "soap",
		"OPENAI_BASE_URL":       "not a url",
		"CHATKIT_TEMPERATURE":   "hot",
		"FRONTEND_URL":          "localhost:3000,*",
		"DATABASE_URL":          "mysql://x",
		"SESSION_SIGNING_KEY":   "short",
		"SESSION_TTL":           "forever",
		"AUTH_MODE":             "jwt",
		"LISTEN_ADDR":           "8000",
		"REDIS_URL":             "http://user:supersecretpw@x",
		"RATE_LIMIT_PER_MINUTE": "-1",
		"LOG_LEVEL":             "loud",
	}
	_, err := config.Load(config.MapLookup(env), config.SessionService)
	require.Error(t, err)
	msg := err.Error()
	for _, v := range []string{"CHATKIT_MODE", "OPENAI_API_STYLE", "OPENAI_BASE_URL", "CHATKIT_TEMPERATURE",
		"FRONTEND_URL", "DATABASE_URL", "SESSION_SIGNING_KEY", "SESSION_TTL", "AUTH_JWT_SECRET",
		"LISTEN_ADDR", "REDIS_URL", "RATE_LIMIT_PER_MINUTE", "LOG_LEVEL"} {
		assert.Contains(t, msg, v+": ", "problem with %s reported", v)
	}
	assert.NotContains(t, msg, "supersecretpw", "secrets are never echoed")
	assert.NotContains(t, msg, `"short"`)

	var fe *config.FieldError
	assert.True(t, errors.As(err, &fe))
}

func TestServicesRequireSigningKey(t *testing.T) {
	for _, target := range []config.Target{config.SessionService, config.ChatService} {
		_, err := config.Load(config.MapLookup(nil), target)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "SESSION_SIGNING_KEY: is required")
	}
	_, err := config.Load(config.MapLookup(nil), config.AllInOne)
	assert.NoError(t, err, "the all-in-one generates its key")
}

func TestSecretsNeverPrint(t *testing.T) {
	const key = "sk-live-abcdefghijklmnop"
	c, err := config.Load(config.MapLookup(map[string]string{
		"OPENAI_API_KEY":      key,
		"SESSION_SIGNING_KEY": strings.Repeat("z", 32) + "sigkeyvalue",
		"AUTH_MODE":           "jwt",
		"AUTH_JWT_SECRET":     "jwt-secret-value-123",
		"REDIS_URL":           "redis://:redispw@localhost:6379",
		"DATABASE_URL":        "postgres://app:dbpassword@db:5432/tp",
	}), config.AllInOne)
	require.NoError(t, err)

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c, "key", c.OpenAIAPIKey)
	js, err := json.Marshal(c)
	require.NoError(t, err)
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", c),
		"%+v":  fmt.Sprintf("%+v", *c),
		"%#v":  fmt.Sprintf("%#v", *c),
		"%s":   fmt.Sprintf("%s", c.OpenAIAPIKey),
		"%x":   fmt.Sprintf("%x", c.OpenAIAPIKey),
		"%q":   fmt.Sprintf("%q", c.AuthJWTSecret),
		"json": string(js),
		"slog": logs.String(),
	}
	for name, out := range outputs {
		for _, secret := range []string{key, "sigkeyvalue", "jwt-secret-value-123", "redispw", "dbpassword"} {
			assert.NotContains(t, out, secret, "%s output leaks %q", name, secret)
		}
	}
	assert.Contains(t, logs.String(), `"openai_api_key":"set"`)
	assert.Contains(t, outputs["json"], "[redacted]")
}

func TestSigningKeyGeneratedOnceAndKeptPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c, err := config.Load(config.MapLookup(map[string]string{
		"DATABASE_URL": "sqlite://" + filepath.Join(dir, "taskpilot.db")}), config.AllInOne)
	require.NoError(t, err)
	assert.Equal(t, dir, c.DataDir)

	k1, err := c.SigningKey()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(k1.Reveal()), 32)
	st, err := os.Stat(filepath.Join(dir, config.SigningKeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	k2, err := c.SigningKey()
	require.NoError(t, err)
	assert.Equal(t, k1.Reveal(), k2.Reveal(), "restarts keep the key (secrets stay valid)")

	c.SessionSigningKey = config.NewSecret(strings.Repeat("e", 32))
	k3, err := c.SigningKey()
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("e", 32), k3.Reveal(), "the variable wins")

	require.NoError(t, os.WriteFile(filepath.Join(dir, config.SigningKeyFile), []byte("tiny"), 0o600))
	c.SessionSigningKey = config.Secret{}
	_, err = c.SigningKey()
	assert.ErrorContains(t, err, "need at least 32")
}

func TestWarnings(t *testing.T) {
	key := strings.Repeat("k", 32)
	chat, err := config.Load(config.MapLookup(map[string]string{"SESSION_SIGNING_KEY": key}), config.ChatService)
	require.NoError(t, err)
	assert.Contains(t, strings.Join(chat.Warnings(), "\n"), "SQLite", "chat-service replicas need PostgreSQL")

	sess, err := config.Load(config.MapLookup(map[string]string{"SESSION_SIGNING_KEY": key}), config.SessionService)
	require.NoError(t, err)
	assert.NotContains(t, strings.Join(sess.Warnings(), "\n"), "SQLite", "session-service has no store")

	local, err := config.Load(config.MapLookup(nil), config.AllInOne)
	require.NoError(t, err)
	assert.Empty(t, local.Warnings(), "the local defaults are fine")
}
