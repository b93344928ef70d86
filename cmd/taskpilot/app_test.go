package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/startup"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// writeSite lays out a miniature Next.js static export.
func writeSite(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"index.html":                 "<html>home</html>",
		"404.html":                   "<html>not found page</html>",
		"tasks.html":                 "<html>tasks page</html>",
		"docs/index.html":            "<html>docs index</html>",
		"_next/static/chunks/app.js": "console.log('app')",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
}

func newApp(t *testing.T, env map[string]string) *fiber.App {
	t.Helper()
	dir := t.TempDir()
	full := map[string]string{
		"DATABASE_URL": "sqlite://" + filepath.Join(dir, "data", "taskpilot.db"),
		"STATIC_DIR":   filepath.Join(dir, "out"),
	}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := config.Load(config.MapLookup(full), config.AllInOne)
	require.NoError(t, err)
	lastRegistry = telemetry.NewRegistry()
	composed, err := startup.Compose(context.Background(), startup.Env{Config: cfg, Logger: slog.New(slog.DiscardHandler),
		Registry: lastRegistry, TracerProvider: noop.NewTracerProvider()},
		startup.Options{BodyLimit: binary.BodyLimit}, binary.Services...)
	require.NoError(t, err)
	t.Cleanup(composed.Close)
	return composed.Server.App
}

// lastRegistry is the registry of the app newApp built last.
var lastRegistry *prometheus.Registry

func get(t *testing.T, app *fiber.App, method, path string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func TestAllInOneServesBothServices(t *testing.T) {
	app := newApp(t, nil)

	status, body, _ := get(t, app, http.MethodPost, "/api/chatkit/sessions")
	require.Equal(t, http.StatusOK, status, body)
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &s))
	assert.Equal(t, "self-hosted", s["mode"])

	// chat-service is mounted: its routes authenticate (401), not 404.
	status, _, _ = get(t, app, http.MethodGet, "/api/v1/tasks")
	assert.Equal(t, http.StatusUnauthorized, status)

	for _, p := range []string{"/healthz", "/readyz"} {
		status, _, _ := get(t, app, http.MethodGet, p)
		assert.Equal(t, http.StatusOK, status, p)
	}
	status, _, _ = get(t, app, http.MethodGet, "/metrics")
	assert.Equal(t, http.StatusNotFound, status, "metrics are served on METRICS_ADDR, not the public listener")
	status, body, _ = get(t, app, http.MethodGet, "/")
	assert.Equal(t, http.StatusNotFound, status, "no front end built: API only")
	assert.Contains(t, body, "not_found")
}

func TestAllInOneHostedWithoutKey(t *testing.T) {
	app := newApp(t, map[string]string{"CHATKIT_MODE": "hosted"})
	status, body, _ := get(t, app, http.MethodPost, "/api/chatkit/sessions")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body, "OPENAI_API_KEY")
}

func TestFrontendServing(t *testing.T) {
	dir := t.TempDir()
	writeSite(t, dir)
	app := newApp(t, map[string]string{"STATIC_DIR": dir})

	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string
		wantCache          string
	}{
		{name: "root", method: "GET", path: "/", wantStatus: 200, wantBody: "home", wantCache: "no-cache"},
		{name: "page without extension", method: "GET", path: "/tasks", wantStatus: 200, wantBody: "tasks page"},
		{name: "directory index", method: "GET", path: "/docs", wantStatus: 200, wantBody: "docs index"},
		{name: "asset", method: "GET", path: "/_next/static/chunks/app.js", wantStatus: 200, wantBody: "console.log", wantCache: "immutable"},
		{name: "unknown page", method: "GET", path: "/nope", wantStatus: 404, wantBody: "not found page"},
		{name: "traversal stays inside", method: "GET", path: "/../../../../etc/passwd", wantStatus: 404, wantBody: "not found page"},
		{name: "unknown API path is JSON, not a page", method: "GET", path: "/api/v1/nothing", wantBody: "error"},
		{name: "API still wins", method: "POST", path: "/api/chatkit/sessions", wantStatus: 200, wantBody: "client_secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, h := get(t, app, tc.method, tc.path)
			if tc.wantStatus != 0 {
				assert.Equal(t, tc.wantStatus, status)
			}
			assert.Contains(t, body, tc.wantBody)
			assert.NotContains(t, body, "root:", "never a file outside the site")
			if tc.wantCache != "" {
				assert.Contains(t, h.Get("Cache-Control"), tc.wantCache)
			}
		})
	}
}

// Both services register taskpilot_upstream_request_duration_seconds when
// an API key is set; one process must hold both without a conflict.
func TestAllInOneBuildsWithAnAPIKeyInBothModes(t *testing.T) {
	for _, mode := range []string{"self-hosted", "hosted"} {
		t.Run(mode, func(t *testing.T) {
			app := newApp(t, map[string]string{"CHATKIT_MODE": mode, "OPENAI_API_KEY": "sk-test",
				"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"})
			status, _, _ := get(t, app, http.MethodGet, "/healthz")
			require.Equal(t, http.StatusOK, status)
			families, err := lastRegistry.Gather()
			require.NoError(t, err)
			var names []string
			for _, f := range families {
				names = append(names, f.GetName())
			}
			assert.Contains(t, names, "taskpilot_http_requests_in_flight")
		})
	}
}

// The built front end's policy (frontend/scripts/csp.mjs) is sent on every
// response; an export without one is served without a policy rather than
// with one that would block its inline scripts.
func TestFrontendContentSecurityPolicy(t *testing.T) {
	const policy = "default-src 'self'; script-src 'self' 'sha256-AAAA'; frame-ancestors 'none'"
	withPolicy := t.TempDir()
	writeSite(t, withPolicy)
	require.NoError(t, os.WriteFile(filepath.Join(withPolicy, CSPFile), []byte(policy+"\n"), 0o600))
	without := t.TempDir()
	writeSite(t, without)
	for name, tc := range map[string]struct{ dir, want string }{
		"built with its policy": {withPolicy, policy},
		"built without":         {without, ""},
		"API only":              {filepath.Join(t.TempDir(), "none"), "default-src 'none'; frame-ancestors 'none'"},
	} {
		t.Run(name, func(t *testing.T) {
			app := newApp(t, map[string]string{"STATIC_DIR": tc.dir})
			for _, path := range []string{"/", "/healthz", "/api/v1/tasks"} {
				_, _, h := get(t, app, http.MethodGet, path)
				assert.Equal(t, tc.want, h.Get("Content-Security-Policy"), path)
				assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), path)
				assert.Equal(t, "DENY", h.Get("X-Frame-Options"), path)
			}
		})
	}
}
