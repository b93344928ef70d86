package sessionsvc

import (
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// checkCrossSite refuses requests a page of another origin could make with
// the browser's identity cookie (cross-site request forgery spending the
// user's session quota): the body must be declared application/json, which
// no form and no "simple" cross-origin fetch can send without a CORS
// preflight, and an Origin header, when present, must be one of
// FRONTEND_URL or the server's own origin.
func (s *Service) checkCrossSite(c *fiber.Ctx) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return apperr.UnsupportedType(
			"send the request with Content-Type: application/json (an empty body is {} or nothing)")
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return nil // not a browser's cross-origin request
	}
	origin = strings.TrimRight(origin, "/")
	if _, ok := s.origins[strings.ToLower(origin)]; ok {
		return nil
	}
	// The server's own origin: the Host the request was sent to, with the
	// scheme it came over (X-Forwarded-Proto behind a TLS proxy).
	if strings.EqualFold(origin, c.Protocol()+"://"+string(c.Request().Host())) {
		return nil
	}
	return apperr.Forbidden(
		"requests from this origin are not allowed: add it to FRONTEND_URL")
}

func originSet(origins []string) map[string]struct{} {
	m := make(map[string]struct{}, len(origins))
	for _, o := range origins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			m[strings.ToLower(o)] = struct{}{}
		}
	}
	return m
}
