package chatkit

import (
	"encoding/json"
	"fmt"
)

// User content part types.
const (
	ContentInputText = "input_text"
	ContentInputTag  = "input_tag"
)

// UserContent is one part of a user message: input_text {text} or input_tag
// {id, text, data, group?, interactive} (an @-mention entity).
type UserContent struct {
	Type        string
	Text        string
	ID          string         // input_tag
	Data        map[string]any // input_tag; {} when absent
	Group       string         // input_tag; omitted when empty
	Interactive bool           // input_tag
}

// TextContent returns an input_text part.
func TextContent(text string) UserContent { return UserContent{Type: ContentInputText, Text: text} }

// MarshalJSON writes the reference layout of the part's type.
func (c UserContent) MarshalJSON() ([]byte, error) {
	switch c.Type {
	case ContentInputTag:
		return typed(c.Type, struct {
			ID          string         `json:"id"`
			Text        string         `json:"text"`
			Data        map[string]any `json:"data"`
			Group       string         `json:"group,omitempty"`
			Interactive bool           `json:"interactive"`
		}{c.ID, c.Text, nonNilMap(c.Data), c.Group, c.Interactive})
	case ContentInputText:
		return typed(c.Type, struct {
			Text string `json:"text"`
		}{c.Text})
	default:
		return nil, fmt.Errorf("chatkit: unknown user content type %q", c.Type)
	}
}

// UnmarshalJSON accepts input_text and input_tag parts.
func (c *UserContent) UnmarshalJSON(data []byte) error {
	var w struct {
		Type        string         `json:"type"`
		Text        *string        `json:"text"`
		ID          string         `json:"id"`
		Data        map[string]any `json:"data"`
		Group       *string        `json:"group"`
		Interactive bool           `json:"interactive"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	switch w.Type {
	case ContentInputText, ContentInputTag:
	default:
		return fmt.Errorf("unknown content type %q", w.Type)
	}
	if w.Text == nil {
		return fmt.Errorf("%s: missing text", w.Type)
	}
	if w.Type == ContentInputTag && w.ID == "" {
		return fmt.Errorf("input_tag: missing id")
	}
	*c = UserContent{Type: w.Type, Text: *w.Text}
	if w.Type == ContentInputTag {
		c.ID, c.Data, c.Interactive = w.ID, w.Data, w.Interactive
		if w.Group != nil {
			c.Group = *w.Group
		}
	}
	return nil
}

// ToolChoice is the composer tool menu's selection.
type ToolChoice struct {
	ID string `json:"id"`
}

// InferenceOptions are the composer's per-message options; unset fields are
// omitted, so an empty value marshals as {}.
type InferenceOptions struct {
	ToolChoice *ToolChoice `json:"tool_choice,omitempty"`
	Model      string      `json:"model,omitempty"`
}

// OutputText is an assistant message content part (Markdown).
type OutputText struct {
	Annotations []Annotation `json:"annotations"`
	Text        string       `json:"text"`
}

// MarshalJSON writes {"annotations":[...],"text":...,"type":"output_text"}.
func (o OutputText) MarshalJSON() ([]byte, error) {
	ann := o.Annotations
	if ann == nil {
		ann = []Annotation{}
	}
	return jsonMarshal(struct {
		Annotations []Annotation `json:"annotations"`
		Text        string       `json:"text"`
		Type        string       `json:"type"`
	}{ann, o.Text, "output_text"})
}

// Annotation places a citation marker for Source at character Index of the
// text (Index nil: no position).
type Annotation struct {
	Source Source `json:"source"`
	Index  *int   `json:"index,omitempty"`
}

// MarshalJSON writes {"type":"annotation","source":...,"index"?:...}.
func (a Annotation) MarshalJSON() ([]byte, error) {
	type plain Annotation
	return typed("annotation", plain(a))
}

// Source types.
const (
	SourceURL    = "url"
	SourceFile   = "file"
	SourceEntity = "entity"
)

// Source is a citation source: url {url, attribution?}, file {filename} or
// entity {id, icon?, label?, inline_label?, interactive, data}. All share
// title, description?, timestamp?, group?.
type Source struct {
	Type        string
	Title       string
	Description string
	Timestamp   string
	Group       string
	URL         string // url
	Attribution string // url
	Filename    string // file
	ID          string // entity
	Icon        string // entity
	Label       string // entity
	InlineLabel string // entity
	Interactive bool   // entity
	Data        map[string]any
}

type sourceBase struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Timestamp   string `json:"timestamp,omitempty"`
	Group       string `json:"group,omitempty"`
	Type        string `json:"type"`
}

// MarshalJSON writes the variant's reference layout.
func (s Source) MarshalJSON() ([]byte, error) {
	base := sourceBase{s.Title, s.Description, s.Timestamp, s.Group, s.Type}
	switch s.Type {
	case SourceURL:
		return jsonMarshal(struct {
			sourceBase
			URL         string `json:"url"`
			Attribution string `json:"attribution,omitempty"`
		}{base, s.URL, s.Attribution})
	case SourceFile:
		return jsonMarshal(struct {
			sourceBase
			Filename string `json:"filename"`
		}{base, s.Filename})
	case SourceEntity:
		return jsonMarshal(struct {
			sourceBase
			ID          string         `json:"id"`
			Icon        string         `json:"icon,omitempty"`
			Label       string         `json:"label,omitempty"`
			InlineLabel string         `json:"inline_label,omitempty"`
			Interactive bool           `json:"interactive"`
			Data        map[string]any `json:"data"`
		}{base, s.ID, s.Icon, s.Label, s.InlineLabel, s.Interactive, nonNilMap(s.Data)})
	default:
		return nil, fmt.Errorf("chatkit: unknown source type %q", s.Type)
	}
}

// UnmarshalJSON reads any source variant.
func (s *Source) UnmarshalJSON(data []byte) error {
	var w struct {
		sourceBase
		URL         string         `json:"url"`
		Attribution string         `json:"attribution"`
		Filename    string         `json:"filename"`
		ID          string         `json:"id"`
		Icon        string         `json:"icon"`
		Label       string         `json:"label"`
		InlineLabel string         `json:"inline_label"`
		Interactive bool           `json:"interactive"`
		Data        map[string]any `json:"data"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = Source{Type: w.Type, Title: w.Title, Description: w.Description, Timestamp: w.Timestamp,
		Group: w.Group, URL: w.URL, Attribution: w.Attribution, Filename: w.Filename, ID: w.ID,
		Icon: w.Icon, Label: w.Label, InlineLabel: w.InlineLabel, Interactive: w.Interactive, Data: w.Data}
	return nil
}

// Attachment types.
const (
	AttachmentFile  = "file"
	AttachmentImage = "image"
)

// UploadDescriptor tells the client where to send the bytes of a two-phase
// upload.
type UploadDescriptor struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"` // POST or PUT
	Headers map[string]string `json:"headers"`
}

