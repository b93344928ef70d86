package httpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

type fixture struct {
	srv      *httpserver.Server
	app      *fiber.App
	reg      *prometheus.Registry
	logs     *syncBuffer
	recorder *tracetest.SpanRecorder
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "log line %q is not JSON", l)
		out = append(out, m)
	}
	return out
}

func newFixture(t *testing.T, mutate func(*httpserver.Options)) *fixture {
	t.Helper()
	f := &fixture{reg: prometheus.NewRegistry(), logs: &syncBuffer{}, recorder: tracetest.NewSpanRecorder()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(f.recorder))
	opts := httpserver.Options{
		Service:        "test-service",
		Logger:         telemetry.NewLogger(f.logs, slog.LevelDebug),
		Registry:       f.reg,
		AllowOrigins:   []string{"http://localhost:3000", "https://app.example.com/"},
		BodyLimit:      1024,
		TracerProvider: tp,
		Propagator:     telemetry.Propagator(),
		MetricsOnApp:   true,
	}
	if mutate != nil {
		mutate(&opts)
	}
	f.srv = httpserver.New(opts)
	f.app = f.srv.App
	f.app.Get("/items/:id", func(c *fiber.Ctx) error {
		if c.Params("id") == "missing" {
			return apperr.NotFound("item %s not found", c.Params("id"))
		}
		return c.JSON(fiber.Map{"id": c.Params("id")})
	})
	f.app.Post("/echo", func(c *fiber.Ctx) error {
		return c.Send(c.Body())
	})
	f.app.Get("/panic", func(*fiber.Ctx) error {
		panic("boom")
	})
	f.app.Get("/fail", func(*fiber.Ctx) error {
		return errors.New("database password=hunter2 exploded")
	})
	f.app.Get("/limited", func(*fiber.Ctx) error {
		return apperr.RateLimited(1500 * time.Millisecond)
	})
	return f
}

func (f *fixture) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := f.app.Test(req, -1)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, string(body)
}

func decodeError(t *testing.T, body string) httpserver.ErrorDetail {
	t.Helper()
	var eb httpserver.ErrorBody
	require.NoError(t, json.Unmarshal([]byte(body), &eb), "body %q", body)
	return eb.Error
}

