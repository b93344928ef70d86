package chatkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Item types.
const (
	ItemUserMessage      = "user_message"
	ItemAssistantMessage = "assistant_message"
	ItemClientToolCall   = "client_tool_call"
	ItemWidget           = "widget"
	ItemGeneratedImage   = "generated_image"
	ItemStructuredInput  = "structured_input"
	ItemWorkflow         = "workflow"
	ItemTask             = "task"
	ItemEndOfTurn        = "end_of_turn"
	ItemHiddenContext    = "hidden_context_item"
	ItemSDKHiddenContext = "sdk_hidden_context"
)

// CancelledContent is the text of the sdk_hidden_context item the Server
// appends when a client cancels a stream (the reference's wording).
const CancelledContent = "The user cancelled the stream. Stop responding to the prior request."

// Item is a thread item: one of the *...Item types of this package, or
// *UnknownItem for a type this version does not know (kept verbatim).
// The set is closed: only this package implements Item.
type Item interface {
	// ItemType is the wire "type" discriminator.
	ItemType() string
	// Header gives access to the fields every item has.
	Header() *ItemBase
	json.Marshaler
	sealed()
}

// ItemBase holds the fields every item has. CreatedAt is marshalled as RFC
// 3339 in UTC.
type ItemBase struct {
	ID        string    `json:"id"`
	ThreadID  string    `json:"thread_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Header returns b itself.
func (b *ItemBase) Header() *ItemBase { return b }
func (b *ItemBase) sealed()           {}

// IsHidden reports whether items of this type are stored but never sent to
// the client (hidden_context_item, sdk_hidden_context).
func IsHidden(it Item) bool {
	t := it.ItemType()
	return t == ItemHiddenContext || t == ItemSDKHiddenContext
}

// HiddenItemTypes lists the item types that are never sent to the client;
// stores filter them when ListOptions.IncludeHidden is false.
var HiddenItemTypes = []string{ItemHiddenContext, ItemSDKHiddenContext}

// marshalItem marshals v (a copy of the item through a method-less alias
// type whose first field is the ItemBase b) and inserts the type
// discriminator after created_at, the reference's member order.
func marshalItem(b ItemBase, typ string, v any) ([]byte, error) {
	head, err := jsonMarshal(b)
	if err != nil {
		return nil, err
	}
	body, err := jsonMarshal(v)
	if err != nil {
		return nil, err
	}
	at := len(head) - 1
	if !bytes.HasPrefix(body, head[:at]) {
		return nil, fmt.Errorf("chatkit: item %s: unexpected layout", typ)
	}
	return spliceType(body, typ, at)
}

func utc(b ItemBase) ItemBase {
	b.CreatedAt = b.CreatedAt.UTC()
	return b
}

// UserMessageItem is a message the user sent.
type UserMessageItem struct {
	ItemBase
	Content          []UserContent    `json:"content"`
	Attachments      []Attachment     `json:"attachments"`
	QuotedText       string           `json:"quoted_text,omitempty"`
	InferenceOptions InferenceOptions `json:"inference_options"`
}

// ItemType implements Item.
func (*UserMessageItem) ItemType() string { return ItemUserMessage }

// MarshalJSON implements Item.
func (it UserMessageItem) MarshalJSON() ([]byte, error) {
	if out, ok := appendUserMessage(make([]byte, 0, 256), &it); ok {
		return out, nil
	}
	return it.marshalGeneric()
}

func (it UserMessageItem) marshalGeneric() ([]byte, error) {
	type plain UserMessageItem
	it.ItemBase = utc(it.ItemBase)
	if it.Content == nil {
		it.Content = []UserContent{}
	}
	if it.Attachments == nil {
		it.Attachments = []Attachment{}
	}
	return marshalItem(it.ItemBase, ItemUserMessage, plain(it))
}

// Text returns the concatenated text of the message's parts.
func (it *UserMessageItem) Text() string {
	var b bytes.Buffer
	for _, c := range it.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// AssistantMessageItem is a reply from the assistant.
type AssistantMessageItem struct {
	ItemBase
	Content []OutputText `json:"content"`
}

// ItemType implements Item.
func (*AssistantMessageItem) ItemType() string { return ItemAssistantMessage }

// MarshalJSON implements Item.
func (it AssistantMessageItem) MarshalJSON() ([]byte, error) {
	if out, ok := appendAssistantMessage(make([]byte, 0, 256), &it); ok {
		return out, nil
	}
	return it.marshalGeneric()
}

func (it AssistantMessageItem) marshalGeneric() ([]byte, error) {
	type plain AssistantMessageItem
	it.ItemBase = utc(it.ItemBase)
	if it.Content == nil {
		it.Content = []OutputText{}
	}
	return marshalItem(it.ItemBase, ItemAssistantMessage, plain(it))
}

// Text returns the concatenated text of the message's parts.
func (it *AssistantMessageItem) Text() string {
	var b bytes.Buffer
	for _, c := range it.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// Client tool call statuses.
const (
	ToolCallPending   = "pending"
	ToolCallCompleted = "completed"
)

// ClientToolCallItem asks the page to run a client tool; Output is set
// when the client answers with threads.add_client_tool_output.
type ClientToolCallItem struct {
	ItemBase
	Status    string          `json:"status"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Output    json.RawMessage `json:"output,omitempty"`
}

