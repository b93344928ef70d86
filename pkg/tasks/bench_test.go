package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

func benchService(b *testing.B, db *storage.DB) *tasks.Service {
	b.Helper()
	return tasks.NewService(tasks.NewSQLStore(db), nil)
}

func seed(b *testing.B, svc *tasks.Service, user string, n int) {
	b.Helper()
	ctx := context.Background()
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		in := tasks.NewTask{Title: fmt.Sprintf("Task number %d", i), Tags: []string{"work"},
			Priority: tasks.Priorities[i%len(tasks.Priorities)]}
		if i%3 != 0 {
			due := base.Add(time.Duration(i) * time.Hour)
			in.DueAt = &due
		}
		if _, err := svc.Add(ctx, user, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	for name, open := range map[string]func(testing.TB, ...storage.Option) *storage.DB{
		"sqlite": storagetest.SQLite, "postgres": storagetest.Postgres,
	} {
		b.Run(name, func(b *testing.B) {
			svc := benchService(b, open(b))
			ctx := context.Background()
			due := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Add(ctx, "bench", tasks.NewTask{Title: "Buy milk", DueAt: &due,
					Priority: tasks.PriorityHigh, Tags: []string{"shopping"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkList50(b *testing.B) {
	for name, open := range map[string]func(testing.TB, ...storage.Option) *storage.DB{
		"sqlite": storagetest.SQLite, "postgres": storagetest.Postgres,
	} {
		b.Run(name, func(b *testing.B) {
			svc := benchService(b, open(b))
			seed(b, svc, "bench", 50)
			seed(b, svc, "someone-else", 50)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				list, err := svc.List(ctx, "bench", tasks.Filter{})
				if err != nil {
					b.Fatal(err)
				}
				if len(list) != 50 {
					b.Fatalf("got %d tasks, want 50", len(list))
				}
			}
		})
	}
}

// BenchmarkToolListTasks50 is list_tasks through the toolbox, JSON out.
func BenchmarkToolListTasks50(b *testing.B) {
	svc := benchService(b, storagetest.SQLite(b))
	seed(b, svc, "bench", 50)
	tools, err := tasks.NewTools(svc, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	args := json.RawMessage(`{"status":"pending","tag":"work"}`)
	b.ReportAllocs()
	for b.Loop() {
		res, err := tools.Call(ctx, "bench", tasks.ToolListTasks, args)
		if err != nil || !res.OK || len(res.Tasks) != 50 {
			b.Fatalf("list: %v %s", err, res.Error)
		}
	}
}
