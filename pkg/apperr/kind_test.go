package apperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// The constructors take their status and code from the one table; these
// are the wire values clients and tests rely on.
func TestConstructorsFollowTheTable(t *testing.T) {
	cause := errors.New("cause")
	tests := []struct {
		name   string
		err    *apperr.Error
		kind   apperr.Kind
		status int
		code   string
	}{
		{"invalid", apperr.Invalid("bad %d", 1), apperr.KindInvalid, 400, "invalid_request"},
		{"validation", apperr.Validation(map[string]string{"title": "required"}), apperr.KindValidation, 422, "validation_failed"},
		{"unauthorized", apperr.Unauthorized("who"), apperr.KindUnauthorized, 401, "unauthorized"},
		{"forbidden", apperr.Forbidden("no"), apperr.KindForbidden, 403, "forbidden"},
		{"not found", apperr.NotFound("task %d", 7), apperr.KindNotFound, 404, "not_found"},
		{"conflict", apperr.Conflict("busy"), apperr.KindConflict, 409, "conflict"},
		{"too large", apperr.TooLarge("params.text", "over %d", 10), apperr.KindTooLarge, 413, "payload_too_large"},
		{"unsupported type", apperr.UnsupportedType("json only"), apperr.KindUnsupportedType, 415, "unsupported_media_type"},
		{"rate limited", apperr.RateLimited(time.Second), apperr.KindRateLimited, 429, "rate_limited"},
		{"quota", apperr.QuotaExceeded("full"), apperr.KindQuotaExceeded, 422, "quota_exceeded"},
		{"not configured", apperr.NotConfigured("set OPENAI_API_KEY"), apperr.KindNotConfigured, 503, "not_configured"},
		{"unsupported", apperr.Unsupported("no attachments"), apperr.KindUnsupported, 501, "unsupported"},
		{"upstream", apperr.Upstream(cause, "openai %d", 500), apperr.KindUpstream, 502, "upstream_error"},
		{"upstream timeout", apperr.UpstreamTimeout(cause, "slow"), apperr.KindUpstreamTimeout, 504, "upstream_timeout"},
		{"unavailable", apperr.Unavailable(nil, "stopping"), apperr.KindUnavailable, 503, "unavailable"},
		{"internal", apperr.E(apperr.KindInternal, "bug"), apperr.KindInternal, 500, "internal_error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.kind, tc.err.Kind)
			assert.Equal(t, tc.status, tc.err.Status)
			assert.Equal(t, tc.code, tc.err.Code)
			assert.Equal(t, tc.err.Wire(), apperr.WireOf(tc.kind))
		})
	}
}

// not_configured has one status; a feature not offered is another kind.
func TestEveryCodeHasOneStatus(t *testing.T) {
	statusOf := map[string]int{}
	for _, k := range apperr.Kinds() {
		w := apperr.WireOf(k)
		require.NotEmpty(t, w.Code, k)
		if s, ok := statusOf[w.Code]; ok {
			assert.Equal(t, s, w.Status, "code %s", w.Code)
		}
		statusOf[w.Code] = w.Status
	}
	assert.Equal(t, http.StatusServiceUnavailable, statusOf[apperr.CodeNotConfigured])
}

func TestWrapKeepsTheCause(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	err := fmt.Errorf("create session: %w", apperr.Upstream(cause, "OpenAI could not be reached"))
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, apperr.KindUpstream, apperr.KindOf(err))
	assert.Equal(t, apperr.KindInternal, apperr.KindOf(errors.New("plain")))
	assert.Contains(t, err.Error(), "upstream_error: OpenAI could not be reached: dial tcp: refused")
}

func TestToolCodesAndRetry(t *testing.T) {
	assert.Equal(t, "not_found", apperr.WireOf(apperr.KindNotFound).ToolCode)
	assert.Equal(t, "invalid_argument", apperr.WireOf(apperr.KindInvalid).ToolCode)
	assert.Equal(t, "quota_exceeded", apperr.WireOf(apperr.KindQuotaExceeded).ToolCode)
	assert.Empty(t, apperr.WireOf(apperr.KindUpstream).ToolCode, "not the model's to fix")
	assert.True(t, apperr.WireOf(apperr.KindRateLimited).AllowRetry)
	assert.False(t, apperr.WireOf(apperr.KindNotConfigured).AllowRetry, "retrying cannot help until an operator acts")
	assert.Equal(t, apperr.WireOf(apperr.KindInternal), apperr.WireOf("no such kind"))
}

func TestKindOfStatus(t *testing.T) {
	for status, code := range map[int]string{
		400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
		405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
		422: "validation_failed", 429: "rate_limited", 503: "unavailable", 500: "internal_error",
		418: "invalid_request", 502: "internal_error",
	} {
		assert.Equal(t, code, apperr.WireOf(apperr.KindOfStatus(status)).Code, "status %d", status)
	}
}
