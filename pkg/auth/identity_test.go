package auth_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
)

func identify(id auth.Identifier) fiber.Handler {
	return func(c *fiber.Ctx) error {
		user, err := id.Identify(c)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"user": user})
	}
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var cookieKey = []byte("anonymous-cookie-test-key-0123456789abcdef")

func anonymous(t *testing.T, key []byte, adoptLegacy bool) *fiber.App {
	t.Helper()
	id, err := auth.NewAnonymousIdentifier(key, adoptLegacy)
	require.NoError(t, err)
	return newApp(identify(id))
}

// asBrowser sends GET /me with cookie (if any) and returns the user and the
// cookie the server set (nil if none).
func asBrowser(t *testing.T, app *fiber.App, cookie string) (string, *http.Cookie) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: auth.CookieUserID, Value: cookie})
	}
	resp, body := call(t, app, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return body["user"].(string), cookieNamed(resp, auth.CookieUserID)
}

func TestAnonymousIdentifier(t *testing.T) {
	app := anonymous(t, cookieKey, false)

	resp, body := call(t, app, httptest.NewRequest(http.MethodGet, "/me", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	first := body["user"].(string)
	assert.True(t, strings.HasPrefix(first, "anon_"))
	ck := cookieNamed(resp, auth.CookieUserID)
	require.NotNil(t, ck, "a new browser gets the cookie")
	assert.NotContains(t, ck.Value, strings.TrimPrefix(first, "anon_"), "the stored user id is no part of the cookie")
	assert.True(t, strings.HasPrefix(ck.Value, "v1."), "signed cookie: %s", ck.Value)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, ck.SameSite)
	assert.Equal(t, "/", ck.Path)
	assert.False(t, ck.Secure, "plain http")
	assert.Greater(t, ck.MaxAge, int((30 * 24 * time.Hour).Seconds()))

	t.Run("returning browser keeps its id", func(t *testing.T) {
		user, set := asBrowser(t, app, ck.Value)
		assert.Equal(t, first, user)
		assert.Nil(t, set, "no new cookie")
	})
	t.Run("another browser gets another id", func(t *testing.T) {
		user, _ := asBrowser(t, app, "")
		assert.NotEqual(t, first, user)
	})
	tampered := []byte(ck.Value)
	tampered[5] ^= 1
	for name, cookie := range map[string]string{
		"malformed":                  "admin",
		"the stored user id":         first,
		"tampered payload":           string(tampered),
		"mac cut":                    ck.Value[:len(ck.Value)-1],
		"issued under another key":   issue(t, []byte("another-signing-key-0123456789abcdef0123")),
		"legacy unsigned (replaced)": "anon_AAAAAAAAAAAAAAAAAAAAAA",
	} {
		t.Run(name+" is replaced, never adopted", func(t *testing.T) {
			user, set := asBrowser(t, app, cookie)
			assert.NotEqual(t, first, user)
			assert.NotEqual(t, cookie, user)
			require.NotNil(t, set, "a new identity cookie")
			assert.NotEqual(t, cookie, set.Value)
			again, _ := asBrowser(t, app, set.Value)
			assert.Equal(t, user, again, "the replacement works")
		})
	}
	t.Run("secure behind https", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, _ := call(t, app, req)
		ck := cookieNamed(resp, auth.CookieUserID)
		require.NotNil(t, ck)
		assert.True(t, ck.Secure)
	})
}

// issue returns a cookie issued by an identifier with key.
func issue(t *testing.T, key []byte) string {
	t.Helper()
	_, ck := asBrowser(t, anonymous(t, key, false), "")
	require.NotNil(t, ck)
	return ck.Value
}

func TestAnonymousIdentifierAdoptsLegacyCookiesWhenAsked(t *testing.T) {
	const legacy = "anon_AAAAAAAAAAAAAAAAAAAAAA"
	app := anonymous(t, cookieKey, true)
	user, set := asBrowser(t, app, legacy)
	assert.Equal(t, legacy, user, "the legacy user keeps its data")
	require.NotNil(t, set, "re-issued signed")
	assert.True(t, strings.HasPrefix(set.Value, "v1."))
	again, reset := asBrowser(t, app, set.Value)
	assert.Equal(t, legacy, again)
	assert.Nil(t, reset)

	// Once the switch is off, the signed re-issue still works (the server
	// issued it), but a bare legacy cookie no longer does.
	off := anonymous(t, cookieKey, false)
	user, _ = asBrowser(t, off, set.Value)
	assert.Equal(t, legacy, user)
	user, _ = asBrowser(t, off, legacy)
	assert.NotEqual(t, legacy, user)

	user, _ = asBrowser(t, app, "anon_not-the-legacy-shape")
	assert.NotEqual(t, "anon_not-the-legacy-shape", user, "only the legacy shape is adopted")
}

func TestAnonymousIdentifierNeedsAKey(t *testing.T) {
	_, err := auth.NewAnonymousIdentifier([]byte("short"), false)
	require.Error(t, err)
}

func TestJWTIdentifier(t *testing.T) {
	v, err := auth.NewJWTVerifier(t.Context(), auth.JWTOptions{Secret: hostSecret, Now: func() time.Time { return epoch }})
	require.NoError(t, err)
	app := newApp(identify(auth.NewJWTIdentifier(v)))

	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+signHS(t, hostClaims("carol", epoch.Add(time.Hour)), hostSecret))
	resp, body := call(t, app, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "carol", body["user"])
	assert.Nil(t, cookieNamed(resp, auth.CookieUserID), "jwt mode sets no cookie")

	for name, header := range map[string]string{
		"missing": "",
		"invalid": "Bearer " + signHS(t, hostClaims("carol", epoch.Add(time.Hour)), foreignKey),
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/me", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, body := call(t, app, req)
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			assert.Equal(t, "unauthorized", body["error"].(map[string]any)["code"])
		})
	}
}
