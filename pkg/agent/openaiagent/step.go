package openaiagent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// A turn (respond.go) is a loop of model steps. One step is the same in
// both API styles: send the conversation, read the streamed events, pass
// text deltas on and collect the tool calls. Only the request and the
// events' shape differ, and those are a wireAPI: chatAPI (chat.go) or
// responsesAPI (responses.go).

// API styles.
const (
	StyleResponses       = "responses"
	StyleChatCompletions = "chat_completions"
)

// stepRequest is one model call: the time the system prompt states and the
// conversation.
type stepRequest struct {
	now     time.Time // in the user's zone
	zone    string    // the user's zone name ("" → now's location)
	history []entry
}

// systemPrompt is built for each call rather than kept for the turn: a
// turn waits on the model far longer than the prompt takes to write.
func (r *stepRequest) systemPrompt() string { return systemPrompt(r.now, r.zone) }

// toolCall is a function call the model made in a step.
type toolCall struct {
	callID, name, arguments string
}

// stepOutput is what one model call produced.
type stepOutput struct {
	text  string
	calls []toolCall
	usage tokenUsage
}

type tokenUsage struct{ input, output int64 }

// wireAPI is what one API style adds to a step: how the request is sent
// and how its events are read.
type wireAPI interface {
	// operation names the style in metrics and logs.
	operation() string
	// open sends the request and returns the response's event stream.
	open(ctx context.Context, req *stepRequest) (*eventStream, error)
	// reader returns the reader of one call's events, collecting into out.
	reader(out *stepOutput) eventReader
}

// eventReader collects one call's events (in-stream error events are
// handled before it sees them).
type eventReader interface {
	// add decodes one event's data, passing its text to onText. It is not
	// inlined so that the decoded event (several KiB) is off the stack
	// while step waits.
	add(data []byte, onText func(string) error) error
	// finish completes the output once the stream ended; an error when it
	// ended before the answer was complete.
	finish() error
}

// stepper runs one streamed model call in one API style, collecting what
// the model produced into out (also when the call fails part way). onText
// receives the answer's text deltas as they arrive; an error from it stops
// the call and is returned as is. Upstream failures are returned as
// *upstreamError or as the client's error for classify.
type stepper struct{ api wireAPI }

func (s stepper) operation() string { return s.api.operation() }

func (s stepper) step(ctx context.Context, req *stepRequest, out *stepOutput, onText func(string) error) error {
	var events *eventStream
	var err error
	chatkit.OnFreshStack(func() { events, err = s.api.open(ctx, req) })
	if err != nil {
		return err
	}
	defer func() { _ = events.Close() }()

	// The loop stays small: the turn's goroutine waits in events.next for
	// most of its life (see respond.go and sse.go); the request is built
	// and sent on a fresh stack, and events are decoded in the reader.
	r := s.api.reader(out)
	for {
		data, err := events.next()
		if errors.Is(err, io.EOF) {
			return r.finish()
		}
		if err != nil {
			return err
		}
		if code, ok := errorEvent(data); ok {
			return inStreamError(code, "error event")
		}
		if err := r.add(data, onText); err != nil {
			return err
		}
	}
}

// inStreamError is a failure the upstream reported inside a started stream.
func inStreamError(code, what string) *upstreamError {
	ue := &upstreamError{outcome: outcomeUpstreamError, code: code, detail: what}
	if code == "rate_limit_exceeded" {
		ue.outcome = outcomeRateLimited
	}
	return ue
}

// modelParams are the client and the parts of a request both styles share.
type modelParams struct {
	client      openai.Client
	model       string
	temperature float64
}

// toolParams converts the tool definitions to one style's tool parameters.
func toolParams[T any](defs []tasks.Tool, param func(d tasks.Tool, schema map[string]any) T) ([]T, error) {
	var out []T
	for _, d := range defs {
		schema, err := toolSchema(d)
		if err != nil {
			return nil, err
		}
		out = append(out, param(d, schema))
	}
	return out, nil
}

// toolSchema decodes a tool's JSON schema for the client's parameter types.
func toolSchema(t tasks.Tool) (map[string]any, error) {
	var schema map[string]any
	if err := json.Unmarshal(t.Parameters, &schema); err != nil {
		return nil, fmt.Errorf("tool %s: parameters schema: %w", t.Name, err)
	}
	return schema, nil
}
