package tasks_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/apperr"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/pkg/tasks"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func ptr[T any](v T) *T { return &v }

func ids(list []tasks.Task) []int64 {
	out := make([]int64, len(list))
	for i, t := range list {
		out[i] = t.ID
	}
	return out
}

func newService(t *testing.T, db *storage.DB) (*tasks.Service, *clock) {
	t.Helper()
	c := newClock()
	return tasks.NewService(tasks.NewSQLStore(db), c.Now), c
}

func TestStoreContract(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()

		t.Run("ids are per user, start at 1 and are never reused", func(t *testing.T) {
			svc, _ := newService(t, db)
			a1, err := svc.Add(ctx, "ids-a", tasks.NewTask{Title: "one"})
			require.NoError(t, err)
			a2, err := svc.Add(ctx, "ids-a", tasks.NewTask{Title: "two"})
			require.NoError(t, err)
			b1, err := svc.Add(ctx, "ids-b", tasks.NewTask{Title: "b one"})
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 2, 1}, []int64{a1.ID, a2.ID, b1.ID})

			_, err = svc.Delete(ctx, "ids-a", 2)
			require.NoError(t, err)
			a3, err := svc.Add(ctx, "ids-a", tasks.NewTask{Title: "three"})
			require.NoError(t, err)
			assert.Equal(t, int64(3), a3.ID, "a deleted id is not handed out again")
		})

		t.Run("concurrent adds get distinct ids", func(t *testing.T) {
			svc, _ := newService(t, db)
			const n = 20
			var wg sync.WaitGroup
			got := make(chan int64, n)
			errs := make(chan error, n)
			for i := range n {
				wg.Go(func() {
					task, err := svc.Add(ctx, "concurrent", tasks.NewTask{Title: fmt.Sprintf("t%d", i)})
					if err != nil {
						errs <- err
						return
					}
					got <- task.ID
				})
			}
			wg.Wait()
			close(got)
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			seen := map[int64]bool{}
			for id := range got {
				assert.False(t, seen[id], "id %d handed out twice", id)
				seen[id] = true
			}
			for id := int64(1); id <= n; id++ {
				assert.True(t, seen[id], "id %d missing", id)
			}
		})

		t.Run("add stores every field and get returns it", func(t *testing.T) {
			svc, c := newService(t, db)
			due := time.Date(2026, 11, 29, 17, 0, 0, 0, time.FixedZone("EST", -5*3600))
			added, err := svc.Add(ctx, "fields", tasks.NewTask{Title: "  Call   mom ", Description: " about Sunday ",
				DueAt: &due, Priority: tasks.PriorityHigh, Tags: []string{"#Family", "phone", "family"}})
			require.NoError(t, err)
			got, err := svc.Get(ctx, "fields", added.ID)
			require.NoError(t, err)
			assert.Equal(t, "Call mom", got.Title)
			assert.Equal(t, "about Sunday", got.Description)
			assert.Equal(t, tasks.StatusPending, got.Status)
			assert.Equal(t, tasks.PriorityHigh, got.Priority)
			require.NotNil(t, got.DueAt)
			assert.Equal(t, "2026-11-29T22:00:00Z", tasks.FormatTime(*got.DueAt), "due is kept in UTC")
			assert.Equal(t, time.UTC, got.DueAt.Location())
			assert.Equal(t, []string{"family", "phone"}, got.Tags)
			assert.True(t, got.CreatedAt.Equal(c.Now()))
			assert.True(t, got.UpdatedAt.Equal(c.Now()))
			assert.Nil(t, got.CompletedAt)
			assert.Equal(t, added, got)
		})

		t.Run("defaults: priority none, no due, no tags", func(t *testing.T) {
			svc, _ := newService(t, db)
			got, err := svc.Add(ctx, "defaults", tasks.NewTask{Title: "Buy milk"})
			require.NoError(t, err)
			assert.Equal(t, tasks.PriorityNone, got.Priority)
			assert.Nil(t, got.DueAt)
			assert.Equal(t, []string{}, got.Tags)
		})

		t.Run("validation errors name each field", func(t *testing.T) {
			svc, _ := newService(t, db)
			_, err := svc.Add(ctx, "val", tasks.NewTask{Title: "  ", Priority: "huge", Tags: []string{"a b!"}})
			ae, ok := apperr.As(err)
			require.True(t, ok, "want an apperr, got %v", err)
			assert.Equal(t, apperr.CodeValidation, ae.Code)
			assert.Contains(t, ae.Fields, "title")
			assert.Contains(t, ae.Fields, "priority")
			assert.Contains(t, ae.Fields, "tags")
			n, err := svc.Count(ctx, "val")
			require.NoError(t, err)
			assert.Zero(t, n, "nothing stored")
		})

		t.Run("list sorts by due (none last), then priority (urgent first), then id", func(t *testing.T) {
			svc, _ := newService(t, db)
			u := "sort"
			add := func(title string, due *time.Time, p tasks.Priority) {
				_, err := svc.Add(ctx, u, tasks.NewTask{Title: title, DueAt: due, Priority: p})
				require.NoError(t, err)
			}
			add("no due low", nil, tasks.PriorityLow)                              // 1
			add("later", at("2026-12-05T09:00:00Z"), tasks.PriorityNone)           // 2
			add("soon medium", at("2026-12-01T09:00:00Z"), tasks.PriorityMedium)   // 3
			add("soon urgent", at("2026-12-01T09:00:00Z"), tasks.PriorityUrgent)   // 4
			add("no due urgent", nil, tasks.PriorityUrgent)                        // 5
			add("soonest", at("2026-11-30T09:00:00-03:00"), tasks.PriorityNone)    // 6
			add("soon medium 2", at("2026-12-01T09:00:00Z"), tasks.PriorityMedium) // 7
			list, err := svc.List(ctx, u, tasks.Filter{})
			require.NoError(t, err)
			assert.Equal(t, []int64{6, 4, 3, 7, 2, 5, 1}, ids(list))
		})

		t.Run("list filters", func(t *testing.T) {
			svc, c := newService(t, db)
			u := "filters"
			mk := func(in tasks.NewTask) int64 {
				got, err := svc.Add(ctx, u, in)
				require.NoError(t, err)
				return got.ID
			}
			milk := mk(tasks.NewTask{Title: "Buy milk", Tags: []string{"shopping"}, DueAt: at("2026-11-27T10:00:00Z")})
			report := mk(tasks.NewTask{Title: "Submit report", Description: "Q4 numbers 100%", Priority: tasks.PriorityHigh,
				Tags: []string{"work"}, DueAt: at("2026-12-04T17:00:00Z")})
			meeting := mk(tasks.NewTask{Title: "Team meeting", Tags: []string{"work_sync"}, DueAt: at("2026-11-30T15:00:00Z")})
			call := mk(tasks.NewTask{Title: "Call Ümit", Priority: tasks.PriorityHigh})
			old := mk(tasks.NewTask{Title: "Old overdue but done", DueAt: at("2026-11-20T10:00:00Z")})
			_, err := svc.Complete(ctx, u, old)
			require.NoError(t, err)
			c.Advance(time.Minute)

			cases := []struct {
				name string
				f    tasks.Filter
				want []int64
			}{
				{"all", tasks.Filter{Status: tasks.FilterAll}, []int64{old, milk, meeting, report, call}},
				{"pending", tasks.Filter{Status: tasks.FilterPending}, []int64{milk, meeting, report, call}},
				{"completed", tasks.Filter{Status: tasks.FilterCompleted}, []int64{old}},
				{"query title case-insensitive", tasks.Filter{Query: "MILK"}, []int64{milk}},
				{"query description", tasks.Filter{Query: "q4"}, []int64{report}},
				{"query wildcard is literal", tasks.Filter{Query: "100%"}, []int64{report}},
				{"query percent alone matches nothing extra", tasks.Filter{Query: "%"}, []int64{report}},
				{"query unicode case", tasks.Filter{Query: "ümit"}, []int64{call}},
				{"tag exact", tasks.Filter{Tag: "#Work"}, []int64{report}},
				{"tag underscore is literal", tasks.Filter{Tag: "work_sync"}, []int64{meeting}},
				{"priority", tasks.Filter{Priority: tasks.PriorityHigh}, []int64{report, call}},
				{"due before (exclusive)", tasks.Filter{DueBefore: at("2026-11-30T15:00:00Z")}, []int64{old, milk}},
				{"due after (inclusive)", tasks.Filter{DueAfter: at("2026-11-30T15:00:00Z")}, []int64{meeting, report}},
				{"due range", tasks.Filter{DueAfter: at("2026-11-28T00:00:00Z"), DueBefore: at("2026-12-05T00:00:00Z")},
					[]int64{meeting, report}},
				{"overdue", tasks.Filter{Overdue: true}, []int64{milk}},
				{"combined", tasks.Filter{Status: tasks.FilterPending, Priority: tasks.PriorityHigh, Tag: "work"},
					[]int64{report}},
				{"limit", tasks.Filter{Limit: 2}, []int64{old, milk}},
				{"nothing", tasks.Filter{Query: "zebra"}, []int64{}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					got, err := svc.List(ctx, u, tc.f)
					require.NoError(t, err)
					assert.Equal(t, tc.want, ids(got))
				})
			}
		})

		t.Run("bad filters are validation errors", func(t *testing.T) {
			svc, _ := newService(t, db)
			_, err := svc.List(ctx, "bad", tasks.Filter{Status: "done", Priority: "mega",
				DueAfter: at("2026-12-02T00:00:00Z"), DueBefore: at("2026-12-01T00:00:00Z")})
			ae, ok := apperr.As(err)
			require.True(t, ok)
			assert.Equal(t, []string{"due_after", "priority", "status"}, sortedKeys(ae.Fields))
		})

		t.Run("complete is idempotent; reopen clears completed_at", func(t *testing.T) {
			svc, c := newService(t, db)
			u := "complete"
			task, err := svc.Add(ctx, u, tasks.NewTask{Title: "Pay bills"})
			require.NoError(t, err)
			c.Advance(time.Hour)
			ch, err := svc.Complete(ctx, u, task.ID)
			require.NoError(t, err)
			assert.True(t, ch.Changed)
			assert.Equal(t, tasks.StatusPending, ch.Before.Status)
			assert.Equal(t, tasks.StatusCompleted, ch.After.Status)
			require.NotNil(t, ch.After.CompletedAt)
			firstDone := *ch.After.CompletedAt
			assert.True(t, firstDone.Equal(c.Now()))

			c.Advance(time.Hour)
			again, err := svc.Complete(ctx, u, task.ID)
			require.NoError(t, err)
			assert.False(t, again.Changed, "second complete changes nothing")
			assert.True(t, again.After.CompletedAt.Equal(firstDone), "completed_at kept")

			pending := tasks.StatusPending
			re, err := svc.Update(ctx, u, task.ID, tasks.Patch{Status: &pending})
			require.NoError(t, err)
			assert.True(t, re.Changed)
			assert.Equal(t, tasks.StatusPending, re.After.Status)
			assert.Nil(t, re.After.CompletedAt)
			stored, err := svc.Get(ctx, u, task.ID)
			require.NoError(t, err)
			assert.Nil(t, stored.CompletedAt)
		})

		t.Run("update any field, clear due, no-op update", func(t *testing.T) {
			svc, c := newService(t, db)
			u := "update"
			task, err := svc.Add(ctx, u, tasks.NewTask{Title: "Call mom", DueAt: at("2026-11-29T17:00:00Z"),
				Tags: []string{"family"}})
			require.NoError(t, err)
			c.Advance(time.Minute)
			prio := tasks.PriorityUrgent
			ch, err := svc.Update(ctx, u, task.ID, tasks.Patch{Title: ptr("Call mom tonight"),
				Description: ptr("before 9"), DueAt: at("2026-11-30T01:00:00+01:00"), Priority: &prio,
				Tags: &[]string{"Home", "#phone"}})
			require.NoError(t, err)
			assert.True(t, ch.Changed)
			assert.Equal(t, []string{"title", "description", "due_at", "priority", "tags"}, ch.Fields)
			got, err := svc.Get(ctx, u, task.ID)
			require.NoError(t, err)
			assert.Equal(t, "Call mom tonight", got.Title)
			assert.Equal(t, "before 9", got.Description)
			assert.Equal(t, "2026-11-30T00:00:00Z", tasks.FormatTime(*got.DueAt))
			assert.Equal(t, tasks.PriorityUrgent, got.Priority)
			assert.Equal(t, []string{"home", "phone"}, got.Tags)
			assert.True(t, got.UpdatedAt.Equal(c.Now()))
			assert.True(t, got.CreatedAt.Before(got.UpdatedAt))
			assert.Equal(t, "Call mom", ch.Before.Title)

			cleared, err := svc.Update(ctx, u, task.ID, tasks.Patch{ClearDue: true, Tags: &[]string{}})
			require.NoError(t, err)
			assert.Nil(t, cleared.After.DueAt)
			assert.Equal(t, []string{}, cleared.After.Tags)

			same, err := svc.Update(ctx, u, task.ID, tasks.Patch{Title: ptr("Call mom tonight")})
			require.NoError(t, err)
			assert.False(t, same.Changed)

			_, err = svc.Update(ctx, u, task.ID, tasks.Patch{Title: ptr("")})
			ae, ok := apperr.As(err)
			require.True(t, ok)
			assert.Contains(t, ae.Fields, "title")
		})

		t.Run("missing ids are not found", func(t *testing.T) {
			svc, _ := newService(t, db)
			for name, call := range map[string]func() error{
				"get":      func() error { _, err := svc.Get(ctx, "nf", 99); return err },
				"complete": func() error { _, err := svc.Complete(ctx, "nf", 99); return err },
				"update":   func() error { _, err := svc.Update(ctx, "nf", 99, tasks.Patch{Title: ptr("x")}); return err },
				"delete":   func() error { _, err := svc.Delete(ctx, "nf", 99); return err },
			} {
				err := call()
				assert.ErrorIs(t, err, tasks.ErrNotFound, name)
				ae, ok := apperr.As(err)
				if assert.True(t, ok, name) {
					assert.Equal(t, apperr.CodeNotFound, ae.Code, name)
					assert.Equal(t, "task 99 does not exist", ae.Message, name)
				}
			}
		})

		t.Run("delete returns the task; restore brings it back with its id", func(t *testing.T) {
			svc, _ := newService(t, db)
			u := "restore"
			_, err := svc.Add(ctx, u, tasks.NewTask{Title: "first"})
			require.NoError(t, err)
			task, err := svc.Add(ctx, u, tasks.NewTask{Title: "Meeting notes", Tags: []string{"work"},
				DueAt: at("2026-12-01T10:00:00Z")})
			require.NoError(t, err)
			_, err = svc.Complete(ctx, u, task.ID)
			require.NoError(t, err)
			gone, err := svc.Delete(ctx, u, task.ID)
			require.NoError(t, err)
			assert.Equal(t, "Meeting notes", gone.Title)
			assert.Equal(t, tasks.StatusCompleted, gone.Status)
			_, err = svc.Get(ctx, u, task.ID)
			require.ErrorIs(t, err, tasks.ErrNotFound)

			back, err := svc.Restore(ctx, u, gone)
			require.NoError(t, err)
			assert.Equal(t, gone.ID, back.ID)
			assert.Equal(t, gone.Title, back.Title)
			assert.Equal(t, gone.Tags, back.Tags)
			assert.Equal(t, gone.DueAt, back.DueAt)
			assert.Equal(t, gone.CompletedAt, back.CompletedAt)
			assert.True(t, gone.CreatedAt.Equal(back.CreatedAt))

			next, err := svc.Add(ctx, u, tasks.NewTask{Title: "after restore"})
			require.NoError(t, err)
			assert.Equal(t, int64(3), next.ID)
		})

		t.Run("restore raises the id counter", func(t *testing.T) {
			svc, _ := newService(t, db)
			u := "raise"
			_, err := svc.Restore(ctx, u, tasks.Task{ID: 7, Title: "imported", Status: tasks.StatusPending,
				Priority: tasks.PriorityNone})
			require.NoError(t, err)
			next, err := svc.Add(ctx, u, tasks.NewTask{Title: "new"})
			require.NoError(t, err)
			assert.Equal(t, int64(8), next.ID)
		})

		t.Run("revert undoes add, complete, update and delete", func(t *testing.T) {
			svc, _ := newService(t, db)
			u := "revert"
			added, err := svc.Add(ctx, u, tasks.NewTask{Title: "Walk dog"})
			require.NoError(t, err)
			now, err := svc.Revert(ctx, u, nil, &added)
			require.NoError(t, err)
			assert.Nil(t, now)
			_, err = svc.Get(ctx, u, added.ID)
			require.ErrorIs(t, err, tasks.ErrNotFound)

			task, err := svc.Add(ctx, u, tasks.NewTask{Title: "Water plants", Priority: tasks.PriorityLow})
			require.NoError(t, err)
			done, err := svc.Complete(ctx, u, task.ID)
			require.NoError(t, err)
			now, err = svc.Revert(ctx, u, done.Before, done.After)
			require.NoError(t, err)
			assert.Equal(t, tasks.StatusPending, now.Status)
			assert.Nil(t, now.CompletedAt)

			prio := tasks.PriorityUrgent
			up, err := svc.Update(ctx, u, task.ID, tasks.Patch{Title: ptr("Water all plants"), Priority: &prio})
			require.NoError(t, err)
			now, err = svc.Revert(ctx, u, up.Before, up.After)
			require.NoError(t, err)
			assert.Equal(t, "Water plants", now.Title)
			assert.Equal(t, tasks.PriorityLow, now.Priority)

			gone, err := svc.Delete(ctx, u, task.ID)
			require.NoError(t, err)
			now, err = svc.Revert(ctx, u, &gone, &gone)
			require.NoError(t, err)
			assert.Equal(t, task.ID, now.ID)
			got, err := svc.Get(ctx, u, task.ID)
			require.NoError(t, err)
			assert.Equal(t, "Water plants", got.Title)
		})
	})
}

