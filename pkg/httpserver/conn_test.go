package httpserver_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
)

// waitClosed reads from c until the server closes it (EOF or reset) and
// fails the test if that takes longer than bound (a hang guard, not a
// timing assertion: the server's limit is far below it).
func waitClosed(t *testing.T, c net.Conn, bound time.Duration) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(bound)))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if err != nil && errorsAs(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %s", bound)
	}
}

func errorsAs(err error, target *net.Error) bool {
	ne, ok := err.(net.Error) //nolint:errorlint // net.Conn errors are not wrapped
	if ok {
		*target = ne
	}
	return ok
}

func TestSilentConnectionsAreClosedAfterTheReadTimeout(t *testing.T) {
	f := newFixture(t, func(o *httpserver.Options) {
		o.Limits = &httpserver.ConnLimits{ReadTimeout: 200 * time.Millisecond, IdleTimeout: time.Minute}
	})
	base, _, _ := serve(t, f.srv, 0)
	addr := strings.TrimPrefix(base, "http://")
	conns := make([]net.Conn, 20)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		conns[i] = c
	}
	for _, c := range conns {
		waitClosed(t, c, 20*time.Second)
	}
	// A connection that does talk is served as before.
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// endless is a stream body that never ends by itself and reports Close.
type endless struct{ closed chan struct{} }

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, strings.Repeat("data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\n", 64))
	return n, nil
}

func (e *endless) Close() error { close(e.closed); return nil }

// dialSmall connects with a small receive buffer, so that a peer writing
// to an unread connection blocks soon.
func dialSmall(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestAStalledWriteClosesTheConnectionAndItsStream(t *testing.T) {
	f := newFixture(t, func(o *httpserver.Options) {
		o.Limits = &httpserver.ConnLimits{ReadTimeout: time.Minute, WriteStall: 300 * time.Millisecond}
	})
	body := &endless{closed: make(chan struct{})}
	f.app.Get("/stream", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/event-stream")
		c.Context().SetBodyStream(body, -1)
		return nil
	})
	base, _, _ := serve(t, f.srv, 0)
	c := dialSmall(t, strings.TrimPrefix(base, "http://"))
	_, err := c.Write([]byte("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	// The client never reads: the server's writes fill the socket buffers
	// and block, the stall timeout fails one, and the stream is closed.
	select {
	case <-body.closed:
	case <-time.After(30 * time.Second):
		t.Fatal("the stream of a client that stopped reading is still open")
	}
	waitClosed(t, c, 20*time.Second)
}

func TestConnectionsPerIPAreCapped(t *testing.T) {
	f := newFixture(t, func(o *httpserver.Options) {
		o.Limits = &httpserver.ConnLimits{ReadTimeout: time.Minute, MaxConnsPerIP: 3}
	})
	base, _, _ := serve(t, f.srv, 0)
	addr := strings.TrimPrefix(base, "http://")
	held := make([]net.Conn, 3)
	for i := range held {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		held[i] = c
	}
	over, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer over.Close()
	require.NoError(t, over.SetReadDeadline(time.Now().Add(20*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(over), nil)
	require.NoError(t, err, "the 4th connection is answered and closed")
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.JSONEq(t, `{"error":{"code":"rate_limited","message":"too many open connections from your address; close some first"}}`, string(b))
	assert.Contains(t, f.logs.String(), "too many open connections")

	// A held connection is served, and once one closes a new one is too.
	_, err = held[0].Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	require.NoError(t, err)
	resp, err = http.ReadResponse(bufio.NewReader(held[0]), nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	_ = held[0].Close()
	var served atomic.Bool
	deadline := time.Now().Add(20 * time.Second)
	for !served.Load() && time.Now().Before(deadline) {
		r, err := http.Get(base + "/healthz")
		if err == nil {
			served.Store(r.StatusCode == http.StatusOK)
			_ = r.Body.Close()
		}
		if !served.Load() {
			time.Sleep(20 * time.Millisecond)
		}
	}
	assert.True(t, served.Load(), "a freed slot is reused")
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t, func(o *httpserver.Options) {
		o.Headers = httpserver.SecurityHeaders("default-src 'self'; frame-ancestors 'none'")
	})
	for _, path := range []string{"/healthz", "/items/1", "/items/missing", "/panic", "/nowhere"} {
		resp, _ := f.do(t, httptest.NewRequest(http.MethodGet, path, nil))
		assert.Equal(t, "default-src 'self'; frame-ancestors 'none'", resp.Header.Get("Content-Security-Policy"), path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), path)
		assert.Equal(t, "strict-origin-when-cross-origin", resp.Header.Get("Referrer-Policy"), path)
		assert.Empty(t, resp.Header.Get("Strict-Transport-Security"), "%s: plain http gets no HSTS", path)
	}
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, _ := f.do(t, req)
	assert.Equal(t, "max-age=31536000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"))
}

func TestMetricsAreNotOnTheAppUnlessAsked(t *testing.T) {
	f := newFixture(t, func(o *httpserver.Options) { o.MetricsOnApp = false })
	resp, _ := f.do(t, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// One rule for log levels: client faults (4xx, 501 for a feature the server
// does not offer) never log at ERROR; server faults do.
func TestClientFaultsAreNotLoggedAsErrors(t *testing.T) {
	for path, want := range map[string]string{
		"/unsupported":   "WARN",
		"/items/missing": "INFO",
		"/nowhere":       "INFO",
		"/fail":          "ERROR",
	} {
		t.Run(path, func(t *testing.T) {
			f := newFixture(t, nil)
			f.app.Get("/unsupported", func(*fiber.Ctx) error {
				return apperr.Unsupported("attachments are not offered by this server")
			})
			_, _ = f.do(t, httptest.NewRequest(http.MethodGet, path, nil))
			levels := map[string]bool{}
			for _, l := range f.logs.lines(t) {
				levels[l["level"].(string)] = true
			}
			assert.True(t, levels[want], "%s logs at %s: %v", path, want, levels)
			if want != "ERROR" {
				assert.False(t, levels["ERROR"], "%s: nothing at ERROR", path)
			}
		})
	}
}
