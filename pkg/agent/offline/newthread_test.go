package offline_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/memstore"
)

// countingStore counts history reads.
type countingStore struct {
	*memstore.Store
	lists atomic.Int32
}

func (s *countingStore) ListItems(ctx context.Context, user, thread string, opts chatkit.ListOptions) (chatkit.Page[chatkit.Item], error) {
	s.lists.Add(1)
	return s.Store.ListItems(ctx, user, thread, opts)
}

// TestNewThreadReadsNoHistory: the first turn of a thread (threads.create)
// answers from the message alone, without reading the thread back, and
// gives the same answers as a turn that reads it.
func TestNewThreadReadsNoHistory(t *testing.T) {
	for _, text := range []string{"add a task to buy milk tomorrow", "mark the first one as done", "undo", "complete it"} {
		t.Run(text, func(t *testing.T) {
			var replies []string
			for _, req := range []chatkit.RequestType{chatkit.ReqThreadsCreate, chatkit.ReqThreadsAddUserMessage} {
				h := newHarness(t, nyc)
				h.seed()
				store := &countingStore{Store: h.store}
				ctx := context.Background()
				in := &chatkit.UserMessageItem{
					ItemBase: chatkit.ItemBase{ID: chatkit.NewID(chatkit.IDMessage), ThreadID: h.thread.ID, CreatedAt: h.clock.Now()},
					Content:  []chatkit.UserContent{chatkit.TextContent(text)}, Attachments: []chatkit.Attachment{},
				}
				require.NoError(t, h.store.AddItem(ctx, testUser, h.thread.ID, in))
				sink := chatkittest.NewSink(ctx, h.thread)
				turn := &chatkit.Turn{UserID: testUser, Request: req, Thread: h.thread, Input: in,
					Info: chatkit.RequestInfo{TimeZone: nyc.String(), Location: nyc, Metadata: map[string]any{}}, Store: store}
				require.NoError(t, h.agent.Respond(ctx, turn, sink))
				if req == chatkit.ReqThreadsCreate {
					assert.Zero(t, store.lists.Load(), "history reads on threads.create")
				} else {
					assert.NotZero(t, store.lists.Load(), "history reads on add_user_message")
				}
				replies = append(replies, sink.Text())
			}
			assert.Equal(t, replies[0], replies[1])
		})
	}
}