// TestStoreIsolation: user B never sees or changes user A's tasks through
// any Service method.
func TestStoreIsolation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc, _ := newService(t, db)
		a, err := svc.Add(ctx, "alice", tasks.NewTask{Title: "Alice secret", Tags: []string{"private"}})
		require.NoError(t, err)

		list, err := svc.List(ctx, "bob", tasks.Filter{})
		require.NoError(t, err)
		assert.Empty(t, list)
		list, err = svc.List(ctx, "bob", tasks.Filter{Query: "secret", Tag: "private"})
		require.NoError(t, err)
		assert.Empty(t, list)
		n, err := svc.Count(ctx, "bob")
		require.NoError(t, err)
		assert.Zero(t, n)

		_, err = svc.Get(ctx, "bob", a.ID)
		assert.ErrorIs(t, err, tasks.ErrNotFound)
		_, err = svc.Complete(ctx, "bob", a.ID)
		assert.ErrorIs(t, err, tasks.ErrNotFound)
		_, err = svc.Update(ctx, "bob", a.ID, tasks.Patch{Title: ptr("hijacked")})
		assert.ErrorIs(t, err, tasks.ErrNotFound)
		_, err = svc.Delete(ctx, "bob", a.ID)
		assert.ErrorIs(t, err, tasks.ErrNotFound)

		// Bob's own task 1 and a restore with Alice's id live in Bob's space.
		b, err := svc.Add(ctx, "bob", tasks.NewTask{Title: "Bob's"})
		require.NoError(t, err)
		assert.Equal(t, a.ID, b.ID, "ids are per user")
		_, err = svc.Restore(ctx, "bob", tasks.Task{ID: a.ID, Title: "Bob overwrite", Status: tasks.StatusPending,
			Priority: tasks.PriorityNone})
		require.NoError(t, err)

		got, err := svc.Get(ctx, "alice", a.ID)
		require.NoError(t, err)
		assert.Equal(t, a, got, "Alice's task is untouched")
		n, err = svc.Count(ctx, "alice")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func TestStoreMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	db := storagetest.SQLite(t, storage.WithRegisterer(reg))
	svc, _ := newService(t, db)
	ctx := context.Background()
	task, err := svc.Add(ctx, "m", tasks.NewTask{Title: "x"})
	require.NoError(t, err)
	_, err = svc.List(ctx, "m", tasks.Filter{})
	require.NoError(t, err)
	_, err = svc.Complete(ctx, "m", task.ID)
	require.NoError(t, err)
	_, err = svc.Delete(ctx, "m", task.ID)
	require.NoError(t, err)

	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]uint64{}
	for _, f := range families {
		if f.GetName() != "taskpilot_store_operation_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["store"] == "tasks" {
				got[labels["operation"]] = m.GetHistogram().GetSampleCount()
			}
		}
	}
	assert.Equal(t, map[string]uint64{"create": 1, "list": 1, "modify": 1, "delete": 1}, got, "an update is one read-and-write operation")
}
