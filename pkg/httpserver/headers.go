package httpserver

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// HeaderHSTS is sent only on responses served over TLS (see setHeaders).
const HeaderHSTS = "Strict-Transport-Security"

// hstsValue: a year, subdomains included; no preload (an operator decision).
const hstsValue = "max-age=31536000; includeSubDomains"

// SecurityHeaders is the header set every response of a service carries:
// no MIME sniffing, no framing by other sites, no referrer beyond the
// origin, and csp as Content-Security-Policy when it is not empty (the
// all-in-one passes the policy of the built front end; an API-only service
// passes APIPolicy).
func SecurityHeaders(csp string) map[string]string {
	h := map[string]string{
		fiber.HeaderXContentTypeOptions: "nosniff",
		fiber.HeaderReferrerPolicy:      "strict-origin-when-cross-origin",
		// The legacy header for browsers without frame-ancestors.
		fiber.HeaderXFrameOptions: "DENY",
	}
	if csp != "" {
		h[fiber.HeaderContentSecurityPolicy] = csp
	}
	return h
}

// APIPolicy is the Content-Security-Policy of responses that are never
// pages (JSON, SSE): nothing may load, nothing may frame them.
const APIPolicy = "default-src 'none'; frame-ancestors 'none'"

// setHeaders sets headers on every response, and HSTS when the request
// came over TLS (directly, or as X-Forwarded-Proto says).
func setHeaders(headers map[string]string) fiber.Handler {
	type kv struct{ k, v string }
	list := make([]kv, 0, len(headers))
	for k, v := range headers {
		list = append(list, kv{k, v})
	}
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		for _, p := range list {
			h.Set(p.k, p.v)
		}
		if strings.EqualFold(c.Protocol(), "https") {
			h.Set(HeaderHSTS, hstsValue)
		}
		return c.Next()
	}
}
