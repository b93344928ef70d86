package fakeopenai

import (
	"fmt"
	"time"
)

// parseChatRequest validates a POST /v1/chat/completions body like OpenAI
// does and fills the normalised fields of req.
func parseChatRequest(req *Request) string {
	if p := checkCommon(req); p != "" {
		return p
	}
	tools, _ := req.Body["tools"].([]any)
	for i, t := range tools {
		tool, _ := t.(map[string]any)
		if typ, _ := tool["type"].(string); typ != "function" {
			return fmt.Sprintf("Invalid value for 'tools[%d].type': the fake supports only 'function'.", i)
		}
		fn, _ := tool["function"].(map[string]any)
		name, _ := fn["name"].(string)
		if !isToolName(name) {
			return fmt.Sprintf("Invalid 'tools[%d].function.name': string does not match pattern '^[a-zA-Z0-9_-]+$'.", i)
		}
		strict, _ := fn["strict"].(bool)
		if p := checkSchema(name, fn["parameters"], strict); p != "" {
			return p
		}
		req.Tools = append(req.Tools, name)
	}
	msgs, _ := req.Body["messages"].([]any)
	if len(msgs) == 0 {
		return "Missing required parameter: 'messages'."
	}
	// open holds the tool_call ids of the last assistant message that still
	// need a tool message.
	var open map[string]bool
	for i, m := range msgs {
		msg, _ := m.(map[string]any)
		role, _ := msg["role"].(string)
		if role != "tool" && len(open) > 0 {
			return "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: " + firstKey(open)
		}
		switch role {
		case "system", "developer", "user":
			text, p := textOf(msg["content"], "text")
			if p != "" {
				return fmt.Sprintf("messages[%d]: %s", i, p)
			}
			if role == "developer" {
				role = "system"
			}
			req.Conversation = append(req.Conversation, Turn{Role: role, Text: text})
		case "assistant":
			calls, _ := msg["tool_calls"].([]any)
			if msg["content"] != nil {
				text, p := textOf(msg["content"], "text", "refusal")
				if p != "" {
					return fmt.Sprintf("messages[%d]: %s", i, p)
				}
				if text != "" || len(calls) == 0 {
					req.Conversation = append(req.Conversation, Turn{Role: "assistant", Text: text})
				}
			} else if len(calls) == 0 {
				return fmt.Sprintf("Invalid 'messages[%d]': an assistant message needs 'content' or 'tool_calls'.", i)
			}
			open = map[string]bool{}
			for j, c := range calls {
				call, _ := c.(map[string]any)
				id, _ := call["id"].(string)
				fn, _ := call["function"].(map[string]any)
				name, _ := fn["name"].(string)
				args, argsOK := fn["arguments"].(string)
				if typ, _ := call["type"].(string); typ != "function" || id == "" || name == "" || !argsOK {
					return fmt.Sprintf("Invalid 'messages[%d].tool_calls[%d]': needs id, type 'function', function.name and function.arguments (string).", i, j)
				}
				open[id] = true
				req.Conversation = append(req.Conversation, Turn{Role: "tool_call", Name: name, Arguments: args, CallID: id})
			}
		case "tool":
			id, _ := msg["tool_call_id"].(string)
			if !open[id] {
				return fmt.Sprintf("Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (tool_call_id %q).", id)
			}
			delete(open, id)
			text, p := textOf(msg["content"], "text")
			if p != "" {
				return fmt.Sprintf("messages[%d]: %s", i, p)
			}
			req.Conversation = append(req.Conversation, Turn{Role: "tool_result", Text: text, CallID: id})
		default:
			return fmt.Sprintf("Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", role)
		}
	}
	if len(open) > 0 {
		return "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: " + firstKey(open)
	}
	return ""
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}

// streamChat writes a Chat Completions chunk stream for step.
func streamChat(sw *sseWriter, req Request, step Step) {
	id := randomID("chatcmpl-", 14)
	created := time.Now().Unix()
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": created, "model": req.Model + "-2025-04-14",
			"service_tier": "default", "system_fingerprint": "fp_fake0001",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
			"usage":   nil,
		}
	}
	sw.event("", chunk(map[string]any{"role": "assistant", "content": "", "refusal": nil}, nil))
	for _, c := range step.Text {
		sw.event("", chunk(map[string]any{"content": c}, nil))
	}
	if step.Break || step.Truncate {
		return
	}
	if step.Malformed {
		sw.event("", `{"id":"`+id+`","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"oo`)
		return
	}
	if step.Fail {
		msg := step.Message
		if msg == "" {
			msg = "The server had an error while processing your request. Sorry about that!"
		}
		sw.event("", map[string]any{"error": map[string]any{"message": msg, "type": "server_error", "param": nil, "code": nil}})
		return
	}
	for i, c := range step.Calls {
		callID := randomID("call_", 12)
		sw.event("", chunk(map[string]any{"tool_calls": []any{map[string]any{
			"index": i, "id": callID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""},
		}}}, nil))
		for _, part := range splitChunks(c.Arguments, 8) {
			sw.event("", chunk(map[string]any{"tool_calls": []any{map[string]any{
				"index": i, "function": map[string]any{"arguments": part},
			}}}, nil))
		}
	}
	finish := "stop"
	if len(step.Calls) > 0 {
		finish = "tool_calls"
	}
	sw.event("", chunk(map[string]any{}, finish))
	if opts, _ := req.Body["stream_options"].(map[string]any); opts != nil {
		if inc, _ := opts["include_usage"].(bool); inc {
			u := chunk(nil, nil)
			u["choices"] = []any{}
			u["usage"] = map[string]any{
				"prompt_tokens": step.Usage.Input, "completion_tokens": step.Usage.Output,
				"total_tokens":              step.Usage.Input + step.Usage.Output,
				"prompt_tokens_details":     map[string]any{"cached_tokens": 0, "audio_tokens": 0},
				"completion_tokens_details": map[string]any{"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
			}
			sw.event("", u)
		}
	}
	sw.event("", "[DONE]")
}
