package fakeopenai

import (
	"fmt"
	"time"
)

// parseResponsesRequest validates a POST /v1/responses body like OpenAI
// does and fills the normalised fields of req. It returns OpenAI's message
// for the first problem, or "".
func parseResponsesRequest(req *Request) string {
	if p := checkCommon(req); p != "" {
		return p
	}
	if instr, ok := req.Body["instructions"].(string); ok && instr != "" {
		req.Conversation = append(req.Conversation, Turn{Role: "system", Text: instr})
	}
	tools, _ := req.Body["tools"].([]any)
	for i, t := range tools {
		tool, _ := t.(map[string]any)
		if typ, _ := tool["type"].(string); typ != "function" {
			return fmt.Sprintf("Invalid value for 'tools[%d].type': the fake supports only 'function'.", i)
		}
		name, _ := tool["name"].(string)
		if !isToolName(name) {
			return fmt.Sprintf("Invalid 'tools[%d].name': string does not match pattern '^[a-zA-Z0-9_-]+$'.", i)
		}
		strict, _ := tool["strict"].(bool)
		if _, set := tool["strict"]; !set {
			strict = true // the Responses API defaults to strict mode
		}
		if p := checkSchema(name, tool["parameters"], strict); p != "" {
			return p
		}
		req.Tools = append(req.Tools, name)
	}
	switch input := req.Body["input"].(type) {
	case string:
		req.Conversation = append(req.Conversation, Turn{Role: "user", Text: input})
	case []any:
		calls := map[string]bool{}
		for i, it := range input {
			item, _ := it.(map[string]any)
			if item == nil {
				return fmt.Sprintf("Invalid type for 'input[%d]': expected an object.", i)
			}
			typ, _ := item["type"].(string)
			if typ == "" && item["role"] != nil {
				typ = "message"
			}
			switch typ {
			case "message":
				role, _ := item["role"].(string)
				allowed := []string{"input_text"}
				switch role {
				case "user", "system", "developer":
				case "assistant":
					allowed = []string{"output_text", "input_text"}
				default:
					return fmt.Sprintf("Invalid value: '%s'. Supported values are: 'assistant', 'system', 'developer', and 'user'.", role)
				}
				text, p := textOf(item["content"], allowed...)
				if p != "" {
					return fmt.Sprintf("input[%d]: %s", i, p)
				}
				if role == "developer" {
					role = "system"
				}
				req.Conversation = append(req.Conversation, Turn{Role: role, Text: text})
			case "function_call":
				callID, _ := item["call_id"].(string)
				name, _ := item["name"].(string)
				args, argsOK := item["arguments"].(string)
				if callID == "" || name == "" || !argsOK {
					return fmt.Sprintf("Missing required parameter: 'input[%d].call_id', 'name' or 'arguments'.", i)
				}
				calls[callID] = true
				req.Conversation = append(req.Conversation, Turn{Role: "tool_call", Name: name, Arguments: args, CallID: callID})
			case "function_call_output":
				callID, _ := item["call_id"].(string)
				if !calls[callID] {
					return fmt.Sprintf("No tool call found for function call output with call_id %s.", callID)
				}
				out, ok := item["output"].(string)
				if !ok {
					return fmt.Sprintf("Invalid type for 'input[%d].output': expected a string.", i)
				}
				req.Conversation = append(req.Conversation, Turn{Role: "tool_result", Text: out, CallID: callID})
			default:
				return fmt.Sprintf("Invalid value for 'input[%d].type': '%s' is not supported by the fake.", i, typ)
			}
		}
	default:
		return "Missing required parameter: 'input'."
	}
	return ""
}

