package chatkit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// AssistantMessage streams one assistant message with a single output_text
// part: StartAssistantMessage emits thread.item.added and
// content_part.added, AppendText emits text_delta, Finish emits
// content_part.done and thread.item.done (which persists it). If the turn is
// cancelled before Finish, the Server saves the text so far.
type AssistantMessage struct {
	sink Sink
	mu   sync.Mutex
	item AssistantMessageItem
	text strings.Builder
	anns []Annotation
	done bool
}

// StartAssistantMessage begins a streamed assistant message.
func StartAssistantMessage(ctx context.Context, sink Sink) (*AssistantMessage, error) {
	m := &AssistantMessage{sink: sink}
	m.item = AssistantMessageItem{ItemBase: ItemBase{
		ID: sink.NewItemID(IDMessage), ThreadID: sink.Thread().ID, CreatedAt: sink.Now()}}
	added := m.item
	added.Content = []OutputText{}
	if err := sink.Emit(ctx, ThreadItemAddedEvent{Item: &added}); err != nil {
		return nil, err
	}
	if err := sink.Emit(ctx, ThreadItemUpdatedEvent{ItemID: m.item.ID,
		Update: ContentPartAdded{ContentIndex: 0, Content: OutputText{Annotations: []Annotation{}}}}); err != nil {
		return nil, err
	}
	return m, nil
}

// ID is the message's item id.
func (m *AssistantMessage) ID() string { return m.item.ID }

// AppendText streams delta (empty deltas are skipped).
func (m *AssistantMessage) AppendText(ctx context.Context, delta string) error {
	if delta == "" {
		return nil
	}
	m.mu.Lock()
	if m.done {
		m.mu.Unlock()
		return fmt.Errorf("chatkit: assistant message %s already finished", m.item.ID)
	}
	m.text.WriteString(delta)
	m.mu.Unlock()
	return m.sink.Emit(ctx, ThreadItemUpdatedEvent{ItemID: m.item.ID,
		Update: ContentPartTextDelta{ContentIndex: 0, Delta: delta}})
}

// AddAnnotation streams a citation for the text.
func (m *AssistantMessage) AddAnnotation(ctx context.Context, a Annotation) error {
	m.mu.Lock()
	idx := len(m.anns)
	m.anns = append(m.anns, a)
	m.mu.Unlock()
	return m.sink.Emit(ctx, ThreadItemUpdatedEvent{ItemID: m.item.ID,
		Update: ContentPartAnnotationAdded{ContentIndex: 0, AnnotationIndex: idx, Annotation: a}})
}

// Text returns the text streamed so far.
func (m *AssistantMessage) Text() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.text.String()
}

// Finish completes the message and returns the final item.
func (m *AssistantMessage) Finish(ctx context.Context) (*AssistantMessageItem, error) {
	m.mu.Lock()
	if m.done {
		m.mu.Unlock()
		return nil, fmt.Errorf("chatkit: assistant message %s already finished", m.item.ID)
	}
	m.done = true
	text := m.text.String()
	anns := append([]Annotation{}, m.anns...)
	m.mu.Unlock()
	if err := m.sink.Emit(ctx, ThreadItemUpdatedEvent{ItemID: m.item.ID,
		Update: ContentPartDone{ContentIndex: 0, Content: OutputText{Annotations: []Annotation{}, Text: text}}}); err != nil {
		return nil, err
	}
	final := m.item
	final.Content = []OutputText{{Annotations: anns, Text: text}}
	if err := m.sink.Emit(ctx, ThreadItemDoneEvent{Item: &final}); err != nil {
		return nil, err
	}
	return &final, nil
}

// SendAssistantMessage sends a complete assistant message as a single
// thread.item.done (no streaming).
func SendAssistantMessage(ctx context.Context, sink Sink, text string) (*AssistantMessageItem, error) {
	it := &AssistantMessageItem{
		ItemBase: ItemBase{ID: sink.NewItemID(IDMessage), ThreadID: sink.Thread().ID, CreatedAt: sink.Now()},
		Content:  []OutputText{{Annotations: []Annotation{}, Text: text}},
	}
	if err := sink.Emit(ctx, ThreadItemDoneEvent{Item: it}); err != nil {
		return nil, err
	}
	return it, nil
}

// SendItem completes item with a thread.item.done, filling an empty id
// (message kind), thread id and created_at first.
func SendItem(ctx context.Context, sink Sink, item Item) error {
	fillHeader(sink, item, IDMessage)
	return sink.Emit(ctx, ThreadItemDoneEvent{Item: item})
}

func fillHeader(sink Sink, item Item, kind IDKind) {
	h := item.Header()
	if h.ID == "" {
		h.ID = sink.NewItemID(kind)
	}
	if h.ThreadID == "" {
		h.ThreadID = sink.Thread().ID
	}
	if h.CreatedAt.IsZero() {
		h.CreatedAt = sink.Now()
	}
}

// SendWidget shows a static widget (widget is the root's JSON, e.g. a Card).
func SendWidget(ctx context.Context, sink Sink, widget json.RawMessage, copyText string) (*WidgetItem, error) {
	it := &WidgetItem{Widget: widget, CopyText: copyText}
	if err := SendItem(ctx, sink, it); err != nil {
		return nil, err
	}
	return it, nil
}

// ReplaceWidget replaces a widget item's tree in place
// (thread.item.replaced, persisted) and updates item.
func ReplaceWidget(ctx context.Context, sink Sink, item *WidgetItem, widget json.RawMessage) error {
	next := *item
	next.Widget = widget
	if err := sink.Emit(ctx, ThreadItemReplacedEvent{Item: &next}); err != nil {
		return err
	}
	*item = next
	return nil
}

// SendHiddenContext stores context for the model that the user never sees
// (a hidden_context_item; content is any JSON-marshalable value).
func SendHiddenContext(ctx context.Context, sink Sink, content any) error {
	raw, err := json.Marshal(content)
	if err != nil {
		return fmt.Errorf("hidden context: %w", err)
	}
	return SendItem(ctx, sink, &HiddenContextItem{Content: raw})
}

// SendProgress shows a transient status line (icon may be "").
func SendProgress(ctx context.Context, sink Sink, icon, text string) error {
	return sink.Emit(ctx, ProgressUpdateEvent{Icon: icon, Text: text})
}

// SendClientEffect fires the page's onEffect({name, data}).
func SendClientEffect(ctx context.Context, sink Sink, name string, data map[string]any) error {
	return sink.Emit(ctx, ClientEffectEvent{Name: name, Data: data})
}

// SendNotice shows a banner (level NoticeInfo/NoticeWarning/NoticeDanger;
// message is Markdown; title may be "").
func SendNotice(ctx context.Context, sink Sink, level, message, title string) error {
	return sink.Emit(ctx, NoticeEvent{Level: level, Message: message, Title: title})
}

// SetTitle sets the thread title (emitted as thread.updated).
func SetTitle(sink Sink, title string) {
	sink.UpdateThread(func(t *ThreadMetadata) { t.Title = title })
}
