package chatstore_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// items.list serves the stored encodings (ListItemsJSON); they must be the
// bytes the decode-and-encode path (ListItems) gives, page by page.
func TestListItemsJSONEqualsListItemsEncoded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		store := chatstore.New(db)
		ctx := t.Context()
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600))
		require.NoError(t, store.SaveThread(ctx, "u1", chatkit.ThreadMetadata{ID: "thr_1", CreatedAt: start}))
		base := func(id string, i int) chatkit.ItemBase {
			return chatkit.ItemBase{ID: id, ThreadID: "thr_1", CreatedAt: start.Add(time.Duration(i) * time.Second)}
		}
		items := []chatkit.Item{
			&chatkit.UserMessageItem{ItemBase: base("m1", 1), Content: []chatkit.UserContent{chatkit.TextContent("<b>bold</b> & \u2028 \"q\" ✓")}},
			&chatkit.AssistantMessageItem{ItemBase: base("m2", 2), Content: []chatkit.OutputText{{Text: "Added task 1: <script>", Annotations: []chatkit.Annotation{}}}},
			&chatkit.SDKHiddenContextItem{ItemBase: base("m3", 3), Content: "hidden"},
			&chatkit.WidgetItem{ItemBase: base("m4", 4), Widget: json.RawMessage(`{"type":"Card","children":[{"type":"Text","value":"a<b"}]}`)},
			&chatkit.AssistantMessageItem{ItemBase: base("m5", 5)},
			&chatkit.EndOfTurnItem{ItemBase: base("m6", 6)},
		}
		for _, it := range items {
			require.NoError(t, store.AddItem(ctx, "u1", "thr_1", it))
		}
		for _, opts := range []chatkit.ListOptions{
			{Limit: 2, Order: chatkit.OrderAsc},
			{Limit: 2, Order: chatkit.OrderDesc},
			{Limit: 50, Order: chatkit.OrderAsc, IncludeHidden: true},
			{Limit: 3, Order: chatkit.OrderAsc, After: "m2"},
		} {
			for {
				typed, err := store.ListItems(ctx, "u1", "thr_1", opts)
				require.NoError(t, err)
				raw, err := store.ListItemsJSON(ctx, "u1", "thr_1", opts)
				require.NoError(t, err)
				want, err := chatkit.Marshal(typed)
				require.NoError(t, err)
				got, err := raw.MarshalJSON()
				require.NoError(t, err)
				assert.Equal(t, string(want), string(got), "opts %+v", opts)
				if !typed.HasMore {
					break
				}
				opts.After = typed.After
			}
		}
		_, err := store.ListItemsJSON(ctx, "u2", "thr_1", chatkit.ListOptions{Limit: 5})
		assert.ErrorIs(t, err, chatkit.ErrNotFound, "another user's thread")
	})
}
