package chatstore_test

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

var bench100k = flag.Bool("storage.bench100k", false, "also benchmark items.list on a 100k-item thread")

// backends opens a fresh store per dialect for a benchmark.
var backends = []struct {
	name string
	open func(testing.TB, ...storage.Option) *storage.DB
}{
	{"sqlite", storagetest.SQLite},
	{"postgres", storagetest.Postgres},
}

func benchItem(threadID string, i int) chatkit.Item {
	at := t0.Add(time.Duration(i) * time.Millisecond)
	if i%20 == 19 {
		return &chatkit.SDKHiddenContextItem{ItemBase: chatkit.ItemBase{ID: fmt.Sprintf("shcx_%07d", i), ThreadID: threadID, CreatedAt: at}, Content: chatkit.CancelledContent}
	}
	if i%2 == 0 {
		return &chatkit.UserMessageItem{ItemBase: chatkit.ItemBase{ID: fmt.Sprintf("msg_%07d", i), ThreadID: threadID, CreatedAt: at},
			Content: []chatkit.UserContent{chatkit.TextContent("Remind me to call mom tomorrow at 5pm, and add milk to the list")}}
	}
	return &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: fmt.Sprintf("msg_%07d", i), ThreadID: threadID, CreatedAt: at},
		Content: []chatkit.OutputText{{Text: "Done! I added **Call mom** due tomorrow at 17:00 and **Buy milk**. You have 4 pending tasks."}}}
}

// seedThread bulk-inserts n items into a new thread (one transaction; the
// rows are exactly what AddItem writes).
func seedThread(b *testing.B, db *storage.DB, s *chatstore.Store, threadID string, n int) {
	b.Helper()
	ctx := b.Context()
	if err := s.SaveThread(ctx, "alice", chatkit.ThreadMetadata{ID: threadID, CreatedAt: t0}); err != nil {
		b.Fatal(err)
	}
	err := db.WithTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, db.Rebind(`INSERT INTO chat_items (user_id, id, thread_id, type, hidden, created_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer func() { _ = stmt.Close() }()
		for i := range n {
			it := benchItem(threadID, i)
			payload, err := json.Marshal(it)
			if err != nil {
				return err
			}
			h := it.Header()
			if _, err := stmt.ExecContext(ctx, "alice", h.ID, threadID, it.ItemType(), chatkit.IsHidden(it), h.CreatedAt.UnixMicro(), string(payload)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if db.Dialect == storage.Postgres {
		if _, err := db.SQL.ExecContext(ctx, "ANALYZE chat_items"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddItem(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			s := chatstore.New(db)
			seedThread(b, db, s, "thr_bench", 1000)
			i := 1000
			for b.Loop() {
				if err := s.AddItem(b.Context(), "alice", "thr_bench", benchItem("thr_bench", i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkListItems(b *testing.B) {
	sizes := []int{10_000}
	if *bench100k {
		sizes = append(sizes, 100_000)
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db := be.open(b)
			s := chatstore.New(db)
			// Another thread of the same user, so the index must do its job.
			seedThread(b, db, s, "thr_noise", 2000)
			for _, n := range sizes {
				threadID := fmt.Sprintf("thr_%d", n)
				seedThread(b, db, s, threadID, n)
				middle := fmt.Sprintf("msg_%07d", n/2)
				for _, limit := range []int{20, 50} {
					cases := []struct {
						name string
						opts chatkit.ListOptions
					}{
						{"newest", chatkit.ListOptions{Limit: limit}},
						{"oldest", chatkit.ListOptions{Limit: limit, Order: chatkit.OrderAsc}},
						{"middle-desc", chatkit.ListOptions{Limit: limit, After: middle}},
						{"middle-asc", chatkit.ListOptions{Limit: limit, Order: chatkit.OrderAsc, After: middle}},
					}
					for _, tc := range cases {
						b.Run(fmt.Sprintf("items=%d/limit=%d/%s", n, limit, tc.name), func(b *testing.B) {
							for b.Loop() {
								page, err := s.ListItems(b.Context(), "alice", threadID, tc.opts)
								if err != nil {
									b.Fatal(err)
								}
								if len(page.Data) != limit || !page.HasMore {
									b.Fatalf("got %d items, has_more %v", len(page.Data), page.HasMore)
								}
							}
						})
					}
				}
			}
		})
	}
}
