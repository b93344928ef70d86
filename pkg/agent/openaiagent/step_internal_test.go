package openaiagent

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scriptedAPI is a wireAPI whose response is a fixed event-stream body.
type scriptedAPI struct {
	body    string
	openErr error
	rec     *recordingReader
}

func (a *scriptedAPI) operation() string { return "scripted" }

func (a *scriptedAPI) open(context.Context, *stepRequest) (*eventStream, error) {
	if a.openErr != nil {
		return nil, a.openErr
	}
	return newEventStream(io.NopCloser(strings.NewReader(a.body))), nil
}

func (a *scriptedAPI) reader(out *stepOutput) eventReader {
	a.rec.out = out
	return a.rec
}

// recordingReader takes every event's data as text.
type recordingReader struct {
	out       *stepOutput
	events    []string
	finished  bool
	finishErr error
}

func (r *recordingReader) add(data []byte, onText func(string) error) error {
	r.events = append(r.events, string(data))
	r.out.text += string(data)
	return onText(string(data))
}

func (r *recordingReader) finish() error {
	r.finished = true
	return r.finishErr
}

func TestStepperStep(t *testing.T) {
	errOpen := errors.New("dial failed")
	errFinish := errors.New("not complete")
	errSink := errors.New("client gone")
	tests := []struct {
		name       string
		body       string
		openErr    error
		finishErr  error
		onTextErr  error
		wantEvents []string
		wantText   []string
		wantFinish bool
		wantErr    error
		wantUp     *upstreamError
	}{
		{
			name:       "events then the end of the body",
			body:       "data: a\n\ndata: b\n\n",
			wantEvents: []string{"a", "b"}, wantText: []string{"a", "b"}, wantFinish: true,
		},
		{
			name:       "[DONE] ends the stream",
			body:       "data: a\n\ndata: [DONE]\n\ndata: b\n\n",
			wantEvents: []string{"a"}, wantText: []string{"a"}, wantFinish: true,
		},
		{
			name:       "the reader's finish error is the step's",
			body:       "data: a\n\n",
			finishErr:  errFinish,
			wantEvents: []string{"a"}, wantText: []string{"a"}, wantFinish: true, wantErr: errFinish,
		},
		{
			name:    "a failed request is returned as is",
			openErr: errOpen,
			wantErr: errOpen,
		},
		{
			name:       "an error event stops the stream before the reader sees it",
			body:       "data: a\n\ndata: {\"error\":{\"code\":\"rate_limit_exceeded\"}}\n\ndata: b\n\n",
			wantEvents: []string{"a"}, wantText: []string{"a"},
			wantUp: &upstreamError{outcome: outcomeRateLimited, code: "rate_limit_exceeded", detail: "error event"},
		},
		{
			name:       "an error from onText stops the stream",
			body:       "data: a\n\ndata: b\n\n",
			onTextErr:  errSink,
			wantEvents: []string{"a"}, wantText: []string{"a"}, wantErr: errSink,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rr := &recordingReader{finishErr: tc.finishErr}
			s := stepper{&scriptedAPI{body: tc.body, openErr: tc.openErr, rec: rr}}
			var out stepOutput
			var text []string
			err := s.step(t.Context(), &stepRequest{}, &out, func(d string) error {
				text = append(text, d)
				return tc.onTextErr
			})
			switch {
			case tc.wantUp != nil:
				var ue *upstreamError
				require.ErrorAs(t, err, &ue)
				assert.Equal(t, tc.wantUp, ue)
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
			default:
				require.NoError(t, err)
			}
			assert.Equal(t, tc.wantEvents, rr.events, "events the reader got")
			assert.Equal(t, tc.wantText, text, "text deltas")
			assert.Equal(t, tc.wantFinish, rr.finished, "finish called")
			assert.Equal(t, "scripted", s.operation())
		})
	}
}
