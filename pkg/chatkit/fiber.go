package chatkit

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
)

// Header names read by Handler.
const (
	HeaderTimezone  = "X-Timezone"
	headerRequestID = "X-Request-Id"
)

// Handler returns the Fiber handler for the ChatKit endpoint (POST). It
// expects an authentication middleware to have put the user into
// c.UserContext() (auth.WithUser); without one it answers 401. Errors are
// returned for the app's error handler (JSON error shape); a stream is
// written with SSE headers once the request has been validated.
func (s *Server) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		user, ok := auth.UserFrom(ctx)
		if !ok {
			return apperr.Unauthorized("authentication required")
		}
		// Copy everything the stream needs: fasthttp reuses *fiber.Ctx.
		body := append([]byte(nil), c.Body()...)
		info := RequestInfo{
			Locale:    firstLanguage(strings.Clone(c.Get(fiber.HeaderAcceptLanguage))),
			RequestID: strings.Clone(c.GetRespHeader(headerRequestID)),
		}
		if s.clientIP != nil {
			info.ClientIP = s.clientIP(c)
		} else {
			info.ClientIP = c.Context().RemoteIP().String()
		}
		if tz := strings.TrimSpace(c.Get(HeaderTimezone)); tz != "" {
			if loc, err := LoadTimeZone(tz); err == nil {
				info.TimeZone, info.Location = strings.Clone(tz), loc
			}
		}
		resp, err := s.Process(ctx, strings.Clone(user), info, body)
		if err != nil {
			return err
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
		c.Context().SetBodyStream(resp.Reader(httpserver.StopContext(c.App())), -1)
		return nil
	}
}

// firstLanguage returns the first tag of an Accept-Language value
// ("fr-CA,fr;q=0.9" → "fr-CA").
func firstLanguage(v string) string {
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
