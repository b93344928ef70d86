package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

func TestLoggerAddsContextIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := telemetry.NewLogger(&buf, slog.LevelInfo)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	ctx = telemetry.WithRequestID(ctx, "req-42")

	logger.InfoContext(ctx, "hello", "n", 1)
	logger.With("component", "x").WithGroup("g").InfoContext(context.Background(), "plain", "k", "v")
	logger.DebugContext(ctx, "filtered")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 2, "debug is below the level")
	var first, second map[string]any
	require.NoError(t, json.Unmarshal(lines[0], &first))
	require.NoError(t, json.Unmarshal(lines[1], &second))
	assert.Equal(t, "req-42", first["request_id"])
	assert.Equal(t, span.SpanContext().TraceID().String(), first["trace_id"])
	assert.Equal(t, span.SpanContext().SpanID().String(), first["span_id"])
	assert.NotContains(t, second, "trace_id")
	assert.NotContains(t, second, "request_id")
	assert.Equal(t, "x", second["component"])
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want slog.Level
		err  bool
	}{
		{in: "", want: slog.LevelInfo},
		{in: "DEBUG", want: slog.LevelDebug},
		{in: "warning", want: slog.LevelWarn},
		{in: "error", want: slog.LevelError},
		{in: "verbose", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := telemetry.ParseLevel(tc.in)
			if tc.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRegistry(t *testing.T) {
	reg := telemetry.NewRegistry()
	n, err := testutil.GatherAndCount(reg, "go_goroutines")
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	opts := prometheus.CounterOpts{Name: "taskpilot_test_total", Help: "test"}
	a := telemetry.MustRegister(reg, prometheus.NewCounter(opts))
	b, err := telemetry.Register(reg, prometheus.NewCounter(opts))
	require.NoError(t, err)
	a.Inc()
	b.Inc()
	assert.InDelta(t, 2, testutil.ToFloat64(a), 0, "a second registration returns the first collector")

	// The same name with other labels is a different collector: an error,
	// and MustRegister panics.
	clash := prometheus.NewCounterVec(opts, []string{"kind"})
	_, err = telemetry.Register(reg, clash)
	require.Error(t, err)
	assert.Panics(t, func() { telemetry.MustRegister(reg, clash) })

	// A nil registry means metrics off: the collector comes back unregistered.
	c, err := telemetry.Register(nil, prometheus.NewCounter(opts))
	require.NoError(t, err)
	c.Inc()
	assert.InDelta(t, 1, testutil.ToFloat64(c), 0)
}

func TestHTTPClientPropagatesAndTraces(t *testing.T) {
	var gotTraceparent atomic.Value
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotTraceparent.Store(r.Header.Get("traceparent"))
		_, _ = io.WriteString(w, "ok")
	}))
	defer upstream.Close()

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	client := telemetry.NewHTTPClient(telemetry.ClientOptions{TracerProvider: tp, Propagator: telemetry.Propagator()})

	ctx, parent := tp.Tracer("test").Start(context.Background(), "handler")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream.URL+"/v1/things", nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	parent.End()

	tpHeader, _ := gotTraceparent.Load().(string)
	require.NotEmpty(t, tpHeader, "trace context reaches the upstream")
	assert.Contains(t, tpHeader, parent.SpanContext().TraceID().String())

	var client_ sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			client_ = s
		}
	}
	require.NotNil(t, client_, "a client span is recorded")
	assert.Equal(t, parent.SpanContext().SpanID(), client_.Parent().SpanID())
}

func TestHTTPClientWithoutTracingStillPropagates(t *testing.T) {
	var got atomic.Value
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Clone())
		_, _ = io.WriteString(w, "ok")
	}))
	defer upstream.Close()

	tr, err := telemetry.NewTracing(context.Background(), telemetry.Options{ServiceName: "t"})
	require.NoError(t, err)
	client := telemetry.NewHTTPClient(telemetry.ClientOptions{TracerProvider: tr.Provider, Propagator: tr.Propagator})
	call := func(ctx context.Context) (sent, upstreamSaw http.Header) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream.URL+"/v1/things", nil)
		require.NoError(t, err)
		req.Header.Set("X-Caller", "1")
		resp, err := client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		h, _ := got.Load().(http.Header)
		return req.Header, h
	}

	// An incoming request's trace context, as the server middleware sees
	// it: extracted, then a (non-recording) server span started from it.
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	incoming := http.Header{"Traceparent": {traceparent}, "Baggage": {"tenant=acme"}}
	ctx := tr.Propagator.Extract(context.Background(), propagation.HeaderCarrier(incoming))
	ctx, span := tr.Provider.Tracer("server").Start(ctx, "handler")
	defer span.End()

	sent, saw := call(ctx)
	assert.Equal(t, traceparent, saw.Get("traceparent"), "trace context reaches the upstream without a tracing backend")
	assert.Equal(t, "tenant=acme", saw.Get("baggage"))
	assert.Equal(t, "1", saw.Get("X-Caller"))
	assert.Empty(t, sent.Get("traceparent"), "the caller's request is not modified")

	_, saw = call(context.Background())
	assert.Empty(t, saw.Get("traceparent"), "nothing to propagate, nothing added")
	assert.Equal(t, "1", saw.Get("X-Caller"))
}

func TestSetupWithoutEndpointInstallsPropagatorOnly(t *testing.T) {
	shutdown, err := telemetry.Setup(context.Background(), telemetry.Options{ServiceName: "t"})
	require.NoError(t, err)
	require.NoError(t, shutdown(context.Background()))
	_, span := otel.Tracer("x").Start(context.Background(), "op")
	assert.False(t, span.IsRecording(), "no exporter, no recording")
	assert.ElementsMatch(t, []string{"traceparent", "tracestate", "baggage"}, otel.GetTextMapPropagator().Fields())
}

func TestTracingExportsOverOTLPHTTP(t *testing.T) {
	var posts atomic.Int32
	var path atomic.Value
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.Path)
		if b, _ := io.ReadAll(r.Body); len(b) > 0 {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()

	tr, err := telemetry.NewTracing(context.Background(), telemetry.Options{
		ServiceName: "test-service", Endpoint: collector.URL, Headers: map[string]string{"x-token": "t"}})
	require.NoError(t, err)
	_, span := tr.Provider.Tracer("test").Start(context.Background(), "op")
	assert.True(t, span.IsRecording())
	span.End()
	require.NoError(t, tr.Shutdown(context.Background()), "shutdown flushes")
	assert.Positive(t, posts.Load())
	assert.Equal(t, "/v1/traces", path.Load())
}
