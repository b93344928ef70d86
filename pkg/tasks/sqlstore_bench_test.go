//go:build unix

package tasks_test

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// turnWriters is how many goroutines write at once in the parallel
// benchmarks: the turn load scenario runs 64 concurrent turns.
const turnWriters = 64

// parallelism makes b.RunParallel (parallelism × GOMAXPROCS goroutines)
// start about turnWriters goroutines.
func parallelism(b *testing.B) {
	b.SetParallelism(max(1, turnWriters/runtime.GOMAXPROCS(0)))
}

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op: the process's CPU time per op, which other
// processes on a busy machine disturb less than wall time (the benchmarks
// write from 64 goroutines, so ns/op is wall time divided by ops).
func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-since)/float64(b.N), "cpu-ns/op")
}

func benchTask(due time.Time) tasks.Task {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	return tasks.Task{Title: "Buy milk", Status: tasks.StatusPending, Priority: tasks.PriorityNone,
		DueAt: &due, Tags: []string{}, CreatedAt: now, UpdatedAt: now}
}

// BenchmarkSQLStoreCreateParallel is concurrent task creates on a SQLite
// file, each goroutine for its own user (as the turn load scenario's
// anonymous users), plus every fourth goroutine sharing one user.
func BenchmarkSQLStoreCreateParallel(b *testing.B) {
	store := tasks.NewSQLStore(storagetest.SQLite(b))
	due := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	var next atomic.Int64
	parallelism(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	defer func() { reportCPU(b, cpu0) }()
	b.RunParallel(func(pb *testing.PB) {
		g := next.Add(1)
		user := fmt.Sprintf("user-%d", g)
		if g%4 == 0 {
			user = "shared"
		}
		for pb.Next() {
			if _, err := store.Create(b.Context(), user, benchTask(due)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSQLStoreTurnWritesParallel is the SQLite writes of one
// threads.create turn with the offline agent adding a task, by concurrent
// turns: the thread row, the user message, the task, the assistant message,
// the title. One op is one turn.
func BenchmarkSQLStoreTurnWritesParallel(b *testing.B) {
	db := storagetest.SQLite(b)
	store := tasks.NewSQLStore(db)
	chat := chatstore.New(db)
	due := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	var next, turns atomic.Int64
	parallelism(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime(b)
	defer func() { reportCPU(b, cpu0) }()
	b.RunParallel(func(pb *testing.PB) {
		user := fmt.Sprintf("user-%d", next.Add(1))
		ctx := b.Context()
		for pb.Next() {
			n := turns.Add(1)
			thread := fmt.Sprintf("thr_%d", n)
			meta := chatkit.ThreadMetadata{ID: thread, CreatedAt: start, Status: chatkit.ThreadStatus{Type: chatkit.StatusActive}}
			um := &chatkit.UserMessageItem{ItemBase: chatkit.ItemBase{ID: "msg_u" + thread, ThreadID: thread, CreatedAt: start},
				Content: []chatkit.UserContent{chatkit.TextContent("add a task to buy milk tomorrow")}}
			am := &chatkit.AssistantMessageItem{ItemBase: chatkit.ItemBase{ID: "msg_a" + thread, ThreadID: thread, CreatedAt: start.Add(time.Millisecond)},
				Content: []chatkit.OutputText{{Text: "Added **Buy milk**, due tomorrow at 09:00."}}}
			if err := chat.SaveThread(ctx, user, meta); err != nil {
				b.Error(err)
				return
			}
			if err := chat.AddItem(ctx, user, thread, um); err != nil {
				b.Error(err)
				return
			}
			if _, err := store.Create(ctx, user, benchTask(due)); err != nil {
				b.Error(err)
				return
			}
			if err := chat.AddItem(ctx, user, thread, am); err != nil {
				b.Error(err)
				return
			}
			meta.Title = "Buy milk tomorrow"
			if err := chat.SaveThread(ctx, user, meta); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
