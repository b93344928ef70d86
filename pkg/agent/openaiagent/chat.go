package openaiagent

import (
	"context"
	"net/http"
	"sort"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// chatAPI calls POST /chat/completions with stream:true and
// stream_options.include_usage, for servers that only offer Chat
// Completions.
type chatAPI struct {
	modelParams
	tools []openai.ChatCompletionToolUnionParam
}

func newChatStepper(client openai.Client, model string, temperature float64, defs []tasks.Tool) (stepper, error) {
	tools, err := toolParams(defs, func(d tasks.Tool, schema map[string]any) openai.ChatCompletionToolUnionParam {
		return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
			Name:        d.Name,
			Description: openai.String(d.Description),
			Parameters:  shared.FunctionParameters(schema),
			Strict:      openai.Bool(true),
		})
	})
	if err != nil {
		return stepper{}, err
	}
	return stepper{&chatAPI{modelParams: modelParams{client, model, temperature}, tools: tools}}, nil
}

func (s *chatAPI) operation() string { return StyleChatCompletions }

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

// open sends the request and returns the response's event stream.
func (s *chatAPI) open(ctx context.Context, req *stepRequest) (*eventStream, error) {
	params := openai.ChatCompletionNewParams{
		Model:         s.model,
		Messages:      chatMessages(req.systemPrompt(), req.history),
		Temperature:   openai.Float(s.temperature),
		Tools:         s.tools,
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	var raw *http.Response
	stream := s.client.Chat.Completions.NewStreaming(ctx, params, option.WithResponseInto(&raw))
	return openStream(raw, stream.Err())
}

// chatChunk is the part of a chat.completion.chunk the agent reads. It is
// decoded with encoding/json rather than into openai.ChatCompletionChunk:
// openai-go's decoder takes ~4x the CPU and allocates ~18x the memory
// (8.8 KB per chunk), once per streamed token for every open stream.
type chatChunk struct {
	Choices []struct {
		Index int64 `json:"index"`
		Delta struct {
			Content   string `json:"content"`
			Refusal   string `json:"refusal"`
			ToolCalls []struct {
				Index    int64  `json:"index"`
				ID       string `json:"id"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int64 `json:"prompt_tokens"`
		CompletionTokens int64 `json:"completion_tokens"`
	} `json:"usage"`
}

func (s *chatAPI) reader(out *stepOutput) eventReader { return &chatChunks{out: out} }

// chatChunks accumulates a Chat Completions stream.
type chatChunks struct {
	out *stepOutput
	// Tool call fragments arrive keyed by index: the first carries id and
	// name, later ones append to the arguments.
	byIndex  map[int64]*toolCall
	finished bool
}

// add decodes one chunk (see eventReader).
//
//go:noinline
func (a *chatChunks) add(data []byte, onText func(string) error) error {
	var chunk chatChunk
	if err := decodeEvent(data, &chunk); err != nil {
		return err
	}
	if chunk.Usage.PromptTokens != 0 || chunk.Usage.CompletionTokens != 0 {
		a.out.usage = tokenUsage{input: chunk.Usage.PromptTokens, output: chunk.Usage.CompletionTokens}
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
			a.out.text += text
			if err := onText(text); err != nil {
				return err
			}
		}
		for _, tc := range d.ToolCalls {
			if a.byIndex == nil {
				a.byIndex = map[int64]*toolCall{}
			}
			c := a.byIndex[tc.Index]
			if c == nil {
				c = &toolCall{}
				a.byIndex[tc.Index] = c
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
			a.finished = true
		}
	}
	return nil
}

// finish lists the calls in their index order once the stream ended.
func (a *chatChunks) finish() error {
	if !a.finished {
		return errStreamIncomplete
	}
	idx := make([]int64, 0, len(a.byIndex))
	for i := range a.byIndex {
		idx = append(idx, i)
	}
	sort.Slice(idx, func(x, y int) bool { return idx[x] < idx[y] })
	for _, i := range idx {
		a.out.calls = append(a.out.calls, *a.byIndex[i])
	}
	return nil
}
