package chatfiber_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatfiber"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
)

// serve mounts the binding behind a stand-in auth middleware (the user is
// the X-Test-User header) and returns the endpoint's URL.
func serve(t *testing.T, srv *chatkit.Server, opts chatfiber.Options) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ErrorHandler: httpserver.ErrorHandler(slog.New(slog.DiscardHandler))})
	app.Use(func(c *fiber.Ctx) error {
		if u := c.Get("X-Test-User"); u != "" {
			c.SetUserContext(auth.WithUser(c.UserContext(), strings.Clone(u)))
		}
		return c.Next()
	})
	app.Post("/api/v1/chatkit", chatfiber.Handler(srv, opts))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String() + "/api/v1/chatkit"
}

func TestHandler(t *testing.T) {
	var seen chatkit.RequestInfo
	responder := chatkit.ResponderFunc(func(ctx context.Context, turn *chatkit.Turn, sink chatkit.Sink) error {
		seen = chatkit.RequestInfoFrom(ctx)
		return chatkit.EchoResponder{}.Respond(ctx, turn, sink)
	})
	srv, err := chatkit.NewServer(chatkit.Options{Store: memstore.New(), Responder: responder, ClassifyError: chatfiber.ClassifyError})
	require.NoError(t, err)
	url := serve(t, srv, chatfiber.Options{ClientIP: func(*fiber.Ctx) string { return "203.0.113.7" }})
	ctx := context.Background()

	anon := &chatkittest.Client{URL: url}
	res, err := anon.Do(ctx, chatkittest.Request(chatkit.ReqThreadsList, map[string]any{}))
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, res.Status)

	h := http.Header{}
	h.Set("X-Test-User", "alice")
	h.Set("X-Timezone", "Europe/Paris")
	h.Set("Accept-Language", "fr-CA,fr;q=0.9")
	alice := &chatkittest.Client{URL: url, Header: h}
	res, err = alice.Do(ctx, chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status, "body: %s", res.Body)
	assert.Equal(t, "text/event-stream", res.ContentType)
	assert.Contains(t, res.Types(), "thread.created")
	assert.Equal(t, "Europe/Paris", seen.TimeZone)
	assert.Equal(t, "fr-CA", seen.Locale)
	assert.Equal(t, "203.0.113.7", seen.ClientIP)

	// A *chatkit.Error is answered by the product's error handler with its
	// status and code.
	res, err = alice.Do(ctx, chatkittest.Request(chatkit.ReqThreadsGetByID, map[string]any{"thread_id": "thr_missing"}))
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, res.Status)
	var body httpserver.ErrorBody
	require.NoError(t, json.Unmarshal(res.Body, &body), "body: %s", res.Body)
	assert.Equal(t, apperr.CodeNotFound, body.Error.Code)
}

func TestToAppErr(t *testing.T) {
	ce := chatkit.RateLimited(3 * time.Second)
	err := chatfiber.ToAppErr(fmt.Errorf("admit: %w", ce))
	ae, ok := apperr.As(err)
	require.True(t, ok)
	assert.Equal(t, http.StatusTooManyRequests, ae.Status)
	assert.Equal(t, apperr.CodeRateLimited, ae.Code)
	assert.Equal(t, 3*time.Second, ae.RetryAfter)
	assert.ErrorIs(t, err, ce)

	plain := errors.New("disk full")
	assert.Same(t, plain, chatfiber.ToAppErr(plain))
}

// Every library kind becomes the product kind of the same status and code,
// and back: one status per code across both tables.
func TestKindsAgree(t *testing.T) {
	for k := chatkit.KindInternal; k <= chatkit.KindUnsupported; k++ {
		ae, ok := apperr.As(chatfiber.ToAppErr(&chatkit.Error{Kind: k, Message: "m"}))
		require.True(t, ok, k.Code())
		assert.Equal(t, k.Status(), ae.Status, k.Code())
		assert.Equal(t, k.Code(), ae.Code)
		assert.Equal(t, k, chatfiber.ClassifyError(ae).Kind, k.Code())
	}
}

func TestClassifyError(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want chatkit.ErrorKind
	}{
		"invalid":            {apperr.Invalid("bad"), chatkit.KindInvalid},
		"wrapped not found":  {fmt.Errorf("task: %w", apperr.NotFound("task")), chatkit.KindNotFound},
		"rate limited":       {apperr.RateLimited(time.Second), chatkit.KindRateLimited},
		"forbidden (folded)": {apperr.E(apperr.KindForbidden, "no"), chatkit.KindInvalid},
		"503 not_configured": {apperr.NotConfigured("no key"), chatkit.KindNotConfigured},
		"501 unsupported":    {apperr.Unsupported("no attachments"), chatkit.KindUnsupported},
		"upstream timeout":   {apperr.E(apperr.KindUpstreamTimeout, "model"), chatkit.KindUpstream},
		"unknown kind":       {apperr.E(apperr.Kind("boom"), "x"), chatkit.KindInternal},
	} {
		t.Run(name, func(t *testing.T) {
			ce := chatfiber.ClassifyError(tc.err)
			require.NotNil(t, ce)
			assert.Equal(t, tc.want, ce.Kind)
		})
	}
	assert.Nil(t, chatfiber.ClassifyError(errors.New("plain")))
}
