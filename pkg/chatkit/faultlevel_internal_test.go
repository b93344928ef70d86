package chatkit

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
)

// A turn that failed on the client's own input (a malformed widget action
// answered with a message to the user) is a warning; a failure of the model,
// the store or the code is an error.
func TestFaultLevel(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want slog.Level
	}{
		"message to the user": {CustomError("This button's action is malformed.", false), slog.LevelWarn},
		"wrapped message":     {fmt.Errorf("widget action: %w", CustomError("Unknown action.", false)), slog.LevelWarn},
		"client-fault apperr": {apperr.Invalid("bad task id"), slog.LevelWarn},
		"not offered (501)":   {apperr.New(http.StatusNotImplemented, apperr.CodeNotConfigured, "no"), slog.LevelWarn},
		"upstream failure":    {&StreamError{Code: ErrorCodeCustom, Message: "The model is busy.", Err: errors.New("429")}, slog.LevelError},
		"stream error":        {&StreamError{Code: ErrorCodeStream}, slog.LevelError},
		"store failure":       {errors.New("database is locked"), slog.LevelError},
		"server-fault apperr": {apperr.New(http.StatusBadGateway, apperr.CodeUpstream, "upstream"), slog.LevelError},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, faultLevel(tc.err))
		})
	}
}
