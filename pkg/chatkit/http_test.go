package chatkit_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
)

// The net/http Handler: request headers reach the responder's RequestInfo,
// only POST is served, and an Authenticate failure is answered by its kind
// (a foreign error is a generic 500 that does not leak its text).
func TestHandlerBinding(t *testing.T) {
	var seen chatkit.RequestInfo
	responder := chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		seen = chatkit.RequestInfoFrom(ctx)
		_, err := chatkit.SendAssistantMessage(ctx, sink, "ok")
		return err
	})
	srv, err := chatkit.NewServer(chatkit.Options{Store: memstore.New(), Responder: responder})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler(chatkit.HandlerOptions{
		Authenticate: func(r *http.Request) (string, error) {
			switch r.Header.Get("X-User") {
			case "":
				return "", nil
			case "broken":
				return "", errors.New("session store: connection refused")
			}
			return r.Header.Get("X-User"), nil
		},
		ClientIP: func(*http.Request) string { return "198.51.100.4" },
	}))
	t.Cleanup(ts.Close)
	body := chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hi")})

	h := http.Header{}
	h.Set("X-User", "alice")
	h.Set(chatkit.HeaderTimezone, "Asia/Tokyo")
	h.Set(chatkit.HeaderRequestID, "req-42")
	res, err := (&chatkittest.Client{URL: ts.URL, Header: h}).Do(t.Context(), body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	assert.Equal(t, "text/event-stream", res.ContentType)
	assert.Equal(t, "Asia/Tokyo", seen.TimeZone)
	assert.Equal(t, "req-42", seen.RequestID)
	assert.Equal(t, "198.51.100.4", seen.ClientIP)

	for name, tc := range map[string]struct {
		method, user string
		status       int
		code         string
	}{
		"GET":                 {http.MethodGet, "alice", http.StatusMethodNotAllowed, "method_not_allowed"},
		"no user":             {http.MethodPost, "", http.StatusUnauthorized, "unauthorized"},
		"authenticate failed": {http.MethodPost, "broken", http.StatusInternalServerError, "internal_error"},
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, ts.URL, strings.NewReader(string(body)))
			require.NoError(t, err)
			req.Header.Set("X-User", tc.user)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode)
			e := decode[chatkit.ErrorBody](t, data).Error
			assert.Equal(t, tc.code, e.Code)
			assert.NotContains(t, e.Message, "connection refused")
		})
	}
}