// Attachment is a file or image attached to a user message. Metadata is
// server-side only: the Server strips it from everything it sends.
type Attachment struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	MimeType         string            `json:"mime_type"`
	UploadDescriptor *UploadDescriptor `json:"upload_descriptor,omitempty"`
	ThreadID         string            `json:"thread_id,omitempty"`
	Metadata         map[string]any    `json:"metadata,omitempty"`
	Type             string            `json:"type"`
	PreviewURL       string            `json:"preview_url,omitempty"` // required for images
}

// Public returns a copy without server-side metadata.
func (a Attachment) Public() Attachment {
	a.Metadata = nil
	return a
}

// GeneratedImage is the image of a generated_image item.
type GeneratedImage struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Workflow types.
const (
	WorkflowCustom    = "custom"
	WorkflowReasoning = "reasoning"
)

// Workflow groups tasks shown as one collapsible block.
type Workflow struct {
	Type     string           `json:"type"`
	Tasks    []Task           `json:"tasks"`
	Summary  *WorkflowSummary `json:"summary,omitempty"`
	Expanded bool             `json:"expanded"`
}

// MarshalJSON keeps tasks as [] when empty.
func (w Workflow) MarshalJSON() ([]byte, error) {
	type plain Workflow
	if w.Tasks == nil {
		w.Tasks = []Task{}
	}
	return jsonMarshal(plain(w))
}

// WorkflowSummary is either {title, icon?} (Title set) or {duration}
// (seconds).
type WorkflowSummary struct {
	Title    string
	Icon     string
	Duration int
}

// MarshalJSON writes the variant selected by Title.
func (s WorkflowSummary) MarshalJSON() ([]byte, error) {
	if s.Title != "" {
		return jsonMarshal(struct {
			Title string `json:"title"`
			Icon  string `json:"icon,omitempty"`
		}{s.Title, s.Icon})
	}
	return jsonMarshal(struct {
		Duration int `json:"duration"`
	}{s.Duration})
}

