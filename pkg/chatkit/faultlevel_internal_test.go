package chatkit

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A turn that failed on the client's own input (a malformed widget action
// answered with a message to the user) is a warning; a failure of the model,
// the store or the code is an error.
func TestFaultLevel(t *testing.T) {
	// A foreign error type is known through Options.ClassifyError.
	s := &Server{classifyErr: func(err error) *Error {
		var fe foreignErr
		if !errors.As(err, &fe) {
			return nil
		}
		if fe.client {
			return &Error{Kind: KindInvalid, Err: err}
		}
		return &Error{Kind: KindInternal, Err: err}
	}}
	for name, tc := range map[string]struct {
		err  error
		want slog.Level
	}{
		"message to the user":  {CustomError("This button's action is malformed.", false), slog.LevelWarn},
		"wrapped message":      {fmt.Errorf("widget action: %w", CustomError("Unknown action.", false)), slog.LevelWarn},
		"client-fault Error":   {errInvalid("bad task id"), slog.LevelWarn},
		"not offered (501)":    {&Error{Kind: KindUnsupported, Message: "no"}, slog.LevelWarn},
		"classified foreign":   {fmt.Errorf("tool: %w", foreignErr{client: true}), slog.LevelWarn},
		"foreign server fault": {foreignErr{client: false}, slog.LevelError},
		"upstream failure":     {&StreamError{Code: ErrorCodeCustom, Message: "The model is busy.", Err: errors.New("429")}, slog.LevelError},
		"stream error":         {&StreamError{Code: ErrorCodeStream}, slog.LevelError},
		"store failure":        {errors.New("database is locked"), slog.LevelError},
		"server-fault Error":   {&Error{Kind: KindUpstream, Message: "upstream"}, slog.LevelError},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, s.faultLevel(tc.err))
		})
	}
}

// foreignErr stands for an application's own error type (the product's
// *apperr.Error).
type foreignErr struct{ client bool }

func (foreignErr) Error() string { return "foreign" }