// streamResponses writes a Responses API event stream for step.
func streamResponses(sw *sseWriter, req Request, step Step) {
	respID := randomID("resp_", 24)
	created := time.Now().Unix()
	response := func(status string, output []any, usage any, errObj any) map[string]any {
		r := map[string]any{
			"id": respID, "object": "response", "created_at": created, "status": status,
			"background": false, "error": errObj, "incomplete_details": nil, "instructions": req.Body["instructions"],
			"max_output_tokens": nil, "model": req.Model + "-2025-04-14", "output": output,
			"parallel_tool_calls": true, "previous_response_id": nil, "store": req.Body["store"],
			"temperature": req.Body["temperature"], "text": map[string]any{"format": map[string]any{"type": "text"}},
			"tool_choice": "auto", "tools": req.Body["tools"], "top_p": 1.0, "truncation": "disabled",
			"usage": usage, "user": nil, "metadata": map[string]any{},
		}
		if r["temperature"] == nil {
			r["temperature"] = 1.0
		}
		if r["tools"] == nil {
			r["tools"] = []any{}
		}
		return r
	}
	ev := func(name string, fields map[string]any) {
		fields["type"] = name
		fields["sequence_number"] = sw.next()
		sw.event(name, fields)
	}
	ev("response.created", map[string]any{"response": response("in_progress", []any{}, nil, nil)})
	ev("response.in_progress", map[string]any{"response": response("in_progress", []any{}, nil, nil)})

	var output []any
	outIdx := 0
	if len(step.Text) > 0 {
		msgID := randomID("msg_", 24)
		ev("response.output_item.added", map[string]any{"output_index": outIdx, "item": map[string]any{
			"id": msgID, "type": "message", "status": "in_progress", "content": []any{}, "role": "assistant"}})
		ev("response.content_part.added", map[string]any{"item_id": msgID, "output_index": outIdx, "content_index": 0,
			"part": map[string]any{"type": "output_text", "annotations": []any{}, "logprobs": []any{}, "text": ""}})
		full := ""
		for _, chunk := range step.Text {
			full += chunk
			ev("response.output_text.delta", map[string]any{"item_id": msgID, "output_index": outIdx,
				"content_index": 0, "delta": chunk, "logprobs": []any{}})
		}
		if step.Break || step.Truncate {
			return
		}
		if step.Malformed {
			sw.event("response.output_text.delta", `{"type":"response.output_text.delta","delta":"oops`)
			return
		}
		ev("response.output_text.done", map[string]any{"item_id": msgID, "output_index": outIdx,
			"content_index": 0, "text": full, "logprobs": []any{}})
		part := map[string]any{"type": "output_text", "annotations": []any{}, "logprobs": []any{}, "text": full}
		ev("response.content_part.done", map[string]any{"item_id": msgID, "output_index": outIdx, "content_index": 0, "part": part})
		item := map[string]any{"id": msgID, "type": "message", "status": "completed", "content": []any{part}, "role": "assistant"}
		ev("response.output_item.done", map[string]any{"output_index": outIdx, "item": item})
		output = append(output, item)
		outIdx++
	} else if step.Break || step.Truncate {
		return
	} else if step.Malformed {
		sw.event("response.output_item.added", `{"type":"response.output_item.added",`)
		return
	}
	if step.Fail {
		msg := step.Message
		if msg == "" {
			msg = "The server had an error processing your request."
		}
		ev("response.failed", map[string]any{"response": response("failed", output, nil,
			map[string]any{"code": "server_error", "message": msg})})
		return
	}
	for _, c := range step.Calls {
		fcID := randomID("fc_", 24)
		callID := randomID("call_", 12)
		ev("response.output_item.added", map[string]any{"output_index": outIdx, "item": map[string]any{
			"id": fcID, "type": "function_call", "status": "in_progress", "arguments": "", "call_id": callID, "name": c.Name}})
		for _, chunk := range splitChunks(c.Arguments, 8) {
			ev("response.function_call_arguments.delta", map[string]any{"item_id": fcID, "output_index": outIdx, "delta": chunk})
		}
		ev("response.function_call_arguments.done", map[string]any{"item_id": fcID, "output_index": outIdx,
			"name": c.Name, "arguments": c.Arguments})
		item := map[string]any{"id": fcID, "type": "function_call", "status": "completed",
			"arguments": c.Arguments, "call_id": callID, "name": c.Name}
		ev("response.output_item.done", map[string]any{"output_index": outIdx, "item": item})
		output = append(output, item)
		outIdx++
	}
	if output == nil {
		output = []any{}
	}
	usage := map[string]any{
		"input_tokens": step.Usage.Input, "input_tokens_details": map[string]any{"cached_tokens": 0},
		"output_tokens": step.Usage.Output, "output_tokens_details": map[string]any{"reasoning_tokens": 0},
		"total_tokens": step.Usage.Input + step.Usage.Output,
	}
	ev("response.completed", map[string]any{"response": response("completed", output, usage, nil)})
}

// splitChunks cuts s into pieces of at most n runes (at least one piece).
func splitChunks(s string, n int) []string {
	r := []rune(s)
	if len(r) == 0 {
		return []string{""}
	}
	var out []string
	for len(r) > n {
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return append(out, string(r))
}
