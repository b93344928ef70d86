package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/config"
)

// TestBinaryStartsServesAndStopsOnSIGTERM builds the real binary, starts it
// on a free port with a temporary data dir, checks that it answers, and
// checks that SIGTERM makes it exit 0.
func TestBinaryStartsServesAndStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "taskpilot")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"LISTEN_ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0",
		"DATABASE_URL=sqlite://"+filepath.Join(dir, "data", "taskpilot.db"),
		"STATIC_DIR="+filepath.Join(dir, "out"),
		"OPENAI_API_KEY=", "CHATKIT_MODE=", "AUTH_MODE=", "REDIS_URL=", "SESSION_SIGNING_KEY=",
		"OTEL_EXPORTER_OTLP_ENDPOINT=",
	)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())

	urlRe := regexp.MustCompile(`running at (http://\S+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	var base string
	select {
	case base = <-found:
	case <-ctx.Done():
	}
	require.NotEmpty(t, base, "the binary prints its URL; stderr:\n%s", stderr.String())

	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"status":"ok"}`, string(body))

	resp, err = http.Post(base+"/api/chatkit/sessions", "application/json", nil)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"mode":"self-hosted"`)

	st, err := os.Stat(filepath.Join(dir, "data", config.SigningKeyFile))
	require.NoError(t, err, "the local signing key is generated in the data dir")
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		t.Fatalf("exit code %d after SIGTERM; stderr:\n%s", exitErr.ExitCode(), stderr.String())
	}
	require.NoError(t, err)
	assert.NotContains(t, stderr.String(), `"level":"ERROR"`)
}
