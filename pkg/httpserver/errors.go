package httpserver

import (
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// ErrorBody is the stable JSON error shape of every non-2xx response:
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

// ErrorHandler returns the fiber.Config.ErrorHandler shared by every
// service: *apperr.Error keeps its status and code, *fiber.Error maps to a
// matching code, anything else is logged and answered with a generic 500.
func ErrorHandler(logger *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		status, body := Describe(err)
		if status >= http.StatusInternalServerError {
			// 501 is the client asking for what this server does not
			// offer: worth a warning, not an error (apperr.ClientFault).
			level := slog.LevelError
			if apperr.ClientFault(status) {
				level = slog.LevelWarn
			}
			logger.LogAttrs(c.UserContext(), level, "request failed",
				slog.String("method", c.Method()), slog.String("path", c.Path()),
				slog.Int("status", status), slog.String("error", err.Error()))
		}
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			secs := int(ae.RetryAfter.Seconds() + 0.999)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(secs, 1)))
		}
		return c.Status(status).JSON(body)
	}
}

// Describe maps an error to its HTTP status and JSON body.
func Describe(err error) (int, ErrorBody) {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Status, ErrorBody{Error: ErrorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields}}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		// The framework's status stays; its kind gives the code.
		return fe.Code, ErrorBody{Error: ErrorDetail{Code: apperr.WireOf(apperr.KindOfStatus(fe.Code)).Code, Message: fe.Message}}
	}
	if dependencyUnreachable(err) {
		w := apperr.WireOf(apperr.KindUnavailable)
		return w.Status, ErrorBody{Error: ErrorDetail{
			Code: w.Code, Message: "a service this request needs is unreachable; try again shortly"}}
	}
	w := apperr.WireOf(apperr.KindInternal)
	return w.Status, ErrorBody{Error: ErrorDetail{Code: w.Code, Message: "internal server error"}}
}

// dependencyUnreachable reports whether err is a network-level failure to
// reach a backing service (the database is down or restarting): a
// temporary outage (503), not a bug (500). Upstream APIs classify their
// own failures as *apperr.Error before they get here.
func dependencyUnreachable(err error) bool {
	var opErr *net.OpError
	// Drivers (pgx) mark failures that happened before the request reached
	// the server, such as a connection closed under it, as safe to retry.
	var retryable interface{ SafeToRetry() bool }
	return errors.As(err, &opErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, driver.ErrBadConn) ||
		(errors.As(err, &retryable) && retryable.SafeToRetry())
}
