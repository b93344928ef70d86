package deploytest

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nginxBinary finds nginx (.ci/setup.d/60-nginx.sh installs it); without it
// the test skips, except under CI where it fails.
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("nginx not installed (.ci/setup.d/60-nginx.sh)")
	}
	t.Skip("nginx not installed")
	return ""
}

// deploy/frontend/nginx.conf, as the front-end image runs it: as a non-root
// user with only /tmp writable, serving a Next.js static export
// (trailingSlash: pages are <route>/index.html). The only changes to the
// file are the port, the document root and the /tmp paths, pointed into the
// test's sandbox.
func TestFrontendNginxServesTheExport(t *testing.T) {
	nginx := nginxBinary(t)
	sb := newSandbox(t)
	html := filepath.Join(sb.root, "html")
	files := map[string]string{
		"index.html":                 "<html>home</html>",
		"chatkit/index.html":         "<html>chat page</html>",
		"404.html":                   "<html>not here</html>",
		"_next/static/chunks/app.js": "console.log(1)",
		"_next/static/css/site.css":  "body{}",
	}
	for name, body := range files {
		p := filepath.Join(html, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}

	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "frontend", "nginx.conf"))
	require.NoError(t, err)
	addr := freeAddr(t)
	conf := string(raw)
	// The image's /etc/nginx/csp.conf is written by frontend/scripts/csp.mjs
	// from the build; here, a line of the same shape.
	const policy = "default-src 'self'; script-src 'self' 'sha256-abc='; frame-ancestors 'none'"
	cspConf := filepath.Join(sb.root, "csp.conf")
	require.NoError(t, os.WriteFile(cspConf, []byte(`add_header Content-Security-Policy "`+policy+`" always;`+"\n"), 0o644))
	for _, r := range [][2]string{ // in order: the /tmp paths first
		{" /tmp/", " " + sb.tmp + "/"},
		{"include /etc/nginx/csp.conf;", "include " + cspConf + ";"},
		{"listen 8080;", "listen " + addr + ";"},
		{"root /usr/share/nginx/html;", "root " + html + ";"},
	} {
		require.Contains(t, conf, r[0])
		conf = strings.ReplaceAll(conf, r[0], r[1])
	}
	confPath := filepath.Join(sb.root, "nginx.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))

	// The container's stdout/stderr belong to its user (the config logs to
	// /dev/stdout and /dev/stderr, which nginx reopens): a file owned by
	// that user here, outside the sandbox's /tmp.
	logPath := filepath.Join(sb.root, "nginx.log")
	logFile, err := os.Create(logPath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = logFile.Close() })
	if sb.asNonroot {
		require.NoError(t, os.Chown(logPath, nonrootUID, nonrootUID))
	}
	logs := logReader(logPath)
	run := func(args ...string) *exec.Cmd {
		cmd := exec.Command(nginx, append([]string{"-c", confPath, "-p", sb.cwd, "-e", "stderr"}, args...)...)
		cmd.Dir = sb.cwd
		cmd.Env = []string{"HOME=" + sb.home}
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if sb.asNonroot {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nonrootUID, Gid: nonrootUID, Groups: []uint32{}}}
		}
		return cmd
	}

	// nginx -t, then serve in the foreground.
	require.NoError(t, run("-t").Run(), "nginx -t: %s", logs.String())
	cmd := run("-g", "daemon off;")
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("nginx logs:\n%s", logs.String())
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, err := httpGet(url + "/healthz"); err == nil && code == http.StatusOK {
			break
		}
		require.True(t, time.Now().Before(deadline), "nginx never answered: %s", logs.String())
		time.Sleep(50 * time.Millisecond)
	}

	cases := []struct {
		path, body, cache string
		status            int
	}{
		{"/healthz", "ok\n", "", http.StatusOK},
		{"/", "<html>home</html>", "no-cache", http.StatusOK},
		{"/chatkit", "<html>chat page</html>", "no-cache", http.StatusOK},
		{"/chatkit/", "<html>chat page</html>", "no-cache", http.StatusOK},
		{"/_next/static/chunks/app.js", "console.log(1)", "public, max-age=31536000, immutable", http.StatusOK},
		{"/nope", "<html>not here</html>", "", http.StatusNotFound},
		{"/_next/static/missing.js", "", "", http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res, body := do(t, http.MethodGet, url+tc.path, "", nil)
			assert.Equal(t, tc.status, res.StatusCode)
			if tc.body != "" {
				assert.Equal(t, tc.body, string(body))
			}
			if tc.cache != "" {
				assert.Equal(t, tc.cache, res.Header.Get("Cache-Control"))
			}
			if tc.status == http.StatusOK && tc.path != "/healthz" {
				assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
				assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"))
				assert.Equal(t, policy, res.Header.Get("Content-Security-Policy"))
				assert.Equal(t, "strict-origin-when-cross-origin", res.Header.Get("Referrer-Policy"))
				assert.Empty(t, res.Header.Get("Strict-Transport-Security"), "no HSTS over plain http")
			}
			assert.Equal(t, "nginx", res.Header.Get("Server"), "no version in Server")
		})
	}
	tls, _ := do(t, http.MethodGet, url+"/", "", http.Header{"X-Forwarded-Proto": {"https"}})
	assert.Equal(t, "max-age=31536000; includeSubDomains", tls.Header.Get("Strict-Transport-Security"), "HSTS behind a TLS ingress")
	css, _ := do(t, http.MethodGet, url+"/_next/static/css/site.css", "", nil)
	assert.Equal(t, "text/css", css.Header.Get("Content-Type"))
	assert.Contains(t, logs.String(), `"path":"/chatkit"`, "JSON access log")

	// Only the sandbox's /tmp was written to.
	entries, err := os.ReadDir(sb.cwd)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written in the prefix/working directory")
	tmp, err := os.ReadDir(sb.tmp)
	require.NoError(t, err)
	assert.NotEmpty(t, tmp, "pid and temp files in /tmp")
}

type logReader string

func (p logReader) String() string {
	b, _ := os.ReadFile(string(p))
	return string(b)
}
