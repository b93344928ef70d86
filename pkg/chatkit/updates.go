package chatkit

import (
	"encoding/json"
	"fmt"
)

// Item update types (the "update" of thread.item.updated).
const (
	UpdateContentPartAdded       = "assistant_message.content_part.added"
	UpdateContentPartTextDelta   = "assistant_message.content_part.text_delta"
	UpdateContentPartAnnotation  = "assistant_message.content_part.annotation_added"
	UpdateContentPartDone        = "assistant_message.content_part.done"
	UpdateWidgetStreamingText    = "widget.streaming_text.value_delta"
	UpdateWidgetComponentUpdated = "widget.component.updated"
	UpdateWidgetRootUpdated      = "widget.root.updated"
	UpdateWorkflowTaskAdded      = "workflow.task.added"
	UpdateWorkflowTaskUpdated    = "workflow.task.updated"
	UpdateGeneratedImage         = "generated_image.updated"
)

// ItemUpdate is the payload of a thread.item.updated event. The set is
// closed: only this package's *Update types implement it.
type ItemUpdate interface {
	UpdateType() string
	json.Marshaler
	update()
}

type updateBase struct{}

func (updateBase) update() {}

// ContentPartAdded starts content part ContentIndex of an assistant message.
type ContentPartAdded struct {
	updateBase
	ContentIndex int        `json:"content_index"`
	Content      OutputText `json:"content"`
}

// ContentPartTextDelta appends Delta to content part ContentIndex.
type ContentPartTextDelta struct {
	updateBase
	ContentIndex int    `json:"content_index"`
	Delta        string `json:"delta"`
}

// ContentPartAnnotationAdded inserts an annotation into a content part.
type ContentPartAnnotationAdded struct {
	updateBase
	ContentIndex    int        `json:"content_index"`
	AnnotationIndex int        `json:"annotation_index"`
	Annotation      Annotation `json:"annotation"`
}

// ContentPartDone carries the final state of a content part.
type ContentPartDone struct {
	updateBase
	ContentIndex int        `json:"content_index"`
	Content      OutputText `json:"content"`
}

// WidgetStreamingTextDelta appends text to a Text/Markdown component.
type WidgetStreamingTextDelta struct {
	updateBase
	ComponentID string `json:"component_id"`
	Delta       string `json:"delta"`
	Done        bool   `json:"done"`
}

// WidgetComponentUpdated replaces one component (raw widget JSON).
type WidgetComponentUpdated struct {
	updateBase
	ComponentID string          `json:"component_id"`
	Component   json.RawMessage `json:"component"`
}

// WidgetRootUpdated replaces the whole widget (raw widget JSON).
type WidgetRootUpdated struct {
	updateBase
	Widget json.RawMessage `json:"widget"`
}

// WorkflowTaskAdded appends a task to a workflow.
type WorkflowTaskAdded struct {
	updateBase
	TaskIndex int  `json:"task_index"`
	Task      Task `json:"task"`
}

// WorkflowTaskUpdated replaces task TaskIndex of a workflow.
type WorkflowTaskUpdated struct {
	updateBase
	TaskIndex int  `json:"task_index"`
	Task      Task `json:"task"`
}

// GeneratedImageUpdated reports generation progress (0..1) of an image.
type GeneratedImageUpdated struct {
	updateBase
	Image    GeneratedImage `json:"image"`
	Progress *float64       `json:"progress,omitempty"`
}

// UpdateType implementations.
func (ContentPartAdded) UpdateType() string           { return UpdateContentPartAdded }
func (ContentPartTextDelta) UpdateType() string       { return UpdateContentPartTextDelta }
func (ContentPartAnnotationAdded) UpdateType() string { return UpdateContentPartAnnotation }
func (ContentPartDone) UpdateType() string            { return UpdateContentPartDone }
func (WidgetStreamingTextDelta) UpdateType() string   { return UpdateWidgetStreamingText }
func (WidgetComponentUpdated) UpdateType() string     { return UpdateWidgetComponentUpdated }
func (WidgetRootUpdated) UpdateType() string          { return UpdateWidgetRootUpdated }
func (WorkflowTaskAdded) UpdateType() string          { return UpdateWorkflowTaskAdded }
func (WorkflowTaskUpdated) UpdateType() string        { return UpdateWorkflowTaskUpdated }
func (GeneratedImageUpdated) UpdateType() string      { return UpdateGeneratedImage }

