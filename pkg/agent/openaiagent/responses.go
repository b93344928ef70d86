package openaiagent

import (
	"context"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"

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

func (s *responsesStepper) step(ctx context.Context, req stepRequest, onText func(string) error) (stepOutput, error) {
	params := responses.ResponseNewParams{
		Model:        s.model,
		Instructions: openai.String(req.instructions),
		Input:        responses.ResponseNewParamsInputUnion{OfInputItemList: responsesInput(req.history)},
		Temperature:  openai.Float(s.temperature),
		Tools:        s.tools,
		Store:        openai.Bool(false),
	}
	stream := s.client.Responses.NewStreaming(ctx, params)
	defer stream.Close()

	var out stepOutput
	seen := map[string]bool{} // call ids already collected
	completed := false
	for stream.Next() {
		ev := stream.Current()
		switch ev.Type {
		case "response.output_text.delta", "response.refusal.delta":
			out.text += ev.Delta
			if err := onText(ev.Delta); err != nil {
				return out, err
			}
		case "response.output_item.done":
			if ev.Item.Type == "function_call" {
				fc := ev.Item.AsFunctionCall()
				if !seen[fc.CallID] {
					seen[fc.CallID] = true
					out.calls = append(out.calls, toolCall{callID: fc.CallID, name: fc.Name, arguments: fc.Arguments})
				}
			}
		case "response.completed":
			completed = true
			out.usage = tokenUsage{input: ev.Response.Usage.InputTokens, output: ev.Response.Usage.OutputTokens}
			// Servers that skip output_item.done still list the calls here.
			for _, item := range ev.Response.Output {
				if item.Type != "function_call" {
					continue
				}
				fc := item.AsFunctionCall()
				if !seen[fc.CallID] {
					seen[fc.CallID] = true
					out.calls = append(out.calls, toolCall{callID: fc.CallID, name: fc.Name, arguments: fc.Arguments})
				}
			}
		case "response.failed":
			return out, inStreamError(string(ev.Response.Error.Code), "response failed")
		case "response.incomplete":
			return out, inStreamError(ev.Response.IncompleteDetails.Reason, "response incomplete")
		case "error":
			return out, inStreamError(ev.Code, "error event")
		}
	}
	if err := stream.Err(); err != nil {
		return out, err
	}
	if !completed {
		return out, errStreamIncomplete
	}
	return out, nil
}

// inStreamError is a failure the upstream reported inside a started stream.
func inStreamError(code, what string) *upstreamError {
	ue := &upstreamError{outcome: outcomeUpstreamError, code: code, detail: what}
	if code == "rate_limit_exceeded" {
		ue.outcome = outcomeRateLimited
	}
	return ue
}