func TestProbes(t *testing.T) {
	readyErr := error(nil)
	f := newFixture(t, func(o *httpserver.Options) {
		o.Ready = func(context.Context) error { return readyErr }
	})

	resp, body := f.do(t, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"status":"ok"}`, body)

	resp, _ = f.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	readyErr = apperr.NotConfigured("store unreachable")
	resp, body = f.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "store unreachable", decodeError(t, body).Message)

	readyErr = errors.New("dial tcp: refused")
	resp, body = f.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, apperr.CodeUnavailable, decodeError(t, body).Code)
	assert.NotContains(t, body, "refused", "cause must not leak")

	readyErr = nil
	f.srv.MarkNotReady()
	resp, _ = f.do(t, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	resp, body = f.do(t, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, `taskpilot_http_requests_total{method="GET",route="/healthz",service="test-service",status="200"} 1`)
	assert.Contains(t, body, "taskpilot_http_requests_in_flight")

	assert.Empty(t, f.recorder.Ended(), "probes get no spans")
	assert.NotContains(t, f.logs.String(), `"msg":"request"`, "probes get no access log")
}

func TestRequestID(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name string
		sent string
		echo bool
	}{
		{name: "echoes a well-formed id", sent: "req-123_abc.def:1", echo: true},
		{name: "generates when absent", sent: ""},
		{name: "replaces a malformed id", sent: "bad id\r\nX-Evil: 1"},
		{name: "replaces an overlong id", sent: strings.Repeat("a", 129)},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/items/1", nil)
			if tc.sent != "" {
				req.Header.Set("X-Request-Id", tc.sent)
			}
			resp, _ := f.do(t, req)
			got := resp.Header.Get("X-Request-Id")
			if tc.echo {
				assert.Equal(t, tc.sent, got)
			} else {
				assert.NotEqual(t, tc.sent, got)
				assert.Len(t, got, 36, "a uuid")
				assert.False(t, seen[got], "ids are unique")
				seen[got] = true
			}
		})
	}
}

func TestCORS(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name    string
		origin  string
		allowed bool
	}{
		{name: "frontend origin", origin: "http://localhost:3000", allowed: true},
		{name: "second origin, configured with a trailing slash", origin: "https://app.example.com", allowed: true},
		{name: "foreign origin", origin: "https://evil.example.com"},
		{name: "same host other port", origin: "http://localhost:3001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodOptions, "/echo", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-timezone")
			resp, _ := f.do(t, req)
			if !tc.allowed {
				assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
				return
			}
			assert.Equal(t, tc.origin, resp.Header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
			allowHeaders := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
			for _, h := range []string{"authorization", "content-type", "x-timezone", "x-request-id"} {
				assert.Contains(t, allowHeaders, h)
			}

			get := httptest.NewRequest(http.MethodGet, "/items/1", nil)
			get.Header.Set("Origin", tc.origin)
			resp, _ = f.do(t, get)
			assert.Equal(t, tc.origin, resp.Header.Get("Access-Control-Allow-Origin"))
		})
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, nil)
	// The limit is enforced while fasthttp reads the request, which
	// app.Test reports as an error: go through a real connection.
	base, _, _ := serve(t, f.srv, 0)
	post := func(n int) (*http.Response, string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/echo", strings.NewReader(strings.Repeat("x", n)))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}

	resp, body := post(1024)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, body, 1024)

	resp, body = post(1025)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Equal(t, apperr.CodePayloadTooLarge, decodeError(t, body).Code)
	assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
}

func TestErrors(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{name: "domain error", path: "/items/missing", wantStatus: 404, wantCode: "not_found", wantMsg: "item missing not found"},
		{name: "unknown route", path: "/nope", wantStatus: 404, wantCode: "not_found"},
		{name: "panic", path: "/panic", wantStatus: 500, wantCode: "internal_error", wantMsg: "internal server error"},
		{name: "unexpected error", path: "/fail", wantStatus: 500, wantCode: "internal_error", wantMsg: "internal server error"},
		{name: "rate limited", path: "/limited", wantStatus: 429, wantCode: "rate_limited"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.do(t, httptest.NewRequest(http.MethodGet, tc.path, nil))
			assert.Equal(t, tc.wantStatus, resp.StatusCode)
			got := decodeError(t, body)
			assert.Equal(t, tc.wantCode, got.Code)
			if tc.wantMsg != "" {
				assert.Equal(t, tc.wantMsg, got.Message)
			}
			assert.NotContains(t, body, "hunter2")
			if tc.wantStatus == 429 {
				assert.Equal(t, "2", resp.Header.Get("Retry-After"))
			}
		})
	}
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	f := newFixture(t, nil)
	for _, p := range []string{"/items/1", "/items/2", "/items/missing", "/random/scanner/path", "/other"} {
		f.do(t, httptest.NewRequest(http.MethodGet, p, nil))
	}
	tests := []struct {
		route, status string
		want          float64
	}{
		{route: "/items/:id", status: "200", want: 2},
		{route: "/items/:id", status: "404", want: 1},
		{route: httpserver.RouteUnmatched, status: "404", want: 2},
	}
	reqs, err := f.reg.Gather()
	require.NoError(t, err)
	for _, tc := range tests {
		got := counterValue(t, reqs, "taskpilot_http_requests_total", map[string]string{
			"service": "test-service", "route": tc.route, "method": "GET", "status": tc.status})
		assert.Equal(t, tc.want, got, "route %s status %s", tc.route, tc.status)
	}
	body := gatherText(t, f.reg)
	assert.NotContains(t, body, "/items/1", "raw paths never become labels")
	assert.NotContains(t, body, "scanner")
	assert.Contains(t, body, `taskpilot_http_request_duration_seconds_count{method="GET",route="/items/:id",service="test-service",status="200"} 2`)
	assert.Equal(t, 1, testutil.CollectAndCount(f.reg, "taskpilot_http_requests_in_flight"))
}

func TestAccessLogAndSpans(t *testing.T) {
	f := newFixture(t, nil)
	req := httptest.NewRequest(http.MethodGet, "/items/7?token=querysecret", nil)
	req.Header.Set("Authorization", "Bearer sekrit-token-value")
	req.Header.Set("X-Request-Id", "rid-1")
	req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	resp, _ := f.do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	lines := f.logs.lines(t)
	require.Len(t, lines, 1, "one access line per request: %s", f.logs.String())
	l := lines[0]
	assert.Equal(t, "request", l["msg"])
	assert.Equal(t, "GET", l["method"])
	assert.Equal(t, "/items/:id", l["route"])
	assert.EqualValues(t, 200, l["status"])
	assert.Contains(t, l, "duration_ms")
	assert.Equal(t, "rid-1", l["request_id"])
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", l["trace_id"])
	assert.NotContains(t, f.logs.String(), "sekrit-token-value")
	assert.NotContains(t, f.logs.String(), "querysecret")

	spans := f.recorder.Ended()
	require.Len(t, spans, 1)
	s := spans[0]
	assert.Equal(t, "GET /items/:id", s.Name())
	assert.Equal(t, trace.SpanKindServer, s.SpanKind())
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", s.SpanContext().TraceID().String())
	assert.Equal(t, "b7ad6b7169203331", s.Parent().SpanID().String())
}

func TestServerErrorsAreLoggedWithoutLeakingToClient(t *testing.T) {
	f := newFixture(t, nil)
	resp, body := f.do(t, httptest.NewRequest(http.MethodGet, "/fail", nil))
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	assert.NotContains(t, body, "exploded")
	assert.Contains(t, f.logs.String(), "exploded", "the cause is logged for operators")
	spans := f.recorder.Ended()
	require.Len(t, spans, 1)
	assert.Equal(t, "Error", spans[0].Status().Code.String())
}

// serve runs app on a loopback listener and returns its base URL and a
// function that stops it and returns RunListener's result.
func serve(t *testing.T, srv *httpserver.Server, drain time.Duration) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.RunListener(ctx, ln, drain, 5*time.Second) }()
	t.Cleanup(cancel)
	return "http://" + ln.Addr().String(), cancel, done
}

func TestStreamingResponsesAreNotBuffered(t *testing.T) {
	f := newFixture(t, nil)
	release := make(chan struct{})
	f.app.Get("/stream", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/event-stream")
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			_, _ = w.WriteString("data: one\n\n")
			_ = w.Flush()
			<-release
			_, _ = w.WriteString("data: two\n\n")
			_ = w.Flush()
		})
		return nil
	})
	base, _, _ := serve(t, f.srv, 0)

	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/stream", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	assert.NotEmpty(t, resp.Header.Get("X-Request-Id"))

	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "data: one\n", line, "first event arrives while the handler is still streaming")
	close(release)
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "\ndata: two\n\n", string(rest))
}

func TestBodiesLargerThanTheWriteBufferArriveWhole(t *testing.T) {
	f := newFixture(t, nil)
	big := bytes.Repeat([]byte("0123456789abcdef"), 6<<10) // 96 KiB
	f.app.Get("/big", func(c *fiber.Ctx) error { return c.Send(big) })
	// A stream whose reads are 3000 bytes each, larger than the write buffer.
	f.app.Get("/chunks", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/event-stream")
		c.Context().SetBodyStream(&chunkReader{r: bytes.NewReader(big[:30000]), n: 3000}, -1)
		return nil
	})
	base, _, _ := serve(t, f.srv, 0)
	for path, want := range map[string][]byte{"/big": big, "/chunks": big[:30000]} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, want, got, path)
	}
}

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

func TestGracefulShutdownDrainsInFlightRequests(t *testing.T) {
	f := newFixture(t, nil)
	started := make(chan struct{})
	release := make(chan struct{})
	f.app.Get("/slow", func(c *fiber.Ctx) error {
		close(started)
		<-release
		return c.SendString("finished")
	})
	base, stop, done := serve(t, f.srv, 200*time.Millisecond)

	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/slow", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- result{status: resp.StatusCode, body: string(b), err: err}
	}()
	<-started

	probe := func() int {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, probe())

	stop()
	// During the drain delay the server still answers, but not ready.
	require.Eventually(t, func() bool { return probe() == http.StatusServiceUnavailable },
		2*time.Second, 10*time.Millisecond)

	close(release)
	got := <-slow
	require.NoError(t, got.err)
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, "finished", got.body)
	assert.NoError(t, <-done, "clean shutdown")
}

// Long responses learn from the stop context that they must wrap up: it is
// cancelled during shutdown.
func TestStopContextEndsWithShutdown(t *testing.T) {
	f := newFixture(t, nil)
	base, stop, done := serve(t, f.srv, 0)
	// A request answered means the server is serving (a shutdown before
	// that is not what this test is about).
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/healthz", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, f.srv.StopContext().Err(), "not cancelled while serving")
	stop()
	require.NoError(t, <-done)
	<-f.srv.StopContext().Done()
	assert.ErrorIs(t, f.srv.StopContext().Err(), context.Canceled)
}
