// Package apperr defines the domain error every layer returns and the HTTP
// error handler maps: a stable machine-readable code, an HTTP status and a
// message that is safe to show to the caller.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Stable error codes. Clients may switch on them; never rename one.
const (
	CodeInvalidRequest   = "invalid_request"
	CodeValidation       = "validation_failed"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodePayloadTooLarge  = "payload_too_large"
	CodeRateLimited      = "rate_limited"
	CodeNotConfigured    = "not_configured"
	CodeUpstream         = "upstream_error"
	CodeUpstreamTimeout  = "upstream_timeout"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal_error"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeUnsupportedMedia = "unsupported_media_type"
	// CodeQuotaExceeded: a per-user quota (threads, tasks, items per
	// thread) is full; deleting something makes room. 422, no Retry-After:
	// waiting does not help.
	CodeQuotaExceeded = "quota_exceeded"
)

// Error is a failure with a stable code, an HTTP status and a caller-safe
// message. Err, when set, is the cause: it is logged, never sent.
type Error struct {
	Code    string
	Status  int
	Message string
	// Fields holds per-field validation messages (422 responses).
	Fields map[string]string
	// RetryAfter, when positive, becomes a Retry-After header.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an Error.
func New(status int, code, message string) *Error {
	return &Error{Code: code, Status: status, Message: message}
}

// Wrap attaches a cause to a new Error.
func Wrap(err error, status int, code, message string) *Error {
	return &Error{Code: code, Status: status, Message: message, Err: err}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Invalid is a 400 for a request that cannot be understood.
func Invalid(format string, args ...any) *Error {
	return New(http.StatusBadRequest, CodeInvalidRequest, fmt.Sprintf(format, args...))
}

// Validation is a 422 with per-field messages.
func Validation(fields map[string]string) *Error {
	return &Error{Code: CodeValidation, Status: http.StatusUnprocessableEntity,
		Message: "some fields are invalid", Fields: fields}
}

// NotFound is a 404. Use it for ids that are missing and for ids owned by
// someone else alike, so that the two cannot be told apart.
func NotFound(format string, args ...any) *Error {
	return New(http.StatusNotFound, CodeNotFound, fmt.Sprintf(format, args...))
}

// Unauthorized is a 401.
func Unauthorized(format string, args ...any) *Error {
	return New(http.StatusUnauthorized, CodeUnauthorized, fmt.Sprintf(format, args...))
}

// Conflict is a 409.
func Conflict(format string, args ...any) *Error {
	return New(http.StatusConflict, CodeConflict, fmt.Sprintf(format, args...))
}

// NotConfigured is a 503 that names what is missing.
func NotConfigured(format string, args ...any) *Error {
	return New(http.StatusServiceUnavailable, CodeNotConfigured, fmt.Sprintf(format, args...))
}

// RateLimited is a 429 with a Retry-After.
func RateLimited(retryAfter time.Duration) *Error {
	return &Error{Code: CodeRateLimited, Status: http.StatusTooManyRequests,
		Message: "too many requests; retry later", RetryAfter: retryAfter}
}

// ClientFault reports whether a response of status was caused by the
// request rather than by the server: every 4xx, and 501 (the client asked
// for a feature this server does not offer, such as attachments). The one
// logging rule of every service: client faults are logged at WARN (or INFO
// in the access log), server faults at ERROR, so that anyone sending bad
// requests cannot fill the error log.
func ClientFault(status int) bool {
	return (status >= 400 && status < 500) || status == http.StatusNotImplemented
}

// ClientCaused reports whether err is an *Error whose status is a client
// fault (see ClientFault).
func ClientCaused(err error) bool {
	e, ok := As(err)
	return ok && ClientFault(e.Status)
}

// TooLarge is a 413 payload_too_large for one field (or count) over its
// configured limit; field is the dotted parameter path.
func TooLarge(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: CodePayloadTooLarge, Status: http.StatusRequestEntityTooLarge,
		Message: field + ": " + msg, Fields: map[string]string{field: msg}}
}

// QuotaExceeded is a 422 quota_exceeded: the user holds as many of
// something as allowed.
func QuotaExceeded(format string, args ...any) *Error {
	return New(http.StatusUnprocessableEntity, CodeQuotaExceeded, fmt.Sprintf(format, args...))
}
