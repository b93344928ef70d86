package chatkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// RequestType is the "type" of a ChatKit request.
type RequestType string

// The 16 request types of the protocol.
const (
	ReqThreadsCreate              RequestType = "threads.create"
	ReqThreadsAddUserMessage      RequestType = "threads.add_user_message"
	ReqThreadsAddClientToolOutput RequestType = "threads.add_client_tool_output"
	ReqThreadsAddStructuredInput  RequestType = "threads.add_structured_input"
	ReqThreadsRetryAfterItem      RequestType = "threads.retry_after_item"
	ReqThreadsCustomAction        RequestType = "threads.custom_action"
	ReqThreadsGetByID             RequestType = "threads.get_by_id"
	ReqThreadsList                RequestType = "threads.list"
	ReqThreadsUpdate              RequestType = "threads.update"
	ReqThreadsDelete              RequestType = "threads.delete"
	ReqThreadsSyncCustomAction    RequestType = "threads.sync_custom_action"
	ReqItemsList                  RequestType = "items.list"
	ReqItemsFeedback              RequestType = "items.feedback"
	ReqAttachmentsCreate          RequestType = "attachments.create"
	ReqAttachmentsDelete          RequestType = "attachments.delete"
	ReqInputTranscribe            RequestType = "input.transcribe"
)

// RequestTypes lists every request type.
var RequestTypes = []RequestType{
	ReqThreadsCreate, ReqThreadsAddUserMessage, ReqThreadsAddClientToolOutput,
	ReqThreadsAddStructuredInput, ReqThreadsRetryAfterItem, ReqThreadsCustomAction,
	ReqThreadsGetByID, ReqThreadsList, ReqThreadsUpdate, ReqThreadsDelete,
	ReqThreadsSyncCustomAction, ReqItemsList, ReqItemsFeedback, ReqAttachmentsCreate,
	ReqAttachmentsDelete, ReqInputTranscribe,
}

// Streaming reports whether the response to t is an SSE stream.
func (t RequestType) Streaming() bool {
	h := handlers[t]
	return h != nil && h.plan != nil
}

// Known reports whether t is one of RequestTypes.
func (t RequestType) Known() bool { return handlers[t] != nil }

// UserMessageInput is the composer's message: content parts, attachment
// ids, optional quoted text and inference options.
type UserMessageInput struct {
	Content          []UserContent    `json:"content"`
	Attachments      []string         `json:"attachments"`
	QuotedText       string           `json:"quoted_text,omitempty"`
	InferenceOptions InferenceOptions `json:"inference_options"`
}

// ThreadCreateParams are the params of threads.create.
type ThreadCreateParams struct {
	Input UserMessageInput `json:"input"`
}

// ThreadAddUserMessageParams are the params of threads.add_user_message.
type ThreadAddUserMessageParams struct {
	ThreadID string           `json:"thread_id"`
	Input    UserMessageInput `json:"input"`
}

// ThreadAddClientToolOutputParams are the params of
// threads.add_client_tool_output. Result is any JSON value.
type ThreadAddClientToolOutputParams struct {
	ThreadID string          `json:"thread_id"`
	Result   json.RawMessage `json:"result"`
}

// StructuredInputSubmission is the user's answers to a structured_input item.
type StructuredInputSubmission struct {
	Status  string                           `json:"status"` // answered | skipped
	Answers map[string]StructuredInputAnswer `json:"answers"`
}

// ThreadAddStructuredInputParams are the params of
// threads.add_structured_input.
type ThreadAddStructuredInputParams struct {
	ThreadID string                    `json:"thread_id"`
	ItemID   string                    `json:"item_id"`
	Input    StructuredInputSubmission `json:"input"`
}

// ThreadRetryAfterItemParams are the params of threads.retry_after_item.
type ThreadRetryAfterItemParams struct {
	ThreadID string `json:"thread_id"`
	ItemID   string `json:"item_id"`
}

// ThreadCustomActionParams are the params of threads.custom_action and
// threads.sync_custom_action. ItemID "" means no sender item.
type ThreadCustomActionParams struct {
	ThreadID string `json:"thread_id"`
	ItemID   string `json:"item_id,omitempty"`
	Action   Action `json:"action"`
}

// ThreadIDParams are the params of threads.get_by_id and threads.delete.
type ThreadIDParams struct {
	ThreadID string `json:"thread_id"`
}

// Order is a list order: oldest first (asc) or newest first (desc).
type Order string

// Orders.
const (
	OrderAsc  Order = "asc"
	OrderDesc Order = "desc"
)

// ListParams are the params of threads.list and items.list (ThreadID only
// for items.list). Limit 0 means DefaultPageSize; Order "" means desc.
type ListParams struct {
	ThreadID string `json:"thread_id,omitempty"`
	Limit    int    `json:"limit,omitempty"`
	Order    Order  `json:"order,omitempty"`
	After    string `json:"after,omitempty"`
}

// ThreadUpdateParams are the params of threads.update.
type ThreadUpdateParams struct {
	ThreadID string `json:"thread_id"`
	Title    string `json:"title"`
}

// Feedback kinds.
const (
	FeedbackPositive = "positive"
	FeedbackNegative = "negative"
)

// ItemFeedbackParams are the params of items.feedback.
type ItemFeedbackParams struct {
	ThreadID string   `json:"thread_id"`
	ItemIDs  []string `json:"item_ids"`
	Kind     string   `json:"kind"`
}

// AttachmentCreateParams are the params of attachments.create.
type AttachmentCreateParams struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	MimeType string `json:"mime_type"`
}

// AttachmentDeleteParams are the params of attachments.delete.
type AttachmentDeleteParams struct {
	AttachmentID string `json:"attachment_id"`
}