// UnmarshalJSON reads either variant.
func (s *WorkflowSummary) UnmarshalJSON(data []byte) error {
	var w struct {
		Title    string `json:"title"`
		Icon     string `json:"icon"`
		Duration int    `json:"duration"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = WorkflowSummary(w)
	return nil
}

// Task types.
const (
	TaskCustom    = "custom"
	TaskWebSearch = "web_search"
	TaskThought   = "thought"
	TaskFile      = "file"
	TaskImage     = "image"
)

// Task status indicators.
const (
	TaskStatusNone     = "none"
	TaskStatusLoading  = "loading"
	TaskStatusComplete = "complete"
)

// Task is one step of a workflow or a standalone task item: custom {title?,
// icon?, content?}, web_search {title?, title_query?, queries, sources},
// thought {title?, content}, file {title?, sources}, image {title?}.
type Task struct {
	Type            string
	StatusIndicator string // default "none"
	Title           string
	Icon            string
	Content         string
	TitleQuery      string
	Queries         []string
	Sources         []Source
}

// MarshalJSON writes the variant's reference layout.
func (t Task) MarshalJSON() ([]byte, error) {
	status := t.StatusIndicator
	if status == "" {
		status = TaskStatusNone
	}
	type head struct {
		StatusIndicator string `json:"status_indicator"`
		Type            string `json:"type"`
		Title           string `json:"title,omitempty"`
	}
	h := head{status, t.Type, t.Title}
	sources := t.Sources
	if sources == nil {
		sources = []Source{}
	}
	switch t.Type {
	case TaskCustom:
		return jsonMarshal(struct {
			head
			Icon    string `json:"icon,omitempty"`
			Content string `json:"content,omitempty"`
		}{h, t.Icon, t.Content})
	case TaskWebSearch:
		queries := t.Queries
		if queries == nil {
			queries = []string{}
		}
		return jsonMarshal(struct {
			head
			TitleQuery string   `json:"title_query,omitempty"`
			Queries    []string `json:"queries"`
			Sources    []Source `json:"sources"`
		}{h, t.TitleQuery, queries, sources})
	case TaskThought:
		return jsonMarshal(struct {
			head
			Content string `json:"content"`
		}{h, t.Content})
	case TaskFile:
		return jsonMarshal(struct {
			head
			Sources []Source `json:"sources"`
		}{h, sources})
	case TaskImage:
		return jsonMarshal(h)
	default:
		return nil, fmt.Errorf("chatkit: unknown task type %q", t.Type)
	}
}

// UnmarshalJSON reads any task variant.
func (t *Task) UnmarshalJSON(data []byte) error {
	var w struct {
		Type            string   `json:"type"`
		StatusIndicator string   `json:"status_indicator"`
		Title           string   `json:"title"`
		Icon            string   `json:"icon"`
		Content         string   `json:"content"`
		TitleQuery      string   `json:"title_query"`
		Queries         []string `json:"queries"`
		Sources         []Source `json:"sources"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*t = Task(w)
	return nil
}

// Structured input kinds and statuses.
const (
	InputMultipleChoice = "multiple_choice"
	InputFreeform       = "freeform"

	StructuredPending  = "pending"
	StructuredAnswered = "answered"
	StructuredSkipped  = "skipped"
)

// StructuredInputAnswer is the user's answer to one question.
type StructuredInputAnswer struct {
	Values  []string `json:"values"`
	Skipped bool     `json:"skipped"`
}

// ChoiceOption is one option of a multiple-choice question.
type ChoiceOption struct {
	Value string `json:"value"`
}

// StructuredInput is one question of a structured_input item:
// multiple_choice {options, multiple} or freeform {description?}.
type StructuredInput struct {
	ID          string
	Question    string
	Answer      *StructuredInputAnswer
	Type        string
	Options     []ChoiceOption
	Multiple    bool
	Description string
}

// MarshalJSON writes the variant's reference layout.
func (s StructuredInput) MarshalJSON() ([]byte, error) {
	type head struct {
		ID       string                 `json:"id"`
		Question string                 `json:"question"`
		Answer   *StructuredInputAnswer `json:"answer,omitempty"`
		Type     string                 `json:"type"`
	}
	h := head{s.ID, s.Question, s.Answer, s.Type}
	if h.Answer != nil && h.Answer.Values == nil {
		a := *h.Answer
		a.Values = []string{}
		h.Answer = &a
	}
	switch s.Type {
	case InputMultipleChoice:
		opts := s.Options
		if opts == nil {
			opts = []ChoiceOption{}
		}
		return jsonMarshal(struct {
			head
			Options  []ChoiceOption `json:"options"`
			Multiple bool           `json:"multiple"`
		}{h, opts, s.Multiple})
	case InputFreeform:
		return jsonMarshal(struct {
			head
			Description string `json:"description,omitempty"`
		}{h, s.Description})
	default:
		return nil, fmt.Errorf("chatkit: unknown structured input type %q", s.Type)
	}
}

// UnmarshalJSON reads either variant.
func (s *StructuredInput) UnmarshalJSON(data []byte) error {
	var w struct {
		ID          string                 `json:"id"`
		Question    string                 `json:"question"`
		Answer      *StructuredInputAnswer `json:"answer"`
		Type        string                 `json:"type"`
		Options     []ChoiceOption         `json:"options"`
		Multiple    bool                   `json:"multiple"`
		Description string                 `json:"description"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*s = StructuredInput(w)
	return nil
}

// Action is a widget action as sent by the client: {type, payload?}.
type Action struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}
