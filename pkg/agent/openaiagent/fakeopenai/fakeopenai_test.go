package fakeopenai_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
)

const key = "sk-test-fake"

func client(f *fakeopenai.Server, apiKey string) openai.Client {
	return openai.NewClient(option.WithAPIKey(apiKey), option.WithBaseURL(f.URL), option.WithMaxRetries(0))
}

func TestResponsesStreamDecodesWithOpenAIGo(t *testing.T) {
	f := fakeopenai.New(t, key)
	f.Enqueue(fakeopenai.Step{Text: []string{"Hel", "lo"}, Calls: []fakeopenai.Call{{Name: "add_task", Arguments: `{"title":"Buy milk, eggs"}`}},
		Usage: fakeopenai.Usage{Input: 40, Output: 9}})
	c := client(f, key)
	stream := c.Responses.NewStreaming(context.Background(), responses.ResponseNewParams{
		Model:        "gpt-4.1",
		Instructions: openai.String("be brief"),
		Temperature:  openai.Float(0.7),
		Input:        responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")},
		Tools: []responses.ToolUnionParam{{OfFunction: &responses.FunctionToolParam{
			Name: "add_task", Parameters: map[string]any{"type": "object"}, Strict: openai.Bool(false)}}},
	})
	var text, args, name string
	var usage responses.ResponseUsage
	var types []string
	for stream.Next() {
		ev := stream.Current()
		types = append(types, ev.Type)
		switch ev.Type {
		case "response.output_text.delta":
			text += ev.Delta
		case "response.function_call_arguments.delta":
			args += ev.Delta
		case "response.output_item.done":
			if ev.Item.Type == "function_call" {
				name = ev.Item.AsFunctionCall().Name
				assert.Equal(t, args, ev.Item.AsFunctionCall().Arguments)
			}
		case "response.completed":
			usage = ev.Response.Usage
		}
	}
	require.NoError(t, stream.Err())
	assert.Equal(t, "Hello", text)
	assert.Equal(t, `{"title":"Buy milk, eggs"}`, args)
	assert.Equal(t, "add_task", name)
	assert.Equal(t, int64(40), usage.InputTokens)
	assert.Equal(t, int64(9), usage.OutputTokens)
	assert.Equal(t, "response.created", types[0])
	assert.Equal(t, "response.completed", types[len(types)-1])

	reqs := f.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "gpt-4.1", reqs[0].Model)
	require.NotNil(t, reqs[0].Temperature)
	assert.InDelta(t, 0.7, *reqs[0].Temperature, 1e-9)
	assert.Equal(t, []string{"add_task"}, reqs[0].Tools)
	assert.Equal(t, []fakeopenai.Turn{{Role: "system", Text: "be brief"}, {Role: "user", Text: "hi"}}, reqs[0].Conversation)
}

func TestChatStreamDecodesWithOpenAIGo(t *testing.T) {
	f := fakeopenai.New(t, key)
	f.Enqueue(fakeopenai.Step{Text: []string{"On ", "it"}, Calls: []fakeopenai.Call{
		{Name: "add_task", Arguments: `{"title":"A"}`}, {Name: "list_tasks", Arguments: `{}`}}})
	c := client(f, key)
	stream := c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:         "gpt-4.1",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.SystemMessage("sys"), openai.UserMessage("hi")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	require.NoError(t, stream.Err())
	require.Len(t, acc.Choices, 1)
	assert.Equal(t, "On it", acc.Choices[0].Message.Content)
	assert.Equal(t, "tool_calls", acc.Choices[0].FinishReason)
	require.Len(t, acc.Choices[0].Message.ToolCalls, 2)
	assert.Equal(t, `{"title":"A"}`, acc.Choices[0].Message.ToolCalls[0].Function.Arguments)
	assert.Equal(t, "list_tasks", acc.Choices[0].Message.ToolCalls[1].Function.Name)
	assert.Equal(t, int64(11), acc.Usage.PromptTokens)
}

func TestRejectsWrongKey(t *testing.T) {
	f := fakeopenai.New(t, key)
	c := client(f, "sk-wrong")
	stream := c.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-4.1", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	assert.False(t, stream.Next())
	var apiErr *openai.Error
	require.True(t, errors.As(stream.Err(), &apiErr), "err = %v", stream.Err())
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Empty(t, f.Requests(), "an unauthenticated request is not recorded")
}

func TestScriptedHTTPErrorAndBreak(t *testing.T) {
	f := fakeopenai.New(t, key)
	f.Enqueue(fakeopenai.HTTPError(http.StatusTooManyRequests, 0), fakeopenai.Step{Text: []string{"par"}, Break: true})
	c := client(f, key)
	params := responses.ResponseNewParams{Model: "gpt-4.1", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")}}

	s1 := c.Responses.NewStreaming(context.Background(), params)
	assert.False(t, s1.Next())
	var apiErr *openai.Error
	require.True(t, errors.As(s1.Err(), &apiErr))
	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	assert.Equal(t, "rate_limit_exceeded", apiErr.Code)

	s2 := c.Responses.NewStreaming(context.Background(), params)
	var text string
	for s2.Next() {
		text += s2.Current().Delta
	}
	assert.Equal(t, "par", text)
	assert.Error(t, s2.Err(), "an aborted connection surfaces as a stream error")
}

// The fake's request validation: a tool result that answers no call is
// what OpenAI rejects with 400; the fake does the same (and fails the test,
// so this check runs on a throwaway testing.T).
func TestRejectsOrphanToolOutput(t *testing.T) {
	inner := &recorder{TB: t}
	f := fakeopenai.New(inner, key)
	f.Enqueue(fakeopenai.Reply("x"))
	c := client(f, key)
	out := responses.ResponseInputItemUnionParam{OfFunctionCallOutput: &responses.ResponseInputItemFunctionCallOutputParam{
		CallID: openai.String("call_nope"), Output: responses.ResponseInputItemFunctionCallOutputOutputUnionParam{OfString: openai.String("{}")}}}
	s := c.Responses.NewStreaming(context.Background(), responses.ResponseNewParams{Model: "gpt-4.1",
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: responses.ResponseInputParam{out}}})
	assert.False(t, s.Next())
	var apiErr *openai.Error
	require.True(t, errors.As(s.Err(), &apiErr))
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, 1, f.Pending(), "a rejected request does not consume a step")
	require.Len(t, inner.errors, 1)
	assert.Contains(t, inner.errors[0], "No tool call found for function call output with call_id call_nope")
}

// recorder keeps Errorf messages instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
