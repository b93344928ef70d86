package openaiagent

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// responsesStepper calls POST /responses with stream:true. The turn is
// stateless: every call carries the whole conversation as input items and
// store:false, so nothing is kept upstream between calls.
type responsesStepper struct {
	client      openai.Client
	model       string
	temperature float64
	tools       []responses.ToolUnionParam
}

func newResponsesStepper(client openai.Client, model string, temperature float64, defs []tasks.Tool) (*responsesStepper, error) {
	s := &responsesStepper{client: client, model: model, temperature: temperature}
	for _, d := range defs {
		schema, err := toolSchema(d)
		if err != nil {
			return nil, err
		}
		s.tools = append(s.tools, responses.ToolUnionParam{OfFunction: &responses.FunctionToolParam{
			Name:        d.Name,
			Description: openai.String(d.Description),
			Parameters:  schema,
			Strict:      openai.Bool(true),
		}})
	}
	return s, nil
}

func (s *responsesStepper) operation() string { return StyleResponses }

// responsesInput converts the conversation to input items.
func responsesInput(history []entry) responses.ResponseInputParam {
	var in responses.ResponseInputParam
	for _, e := range history {
		switch e.kind {
		case entryUser:
			in = append(in, responses.ResponseInputItemParamOfMessage(e.text, responses.EasyInputMessageRoleUser))
		case entryAssistant:
			in = append(in, responses.ResponseInputItemParamOfMessage(e.text, responses.EasyInputMessageRoleAssistant))
		case entrySystem:
			in = append(in, responses.ResponseInputItemParamOfMessage(e.text, responses.EasyInputMessageRoleSystem))
		case entryTools:
			for _, c := range e.calls {
				in = append(in, responses.ResponseInputItemParamOfFunctionCall(c.Arguments, c.CallID, c.Name))
			}
			for _, c := range e.calls {
				in = append(in, responses.ResponseInputItemUnionParam{OfFunctionCallOutput: &responses.ResponseInputItemFunctionCallOutputParam{
					CallID: openai.String(c.CallID),
					Output: responses.ResponseInputItemFunctionCallOutputOutputUnionParam{OfString: openai.String(c.Output)},
				}})
			}
		}
	}
	return in
}

func (s *responsesStepper) step(ctx context.Context, req *stepRequest, out *stepOutput, onText func(string) error) error {
	var events *eventStream
	var err error
	chatkit.OnFreshStack(func() { events, err = s.open(ctx, req) })
	if err != nil {
		return err
	}
	defer func() { _ = events.Close() }()

	// As in chatStepper.step: wait in a small frame, decode in add.
	acc := &responseEvents{out: out}
	for {
		data, err := events.next()
		if errors.Is(err, io.EOF) {
			if !acc.completed {
				return errStreamIncomplete
			}
			return nil
		}
		if err != nil {
			return err
		}
		if err := acc.add(data, onText); err != nil {
			return err
		}
	}
}

// open sends the request and returns the response's event stream.
func (s *responsesStepper) open(ctx context.Context, req *stepRequest) (*eventStream, error) {
	params := responses.ResponseNewParams{
		Model:        s.model,
		Instructions: openai.String(req.systemPrompt()),
		Input:        responses.ResponseNewParamsInputUnion{OfInputItemList: responsesInput(req.history)},
		Temperature:  openai.Float(s.temperature),
		Tools:        s.tools,
		Store:        openai.Bool(false),
	}
	var raw *http.Response
	stream := s.client.Responses.NewStreaming(ctx, params, option.WithResponseInto(&raw))
	return openStream(raw, stream.Err())
}

// responseEvents accumulates a Responses stream.
type responseEvents struct {
	out       *stepOutput
	seen      map[string]bool // call ids already collected
	completed bool
}

func (a *responseEvents) call(fc responses.ResponseFunctionToolCall) {
	if a.seen[fc.CallID] {
		return
	}
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	a.seen[fc.CallID] = true
	a.out.calls = append(a.out.calls, toolCall{callID: fc.CallID, name: fc.Name, arguments: fc.Arguments})
}

// add decodes one event, passing its text to onText. It is not inlined so
// that the decoded event (several KiB) is off the stack while step waits.
//
//go:noinline
func (a *responseEvents) add(data []byte, onText func(string) error) error {
	if code, ok := errorEvent(data); ok {
		return inStreamError(code, "error event")
	}
	// Most events are text deltas or ones the agent ignores: their type
	// and delta are read with encoding/json. openai-go's decoder, at
	// several times the CPU and garbage, only gets the few that matter.
	var head struct {
		Type  string `json:"type"`
		Delta string `json:"delta"`
	}
	if err := decodeEvent(data, &head); err != nil {
		return err
	}
	switch head.Type {
	case "response.output_text.delta", "response.refusal.delta":
		a.out.text += head.Delta
		return onText(head.Delta)
	case "response.output_item.done", "response.completed", "response.failed", "response.incomplete", "error":
	default:
		return nil
	}
	var ev responses.ResponseStreamEventUnion
	if err := json.Unmarshal(data, &ev); err != nil {
		return err
	}
	switch ev.Type {
	case "response.output_item.done":
		if ev.Item.Type == "function_call" {
			a.call(ev.Item.AsFunctionCall())
		}
	case "response.completed":
		a.completed = true
		a.out.usage = tokenUsage{input: ev.Response.Usage.InputTokens, output: ev.Response.Usage.OutputTokens}
		// Servers that skip output_item.done still list the calls here.
		for _, item := range ev.Response.Output {
			if item.Type == "function_call" {
				a.call(item.AsFunctionCall())
			}
		}
	case "response.failed":
		return inStreamError(string(ev.Response.Error.Code), "response failed")
	case "response.incomplete":
		return inStreamError(ev.Response.IncompleteDetails.Reason, "response incomplete")
	case "error":
		return inStreamError(ev.Code, "error event")
	}
	return nil
}

// inStreamError is a failure the upstream reported inside a started stream.
func inStreamError(code, what string) *upstreamError {
	ue := &upstreamError{outcome: outcomeUpstreamError, code: code, detail: what}
	if code == "rate_limit_exceeded" {
		ue.outcome = outcomeRateLimited
	}
	return ue
}
