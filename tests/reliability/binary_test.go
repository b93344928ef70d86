//go:build faults

package reliability_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The real binary, built once per test run into a temporary directory.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// taskpilotBinary builds ./cmd/taskpilot (once) and returns its path.
func taskpilotBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "taskpilot-reliability-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "taskpilot")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/taskpilotai/taskpilot/cmd/taskpilot")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// proc is a running taskpilot binary.
type proc struct {
	URL string
	// Metrics is the base URL of the METRICS_ADDR listener (/metrics is
	// not served on URL).
	Metrics string
	cmd     *exec.Cmd
	stderr  *lockedBuffer
	exited  chan struct{} // closed when the process has exited
	waitErr error         // Wait's result, set before exited closes
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var (
	urlRe     = regexp.MustCompile(`running at (http://\S+)`)
	metricsRe = regexp.MustCompile(`Metrics at (http://\S+)/metrics`)
)

// startBinary runs the binary with a clean environment plus env, and waits
// until it prints its URL.
func startBinary(t *testing.T, env map[string]string) *proc {
	t.Helper()
	bin := taskpilotBinary(t)
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + cmd.Dir, "LISTEN_ADDR=127.0.0.1:0", "LOG_LEVEL=warn",
		"METRICS_ADDR=127.0.0.1:0"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p := &proc{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	require.NoError(t, cmd.Start())
	found := make(chan string, 1)
	metricsFound := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := metricsRe.FindStringSubmatch(sc.Text()); m != nil {
				metricsFound <- m[1]
			}
			if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	select {
	case p.URL = <-found:
		select { // printed before the URL, unless METRICS_ADDR=off
		case p.Metrics = <-metricsFound:
		default:
		}
	case <-p.exited:
		t.Fatalf("the binary exited before serving: %v\n%s", p.waitErr, p.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the binary printed no URL in 60s\n%s", p.stderr.String())
	}
	return p
}

// signal sends sig and returns when the process exits (or timeout), with
// its exit error and how long it took.
func (p *proc) signal(t *testing.T, sig syscall.Signal, timeout time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	require.NoError(t, p.cmd.Process.Signal(sig))
	select {
	case <-p.exited:
		return time.Since(start), p.waitErr
	case <-time.After(timeout):
		t.Fatalf("still running %s after %v\n%s", timeout, sig, p.stderr.String())
		return 0, nil
	}
}
