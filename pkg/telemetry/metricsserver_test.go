package telemetry_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

func TestServeMetricsOnItsOwnListener(t *testing.T) {
	reg := telemetry.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "taskpilot_probe_total", Help: "probe"})
	reg.MustRegister(c)
	c.Inc()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := telemetry.ServeMetrics(ctx, "127.0.0.1:0", reg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)

	get := func(path string) (int, string, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	status, body, err := get(telemetry.MetricsPath)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "taskpilot_probe_total 1")
	assert.Contains(t, body, "go_goroutines")
	status, _, err = get("/debug/pprof/")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, status, "nothing but /metrics")

	cancel()
	require.Eventually(t, func() bool { _, _, err := get(telemetry.MetricsPath); return err != nil },
		10*time.Second, 20*time.Millisecond, "the listener closes with its context")
}
