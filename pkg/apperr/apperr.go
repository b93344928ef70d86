// Package apperr defines the domain error every layer returns: a kind (what
// went wrong, in the caller's terms), a message that is safe to show to the
// caller and, when there is one, the cause. One table (kind.go) maps kinds
// to HTTP statuses, stable codes, stream error hints and tool-result codes;
// creation sites name a kind, never a status.
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
	CodeUnsupported      = "unsupported"
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

// Error is a failure of a kind with a caller-safe message. Err, when set,
// is the cause: it is logged, never sent.
//
// Code and Status are the kind's, from the table (WireOf); the
// constructors set them, and readers (the HTTP error handler, tests) read
// them. Nothing else sets them.
type Error struct {
	Kind    Kind
	Code    string
	Status  int
	Message string
	// Fields holds per-field messages (validation and size errors).
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

// Wire is what the error becomes on the wire (see WireOf).
func (e *Error) Wire() Wire { return WireOf(e.Kind) }

// E builds an Error of kind k with a formatted message.
func E(k Kind, format string, args ...any) *Error {
	w := WireOf(k)
	return &Error{Kind: k, Code: w.Code, Status: w.Status, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an Error of kind k whose cause is err.
func Wrap(err error, k Kind, message string) *Error {
	e := E(k, "%s", message)
	e.Err = err
	return e
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	return errors.AsType[*Error](err)
}

// KindOf returns the kind of the *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}

// Invalid is a request that cannot be understood (400).
func Invalid(format string, args ...any) *Error { return E(KindInvalid, format, args...) }

// Validation is a request with per-field problems (422).
func Validation(fields map[string]string) *Error {
	e := E(KindValidation, "some fields are invalid")
	e.Fields = fields
	return e
}

// NotFound is a missing id (404). Use it for ids that are missing and for
// ids owned by someone else alike, so that the two cannot be told apart.
func NotFound(format string, args ...any) *Error { return E(KindNotFound, format, args...) }

// Unauthorized is an unknown or unproven caller (401).
func Unauthorized(format string, args ...any) *Error { return E(KindUnauthorized, format, args...) }

// Forbidden is a known caller not allowed to do this (403).
func Forbidden(format string, args ...any) *Error { return E(KindForbidden, format, args...) }

// Conflict is a request the current state does not allow (409).
func Conflict(format string, args ...any) *Error { return E(KindConflict, format, args...) }

// NotConfigured names the setting this server lacks to serve the request
// (503, see the table for why not 501).
func NotConfigured(format string, args ...any) *Error { return E(KindNotConfigured, format, args...) }

// Unsupported is a feature this server does not offer (501).
func Unsupported(format string, args ...any) *Error { return E(KindUnsupported, format, args...) }

// UnsupportedType is a body in a media type the endpoint does not read (415).
func UnsupportedType(format string, args ...any) *Error {
	return E(KindUnsupportedType, format, args...)
}

// Upstream is an upstream API that failed or answered nonsense (502).
func Upstream(err error, format string, args ...any) *Error {
	return Wrap(err, KindUpstream, fmt.Sprintf(format, args...))
}

// UpstreamTimeout is an upstream API that did not answer in time (504).
func UpstreamTimeout(err error, format string, args ...any) *Error {
	return Wrap(err, KindUpstreamTimeout, fmt.Sprintf(format, args...))
}

// Unavailable is a dependency out of reach, or a server that is stopping
// (503).
func Unavailable(err error, format string, args ...any) *Error {
	return Wrap(err, KindUnavailable, fmt.Sprintf(format, args...))
}

// RateLimited is too many requests, with a Retry-After (429).
func RateLimited(retryAfter time.Duration) *Error {
	e := E(KindRateLimited, "too many requests; retry later")
	e.RetryAfter = retryAfter
	return e
}

// TooLarge is one field (or count) over its configured limit (413); field
// is the dotted parameter path.
func TooLarge(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	e := E(KindTooLarge, "%s: %s", field, msg)
	e.Fields = map[string]string{field: msg}
	return e
}

// QuotaExceeded is a user who holds as many of something as allowed (422).
func QuotaExceeded(format string, args ...any) *Error { return E(KindQuotaExceeded, format, args...) }

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