// ItemType implements Item.
func (*ClientToolCallItem) ItemType() string { return ItemClientToolCall }

// MarshalJSON implements Item.
func (it ClientToolCallItem) MarshalJSON() ([]byte, error) {
	type plain ClientToolCallItem
	it.ItemBase = utc(it.ItemBase)
	if it.Status == "" {
		it.Status = ToolCallPending
	}
	it.Arguments = rawOrEmptyObject(it.Arguments)
	if bytes.Equal(bytes.TrimSpace(it.Output), []byte("null")) {
		it.Output = nil
	}
	return marshalItem(it.ItemBase, ItemClientToolCall, plain(it))
}

// WidgetItem shows a widget. The widget tree is kept as raw JSON so widget
// types this package does not model pass through unchanged.
type WidgetItem struct {
	ItemBase
	Widget   json.RawMessage `json:"widget"`
	CopyText string          `json:"copy_text,omitempty"`
}

// ItemType implements Item.
func (*WidgetItem) ItemType() string { return ItemWidget }

// MarshalJSON implements Item.
func (it WidgetItem) MarshalJSON() ([]byte, error) {
	type plain WidgetItem
	it.ItemBase = utc(it.ItemBase)
	it.Widget = rawOrEmptyObject(it.Widget)
	return marshalItem(it.ItemBase, ItemWidget, plain(it))
}

// GeneratedImageItem is an image produced by the model (Image nil while it
// is being generated).
type GeneratedImageItem struct {
	ItemBase
	Image *GeneratedImage `json:"image,omitempty"`
}

// ItemType implements Item.
func (*GeneratedImageItem) ItemType() string { return ItemGeneratedImage }

// MarshalJSON implements Item.
func (it GeneratedImageItem) MarshalJSON() ([]byte, error) {
	type plain GeneratedImageItem
	it.ItemBase = utc(it.ItemBase)
	return marshalItem(it.ItemBase, ItemGeneratedImage, plain(it))
}

// StructuredInputItem asks the user the questions in Inputs.
type StructuredInputItem struct {
	ItemBase
	Status string            `json:"status"`
	Inputs []StructuredInput `json:"inputs"`
}

// ItemType implements Item.
func (*StructuredInputItem) ItemType() string { return ItemStructuredInput }

// MarshalJSON implements Item.
func (it StructuredInputItem) MarshalJSON() ([]byte, error) {
	type plain StructuredInputItem
	it.ItemBase = utc(it.ItemBase)
	if it.Status == "" {
		it.Status = StructuredPending
	}
	if it.Inputs == nil {
		it.Inputs = []StructuredInput{}
	}
	return marshalItem(it.ItemBase, ItemStructuredInput, plain(it))
}

// WorkflowItem shows a workflow (a group of tasks, or reasoning).
type WorkflowItem struct {
	ItemBase
	Workflow Workflow `json:"workflow"`
}

// ItemType implements Item.
func (*WorkflowItem) ItemType() string { return ItemWorkflow }

// MarshalJSON implements Item.
func (it WorkflowItem) MarshalJSON() ([]byte, error) {
	type plain WorkflowItem
	it.ItemBase = utc(it.ItemBase)
	return marshalItem(it.ItemBase, ItemWorkflow, plain(it))
}

// TaskItem shows one standalone task.
type TaskItem struct {
	ItemBase
	Task Task `json:"task"`
}

// ItemType implements Item.
func (*TaskItem) ItemType() string { return ItemTask }

// MarshalJSON implements Item.
func (it TaskItem) MarshalJSON() ([]byte, error) {
	type plain TaskItem
	it.ItemBase = utc(it.ItemBase)
	return marshalItem(it.ItemBase, ItemTask, plain(it))
}

// EndOfTurnItem marks the end of an assistant turn (a UI hint).
type EndOfTurnItem struct {
	ItemBase
}

// ItemType implements Item.
func (*EndOfTurnItem) ItemType() string { return ItemEndOfTurn }

// MarshalJSON implements Item.
func (it EndOfTurnItem) MarshalJSON() ([]byte, error) {
	it.ItemBase = utc(it.ItemBase)
	return marshalItem(it.ItemBase, ItemEndOfTurn, it.ItemBase)
}

// HiddenContextItem carries integration context for the model; it is
// stored but never sent to the client.
type HiddenContextItem struct {
	ItemBase
	Content json.RawMessage `json:"content"`
}

// ItemType implements Item.
func (*HiddenContextItem) ItemType() string { return ItemHiddenContext }

