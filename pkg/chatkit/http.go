package chatkit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Header names read by the HTTP bindings.
const (
	HeaderTimezone  = "X-Timezone"
	HeaderRequestID = "X-Request-Id"
)

// HandlerOptions configures Server.Handler.
type HandlerOptions struct {
	// Authenticate returns the user a request acts for (required). An
	// error answers the request: an *Error keeps its kind (return one of
	// KindUnauthorized for a missing or bad credential), anything else is
	// a 500. An empty user without an error is a 401.
	Authenticate func(r *http.Request) (userID string, err error)
	// ClientIP is the caller's address, for Admission; nil uses the
	// connection's peer (r.RemoteAddr).
	ClientIP func(r *http.Request) string
	// MaxBodyBytes bounds the request body; 0 means 1 MiB. A larger body
	// is a 413.
	MaxBodyBytes int64
	// Stop, when done, ends running streams with a retryable error event
	// (the server is shutting down); nil never does.
	Stop context.Context
}

// ErrorBody is the JSON shape of every error the handler answers:
// {"error":{"code":"...","message":"...","fields":{...}}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Handler returns the net/http handler of the ChatKit endpoint: POST a
// request body, get JSON or an SSE stream. Errors are answered as
// ErrorBody with the status of their kind; a stream is written (flushed
// per event) once the request has been validated and authorized.
func (s *Server) Handler(opts HandlerOptions) http.Handler {
	if opts.Authenticate == nil {
		panic("chatkit: HandlerOptions.Authenticate is required")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	stop := opts.Stop
	if stop == nil {
		stop = context.Background()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			s.writeError(w, r, &Error{Kind: KindInvalid, Message: "method not allowed"}, http.StatusMethodNotAllowed, "method_not_allowed")
			return
		}
		user, err := opts.Authenticate(r)
		if err == nil && user == "" {
			err = Errorf(KindUnauthorized, "authentication required")
		}
		if err != nil {
			s.writeError(w, r, err, 0, "")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, opts.MaxBodyBytes))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				err = Errorf(KindTooLarge, "request body is larger than %d bytes", opts.MaxBodyBytes)
			} else {
				err = Errorf(KindInvalid, "read request body: %v", err)
			}
			s.writeError(w, r, err, 0, "")
			return
		}
		info := RequestInfo{
			Locale:    FirstLanguage(r.Header.Get("Accept-Language")),
			RequestID: r.Header.Get(HeaderRequestID),
		}
		if opts.ClientIP != nil {
			info.ClientIP = opts.ClientIP(r)
		} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			info.ClientIP = host
		}
		if tz := strings.TrimSpace(r.Header.Get(HeaderTimezone)); tz != "" {
			if loc, err := LoadTimeZone(tz); err == nil {
				info.TimeZone, info.Location = tz, loc
			}
		}
		resp, err := s.Process(r.Context(), user, info, body)
		if err != nil {
			s.writeError(w, r, err, 0, "")
			return
		}
		if !resp.Streaming() {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(resp.JSON)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(resp.JSON)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		resp.WriteStream(stop, flushWriter{w: w, rc: http.NewResponseController(w)})
	})
}

// flushWriter adapts an http.ResponseWriter to FlushWriter.
type flushWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (f flushWriter) Write(p []byte) (int, error) { return f.w.Write(p) }
func (f flushWriter) Flush() error                { return f.rc.Flush() }

// Describe returns the status and the ErrorBody of err as the handler
// answers it: an *Error (or one Options.ClassifyError knows) keeps its
// kind, anything else is a generic 500.
func (s *Server) Describe(err error) (int, ErrorBody) {
	if e := s.classify(err); e != nil {
		return e.Status(), ErrorBody{Error: ErrorDetail{Code: e.Code(), Message: e.Message, Fields: e.Fields}}
	}
	return http.StatusInternalServerError, ErrorBody{Error: ErrorDetail{Code: KindInternal.Code(), Message: "internal server error"}}
}

// writeError answers err (status and code override its kind when set).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error, status int, code string) {
	st, body := s.Describe(err)
	if status != 0 {
		st, body.Error.Code = status, code
	}
	if e := s.classify(err); e != nil && e.RetryAfter > 0 {
		secs := int((e.RetryAfter + 999_999_999) / 1_000_000_000)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if st >= 500 && st != http.StatusNotImplemented {
		s.log.LogAttrs(r.Context(), slog.LevelError, "chatkit request failed",
			slog.Int("status", st), slog.String("error", err.Error()))
	}
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st)
	_, _ = w.Write(data)
}

// FirstLanguage returns the first tag of an Accept-Language value
// ("fr-CA,fr;q=0.9" → "fr-CA"); "" for "*" or an overlong tag.
func FirstLanguage(v string) string {
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	if len(v) > 35 || v == "*" {
		return ""
	}
	return v
}
