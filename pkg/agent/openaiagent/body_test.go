package openaiagent

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newBodyRequest builds a request the way openai-go does: Body and GetBody
// over the same encoded bytes.
func newBodyRequest(t *testing.T, payload []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://example.test/v1/chat/completions", nil)
	require.NoError(t, err)
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(payload)), nil }
	req.Body, _ = req.GetBody()
	req.ContentLength = int64(len(payload))
	return req
}

func TestReleaseRequestBodySendsTheBodyAndReplaysUntilTheResponse(t *testing.T) {
	payload := []byte(`{"model":"m","messages":[]}`)
	req := newBodyRequest(t, payload)
	var sent, replayed []byte
	res, err := releaseRequestBody(req, func(r *http.Request) (*http.Response, error) {
		var err error
		sent, err = io.ReadAll(r.Body)
		require.NoError(t, err)
		// A transport retry (e.g. after GOAWAY) replays the body.
		rc, err := r.GetBody()
		require.NoError(t, err)
		replayed, err = io.ReadAll(rc)
		require.NoError(t, err)
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, payload, sent)
	assert.Equal(t, payload, replayed)

	_, err = res.Request.GetBody()
	require.ErrorIs(t, err, errBodyReleased, "no replay once the response has arrived")
	n, err := res.Request.Body.Read(make([]byte, 8))
	assert.Zero(t, n)
	assert.ErrorIs(t, err, io.EOF)
}

func TestReleaseRequestBodyFreesTheBytesWhileTheResponseLives(t *testing.T) {
	payload := []byte(strings.Repeat("x", 8<<10))
	wp := weak.Make(&payload[0])
	req := newBodyRequest(t, payload)
	payload = nil
	res, err := releaseRequestBody(req, func(r *http.Request) (*http.Response, error) {
		_, err := io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, err
	})
	require.NoError(t, err)
	runtime.GC()
	assert.Nil(t, wp.Value(), "the request (kept by the response, as the HTTP/2 transport keeps it) no longer holds its body")
	runtime.KeepAlive(res)
	runtime.KeepAlive(req)
}

func TestReleaseRequestBodyWithoutBody(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://example.test/v1/models", nil)
	require.NoError(t, err)
	called := false
	_, err = releaseRequestBody(req, func(r *http.Request) (*http.Response, error) {
		called = true
		assert.Nil(t, r.Body)
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	})
	require.NoError(t, err)
	assert.True(t, called)
}
