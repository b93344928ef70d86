// Package agent holds what the task assistants share: turn metrics, the
// streamed reply helper, the tasks_changed client effect and the thread
// memory of task changes (for undo).
//
// The assistants themselves live in subpackages: offline (rule-based,
// the default without an API key) and openaiagent (the LLM agent). Task-list
// widgets and widget actions are in widgets.
package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
	"github.com/taskpilotai/taskpilot/pkg/telemetry"
)

// Agent names (the agent label of the turn metrics).
const (
	NameOffline = "offline"
	NameOpenAI  = "openai"
	NameWidgets = "widgets" // widget actions (button presses)
)

// Turn outcomes besides "ok" (the outcome label of taskpilot_agent_turns_total).
const (
	OutcomeOK        = "ok"
	OutcomeCancelled = "cancelled"
	OutcomeInternal  = "internal_error"
)

// Metric help texts: every package registering these metrics on a registry
// uses the same name, help and labels, so the first registration is shared.
const (
	helpTurns        = "Assistant turns by agent and outcome (ok or an error code)."
	helpTurnDuration = "Duration of assistant turns by agent, in seconds."
)

// Metrics are the turn metrics of an assistant:
// taskpilot_agent_turns_total{agent,outcome} and
// taskpilot_agent_turn_duration_seconds{agent}.
type Metrics struct {
	Turns        *prometheus.CounterVec
	TurnDuration *prometheus.HistogramVec
}

// NewMetrics builds the turn metrics and registers them on reg (nil: kept
// but not exported). A metric already registered on reg by another agent is
// reused.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpilot_agent_turns_total", Help: helpTurns,
		}, []string{"agent", "outcome"}),
		TurnDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "taskpilot_agent_turn_duration_seconds", Help: helpTurnDuration,
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80},
		}, []string{"agent"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.Turns, err = telemetry.Register(reg, m.Turns); err != nil {
		return nil, fmt.Errorf("register agent metric: %w", err)
	}
	if m.TurnDuration, err = telemetry.Register(reg, m.TurnDuration); err != nil {
		return nil, fmt.Errorf("register agent metric: %w", err)
	}
	return m, nil
}

// Observe records one turn of agent that started at start and ended with err.
func (m *Metrics) Observe(agentName string, start time.Time, err error) {
	if m == nil {
		return
	}
	m.Turns.WithLabelValues(agentName, Outcome(err)).Inc()
	m.TurnDuration.WithLabelValues(agentName).Observe(time.Since(start).Seconds())
}

// Outcome maps a turn's error to the outcome label.
func Outcome(err error) string {
	var se *chatkit.StreamError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, chatkit.ErrCancelled), errors.Is(err, context.Canceled):
		return OutcomeCancelled
	case errors.As(err, &se) && se.Code != "":
		return strings.ReplaceAll(se.Code, ".", "_")
	}
	return OutcomeInternal
}

// StreamMessage sends text as a streamed assistant message: item added, a
// text delta per few words, content part done, item done.
func StreamMessage(ctx context.Context, sink chatkit.Sink, text string) (*chatkit.AssistantMessageItem, error) {
	msg, err := chatkit.StartAssistantMessage(ctx, sink)
	if err != nil {
		return nil, err
	}
	for chunk := range chunks(text, 4) {
		if err := msg.AppendText(ctx, chunk); err != nil {
			return nil, err
		}
	}
	return msg.Finish(ctx)
}

// ChunkWords splits s into pieces of n words each; the pieces concatenate
// back to s exactly.
func ChunkWords(s string, n int) []string {
	return slices.Collect(chunks(s, n))
}

// chunks yields the pieces of ChunkWords.
func chunks(s string, n int) iter.Seq[string] {
	return func(yield func(string) bool) {
		if n < 1 {
			n = 1
		}
		start, words := 0, 0
		for i := 1; i < len(s); i++ {
			if (s[i] == ' ' || s[i] == '\n') && s[i-1] != ' ' && s[i-1] != '\n' {
				words++
				if words == n {
					if !yield(s[start:i]) {
						return
					}
					start, words = i, 0
				}
			}
		}
		if start < len(s) {
			yield(s[start:])
		}
	}
}

// EffectTasksChanged is the client effect sent after any task change so
// the page refreshes its task pane.
const EffectTasksChanged = "tasks_changed"

// SendTasksChanged emits client_effect {name: "tasks_changed", data:
// {"action": action, "task_ids": ids}}. action is the tool or widget action
// that changed them (add_task, complete_task, update_task, delete_task,
// undo).
func SendTasksChanged(ctx context.Context, sink chatkit.Sink, action string, ids ...int64) error {
	if ids == nil {
		ids = []int64{}
	}
	return chatkit.SendClientEffect(ctx, sink, EffectTasksChanged, map[string]any{
		"action": action, "task_ids": ids,
	})
}

// Hidden context record types.
const (
	RecordChange = "taskpilot.change"
	RecordUndo   = "taskpilot.undo"
)

// Change is a task change kept in the thread as a hidden context item, so
// that "undo" can reverse the last change made in the thread. Before is nil
// for an add, After nil for a delete.
//
// A change of several tasks in one request ("mark the last three as
// done", "add apples, pears and a melon") is one record whose Tool is
// ToolBatch and whose Batch holds a change per task, in the order made:
// one undo reverses them all.
type Change struct {
	Type   string      `json:"type"` // RecordChange
	ID     string      `json:"id"`
	Tool   string      `json:"tool"`
	Before *tasks.Task `json:"before"`
	After  *tasks.Task `json:"after"`
	Batch  []Change    `json:"batch,omitempty"`
}

