// Package chatfiber binds the chatkit library to this product: its Fiber
// endpoint (the user from auth.WithUser, errors for httpserver's error
// handler, streams ended by the server's stop context) and the mapping between
// the product's *apperr.Error and chatkit's *Error. The library itself
// knows neither Fiber nor the product.
package chatfiber

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
)

// Options configures Handler.
type Options struct {
	// ClientIP tells the Server the caller's address (for Admission); nil
	// uses the connection's peer.
	ClientIP func(c *fiber.Ctx) string
	// Stop ends open streams when it is cancelled: the server's
	// httpserver.Server.StopContext, cancelled near the end of a graceful
	// shutdown so a stream still ends with its final events. Nil: streams
	// end only with their turn or their connection.
	Stop context.Context
}

// Handler returns the Fiber handler for the ChatKit endpoint (POST). It
// expects an authentication middleware to have put the user into
// c.UserContext() (auth.WithUser); without one it answers 401. Errors are
// returned as *apperr.Error for the app's error handler (JSON error
// shape); a stream is written with SSE headers once the request has been
// validated.
//
// It is a direct binding rather than chatkit's net/http Handler behind
// fasthttpadaptor: the adaptor buffers a whole response (a stream would
// only reach the client when the turn ends) and copies every request.
func Handler(s *chatkit.Server, opts Options) fiber.Handler {
	stop := opts.Stop
	if stop == nil {
		stop = context.Background()
	}
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		user, ok := auth.UserFrom(ctx)
		if !ok {
			return apperr.Unauthorized("authentication required")
		}
		// Copy everything the stream needs: fasthttp reuses *fiber.Ctx.
		body := append([]byte(nil), c.Body()...)
		info := chatkit.RequestInfo{
			Locale:    chatkit.FirstLanguage(strings.Clone(c.Get(fiber.HeaderAcceptLanguage))),
			RequestID: strings.Clone(c.GetRespHeader(chatkit.HeaderRequestID)),
		}
		if opts.ClientIP != nil {
			info.ClientIP = opts.ClientIP(c)
		} else {
			info.ClientIP = c.Context().RemoteIP().String()
		}
		if tz := strings.TrimSpace(c.Get(chatkit.HeaderTimezone)); tz != "" {
			if loc, err := chatkit.LoadTimeZone(tz); err == nil {
				info.TimeZone, info.Location = strings.Clone(tz), loc
			}
		}
		resp, err := s.Process(ctx, strings.Clone(user), info, body)
		if err != nil {
			return ToAppErr(err)
		}
		if !resp.Streaming() {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Status(fiber.StatusOK).Send(resp.JSON)
		}
		c.Set(fiber.HeaderContentType, "text/event-stream")
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set("X-Accel-Buffering", "no")
		c.Status(fiber.StatusOK)
		// The stream outlives the handler; only the server's shutdown (and
		// a broken connection: fasthttp then closes the reader) ends it
		// early. fasthttp reads it on the connection's own goroutine and
		// flushes every chunk, so a stream costs no extra goroutine or
		// buffer (SetBodyStreamWriter would add both, and a pipe).
		c.Context().SetBodyStream(resp.Reader(stop), -1)
		return nil
	}
}

// ToAppErr turns a *chatkit.Error in err's chain into the product's
// *apperr.Error of the same kind (the kinds' tables agree on status and
// code; the original stays the cause); any other error is returned as it
// is.
func ToAppErr(err error) error {
	var ce *chatkit.Error
	if !errors.As(err, &ce) {
		return err
	}
	ae := apperr.Wrap(err, appKinds[ce.Kind], ce.Message)
	ae.Fields, ae.RetryAfter = ce.Fields, ce.RetryAfter
	return ae
}

// kinds pairs the product's error kinds with the library's. Both name the
// same failures and give them the same status and code; the product has a
// few finer kinds (forbidden, method, unsupported media type, upstream
// timeout) that the library folds into a broader one.
var kinds = map[apperr.Kind]chatkit.ErrorKind{
	apperr.KindInvalid:         chatkit.KindInvalid,
	apperr.KindValidation:      chatkit.KindValidation,
	apperr.KindUnauthorized:    chatkit.KindUnauthorized,
	apperr.KindNotFound:        chatkit.KindNotFound,
	apperr.KindConflict:        chatkit.KindConflict,
	apperr.KindTooLarge:        chatkit.KindTooLarge,
	apperr.KindQuotaExceeded:   chatkit.KindQuotaExceeded,
	apperr.KindRateLimited:     chatkit.KindRateLimited,
	apperr.KindNotConfigured:   chatkit.KindNotConfigured,
	apperr.KindUnsupported:     chatkit.KindUnsupported,
	apperr.KindUpstream:        chatkit.KindUpstream,
	apperr.KindUnavailable:     chatkit.KindUnavailable,
	apperr.KindInternal:        chatkit.KindInternal,
	apperr.KindForbidden:       chatkit.KindInvalid,
	apperr.KindMethod:          chatkit.KindInvalid,
	apperr.KindUnsupportedType: chatkit.KindInvalid,
	apperr.KindUpstreamTimeout: chatkit.KindUpstream,
}

// appKinds is kinds the other way round, for the library's kinds (each has
// exactly one product kind of the same status and code).
var appKinds = map[chatkit.ErrorKind]apperr.Kind{}

func init() {
	for ak, ck := range kinds {
		if apperr.WireOf(ak).Code == ck.Code() {
			appKinds[ck] = ak
		}
	}
}

// ClassifyError is chatkit.Options.ClassifyError for this product: an
// *apperr.Error (from a responder, an action handler, the task service or
// the turn gate) becomes the *chatkit.Error of its kind, so the Server
// logs client faults at WARN and labels metrics by code. The HTTP answer
// still comes from the *apperr.Error itself (Handler returns err as is).
func ClassifyError(err error) *chatkit.Error {
	ae, ok := apperr.As(err)
	if !ok {
		return nil
	}
	kind, known := kinds[ae.Kind]
	if !known {
		kind = chatkit.KindInternal
	}
	return &chatkit.Error{Kind: kind, Message: ae.Message, Fields: ae.Fields, RetryAfter: ae.RetryAfter, Err: err}
}