// MarshalJSON implements Item.
func (it HiddenContextItem) MarshalJSON() ([]byte, error) {
	type plain HiddenContextItem
	it.ItemBase = utc(it.ItemBase)
	if len(bytes.TrimSpace(it.Content)) == 0 {
		it.Content = json.RawMessage("null")
	}
	return marshalItem(it.ItemBase, ItemHiddenContext, plain(it))
}

// SDKHiddenContextItem carries server context (e.g. the cancellation note)
// for the model; it is stored but never sent to the client.
type SDKHiddenContextItem struct {
	ItemBase
	Content string `json:"content"`
}

// ItemType implements Item.
func (*SDKHiddenContextItem) ItemType() string { return ItemSDKHiddenContext }

// MarshalJSON implements Item.
func (it SDKHiddenContextItem) MarshalJSON() ([]byte, error) {
	type plain SDKHiddenContextItem
	it.ItemBase = utc(it.ItemBase)
	return marshalItem(it.ItemBase, ItemSDKHiddenContext, plain(it))
}

// UnknownItem is an item whose type this version does not model. Raw is the
// item exactly as received; it is stored and sent back unchanged.
type UnknownItem struct {
	ItemBase
	Type string
	Raw  json.RawMessage
}

// ItemType implements Item.
func (it *UnknownItem) ItemType() string { return it.Type }

// MarshalJSON returns Raw.
func (it UnknownItem) MarshalJSON() ([]byte, error) {
	if len(it.Raw) == 0 {
		return marshalItem(utc(it.ItemBase), it.Type, utc(it.ItemBase))
	}
	return it.Raw, nil
}

// UnmarshalItem decodes one item by its "type". Unknown types become
// *UnknownItem. id and thread_id must be present.
func UnmarshalItem(data []byte) (Item, error) {
	typ, err := peekType(data)
	if err != nil {
		return nil, fmt.Errorf("decode item: %w", err)
	}
	var it Item
	var target any
	switch typ {
	case ItemUserMessage:
		v := &UserMessageItem{}
		it, target = v, (*struct {
			ItemBase
			Content          []UserContent    `json:"content"`
			Attachments      []Attachment     `json:"attachments"`
			QuotedText       string           `json:"quoted_text"`
			InferenceOptions InferenceOptions `json:"inference_options"`
		})(v)
	case ItemAssistantMessage:
		v := &AssistantMessageItem{}
		type plain AssistantMessageItem
		it, target = v, (*plain)(v)
	case ItemClientToolCall:
		v := &ClientToolCallItem{}
		type plain ClientToolCallItem
		it, target = v, (*plain)(v)
	case ItemWidget:
		v := &WidgetItem{}
		type plain WidgetItem
		it, target = v, (*plain)(v)
	case ItemGeneratedImage:
		v := &GeneratedImageItem{}
		type plain GeneratedImageItem
		it, target = v, (*plain)(v)
	case ItemStructuredInput:
		v := &StructuredInputItem{}
		type plain StructuredInputItem
		it, target = v, (*plain)(v)
	case ItemWorkflow:
		v := &WorkflowItem{}
		type plain WorkflowItem
		it, target = v, (*plain)(v)
	case ItemTask:
		v := &TaskItem{}
		type plain TaskItem
		it, target = v, (*plain)(v)
	case ItemEndOfTurn:
		v := &EndOfTurnItem{}
		it, target = v, &v.ItemBase
	case ItemHiddenContext:
		v := &HiddenContextItem{}
		type plain HiddenContextItem
		it, target = v, (*plain)(v)
	case ItemSDKHiddenContext:
		v := &SDKHiddenContextItem{}
		type plain SDKHiddenContextItem
		it, target = v, (*plain)(v)
	default:
		v := &UnknownItem{Type: typ, Raw: append(json.RawMessage(nil), data...)}
		it, target = v, &v.ItemBase
	}
	if err := json.Unmarshal(data, target); err != nil {
		return nil, fmt.Errorf("decode %s item: %w", typ, err)
	}
	h := it.Header()
	if h.ID == "" || h.ThreadID == "" {
		return nil, fmt.Errorf("decode %s item: missing id or thread_id", typ)
	}
	return it, nil
}

// CloneItem returns a deep copy of it (through its JSON form).
func CloneItem(it Item) (Item, error) {
	if am, ok := it.(*AssistantMessageItem); ok && am != nil {
		// Every streamed reply starts with one: copy it directly when its
		// parts carry no annotations (nothing nested to share).
		c := *am
		c.Content = make([]OutputText, len(am.Content))
		plain := true
		for i, o := range am.Content {
			plain = plain && len(o.Annotations) == 0
			c.Content[i] = OutputText{Text: o.Text, Annotations: []Annotation{}}
		}
		if plain {
			return &c, nil
		}
	}
	data, err := jsonMarshal(it)
	if err != nil {
		return nil, err
	}
	return UnmarshalItem(data)
}
