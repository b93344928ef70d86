package openaiagent

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Chunks as api.openai.com sends them (ids shortened).
var openAIChunks = []string{
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"Zk"}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"Adding "},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"a"}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"add_task","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"title\":"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Buy milk\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}`,
	`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4.1-2025-04-14","choices":[],"usage":{"prompt_tokens":812,"completion_tokens":19,"total_tokens":831,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
}

func TestChatChunksDecodeOpenAIChunks(t *testing.T) {
	var out stepOutput
	acc := &chatChunks{out: &out}
	var deltas []string
	for _, c := range openAIChunks {
		require.NoError(t, acc.add([]byte(c), func(s string) error { deltas = append(deltas, s); return nil }))
	}
	require.NoError(t, acc.finish())
	assert.Equal(t, []string{"Adding "}, deltas)
	assert.Equal(t, "Adding ", out.text)
	assert.Equal(t, []toolCall{{callID: "call_abc", name: "add_task", arguments: `{"title":"Buy milk"}`}}, out.calls)
	assert.Equal(t, tokenUsage{input: 812, output: 19}, out.usage)
}

func TestChatChunksToleratesFieldsOfAnotherType(t *testing.T) {
	var out stepOutput
	acc := &chatChunks{out: &out}
	// A compatible server with a string usage and a numeric refusal: the
	// text still counts, as it does with openai-go's decoder.
	err := acc.add([]byte(`{"choices":[{"index":0,"delta":{"content":"Hi","refusal":0},"finish_reason":"stop"}],"usage":"n/a"}`), func(string) error { return nil })
	require.NoError(t, err)
	require.NoError(t, acc.finish())
	assert.Equal(t, "Hi", out.text)

	err = acc.add([]byte(`{"choices":[{"index":0,"delta":{"content":"Hi"`), func(string) error { return nil })
	require.Error(t, err, "malformed JSON still fails the stream")
}
