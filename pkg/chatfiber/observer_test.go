package chatfiber_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/taskpilotai/taskpilot/pkg/chatfiber"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
)

// The product's Observer: the taskpilot_chatkit_* metrics and a span per
// request, a turn's ending with its stream.
func TestObserverMetricsAndSpans(t *testing.T) {
	reg := prometheus.NewRegistry()
	spans := tracetest.NewSpanRecorder()
	obs, err := chatfiber.NewObserver(reg, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	require.NoError(t, err)
	again, err := chatfiber.NewObserver(reg, nil)
	require.NoError(t, err, "a second observer on the registry shares the metrics")
	require.NotNil(t, again)
	srv, err := chatkit.NewServer(chatkit.Options{Store: memstore.New(), Responder: chatkit.EchoResponder{}, Observer: obs})
	require.NoError(t, err)
	url := serve(t, srv, chatfiber.Options{})
	h := http.Header{}
	h.Set("X-Test-User", "alice")
	c := &chatkittest.Client{URL: url, Header: h}
	ctx := context.Background()
	res, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello there")}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status)
	res, err = c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": "thr_missing"}))
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, res.Status)

	// The turn's end (metrics, span) follows its stream's end.
	for testutil.ToFloat64(obs.RequestsCounter("threads.create", "ok")) != 1 {
		require.NoError(t, t.Context().Err())
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, 1.0, testutil.ToFloat64(obs.RequestsCounter("threads.get_by_id", "not_found")))
	n, err := testutil.GatherAndCount(reg, "taskpilot_chatkit_events_sent_total", "taskpilot_chatkit_turn_duration_seconds", "taskpilot_chatkit_active_streams")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 6)
	names := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans.Ended() {
		names[s.Name()] = s
	}
	require.Contains(t, names, "chatkit threads.create")
	require.Contains(t, names, "chatkit threads.get_by_id")
	assert.Equal(t, codes.Error, names["chatkit threads.get_by_id"].Status().Code)
	attrs := map[string]string{}
	for _, a := range names["chatkit threads.create"].Attributes() {
		attrs[string(a.Key)] = a.Value.AsString()
	}
	assert.Equal(t, "threads.create", attrs["chatkit.request_type"])
	assert.Equal(t, "ok", attrs["chatkit.outcome"])
	assert.NotEmpty(t, attrs["chatkit.thread_id"])
}
