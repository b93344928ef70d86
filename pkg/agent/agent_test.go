package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func TestChunkWords(t *testing.T) {
	for _, s := range []string{"", "one", "Added task 4 “Buy milk” — due tomorrow at 5:00 PM.", "a  b\nc d e f g h i"} {
		chunks := agent.ChunkWords(s, 3)
		assert.Equal(t, s, strings.Join(chunks, ""), "chunks concatenate back")
		for _, c := range chunks {
			assert.LessOrEqual(t, len(strings.Fields(c)), 3)
		}
	}
	assert.Len(t, agent.ChunkWords("a b c d e f g", 3), 3)
}

func TestStreamMessage(t *testing.T) {
	sink := chatkittest.NewSink(context.Background(), chatkit.ThreadMetadata{ID: "thr_1"})
	item, err := agent.StreamMessage(context.Background(), sink, "Here are your 3 pending tasks:")
	require.NoError(t, err)
	assert.Equal(t, "Here are your 3 pending tasks:", item.Text())
	var kinds []string
	for _, ev := range sink.Events() {
		k := ev.EventType()
		if u, ok := ev.(chatkit.ThreadItemUpdatedEvent); ok {
			k = u.Update.UpdateType()
		}
		kinds = append(kinds, k)
	}
	assert.Equal(t, []string{"thread.item.added", "assistant_message.content_part.added",
		"assistant_message.content_part.text_delta", "assistant_message.content_part.text_delta",
		"assistant_message.content_part.done", "thread.item.done"}, kinds)
}

func TestMetricsShareRegistration(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, err := agent.NewMetrics(reg)
	require.NoError(t, err)
	b, err := agent.NewMetrics(reg)
	require.NoError(t, err, "a second agent on the same registry reuses the metrics")
	start := time.Now()
	a.Observe(agent.NameOffline, start, nil)
	b.Observe(agent.NameOffline, start, fmt.Errorf("emit: %w", chatkit.ErrCancelled))
	b.Observe(agent.NameOffline, start, errors.New("boom"))
	assert.Equal(t, 1.0, testutil.ToFloat64(a.Turns.WithLabelValues("offline", "ok")))
	assert.Equal(t, 1.0, testutil.ToFloat64(a.Turns.WithLabelValues("offline", "cancelled")))
	assert.Equal(t, 1.0, testutil.ToFloat64(a.Turns.WithLabelValues("offline", "internal_error")))
	assert.Equal(t, 1, testutil.CollectAndCount(a.TurnDuration))

	var none *agent.Metrics
	none.Observe(agent.NameOffline, start, nil) // a nil Metrics records nothing
}

func TestChangesSkipUndone(t *testing.T) {
	task := func(id int64) *tasks.Task { return &tasks.Task{ID: id, Title: "t"} }
	hidden := func(v any) chatkit.Item {
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		return &chatkit.HiddenContextItem{Content: raw}
	}
	items := []chatkit.Item{
		hidden(agent.Change{Type: agent.RecordChange, ID: "c1", Tool: tasks.ToolAddTask, After: task(1)}),
		&chatkit.AssistantMessageItem{},
		hidden(agent.Change{Type: agent.RecordChange, ID: "c2", Tool: tasks.ToolDeleteTask, Before: task(2)}),
		hidden(agent.Undo{Type: agent.RecordUndo, Change: "c2"}),
		hidden(map[string]any{"type": "something.else"}),
	}
	got := agent.Changes(items)
	require.Len(t, got, 1)
	assert.Equal(t, "c1", got[0].ID)
	assert.Equal(t, int64(1), got[0].TaskID())

	// A type spelled with escapes is still a record.
	escaped := []chatkit.Item{
		&chatkit.HiddenContextItem{Content: []byte(`{"type":"taskpilot\u002echange","id":"c3","tool":"add_task","before":null,"after":{"id":3,"title":"t"}}`)},
		&chatkit.HiddenContextItem{Content: []byte(`{"type":"\u0074askpilot.undo","change":"c1"}`)},
	}
	got = agent.Changes(append(items, escaped...))
	require.Len(t, got, 1)
	assert.Equal(t, "c3", got[0].ID)

	_, ok := agent.ChangeOf(tasks.Result{Tool: tasks.ToolCompleteTask, OK: true, Changed: false, Task: task(3)})
	assert.False(t, ok, "no record when nothing changed")
	c, ok := agent.ChangeOf(tasks.Result{Tool: tasks.ToolUpdateTask, OK: true, Changed: true, Task: task(3), Before: task(3)})
	require.True(t, ok)
	assert.Equal(t, agent.RecordChange, c.Type)
}

// FuzzChangeJSON: a change record is stored exactly as encoding/json writes
// the struct, and reads back.
func FuzzChangeJSON(f *testing.F) {
	f.Add("taskpilot.change", "msg_01HX", "update_task", "Call <mom> & \"dad\"", "\u2028\xff", int64(3), true, true)
	f.Add("taskpilot.change", "id with space", "add_task", "x", "", int64(1), false, true)
	f.Add("", "", "", "", "", int64(0), false, false)
	f.Fuzz(func(t *testing.T, typ, id, tool, title, desc string, taskID int64, before, after bool) {
		at := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
		task := &tasks.Task{ID: taskID, Title: title, Description: desc, Status: tasks.StatusPending,
			Priority: tasks.PriorityHigh, Tags: []string{desc}, DueAt: &at, CreatedAt: at, UpdatedAt: at}
		c := agent.Change{Type: typ, ID: id, Tool: tool}
		if before {
			c.Before = task
		}
		if after {
			c.After = task
		}
		type reference struct {
			Type   string         `json:"type"`
			ID     string         `json:"id"`
			Tool   string         `json:"tool"`
			Before *tasks.Task    `json:"before"`
			After  *tasks.Task    `json:"after"`
			Batch  []agent.Change `json:"batch,omitempty"`
		}
		want, err := json.Marshal(reference(c))
		require.NoError(t, err)
		got, err := c.MarshalJSON()
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		got, err = json.Marshal(c)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		var back agent.Change
		require.NoError(t, json.Unmarshal(got, &back))
	})
}

// TestBatchChange: a change of several tasks is one record; Changes reads
// it back whole, and an undo record of its id undoes all of it.
func TestBatchChange(t *testing.T) {
	task := func(id int64) *tasks.Task { return &tasks.Task{ID: id, Title: "t", Status: tasks.StatusPending} }
	c := agent.Change{Type: agent.RecordChange, ID: "c1", Tool: agent.ToolBatch, Batch: []agent.Change{
		{Type: agent.RecordChange, Tool: tasks.ToolDeleteTask, Before: task(2)},
		{Type: agent.RecordChange, Tool: tasks.ToolDeleteTask, Before: task(3)},
	}}
	raw, err := c.MarshalJSON()
	require.NoError(t, err)
	items := []chatkit.Item{&chatkit.HiddenContextItem{Content: raw}}
	got := agent.Changes(items)
	require.Len(t, got, 1)
	require.Len(t, got[0].Batch, 2)
	assert.Equal(t, int64(3), got[0].TaskID(), "the last task of the batch")
	assert.Equal(t, int64(2), got[0].Batch[0].Before.ID)

	undo, err := json.Marshal(agent.Undo{Type: agent.RecordUndo, Change: "c1"})
	require.NoError(t, err)
	assert.Empty(t, agent.Changes(append(items, &chatkit.HiddenContextItem{Content: undo})))
}
