package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// mountFrontend serves the Next.js static export in dir at /, when it has
// been built. A path is looked up as a file, then as <path>.html, then as
// <path>/index.html (how `next build` with `output: "export"` lays pages
// out); anything else gets 404.html with status 404. /api/ paths are never
// answered with pages.
func mountFrontend(app *fiber.App, dir string, logger *slog.Logger) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("static dir %s: %w", dir, err)
	}
	if st, err := os.Stat(filepath.Join(root, "index.html")); err != nil || st.IsDir() {
		logger.Info("front end not built; serving the API only (make run builds it)", slog.String("static_dir", root))
		return nil
	}
	logger.Info("serving the front end", slog.String("static_dir", root))
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
	return nil
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
