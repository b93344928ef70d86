//go:build faults

package reliability_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
)

// acked is what the clients saw acknowledged before the crash.
type acked struct {
	mu    sync.Mutex
	items map[string][]string // thread id → ids of items whose thread.item.done arrived in a completed stream
	tasks map[*user][]int64   // tasks whose POST answered 201
}

// TestFaultKill9DuringWritesLosesNothingAcknowledged kills the real binary with
// SIGKILL while several clients write (chat turns with the offline agent,
// which add tasks, and REST task creation). The SQLite file then passes
// PRAGMA integrity_check and foreign_key_check, and after a restart on the
// same file every acknowledged item and task is there.
func TestFaultKill9DuringWritesLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "taskpilot.db")
	env := map[string]string{
		"DATABASE_URL":                 "sqlite://" + dbPath,
		"DATA_DIR":                     dir,
		"STATIC_DIR":                   filepath.Join(dir, "none"),
		"SESSION_SIGNING_KEY":          signingKey,
		"RATE_LIMIT_PER_MINUTE":        "0",
		"CHAT_TURNS_PER_MINUTE":        "0",
		"CHAT_STREAMS_PER_USER":        "0",
		"CHAT_TURNS_PER_IP_PER_MINUTE": "0",
		"API_REQUESTS_PER_MINUTE":      "0",
	}
	p := startBinary(t, env)
	users := []*user{newUser(t, p.URL), newUser(t, p.URL), newUser(t, p.URL)}
	got := &acked{items: map[string][]string{}, tasks: map[*user][]int64{}}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var writers sync.WaitGroup
	for i, u := range users {
		writers.Add(2)
		go func() { defer writers.Done(); chatWriter(ctx, u, i, got) }()
		go func() { defer writers.Done(); taskWriter(ctx, u, i, got) }()
	}
	// Let the writers get going, then pull the plug mid-write.
	eventually(t, 60*time.Second, func() bool {
		got.mu.Lock()
		defer got.mu.Unlock()
		n := 0
		for _, ts := range got.tasks {
			n += len(ts)
		}
		return len(got.items) >= 6 && n >= 30
	}, "the writers made progress")
	time.Sleep(300 * time.Millisecond)
	_, err := p.signal(t, syscall.SIGKILL, 10*time.Second)
	require.Error(t, err, "killed")
	stop()
	writers.Wait()

	// The file is consistent as the crash left it.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	var integrity string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&integrity))
	assert.Equal(t, "ok", integrity)
	rows, err := db.Query("PRAGMA foreign_key_check")
	require.NoError(t, err)
	assert.False(t, rows.Next(), "no dangling foreign keys")
	require.NoError(t, rows.Close())
	require.NoError(t, db.Close())

	// Restart on the same file: every acknowledged write is there.
	p2 := startBinary(t, env)
	totalItems, totalTasks := 0, 0
	for _, u := range users {
		u.base = p2.URL
	}
	byThread := map[string]*user{}
	for _, u := range users {
		for _, id := range threadsOf(t, u) {
			byThread[id] = u
		}
	}
	for id, want := range got.items {
		u := byThread[id]
		require.NotNil(t, u, "thread %s survived", id)
		have := map[string]bool{}
		for _, it := range u.items(t, id) {
			have[it.Header().ID] = true
		}
		for _, itemID := range want {
			assert.True(t, have[itemID], "item %s of thread %s survived", itemID, id)
			totalItems++
		}
	}
	for u, ids := range got.tasks {
		have := map[int64]bool{}
		for _, task := range listTasks(t, u) {
			have[task.ID] = true
		}
		for _, id := range ids {
			assert.True(t, have[id], "task %d survived", id)
			totalTasks++
		}
	}
	t.Logf("after kill -9: %d acknowledged chat items in %d threads and %d tasks all present; integrity_check %s",
		totalItems, len(got.items), totalTasks, integrity)
}

// chatWriter runs turns until ctx ends: a new thread every third turn.
func chatWriter(ctx context.Context, u *user, n int, got *acked) {
	c := u.chat()
	var thread string
	for turn := 0; ctx.Err() == nil; turn++ {
		text := fmt.Sprintf("add a task to water plant %d-%d", n, turn)
		var body []byte
		if turn%3 == 0 {
			body = chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(text)})
		} else {
			body = chatkittest.Request(chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": thread, "input": chatkittest.Input(text)})
		}
		res, err := c.Do(ctx, body)
		if err != nil || res.Status != http.StatusOK {
			return
		}
		if turn%3 == 0 {
			if len(res.Events) == 0 {
				return
			}
			tc, ok := res.Events[0].(chatkit.ThreadCreatedEvent)
			if !ok {
				return
			}
			thread = tc.Thread.ID
		}
		if !completed(res) {
			return // cut by the crash: not acknowledged
		}
		var ids []string
		for _, ev := range res.Events {
			if d, ok := ev.(chatkit.ThreadItemDoneEvent); ok {
				ids = append(ids, d.Item.Header().ID)
			}
		}
		got.mu.Lock()
		got.items[thread] = append(got.items[thread], ids...)
		got.mu.Unlock()
	}
}

// taskWriter creates tasks over REST until ctx ends (at most 400 per user,
// under the list limit).
func taskWriter(ctx context.Context, u *user, n int, got *acked) {
	for i := 0; ctx.Err() == nil && i < 400; i++ {
		body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("rest task %d-%d", n, i)})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.base+"/api/v1/tasks", bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+u.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		var task struct {
			ID int64 `json:"id"`
		}
		decErr := json.NewDecoder(resp.Body).Decode(&task)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || decErr != nil {
			return
		}
		got.mu.Lock()
		got.tasks[u] = append(got.tasks[u], task.ID)
		got.mu.Unlock()
	}
}

type restTask struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

func listTasks(t *testing.T, u *user) []restTask {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u.base+"/api/v1/tasks?status=all&limit=500", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+u.Secret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out struct {
		Tasks []restTask `json:"tasks"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out.Tasks
}

// threadsOf lists the ids of u's threads.
func threadsOf(t *testing.T, u *user) []string {
	t.Helper()
	var ids []string
	params := map[string]any{"limit": 100}
	for {
		res := u.do(t, chatkit.ReqThreadsList, params)
		require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			HasMore bool    `json:"has_more"`
			After   *string `json:"after"`
		}
		require.NoError(t, json.Unmarshal(res.Body, &page))
		for _, th := range page.Data {
			ids = append(ids, th.ID)
		}
		if !page.HasMore || page.After == nil {
			return ids
		}
		params["after"] = *page.After
	}
}
