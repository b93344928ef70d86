package sessionsvc_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

// A page of another site (or a same-site page of another origin) must not
// spend the user's session quota with the browser's cookie: only JSON is
// accepted, and a browser's Origin must be FRONTEND_URL or our own.
func TestSessionsRefuseCrossSiteRequests(t *testing.T) {
	h := newHarness(t, map[string]string{"FRONTEND_URL": "http://localhost:3000,https://app.example.com"})
	tests := []struct {
		name, ctype, origin, host string
		want                      int
		wantCode                  string
	}{
		{name: "JSON, no Origin (curl, the load tool)", ctype: "application/json", want: 200},
		{name: "JSON with charset", ctype: "application/json; charset=utf-8", want: 200},
		{name: "JSON from FRONTEND_URL", ctype: "application/json", origin: "http://localhost:3000", want: 200},
		{name: "JSON from the second FRONTEND_URL origin", ctype: "application/json", origin: "https://app.example.com", want: 200},
		{name: "JSON from our own origin", ctype: "application/json", origin: "http://tasks.internal:8000", host: "tasks.internal:8000", want: 200},
		{name: "text/plain (a form or a no-cors fetch)", ctype: "text/plain", want: 415, wantCode: "unsupported_media_type"},
		{name: "form", ctype: "application/x-www-form-urlencoded", want: 415, wantCode: "unsupported_media_type"},
		{name: "no content type", want: 415, wantCode: "unsupported_media_type"},
		{name: "JSON from another origin", ctype: "application/json", origin: "https://evil.example", want: 403, wantCode: "forbidden"},
		{name: "JSON from a sibling subdomain", ctype: "application/json", origin: "https://evil.app.example.com", want: 403, wantCode: "forbidden"},
		{name: "JSON from an opaque origin", ctype: "application/json", origin: "null", want: 403, wantCode: "forbidden"},
		{name: "JSON from our host over another scheme", ctype: "application/json", origin: "https://tasks.internal:8000", host: "tasks.internal:8000", want: 403, wantCode: "forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, sessionsvc.PathSessions, strings.NewReader("{}"))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			r := h.do(t, req)
			assert.Equal(t, tc.want, r.status, "body %s", r.body)
			if tc.wantCode != "" {
				assert.Equal(t, tc.wantCode, r.err(t).Code)
				assert.Empty(t, r.cookie("tp_uid"), "a refused request gets no identity")
			}
		})
	}
}
