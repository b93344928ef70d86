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

func TestAnonymousIdentifier(t *testing.T) {
	app := newApp(identify(auth.NewAnonymousIdentifier()))

	resp, body := call(t, app, httptest.NewRequest(http.MethodGet, "/me", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	first := body["user"].(string)
	assert.True(t, strings.HasPrefix(first, "anon_"))
	ck := cookieNamed(resp, auth.CookieUserID)
	require.NotNil(t, ck, "a new browser gets the cookie")
	assert.Equal(t, first, ck.Value)
	assert.True(t, ck.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, ck.SameSite)
	assert.Equal(t, "/", ck.Path)
	assert.False(t, ck.Secure, "plain http")
	assert.Greater(t, ck.MaxAge, int((30 * 24 * time.Hour).Seconds()))

	t.Run("returning browser keeps its id", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.AddCookie(&http.Cookie{Name: auth.CookieUserID, Value: first})
		resp, body := call(t, app, req)
		assert.Equal(t, first, body["user"])
		assert.Nil(t, cookieNamed(resp, auth.CookieUserID), "no new cookie")
	})
	t.Run("another browser gets another id", func(t *testing.T) {
		_, body := call(t, app, httptest.NewRequest(http.MethodGet, "/me", nil))
		assert.NotEqual(t, first, body["user"])
	})
	t.Run("malformed cookie is replaced", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.AddCookie(&http.Cookie{Name: auth.CookieUserID, Value: "admin"})
		resp, body := call(t, app, req)
		assert.NotEqual(t, "admin", body["user"])
		require.NotNil(t, cookieNamed(resp, auth.CookieUserID))
	})
	t.Run("secure behind https", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, _ := call(t, app, req)
		ck := cookieNamed(resp, auth.CookieUserID)
		require.NotNil(t, ck)
		assert.True(t, ck.Secure)
	})
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
