package chatstore_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/storetest"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

func TestChatStoreContractSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chatkit.Store {
		return chatstore.New(storagetest.SQLite(t))
	})
}

func TestChatStoreContractPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chatkit.Store {
		return chatstore.New(storagetest.Postgres(t))
	})
}

func TestChatStoreReportsOperationMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	rec := tracetest.NewSpanRecorder()
	db := storagetest.SQLite(t, storage.WithRegisterer(reg), storage.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))))
	s := chatstore.New(db)
	ctx := t.Context()
	require.NoError(t, s.SaveThread(ctx, "alice", chatkit.ThreadMetadata{ID: "thr_1", CreatedAt: t0}))
	require.NoError(t, s.AddItem(ctx, "alice", "thr_1", &chatkit.EndOfTurnItem{ItemBase: chatkit.ItemBase{ID: "msg_1", ThreadID: "thr_1", CreatedAt: t0}}))
	_, err := s.ListItems(ctx, "alice", "thr_1", chatkit.ListOptions{})
	require.NoError(t, err)
	_, err = s.LoadThread(ctx, "alice", "thr_missing")
	require.ErrorIs(t, err, chatkit.ErrNotFound)

	want := map[string]uint64{"save_thread": 1, "add_item": 1, "list_items": 1, "load_thread": 1}
	got := map[string]uint64{}
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != storage.OperationDurationName {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["store"] == "chat" {
				got[labels["operation"]] = m.GetHistogram().GetSampleCount()
			}
		}
	}
	assert.Equal(t, want, got)

	spans := map[string]sdktrace.ReadOnlySpan{}
	for _, sp := range rec.Ended() {
		spans[sp.Name()] = sp
	}
	require.Contains(t, spans, "chat.list_items")
	require.Contains(t, spans, "chat.load_thread")
	assert.Equal(t, codes.Unset, spans["chat.load_thread"].Status().Code, "not found is no span error")
}
