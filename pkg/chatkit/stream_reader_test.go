package chatkit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
)

// TestReaderCoalescesQueuedEvents: events already queued when the writer
// reads go out in the same Read (one chunk, one write), the first event is
// never held back for later ones, and events larger than the buffer are
// split across Reads without losing or reordering a byte.
func TestReaderCoalescesQueuedEvents(t *testing.T) {
	release := make(chan struct{})
	emitted := make(chan struct{})
	responder := chatkit.ResponderFunc(func(ctx context.Context, _ *chatkit.Turn, sink chatkit.Sink) error {
		msg, err := chatkit.StartAssistantMessage(ctx, sink)
		if err != nil {
			return err
		}
		for _, d := range []string{"one ", "two ", "three ", strings.Repeat("x", 300)} {
			if err := msg.AppendText(ctx, d); err != nil {
				return err
			}
		}
		close(emitted)
		<-release
		_, err = msg.Finish(ctx)
		return err
	})
	srv, err := chatkit.NewServer(chatkit.Options{Store: memstore.New(), Responder: responder,
		Observer: &chatkittest.Observer{}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	body := `{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"hi"}],"attachments":[],"inference_options":{}}}}`
	resp, err := srv.Process(context.Background(), "u1", chatkit.RequestInfo{}, []byte(body))
	require.NoError(t, err)
	sr := resp.Reader(context.Background())
	require.NotNil(t, sr)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer sr.Close()
	defer unblock()

	// Everything queued comes in one Read (thread.created, user message,
	// stream_options, item added, part added, 4 deltas), and that Read
	// returns although the turn is blocked: it never waits for more.
	<-emitted
	big := make([]byte, 64<<10)
	n, err := sr.Read(big)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(big[:n], []byte(`data: {"type":"thread.created"`)), "%s", big[:n])
	require.Equal(t, 9, bytes.Count(big[:n], []byte("data: ")), "one Read for all queued events: %s", big[:n])
	require.True(t, bytes.HasSuffix(big[:n], []byte("\n\n")))
	var got bytes.Buffer
	got.Write(big[:n])

	// A small buffer splits events but keeps every byte in order.
	unblock()
	small := make([]byte, 7)
	for {
		n, err := sr.Read(small)
		got.Write(small[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
	}
	events := strings.Split(strings.TrimSuffix(got.String(), "\n\n"), "\n\n")
	var types []string
	for _, e := range events {
		require.True(t, strings.HasPrefix(e, "data: {"), "%q", e)
		ev, err := chatkit.UnmarshalEvent([]byte(strings.TrimPrefix(e, "data: ")))
		require.NoError(t, err, "%q", e)
		types = append(types, ev.EventType())
	}
	require.Equal(t, []string{"thread.created", "thread.item.done", "stream_options", "thread.item.added",
		"thread.item.updated", "thread.item.updated", "thread.item.updated", "thread.item.updated", "thread.item.updated",
		"thread.item.updated", "thread.item.done", "thread.updated"}, types)
}
