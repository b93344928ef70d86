package openaiagent

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// responsesAPI calls POST /responses with stream:true. The turn is
// stateless: every call carries the whole conversation as input items and
// store:false, so nothing is kept upstream between calls.
type responsesAPI struct {
	modelParams
	tools []responses.ToolUnionParam
}

func newResponsesStepper(client openai.Client, model string, temperature float64, defs []tasks.Tool) (stepper, error) {
	tools, err := toolParams(defs, func(d tasks.Tool, schema map[string]any) responses.ToolUnionParam {
		return responses.ToolUnionParam{OfFunction: &responses.FunctionToolParam{
			Name:        d.Name,
			Description: openai.String(d.Description),
			Parameters:  schema,
			Strict:      openai.Bool(true),
		}}
	})
	if err != nil {
		return stepper{}, err
	}
	return stepper{&responsesAPI{modelParams: modelParams{client, model, temperature}, tools: tools}}, nil
}

func (s *responsesAPI) operation() string { return StyleResponses }

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

// open sends the request and returns the response's event stream.
func (s *responsesAPI) open(ctx context.Context, req *stepRequest) (*eventStream, error) {
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

func (s *responsesAPI) reader(out *stepOutput) eventReader { return &responseEvents{out: out} }

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

// add decodes one event (see eventReader).
//
//go:noinline
func (a *responseEvents) add(data []byte, onText func(string) error) error {
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

// finish checks that the stream ended with response.completed.
func (a *responseEvents) finish() error {
	if !a.completed {
		return errStreamIncomplete
	}
	return nil
}
