package topology_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
)

// Case 7: one trace across the hop. Requests sent through nginx with a
// W3C traceparent (a session mint, then a chat turn) yield spans with that
// trace id from both services, received by the topology's OTLP/HTTP
// receiver (the chart's config.otelExporterOTLPEndpoint); the services'
// server spans are children of the client's span.
func TestTraceCrossesTheIngress(t *testing.T) {
	tp := needTopology(t)
	ctx := context.Background()
	traceID, parent := randomHex(16), randomHex(8)
	traceparent := "00-" + traceID + "-" + parent + "-01"

	b := newBrowser(t, tp.IngressURL, false)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tp.IngressURL+"/api/chatkit/sessions", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", traceparent)
	res, err := b.http.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	c := b.chat(tp.IngressURL)
	c.Header.Set("traceparent", traceparent)
	turn, err := c.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("trace me")}))
	require.NoError(t, err)
	require.True(t, completed(turn), "%s", turn.Body)

	want := []string{"session-service", "chat-service"}
	eventually(t, 60*time.Second, func() error {
		var services []string
		for _, s := range tp.Spans(traceID) {
			if !slices.Contains(services, s.Service) {
				services = append(services, s.Service)
			}
		}
		for _, w := range want {
			if !slices.Contains(services, w) {
				return fmt.Errorf("no span of %s in trace %s yet (have %v)", w, traceID, services)
			}
		}
		return nil
	})
	spans := tp.Spans(traceID)
	var roots []string
	for _, s := range spans {
		if s.ParentID == parent {
			roots = append(roots, s.Service+" "+s.Name)
		}
	}
	assert.NotEmpty(t, roots, "server spans are children of the client's span %s", parent)
	for _, w := range want {
		assert.True(t, slices.ContainsFunc(roots, func(r string) bool { return strings.HasPrefix(r, w+" ") }), "%s has a server span under the client's span: %v", w, roots)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
