package openaiagent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/openai/openai-go/v3"
)

// upstreamError is a failed model call, already classified. Its Error text
// is safe to log: status, API error code and type, never the upstream's
// message or body (they can echo the request or part of the key).
type upstreamError struct {
	outcome    string // outcomeUpstreamError, outcomeUpstreamTimeout, outcomeRateLimited, outcomeNotConfigured
	status     int
	code       string
	retryAfter time.Duration
	detail     string
}

func (e *upstreamError) Error() string {
	msg := "openai: " + e.outcome
	if e.status != 0 {
		msg += " status " + strconv.Itoa(e.status)
	}
	if e.code != "" {
		msg += " code " + e.code
	}
	if e.detail != "" {
		msg += ": " + e.detail
	}
	return msg
}

// classify turns an error from the openai-go client or the stream into an
// *upstreamError. parent is the turn's context: a deadline hit while parent
// is still live is the request timeout, while a done parent means the
// client went away (returned unchanged, not an upstream failure).
func classify(parent context.Context, err error) error {
	if err == nil {
		return nil
	}
	if parent.Err() != nil {
		return parent.Err()
	}
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		ue := &upstreamError{outcome: outcomeUpstreamError, status: apiErr.StatusCode, code: apiErr.Code}
		if ue.code == "" {
			ue.code = apiErr.Type
		}
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests:
			ue.outcome = outcomeRateLimited
			if apiErr.Response != nil {
				ue.retryAfter = retryAfter(apiErr.Response.Header)
			}
		case http.StatusUnauthorized, http.StatusForbidden:
			ue.outcome = outcomeNotConfigured
		case http.StatusRequestTimeout, http.StatusGatewayTimeout:
			ue.outcome = outcomeUpstreamTimeout
		}
		return ue
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return &upstreamError{outcome: outcomeUpstreamTimeout, detail: "no complete answer within the request timeout"}
	}
	var ue *upstreamError
	if errors.As(err, &ue) {
		return ue
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return &upstreamError{outcome: outcomeUpstreamError, detail: "malformed event in the stream"}
	}
	// Connection resets, unexpected EOF: describe the kind only.
	detail := "request failed"
	switch {
	case errors.Is(err, errStreamIncomplete):
		detail = errStreamIncomplete.Error()
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF):
		detail = "connection closed mid-stream"
	}
	return &upstreamError{outcome: outcomeUpstreamError, detail: detail}
}

// retryAfter reads Retry-After-Ms or Retry-After (seconds); 0 when absent.
func retryAfter(h http.Header) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	if s, err := strconv.ParseFloat(h.Get("Retry-After"), 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	return 0
}

// errStreamIncomplete is a stream that ended without its terminal event.
var errStreamIncomplete = errors.New("stream ended before the answer was complete")
