package sessionsvc_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
)

// TestNoSecretInLogs drives every path that handles a secret, in both
// modes and through upstream failures, at debug level, and then checks that
// none of the secrets involved appears in any log line.
func TestNoSecretInLogs(t *testing.T) {
	logs := &logSink{}
	fake := newFakeOpenAI(t)
	self := newHarnessWithLogs(t, map[string]string{"LOG_LEVEL": "debug"}, logs)
	hosted := newHarnessWithLogs(t, map[string]string{"LOG_LEVEL": "debug", "CHATKIT_MODE": "hosted",
		"OPENAI_API_KEY": apiKey, "OPENAI_BASE_URL": fake.baseURL(), "OPENAI_TIMEOUT": "200ms"}, logs)

	var secrets []string
	first := self.post(t, "")
	user := first.cookie(auth.CookieUserID)
	s := first.session(t)
	secrets = append(secrets, s.ClientSecret)
	refreshed := self.post(t, fmt.Sprintf(`{"existing": %q}`, s.ClientSecret), withCookie(auth.CookieUserID, user)).session(t)
	secrets = append(secrets, refreshed.ClientSecret)
	self.post(t, fmt.Sprintf(`{"existing": %q}`, s.ClientSecret+"x"), withCookie(auth.CookieUserID, "anon_AAAAAAAAAAAAAAAAAAAAAA"))
	req := httptest.NewRequest(http.MethodGet, "/nope", nil)
	req.Header.Set("Authorization", "Bearer "+s.ClientSecret)
	self.do(t, req)

	for _, mode := range []string{"ok", "401", "500", "malformed", "hang", "429"} {
		fake.setMode(mode)
		hosted.post(t, fmt.Sprintf(`{"existing": %q}`, s.ClientSecret), withHeader("Authorization", "Bearer "+s.ClientSecret))
	}
	secrets = append(secrets, fake.allSecrets()...)

	out := logs.String()
	require.Contains(t, out, `"msg":"request"`, "logs were captured")
	require.Contains(t, out, `"msg":"session created"`)
	require.Contains(t, out, "create hosted session failed", "upstream failures are logged")
	for _, secret := range append(secrets, apiKey, signingKey, user) {
		assert.NotContains(t, out, secret)
	}
}
