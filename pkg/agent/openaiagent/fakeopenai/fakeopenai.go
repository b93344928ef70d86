// Package fakeopenai is a scriptable stand-in for the OpenAI HTTP API, for
// tests that drive the real openai-go client against it.
//
// It serves POST /v1/responses and POST /v1/chat/completions as streaming
// (SSE) endpoints with the same event names, JSON shapes and framing as
// OpenAI: the Responses API sends `event:`/`data:` pairs from
// response.created to response.completed; Chat Completions sends bare `data:`
// chunks of chat.completion.chunk objects, a usage chunk when
// stream_options.include_usage is set, then `data: [DONE]`. Errors before the
// stream are non-2xx answers with OpenAI's `{"error":{...}}` body.
//
// Every request must carry `Authorization: Bearer <key>` (401 otherwise) and
// a body OpenAI would accept: a model, stream:true, well-formed function
// tools, and a history whose tool results answer earlier tool calls. A
// request that breaks those rules gets OpenAI's 400 and fails the test,
// because the code under test should never send one.
//
// Each request consumes the next scripted Step (Enqueue); Requests returns
// what was received, decoded into a style-neutral Conversation so one test
// table can check both API styles.
package fakeopenai

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// API paths served (relative to the server root; the client's base URL is
// URL, which ends in /v1/).
const (
	PathResponses       = "/v1/responses"
	PathChatCompletions = "/v1/chat/completions"
)

// Call is one function call the fake model makes.
type Call struct {
	Name string
	// Arguments is the raw JSON argument text, exactly as the model
	// "writes" it (it may be invalid JSON on purpose).
	Arguments string
}

// Usage is the token usage reported at the end of a stream.
type Usage struct {
	Input, Output int64
}

// Step is the fake model's answer to one request.
type Step struct {
	// Text is streamed as output text deltas, one per element.
	Text []string
	// Calls are streamed after the text as function calls.
	Calls []Call
	// Usage is reported at the end; zero means {Input: 11, Output: 7}.
	Usage Usage

	// Status, when non-zero, answers with this HTTP status and OpenAI's error
	// body instead of a stream. Header adds response headers (Retry-After).
	Status  int
	Header  http.Header
	Message string

	// Break aborts the connection after streaming Text (a reset mid-reply).
	Break bool
	// Truncate ends the body cleanly after streaming Text, without the
	// terminal event (response.completed / finish_reason + [DONE]).
	Truncate bool
	// Malformed sends a data line that is not JSON after streaming Text.
	Malformed bool
	// Fail reports an in-stream failure after streaming Text: a
	// response.failed event (Responses) or an {"error":...} chunk (Chat
	// Completions), with Message.
	Fail bool
	// Hold blocks the answer until the request's context ends or Hold is
	// closed; use it for timeouts and cancellation.
	Hold chan struct{}
}

// Reply is a step that streams text chunks.
func Reply(chunks ...string) Step { return Step{Text: chunks} }

// CallTools is a step in which the model calls functions.
func CallTools(calls ...Call) Step { return Step{Calls: calls} }

// HTTPError is a step that answers status with OpenAI's error body. A
// positive retryAfter adds a Retry-After header in whole seconds.
func HTTPError(status int, retryAfter time.Duration) Step {
	s := Step{Status: status}
	if retryAfter > 0 {
		s.Header = http.Header{"Retry-After": {strconv.Itoa(int(retryAfter / time.Second))}}
	}
	return s
}

// Turn is one entry of a request's conversation, whatever the API style.
type Turn struct {
	// Role is system, user, assistant, tool_call or tool_result.
	Role string
	// Text is the message text, or the tool result's output.
	Text string
	// Name and Arguments are set on tool_call.
	Name, Arguments string
	// CallID links tool_call and tool_result.
	CallID string
}

// Request is one request the fake received.
type Request struct {
	Path          string
	Authorization string
	Raw           []byte
	Body          map[string]any
	Model         string
	Temperature   *float64
	// Tools are the function names offered, in order.
	Tools []string
	// Conversation is the instructions/system prompt plus the input
	// history, normalised across styles.
	Conversation []Turn
}

// TB is the part of testing.TB the fake uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
}

var _ TB = testing.TB(nil)

// Server is the fake upstream.
type Server struct {
	// URL is the base URL to give the client (ends in /v1/).
	URL string

	t   TB
	key string
	srv *httptest.Server

	mu       sync.Mutex
	steps    []Step
	requests []Request
}

// New starts a fake that accepts apiKey; it is closed when the test ends.
func New(t TB, apiKey string) *Server {
	t.Helper()
	s := &Server{t: t, key: apiKey}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1/"
	t.Cleanup(s.srv.Close)
	return s
}

// Enqueue appends steps to the script.
func (s *Server) Enqueue(steps ...Step) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, steps...)
}