// InputTranscribeParams are the params of input.transcribe.
type InputTranscribeParams struct {
	AudioBase64 string `json:"audio_base64"`
	MimeType    string `json:"mime_type"`
}

// TranscriptionResult is the response to input.transcribe.
type TranscriptionResult struct {
	Text string `json:"text"`
}

// SyncCustomActionResponse is the response to threads.sync_custom_action
// ({} when UpdatedItem is nil).
type SyncCustomActionResponse struct {
	UpdatedItem Item `json:"updated_item,omitempty"`
}

// Request is a decoded, validated request. Params is a pointer to the
// params struct of Type (e.g. *ThreadCreateParams, *ListParams).
type Request struct {
	Type     RequestType
	Params   any
	Metadata map[string]any
}

// DefaultPageSize is the page size when a request gives no limit.
const DefaultPageSize = 20

// MaxPageSize caps the limit of list requests; larger limits are clamped
// (paging stays exact because has_more/after describe the returned page).
const MaxPageSize = 100

// RequestError is a request that cannot be decoded or is invalid. Field
// names the offending parameter (dotted path) when there is one.
type RequestError struct {
	Field   string
	Message string
}

func (e *RequestError) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func reqErr(field, format string, args ...any) error {
	return &RequestError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// DecodeRequest parses and validates a request body. Every failure is a
// *RequestError (malformed JSON, unknown type, missing or invalid params);
// it never panics on any input.
func DecodeRequest(body []byte) (*Request, error) {
	var env struct {
		Type     *string         `json:"type"`
		Params   json.RawMessage `json:"params"`
		Metadata json.RawMessage `json:"metadata"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, reqErr("", "body must be a JSON object")
	}
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, reqErr("", "malformed JSON: %s", jsonErrText(err))
	}
	if env.Type == nil || *env.Type == "" {
		return nil, reqErr("type", "is required")
	}
	req := &Request{Type: RequestType(*env.Type), Metadata: map[string]any{}}
	if !req.Type.Known() {
		return nil, reqErr("type", "unknown request type %q", truncate(*env.Type, 64))
	}
	if len(env.Metadata) > 0 && !isNull(env.Metadata) {
		if err := json.Unmarshal(env.Metadata, &req.Metadata); err != nil {
			return nil, reqErr("metadata", "must be an object")
		}
		if req.Metadata == nil {
			req.Metadata = map[string]any{}
		}
	}
	if len(env.Params) == 0 || isNull(env.Params) {
		return nil, reqErr("params", "is required")
	}
	if bytes.TrimSpace(env.Params)[0] != '{' {
		return nil, reqErr("params", "must be an object")
	}
	p, err := decodeParams(req.Type, env.Params)
	if err != nil {
		return nil, err
	}
	req.Params = p
	return req, nil
}

func decodeParams(t RequestType, raw json.RawMessage) (any, error) {
	h := handlers[t]
	if h == nil {
		return nil, reqErr("type", "unknown request type %q", truncate(string(t), 64))
	}
	return h.decode(t, raw)
}

func decodeInput(raw json.RawMessage) (*UserMessageInput, error) {
	if len(raw) == 0 || isNull(raw) {
		return nil, reqErr("params.input", "is required")
	}
	var w struct {
		Content          *[]json.RawMessage `json:"content"`
		Attachments      []*string          `json:"attachments"`
		QuotedText       *string            `json:"quoted_text"`
		InferenceOptions *struct {
			ToolChoice *ToolChoice `json:"tool_choice"`
			Model      *string     `json:"model"`
		} `json:"inference_options"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return nil, reqErr("params.input", "invalid: %s", jsonErrText(err))
	}
	if w.Content == nil {
		return nil, reqErr("params.input.content", "is required")
	}
	in := &UserMessageInput{Content: make([]UserContent, 0, len(*w.Content)), Attachments: []string{}}
	for i, part := range *w.Content {
		var c UserContent
		if err := json.Unmarshal(part, &c); err != nil {
			return nil, reqErr(fmt.Sprintf("params.input.content[%d]", i), "%s", jsonErrText(err))
		}
		// What a person typed or pasted: a stray control character is
		// dropped rather than failing the message (CleanText).
		c.Text, c.ID, c.Group = CleanText(c.Text), CleanText(c.ID), CleanText(c.Group)
		in.Content = append(in.Content, c)
	}
	for i, id := range w.Attachments {
		if id == nil || *id == "" || !ValidText(*id) {
			return nil, reqErr(fmt.Sprintf("params.input.attachments[%d]", i), "must be an attachment id")
		}
		in.Attachments = append(in.Attachments, *id)
	}
	if w.QuotedText != nil {
		in.QuotedText = CleanText(*w.QuotedText)
	}
	if o := w.InferenceOptions; o != nil {
		in.InferenceOptions.ToolChoice = o.ToolChoice
		if o.ToolChoice != nil && o.ToolChoice.ID == "" {
			return nil, reqErr("params.input.inference_options.tool_choice.id", "is required")
		}
		if o.Model != nil {
			in.InferenceOptions.Model = *o.Model
		}
	}
	return in, nil
}

func unmarshalParams(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return reqErr("params", "invalid: %s", jsonErrText(err))
	}
	return nil
}

func required(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return reqErr(field, "is required")
	}
	return clean(field, v)
}

// clean rejects a program-set value (an id, a title, a cursor) holding a
// control character other than tab and newline (ValidText): the same
// 400 on every store, where PostgreSQL would fail on NUL.
func clean(field, v string) error {
	if !ValidText(v) {
		return reqErr(field, "%s", TextRule)
	}
	return nil
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// jsonErrText describes a decoding error without echoing the input.
func jsonErrText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("%s must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return fmt.Sprintf("expected %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)
	}
	return truncate(err.Error(), 200)
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return k
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
