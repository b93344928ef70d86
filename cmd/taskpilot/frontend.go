package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/startup"
)

// CSPFile is the Content-Security-Policy of the built front end, written
// into the static export by frontend/scripts/csp.mjs (the hashes of the
// export's inline scripts; nginx uses the same build output).
const CSPFile = "csp-policy.txt"

// site is the built front end the all-in-one serves.
type site struct {
	root   string // absolute path; empty when no front end is built
	policy string // Content-Security-Policy for every response
}

// loadSite finds the Next.js static export in dir and its CSP. Without an
// export the API alone is served, under httpserver.APIPolicy. An export
// without csp-policy.txt (built without scripts/csp.mjs) is served without
// a Content-Security-Policy, with a warning: a policy without the hashes
// of its inline scripts would break every page.
func loadSite(dir string, logger *slog.Logger) site {
	root, err := filepath.Abs(dir)
	if err != nil {
		root = dir
	}
	if st, err := os.Stat(filepath.Join(root, "index.html")); err != nil || st.IsDir() {
		logger.Info("front end not built; serving the API only (make run builds it)", slog.String("static_dir", root))
		return site{policy: httpserver.APIPolicy}
	}
	logger.Info("serving the front end", slog.String("static_dir", root))
	raw, err := os.ReadFile(filepath.Join(root, CSPFile))
	policy := strings.TrimSpace(string(raw))
	if err != nil || policy == "" || strings.ContainsAny(policy, "\r\n") {
		logger.Warn("the front end was built without its Content-Security-Policy (frontend/scripts/csp.mjs); pages are served without one: rebuild with make frontend-build",
			slog.String("file", filepath.Join(root, CSPFile)))
		policy = ""
	}
	return site{root: root, policy: policy}
}

// buildFrontend is the front end's startup.Builder: the export found in
// STATIC_DIR, served at / under its own Content-Security-Policy.
func buildFrontend(_ context.Context, env startup.Env) (startup.Service, error) {
	return loadSite(env.Config.StaticDir, env.Logger), nil
}

// Mount serves the site (see mountFrontend).
func (s site) Mount(srv *httpserver.Server) { mountFrontend(srv.App, s) }

// ContentSecurityPolicy is the policy of every response (startup.PolicySetter).
func (s site) ContentSecurityPolicy() string { return s.policy }

// Ready: files on disk need nothing to be ready.
func (site) Ready(context.Context) error { return nil }

// Close: a site holds nothing open.
func (site) Close() {}

// mountFrontend serves the Next.js static export of s at /, when it has
// been built. A path is looked up as a file, then as <path>.html, then as
// <path>/index.html (how `next build` with `output: "export"` lays pages
// out); anything else gets 404.html with status 404. /api/ paths are never
// answered with pages.
func mountFrontend(app *fiber.App, s site) {
	if s.root == "" {
		return
	}
	root := s.root
	handler := func(c *fiber.Ctx) error {
		p := c.Path()
		if strings.HasPrefix(p, "/api/") {
			return fiber.ErrNotFound
		}
		file, status, ok := resolve(root, p)
		if !ok {
			return fiber.ErrNotFound
		}
		if strings.HasPrefix(p, "/_next/static/") {
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else if strings.HasSuffix(file, ".html") {
			c.Set(fiber.HeaderCacheControl, "no-cache")
		}
		c.Status(status)
		if err := c.SendFile(file); err != nil {
			return fmt.Errorf("send %s: %w", file, err)
		}
		return nil
	}
	app.Get("/*", handler)
	app.Head("/*", handler)
}

// resolve maps a URL path to a file under root and the status to send.
func resolve(root, urlPath string) (file string, status int, ok bool) {
	clean := path.Clean("/" + urlPath) // no way out of root
	rel := filepath.FromSlash(strings.TrimPrefix(clean, "/"))
	candidates := []string{
		filepath.Join(root, rel),
		filepath.Join(root, rel) + ".html",
		filepath.Join(root, rel, "index.html"),
	}
	for _, c := range candidates {
		if isFile(c) {
			return c, http.StatusOK, true
		}
	}
	if nf := filepath.Join(root, "404.html"); isFile(nf) {
		return nf, http.StatusNotFound, true
	}
	return "", 0, false
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	if err != nil {
		return false
	}
	return st.Mode().IsRegular()
}
