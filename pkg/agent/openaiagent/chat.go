package openaiagent

import (
	"context"
	"sort"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// chatStepper calls POST /chat/completions with stream:true and
// stream_options.include_usage, for servers that only offer Chat
// Completions.
type chatStepper struct {
	client      openai.Client
	model       string
	temperature float64
	tools       []openai.ChatCompletionToolUnionParam
}

func newChatStepper(client openai.Client, model string, temperature float64, defs []tasks.Tool) (*chatStepper, error) {
	s := &chatStepper{client: client, model: model, temperature: temperature}
	for _, d := range defs {
		schema, err := toolSchema(d)
		if err != nil {
			return nil, err
		}
		s.tools = append(s.tools, openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name:        d.Name,
			Description: openai.String(d.Description),
			Parameters:  shared.FunctionParameters(schema),
			Strict:      openai.Bool(true),
		}))
	}
	return s, nil
}

func (s *chatStepper) operation() string { return StyleChatCompletions }

// chatMessages converts the system prompt and conversation to messages. A
// step's calls become one assistant message with tool_calls followed by
// one tool message per call, as the API requires.
func chatMessages(instructions string, history []entry) []openai.ChatCompletionMessageParamUnion {
	msgs := []openai.ChatCompletionMessageParamUnion{openai.SystemMessage(instructions)}
	for _, e := range history {
		switch e.kind {
		case entryUser:
			msgs = append(msgs, openai.UserMessage(e.text))
		case entryAssistant:
			msgs = append(msgs, openai.AssistantMessage(e.text))
		case entrySystem:
			msgs = append(msgs, openai.SystemMessage(e.text))
		case entryTools:
			calls := make([]openai.ChatCompletionMessageToolCallUnionParam, len(e.calls))
			for i, c := range e.calls {
				calls[i] = openai.ChatCompletionMessageToolCallUnionParam{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
					ID:       c.CallID,
					Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: c.Name, Arguments: c.Arguments},
				}}
			}
			msgs = append(msgs, openai.ChatCompletionMessageParamUnion{OfAssistant: &openai.ChatCompletionAssistantMessageParam{ToolCalls: calls}})
			for _, c := range e.calls {
				msgs = append(msgs, openai.ToolMessage(c.Output, c.CallID))
			}
		}
	}
	return msgs
}

func (s *chatStepper) step(ctx context.Context, req stepRequest, onText func(string) error) (stepOutput, error) {
	params := openai.ChatCompletionNewParams{
		Model:         s.model,
		Messages:      chatMessages(req.instructions, req.history),
		Temperature:   openai.Float(s.temperature),
		Tools:         s.tools,
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	stream := s.client.Chat.Completions.NewStreaming(ctx, params)
	defer stream.Close()

	var out stepOutput
	// Tool call fragments arrive keyed by index: the first carries id and
	// name, later ones append to the arguments.
	byIndex := map[int64]*toolCall{}
	finished := false
	for stream.Next() {
		chunk := stream.Current()
		if chunk.Usage.PromptTokens != 0 || chunk.Usage.CompletionTokens != 0 {
			out.usage = tokenUsage{input: chunk.Usage.PromptTokens, output: chunk.Usage.CompletionTokens}
		}
		for _, choice := range chunk.Choices {
			if choice.Index != 0 {
				continue
			}
			d := choice.Delta
			for _, text := range []string{d.Content, d.Refusal} {
				if text == "" {
					continue
				}
				out.text += text
				if err := onText(text); err != nil {
					return out, err
				}
			}
			for _, tc := range d.ToolCalls {
				c := byIndex[tc.Index]
				if c == nil {
					c = &toolCall{}
					byIndex[tc.Index] = c
				}
				if tc.ID != "" {
					c.callID = tc.ID
				}
				if tc.Function.Name != "" {
					c.name = tc.Function.Name
				}
				c.arguments += tc.Function.Arguments
			}
			if choice.FinishReason != "" {
				finished = true
			}
		}
	}
	if err := stream.Err(); err != nil {
		var sseErr *ssestream.StreamError
		if asStreamError(err, &sseErr) {
			return out, inStreamError(chatErrorCode(sseErr), "error event")
		}
		return out, err
	}
	if !finished {
		return out, errStreamIncomplete
	}
	idx := make([]int64, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(a, b int) bool { return idx[a] < idx[b] })
	for _, i := range idx {
		out.calls = append(out.calls, *byIndex[i])
	}
	return out, nil
}
