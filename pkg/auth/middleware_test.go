package auth_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
)

func newApp(handlers ...fiber.Handler) *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: httpserver.ErrorHandler(slog.New(slog.DiscardHandler))})
	app.Get("/me", handlers...)
	return app
}

func whoAmI(c *fiber.Ctx) error {
	ctxUser, ok := auth.UserFrom(c.UserContext())
	if !ok {
		return fiber.NewError(http.StatusInternalServerError, "no user in context")
	}
	return c.JSON(fiber.Map{"ctx": ctxUser, "locals": c.Locals(auth.LocalUser)})
}

func call(t *testing.T, app *fiber.App, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body), "body %q", raw)
	return resp, body
}

func TestRequireUser(t *testing.T) {
	clk := &clock{t: epoch}
	signer := newSigner(t, testKey, clk)
	session, err := signer.Mint("anon_user")
	require.NoError(t, err)
	hostToken := signHS(t, hostClaims("alice", epoch.Add(time.Hour)), hostSecret)
	hostVerifier, err := auth.NewJWTVerifier(t.Context(), auth.JWTOptions{Secret: hostSecret,
		Now: clk.now})
	require.NoError(t, err)

	anonymousMode := newApp(auth.RequireUser(auth.NewAuthenticator(signer, nil)), whoAmI)
	jwtMode := newApp(auth.RequireUser(auth.NewAuthenticator(signer, hostVerifier)), whoAmI)

	tests := []struct {
		name     string
		app      *fiber.App
		header   string
		wantUser string
	}{
		{name: "session secret", app: anonymousMode, header: "Bearer " + session.Secret, wantUser: "anon_user"},
		{name: "scheme is case-insensitive", app: anonymousMode, header: "bearer " + session.Secret, wantUser: "anon_user"},
		{name: "no header", app: anonymousMode},
		{name: "basic auth", app: anonymousMode, header: "Basic dXNlcjpwYXNz"},
		{name: "host JWT refused outside jwt mode", app: anonymousMode, header: "Bearer " + hostToken},
		{name: "host JWT in jwt mode", app: jwtMode, header: "Bearer " + hostToken, wantUser: "alice"},
		{name: "session secret in jwt mode", app: jwtMode, header: "Bearer " + session.Secret, wantUser: "anon_user"},
		{name: "garbage in jwt mode", app: jwtMode, header: "Bearer nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/me", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, body := call(t, tc.app, req)
			if tc.wantUser == "" {
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
				assert.Equal(t, "unauthorized", body["error"].(map[string]any)["code"])
				assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
				return
			}
			require.Equal(t, http.StatusOK, resp.StatusCode, "body %v", body)
			assert.Equal(t, tc.wantUser, body["ctx"])
			assert.Equal(t, tc.wantUser, body["locals"])
		})
	}

	clk.t = epoch.Add(11 * time.Minute)
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer "+session.Secret)
	resp, body := call(t, jwtMode, req)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, "session secret expired", body["error"].(map[string]any)["message"])
}
