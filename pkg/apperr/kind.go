package apperr

import "net/http"

// Kind is what went wrong, in the caller's terms. A domain error carries a
// kind; what each kind becomes on the wire (HTTP status, stable code, the
// retry hint of a stream error event, the code of a tool result) is chosen
// once, in the table below, never where the error is created.
//
// The names match the chatkit library's error kinds, so the product maps
// the library's errors onto this table one to one.
type Kind string

// The kinds. Never rename one: logs and tests name them.
const (
	KindInvalid         Kind = "invalid"          // the request cannot be understood
	KindValidation      Kind = "validation"       // understood, but some fields are wrong (per-field messages)
	KindUnauthorized    Kind = "unauthorized"     // who is asking is unknown or not proven
	KindForbidden       Kind = "forbidden"        // known, but not allowed
	KindNotFound        Kind = "not_found"        // missing, or someone else's: the two look alike
	KindConflict        Kind = "conflict"         // the state does not allow it now
	KindMethod          Kind = "method"           // a method this route does not answer
	KindTooLarge        Kind = "too_large"        // a field or count over its configured limit
	KindUnsupportedType Kind = "unsupported_type" // a body in a media type this endpoint does not read
	KindRateLimited     Kind = "rate_limited"     // too many requests; waiting helps
	KindQuotaExceeded   Kind = "quota_exceeded"   // the user holds as many as allowed; waiting does not help
	KindNotConfigured   Kind = "not_configured"   // the server lacks a setting this request needs (operator's fix)
	KindUnsupported     Kind = "unsupported"      // a feature this server does not offer
	KindUpstream        Kind = "upstream"         // an upstream API failed or answered nonsense
	KindUpstreamTimeout Kind = "upstream_timeout" // an upstream API did not answer in time
	KindUnavailable     Kind = "unavailable"      // a dependency is unreachable, or the server is stopping
	KindInternal        Kind = "internal"         // a bug or an unclassified failure
)

// Tool-result codes: what a task tool reports to the model when the
// caller (the model) can fix the call.
const (
	ToolCodeNotFound        = "not_found"
	ToolCodeInvalidArgument = "invalid_argument"
	ToolCodeQuotaExceeded   = "quota_exceeded"
)

// Wire is what a kind becomes on each surface.
type Wire struct {
	// Status is the HTTP status of a JSON error response.
	Status int
	// Code is the stable "code" of the JSON error body.
	Code string
	// AllowRetry is the allow_retry of a ChatKit stream error event: true
	// when sending the same message again may succeed.
	AllowRetry bool
	// ToolCode is the code of a tool result ("" when the failure is not the
	// model's to fix and the turn fails instead).
	ToolCode string
}

// wires is the one table from kind to wire. not_configured is 503, not
// 501: the server does offer the feature, it lacks the setting (an API key)
// to serve it, an operator can fix that without a release, and clients and
// load balancers treat 503 as "this server, for now". A feature the server
// does not offer at all (attachments without an attachment store) is
// KindUnsupported, 501.
var wires = map[Kind]Wire{
	KindInvalid:         {Status: http.StatusBadRequest, Code: CodeInvalidRequest, ToolCode: ToolCodeInvalidArgument},
	KindValidation:      {Status: http.StatusUnprocessableEntity, Code: CodeValidation, ToolCode: ToolCodeInvalidArgument},
	KindUnauthorized:    {Status: http.StatusUnauthorized, Code: CodeUnauthorized},
	KindForbidden:       {Status: http.StatusForbidden, Code: CodeForbidden},
	KindNotFound:        {Status: http.StatusNotFound, Code: CodeNotFound, ToolCode: ToolCodeNotFound},
	KindConflict:        {Status: http.StatusConflict, Code: CodeConflict},
	KindTooLarge:        {Status: http.StatusRequestEntityTooLarge, Code: CodePayloadTooLarge, ToolCode: ToolCodeInvalidArgument},
	KindMethod:          {Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed},
	KindUnsupportedType: {Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMedia},
	KindRateLimited:     {Status: http.StatusTooManyRequests, Code: CodeRateLimited, AllowRetry: true},
	KindQuotaExceeded:   {Status: http.StatusUnprocessableEntity, Code: CodeQuotaExceeded, ToolCode: ToolCodeQuotaExceeded},
	KindNotConfigured:   {Status: http.StatusServiceUnavailable, Code: CodeNotConfigured},
	KindUnsupported:     {Status: http.StatusNotImplemented, Code: CodeUnsupported},
	KindUpstream:        {Status: http.StatusBadGateway, Code: CodeUpstream, AllowRetry: true},
	KindUpstreamTimeout: {Status: http.StatusGatewayTimeout, Code: CodeUpstreamTimeout, AllowRetry: true},
	KindUnavailable:     {Status: http.StatusServiceUnavailable, Code: CodeUnavailable, AllowRetry: true},
	KindInternal:        {Status: http.StatusInternalServerError, Code: CodeInternal, AllowRetry: true},
}

// WireOf returns what k becomes on the wire; an unknown kind is internal.
func WireOf(k Kind) Wire {
	if w, ok := wires[k]; ok {
		return w
	}
	return wires[KindInternal]
}

// Kinds lists every kind of the table (tests walk it).
func Kinds() []Kind {
	out := make([]Kind, 0, len(wires))
	for k := range wires {
		out = append(out, k)
	}
	return out
}

// KindOfStatus is the kind of an error that arrives with only a status (a
// framework's 404 or 405, a 413 from the body limit); the response keeps
// that status, the kind gives its code. Other statuses fall back by class.
func KindOfStatus(status int) Kind {
	switch status {
	case http.StatusBadRequest:
		return KindInvalid
	case http.StatusUnauthorized:
		return KindUnauthorized
	case http.StatusForbidden:
		return KindForbidden
	case http.StatusNotFound:
		return KindNotFound
	case http.StatusMethodNotAllowed:
		return KindMethod
	case http.StatusRequestEntityTooLarge:
		return KindTooLarge
	case http.StatusUnsupportedMediaType:
		return KindUnsupportedType
	case http.StatusUnprocessableEntity:
		return KindValidation
	case http.StatusTooManyRequests:
		return KindRateLimited
	case http.StatusServiceUnavailable:
		return KindUnavailable
	}
	if status >= 500 {
		return KindInternal
	}
	return KindInvalid
}
