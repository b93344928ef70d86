package chatkit

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrorKind classifies an *Error: what went wrong from the caller's point
// of view. Each kind has one HTTP status and one stable wire code.
type ErrorKind uint8

// The kinds of *Error. The wire codes (Error.Code) are stable: clients
// may switch on them.
const (
	KindInternal      ErrorKind = iota // 500 internal_error
	KindInvalid                        // 400 invalid_request: the request cannot be understood
	KindValidation                     // 422 validation_failed: per-field messages in Fields
	KindUnauthorized                   // 401 unauthorized: no user
	KindNotFound                       // 404 not_found: missing or another user's (indistinguishable)
	KindConflict                       // 409 conflict
	KindTooLarge                       // 413 payload_too_large: a field over its limit
	KindQuotaExceeded                  // 422 quota_exceeded: a per-user quota is full
	KindRateLimited                    // 429 rate_limited: RetryAfter says when to retry
	KindNotConfigured                  // 503 not_configured: the server lacks a setting the feature needs (an operator's fix)
	KindUnavailable                    // 503 unavailable: a backing service is unreachable
	KindUpstream                       // 502 upstream_error: a model or API this server calls failed
	KindUnsupported                    // 501 unsupported: the server does not offer the feature at all
)

var kindInfo = [...]struct {
	status int
	code   string
}{
	KindInternal:      {http.StatusInternalServerError, "internal_error"},
	KindInvalid:       {http.StatusBadRequest, "invalid_request"},
	KindValidation:    {http.StatusUnprocessableEntity, "validation_failed"},
	KindUnauthorized:  {http.StatusUnauthorized, "unauthorized"},
	KindNotFound:      {http.StatusNotFound, "not_found"},
	KindConflict:      {http.StatusConflict, "conflict"},
	KindTooLarge:      {http.StatusRequestEntityTooLarge, "payload_too_large"},
	KindQuotaExceeded: {http.StatusUnprocessableEntity, "quota_exceeded"},
	KindRateLimited:   {http.StatusTooManyRequests, "rate_limited"},
	KindNotConfigured: {http.StatusServiceUnavailable, "not_configured"},
	KindUnavailable:   {http.StatusServiceUnavailable, "unavailable"},
	KindUpstream:      {http.StatusBadGateway, "upstream_error"},
	KindUnsupported:   {http.StatusNotImplemented, "unsupported"},
}

// Status is the HTTP status of the kind.
func (k ErrorKind) Status() int {
	if int(k) < len(kindInfo) {
		return kindInfo[k].status
	}
	return http.StatusInternalServerError
}

// Code is the stable wire code of the kind ("not_found").
func (k ErrorKind) Code() string {
	if int(k) < len(kindInfo) {
		return kindInfo[k].code
	}
	return "internal_error"
}

// ClientFault reports whether the kind is caused by the request rather
// than by the server (every 4xx, and 501: a feature this server does not
// offer). Client faults are logged at WARN, server faults at ERROR, so
// that bad requests cannot fill the error log.
func (k ErrorKind) ClientFault() bool {
	s := k.Status()
	return (s >= 400 && s < 500) || s == http.StatusNotImplemented
}

// Error is a failure the Server answers with a status and a caller-safe
// message: its Kind gives the status and the wire code. Err, when set, is
// the cause: logged, never sent. Anything else a Process call returns is
// an internal failure (500) unless Options.ClassifyError says otherwise.
type Error struct {
	Kind    ErrorKind
	Message string
	// Fields holds per-field messages (validation, size limits), keyed by
	// the dotted parameter path ("params.title").
	Fields map[string]string
	// RetryAfter, when positive, becomes a Retry-After header (rate
	// limits).
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind.Code(), e.Message, e.Err)
	}
	return e.Kind.Code() + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Status is the HTTP status of the error's kind.
func (e *Error) Status() int { return e.Kind.Status() }

// Code is the stable wire code of the error's kind.
func (e *Error) Code() string { return e.Kind.Code() }

// Errorf builds an *Error of kind with a formatted message.
func Errorf(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// RateLimited is the error an Admission returns to refuse a turn for now.
func RateLimited(retryAfter time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Message: "too many requests; retry later", RetryAfter: retryAfter}
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

func errInvalid(format string, args ...any) *Error { return Errorf(KindInvalid, format, args...) }

func errValidation(fields map[string]string) *Error {
	return &Error{Kind: KindValidation, Message: "some fields are invalid", Fields: fields}
}

func errTooLarge(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: KindTooLarge, Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}

// classify returns err's *Error: its own, or the one Options.ClassifyError
// makes of a foreign error type (nil when neither knows it: internal).
func (s *Server) classify(err error) *Error {
	if e, ok := AsError(err); ok {
		return e
	}
	if s.classifyErr != nil {
		return s.classifyErr(err)
	}
	return nil
}