// MarshalJSON implementations: the type discriminator comes first.
func (u ContentPartAdded) MarshalJSON() ([]byte, error) {
	type plain ContentPartAdded
	return typed(u.UpdateType(), plain(u))
}
func (u ContentPartTextDelta) MarshalJSON() ([]byte, error) {
	type plain ContentPartTextDelta
	return typed(u.UpdateType(), plain(u))
}
func (u ContentPartAnnotationAdded) MarshalJSON() ([]byte, error) {
	type plain ContentPartAnnotationAdded
	return typed(u.UpdateType(), plain(u))
}
func (u ContentPartDone) MarshalJSON() ([]byte, error) {
	type plain ContentPartDone
	return typed(u.UpdateType(), plain(u))
}
func (u WidgetStreamingTextDelta) MarshalJSON() ([]byte, error) {
	type plain WidgetStreamingTextDelta
	return typed(u.UpdateType(), plain(u))
}
func (u WidgetComponentUpdated) MarshalJSON() ([]byte, error) {
	type plain WidgetComponentUpdated
	u.Component = rawOrEmptyObject(u.Component)
	return typed(u.UpdateType(), plain(u))
}
func (u WidgetRootUpdated) MarshalJSON() ([]byte, error) {
	type plain WidgetRootUpdated
	u.Widget = rawOrEmptyObject(u.Widget)
	return typed(u.UpdateType(), plain(u))
}
func (u WorkflowTaskAdded) MarshalJSON() ([]byte, error) {
	type plain WorkflowTaskAdded
	return typed(u.UpdateType(), plain(u))
}
func (u WorkflowTaskUpdated) MarshalJSON() ([]byte, error) {
	type plain WorkflowTaskUpdated
	return typed(u.UpdateType(), plain(u))
}
func (u GeneratedImageUpdated) MarshalJSON() ([]byte, error) {
	type plain GeneratedImageUpdated
	return typed(u.UpdateType(), plain(u))
}

// UnmarshalItemUpdate decodes an item update by its "type".
func UnmarshalItemUpdate(data []byte) (ItemUpdate, error) {
	typ, err := peekType(data)
	if err != nil {
		return nil, fmt.Errorf("decode update: %w", err)
	}
	var u ItemUpdate
	var target any
	switch typ {
	case UpdateContentPartAdded:
		v := &ContentPartAdded{}
		u, target = v, v
	case UpdateContentPartTextDelta:
		v := &ContentPartTextDelta{}
		u, target = v, v
	case UpdateContentPartAnnotation:
		v := &ContentPartAnnotationAdded{}
		u, target = v, v
	case UpdateContentPartDone:
		v := &ContentPartDone{}
		u, target = v, v
	case UpdateWidgetStreamingText:
		v := &WidgetStreamingTextDelta{}
		u, target = v, v
	case UpdateWidgetComponentUpdated:
		v := &WidgetComponentUpdated{}
		u, target = v, v
	case UpdateWidgetRootUpdated:
		v := &WidgetRootUpdated{}
		u, target = v, v
	case UpdateWorkflowTaskAdded:
		v := &WorkflowTaskAdded{}
		u, target = v, v
	case UpdateWorkflowTaskUpdated:
		v := &WorkflowTaskUpdated{}
		u, target = v, v
	case UpdateGeneratedImage:
		v := &GeneratedImageUpdated{}
		u, target = v, v
	default:
		return nil, fmt.Errorf("decode update: unknown type %q", typ)
	}
	if err := json.Unmarshal(data, target); err != nil {
		return nil, fmt.Errorf("decode %s update: %w", typ, err)
	}
	return deref(u), nil
}

// deref turns the decoded pointer into the value form the package emits.
func deref(u ItemUpdate) ItemUpdate {
	switch v := u.(type) {
	case *ContentPartAdded:
		return *v
	case *ContentPartTextDelta:
		return *v
	case *ContentPartAnnotationAdded:
		return *v
	case *ContentPartDone:
		return *v
	case *WidgetStreamingTextDelta:
		return *v
	case *WidgetComponentUpdated:
		return *v
	case *WidgetRootUpdated:
		return *v
	case *WorkflowTaskAdded:
		return *v
	case *WorkflowTaskUpdated:
		return *v
	case *GeneratedImageUpdated:
		return *v
	}
	return u
}