// ToolBatch is the Tool of a change record covering several changes.
const ToolBatch = "batch"

// TaskID is the id of the changed task (of a batch, the last one's).
func (c Change) TaskID() int64 {
	if n := len(c.Batch); n > 0 {
		return c.Batch[n-1].TaskID()
	}
	if c.After != nil {
		return c.After.ID
	}
	if c.Before != nil {
		return c.Before.ID
	}
	return 0
}

// Undo marks a change as reversed.
type Undo struct {
	Type   string `json:"type"` // RecordUndo
	Change string `json:"change"`
}

// RecordChangeOf stores a hidden change record for a successful tool result
// that changed a task; it does nothing for other results.
func RecordChangeOf(ctx context.Context, sink chatkit.Sink, res tasks.Result) error {
	c, ok := ChangeOf(res)
	if !ok {
		return nil
	}
	c.ID = sink.NewItemID(chatkit.IDMessage)
	// What chatkit.SendHiddenContext(c) stores, without encoding/json
	// scanning MarshalJSON's output once more.
	raw, err := c.MarshalJSON()
	if err != nil {
		return fmt.Errorf("hidden context: %w", err)
	}
	return chatkit.SendItem(ctx, sink, &chatkit.HiddenContextItem{Content: raw})
}

// RecordChangesOf stores one hidden change record for the successful
// results that changed a task: a plain record for one, a batch for
// several (one undo reverses them all); nothing for none.
func RecordChangesOf(ctx context.Context, sink chatkit.Sink, results []tasks.Result) error {
	var batch []Change
	for _, res := range results {
		if c, ok := ChangeOf(res); ok {
			batch = append(batch, c)
		}
	}
	var c Change
	switch len(batch) {
	case 0:
		return nil
	case 1:
		c = batch[0]
	default:
		c = Change{Type: RecordChange, Tool: ToolBatch, Batch: batch}
	}
	c.ID = sink.NewItemID(chatkit.IDMessage)
	raw, err := c.MarshalJSON()
	if err != nil {
		return fmt.Errorf("hidden context: %w", err)
	}
	return chatkit.SendItem(ctx, sink, &chatkit.HiddenContextItem{Content: raw})
}

// MarshalJSON writes c as encoding/json writes the struct, directly when
// its strings need no escaping (ids, tool names and the record type do
// not), through encoding/json otherwise.
func (c Change) MarshalJSON() ([]byte, error) {
	if !plainJSON(c.Type) || !plainJSON(c.ID) || !plainJSON(c.Tool) || len(c.Batch) > 0 {
		type plain Change // no MarshalJSON: encoding/json's struct encoding
		return json.Marshal(plain(c))
	}
	n := 64 + len(c.Type) + len(c.ID) + len(c.Tool)
	for _, t := range []*tasks.Task{c.Before, c.After} {
		if t != nil {
			n += 256 + len(t.Title) + len(t.Description)
		}
	}
	dst := make([]byte, 0, n)
	dst = append(dst, `{"type":"`...)
	dst = append(dst, c.Type...)
	dst = append(dst, `","id":"`...)
	dst = append(dst, c.ID...)
	dst = append(dst, `","tool":"`...)
	dst = append(dst, c.Tool...)
	dst = append(dst, `","before":`...)
	dst = appendTask(dst, c.Before)
	dst = append(dst, `,"after":`...)
	dst = appendTask(dst, c.After)
	return append(dst, '}'), nil
}

func appendTask(dst []byte, t *tasks.Task) []byte {
	if t == nil {
		return append(dst, "null"...)
	}
	return t.AppendJSON(dst)
}

// plainJSON reports whether s is written as itself inside JSON quotes
// (letters, digits and _ . : -).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// ChangeOf turns a tool result into a change record (ID unset).
func ChangeOf(res tasks.Result) (Change, bool) {
	if !res.OK || !res.Changed || res.Task == nil {
		return Change{}, false
	}
	c := Change{Type: RecordChange, Tool: res.Tool}
	switch res.Tool {
	case tasks.ToolAddTask:
		c.After = res.Task
	case tasks.ToolDeleteTask:
		c.Before = res.Before
	case tasks.ToolCompleteTask, tasks.ToolUpdateTask:
		c.Before, c.After = res.Before, res.Task
	default:
		return Change{}, false
	}
	return c, true
}

// mayBeRecord reports whether content can be a change or undo record:
// false when its type cannot be either (other hidden context, e.g. the
// LLM agent's tool records, is not decoded). With a backslash the type
// could be spelled with escapes, so the content is decoded.
func mayBeRecord(content []byte) bool {
	return bytes.Contains(content, []byte(RecordChange)) || bytes.Contains(content, []byte(RecordUndo)) ||
		bytes.IndexByte(content, '\\') >= 0
}

// Changes reads the change records of a thread's items (oldest first) and
// returns those not undone yet, oldest first.
func Changes(items []chatkit.Item) []Change {
	var out []Change
	undone := map[string]bool{}
	for _, it := range items {
		h, ok := it.(*chatkit.HiddenContextItem)
		if !ok || !mayBeRecord(h.Content) {
			continue
		}
		var probe struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(h.Content, &probe) != nil {
			continue
		}
		switch probe.Type {
		case RecordChange:
			var c Change
			if json.Unmarshal(h.Content, &c) == nil && c.ID != "" {
				out = append(out, c)
			}
		case RecordUndo:
			var u Undo
			if json.Unmarshal(h.Content, &u) == nil {
				undone[u.Change] = true
			}
		}
	}
	kept := out[:0]
	for _, c := range out {
		if !undone[c.ID] {
			kept = append(kept, c)
		}
	}
	return kept
}