// Pending returns how many scripted steps have not been used.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.steps)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || (r.URL.Path != PathResponses && r.URL.Path != PathChatCompletions) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url",
			fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path), nil)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key",
			"Incorrect API key provided.", nil)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	req := Request{Path: r.URL.Path, Authorization: r.Header.Get("Authorization"), Raw: raw}
	if err := json.Unmarshal(raw, &req.Body); err != nil {
		s.reject(w, "We could not parse the JSON body of your request.")
		return
	}
	var problem string
	if r.URL.Path == PathResponses {
		problem = parseResponsesRequest(&req)
	} else {
		problem = parseChatRequest(&req)
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var step Step
	haveStep := len(s.steps) > 0 && problem == ""
	if haveStep {
		step, s.steps = s.steps[0], s.steps[1:]
	}
	s.mu.Unlock()
	if problem != "" {
		s.reject(w, problem)
		return
	}
	if !haveStep {
		s.t.Errorf("fakeopenai: request %d to %s has no scripted step", len(s.Requests()), r.URL.Path)
		writeError(w, http.StatusInternalServerError, "server_error", "", "The fake has no scripted step.", nil)
		return
	}
	if step.Hold != nil {
		select {
		case <-step.Hold:
		case <-r.Context().Done():
			return
		}
	}
	if step.Status != 0 {
		msg := step.Message
		if msg == "" {
			msg = http.StatusText(step.Status)
		}
		typ, code := "server_error", ""
		if step.Status == http.StatusTooManyRequests {
			typ, code = "requests", "rate_limit_exceeded"
		}
		writeError(w, step.Status, typ, code, msg, step.Header)
		return
	}
	if step.Usage == (Usage{}) {
		step.Usage = Usage{Input: 11, Output: 7}
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	var sw sseWriter
	sw.w = w
	if r.URL.Path == PathResponses {
		streamResponses(&sw, req, step)
	} else {
		streamChat(&sw, req, step)
	}
	if step.Break {
		// Abort the connection: the client sees an unterminated chunked body.
		panic(http.ErrAbortHandler)
	}
}

// reject answers 400 like OpenAI does for a request it cannot accept, and
// fails the test: the code under test must only send valid requests.
func (s *Server) reject(w http.ResponseWriter, msg string) {
	s.t.Errorf("fakeopenai: invalid request: %s", msg)
	writeError(w, http.StatusBadRequest, "invalid_request_error", "", msg, nil)
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string, header http.Header) {
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	var codeJSON any
	if code != "" {
		codeJSON = code
	}
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": codeJSON,
	}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type sseWriter struct {
	w   http.ResponseWriter
	seq int
}

// event writes one SSE message; name is empty for Chat Completions.
func (s *sseWriter) event(name string, payload any) {
	var data []byte
	switch p := payload.(type) {
	case string:
		data = []byte(p)
	default:
		data, _ = json.Marshal(p)
	}
	if name != "" {
		_, _ = fmt.Fprintf(s.w, "event: %s\n", name)
	}
	_, _ = fmt.Fprintf(s.w, "data: %s\n\n", data)
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}

// next returns the Responses API sequence number for the next event.
func (s *sseWriter) next() int {
	n := s.seq
	s.seq++
	return n
}

func randomID(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Validation helpers shared by both styles.

func isToolName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

func checkCommon(req *Request) string {
	model, _ := req.Body["model"].(string)
	if model == "" {
		return "Missing required parameter: 'model'."
	}
	req.Model = model
	if st, _ := req.Body["stream"].(bool); !st {
		return "the fake only serves streaming requests ('stream': true)."
	}
	if t, ok := req.Body["temperature"]; ok {
		f, isNum := t.(float64)
		if !isNum || f < 0 || f > 2 {
			return "Invalid 'temperature': expected a number between 0 and 2."
		}
		req.Temperature = &f
	}
	return ""
}

// checkSchema checks a function's parameters like OpenAI: an object
// schema, and with strict mode on, every object (nested too) listing all its
// properties in "required" and setting "additionalProperties": false.
func checkSchema(name string, params any, strict bool) string {
	schema, ok := params.(map[string]any)
	if !ok {
		return fmt.Sprintf("Invalid schema for function '%s': schema must be a JSON Schema of 'type: \"object\"'.", name)
	}
	if t, _ := schema["type"].(string); t != "object" {
		return fmt.Sprintf("Invalid schema for function '%s': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"%v\"'.", name, schema["type"])
	}
	if strict {
		return checkStrict(name, "()", schema)
	}
	return ""
}

func checkStrict(name, path string, schema map[string]any) string {
	if isObjectType(schema["type"]) {
		if ap, ok := schema["additionalProperties"].(bool); !ok || ap {
			return fmt.Sprintf("Invalid schema for function '%s': In context=%s, 'additionalProperties' is required to be supplied and to be false.", name, path)
		}
		props, _ := schema["properties"].(map[string]any)
		req, _ := schema["required"].([]any)
		listed := map[string]bool{}
		for _, r := range req {
			if s, ok := r.(string); ok {
				listed[s] = true
			}
		}
		for key, sub := range props {
			if !listed[key] {
				return fmt.Sprintf("Invalid schema for function '%s': In context=%s, 'required' is required to be supplied and to be an array including every key in properties. Missing '%s'.", name, path, key)
			}
			if m, ok := sub.(map[string]any); ok {
				if p := checkStrict(name, path+"/properties/"+key, m); p != "" {
					return p
				}
			}
		}
	}
	if items, ok := schema["items"].(map[string]any); ok {
		return checkStrict(name, path+"/items", items)
	}
	return ""
}

func isObjectType(t any) bool {
	switch v := t.(type) {
	case string:
		return v == "object"
	case []any:
		for _, x := range v {
			if x == "object" {
				return true
			}
		}
	}
	return false
}

// textOf returns a message content's text: a string, or the text of a list
// of text parts.
func textOf(content any, allowed ...string) (string, string) {
	switch c := content.(type) {
	case string:
		return c, ""
	case []any:
		var b strings.Builder
		for _, p := range c {
			part, _ := p.(map[string]any)
			typ, _ := part["type"].(string)
			ok := false
			for _, a := range allowed {
				ok = ok || typ == a
			}
			if !ok {
				return "", fmt.Sprintf("Invalid content part type '%s'.", typ)
			}
			txt, _ := part["text"].(string)
			b.WriteString(txt)
		}
		return b.String(), ""
	default:
		return "", "Invalid message content: expected a string or a list of content parts."
	}
}
