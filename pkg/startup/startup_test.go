package startup_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/startup"
)

func TestBeginRejectsInvalidConfigNamingTheVariable(t *testing.T) {
	_, err := startup.Begin(context.Background(), config.MapLookup(map[string]string{
		"CHATKIT_MODE": "sideways",
	}), config.SessionService, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CHATKIT_MODE")
}

func TestBeginLogsWarningsAsJSONWithoutSecrets(t *testing.T) {
	var logs bytes.Buffer
	key := strings.Repeat("k", 40)
	p, err := startup.Begin(context.Background(), config.MapLookup(map[string]string{
		"SESSION_SIGNING_KEY": key,
		"CHATKIT_MODE":        "hosted", // without OPENAI_API_KEY: starts, with a warning
	}), config.SessionService, &logs)
	require.NoError(t, err)
	require.NotNil(t, p.Logger)
	require.NoError(t, p.Shutdown(context.Background()))
	assert.Equal(t, config.ModeHosted, p.Config.ChatKitMode)
	assert.Contains(t, logs.String(), `"level":"WARN"`)
	assert.Contains(t, logs.String(), "OPENAI_API_KEY")
	assert.NotContains(t, logs.String(), key)
}
