package reliability_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/textcheck"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

// call sends method path with body and bearer secret (none when empty).
func call(t *testing.T, method, url, secret string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// TestHostilePayloadsAreStoredAndReturnedVerbatim: SQL and HTML in task
// titles, descriptions, tags, chat messages and thread titles are data:
// stored and returned exactly, JSON-encoded, never executed (the tables
// are intact afterwards).
func TestHostilePayloadsAreStoredAndReturnedVerbatim(t *testing.T) {
	a := startApp(t, nil)
	u := newUser(t, a.URL)
	for i, p := range payloads {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			if !textcheck.Valid(p) {
				// The input-hygiene rule (issue 11, abuse_limits_test.go):
				// a control character is refused in a task field and
				// dropped from a chat message, on every store.
				status, body := call(t, "POST", a.URL+"/api/v1/tasks", u.Secret, map[string]any{"title": p})
				require.Equal(t, http.StatusUnprocessableEntity, status, "%s", body)
				res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(p)})
				require.Equal(t, http.StatusOK, res.Status)
				items := u.items(t, threadID(t, res))
				require.NotEmpty(t, items)
				assert.Equal(t, textcheck.Clean(p), items[0].(*chatkit.UserMessageItem).Text())
				return
			}
			status, body := call(t, "POST", a.URL+"/api/v1/tasks", u.Secret,
				map[string]any{"title": p, "description": p + p})
			require.Equal(t, http.StatusCreated, status, "%s", body)
			var created struct {
				ID          int64  `json:"id"`
				Title       string `json:"title"`
				Description string `json:"description"`
			}
			require.NoError(t, json.Unmarshal(body, &created))
			status, body = call(t, "GET", a.URL+"/api/v1/tasks/"+strconv.FormatInt(created.ID, 10), u.Secret, nil)
			require.Equal(t, http.StatusOK, status)
			var got struct {
				Title       string `json:"title"`
				Description string `json:"description"`
			}
			require.NoError(t, json.Unmarshal(body, &got))
			assert.Equal(t, p, got.Title, "title verbatim")
			assert.Equal(t, p+p, got.Description)
			if strings.Contains(p, "<") {
				assert.NotContains(t, string(body), "<", "HTML is escaped in the REST JSON (\\u003c)")
			}

			// The same text as a chat message and a thread title.
			res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(p)})
			require.Equal(t, http.StatusOK, res.Status)
			assert.True(t, strings.HasPrefix(res.ContentType, "text/event-stream"))
			id := threadID(t, res)
			items := u.items(t, id)
			require.NotEmpty(t, items)
			assert.Equal(t, p, items[0].(*chatkit.UserMessageItem).Text(), "message verbatim")
			upd := u.do(t, chatkit.ReqThreadsUpdate, map[string]any{"thread_id": id, "title": p + " title"})
			require.Equal(t, http.StatusOK, upd.Status, "%s", upd.Body)
			assert.True(t, strings.HasPrefix(upd.ContentType, "application/json"))
			th := u.do(t, chatkit.ReqThreadsGetByID, map[string]any{"thread_id": id})
			var thread struct {
				Title string `json:"title"`
			}
			require.NoError(t, json.Unmarshal(th.Body, &thread))
			assert.Equal(t, strings.TrimSpace(p+" title"), thread.Title)
		})
	}
	// Nothing was executed: every task is still there.
	status, body := call(t, "GET", a.URL+"/api/v1/tasks?status=all&limit=500", u.Secret, nil)
	require.Equal(t, http.StatusOK, status)
	var list struct {
		Tasks []json.RawMessage `json:"tasks"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	assert.GreaterOrEqual(t, len(list.Tasks), len(payloads)-1, "the tasks table is intact (the NUL payload was refused)")
}

// TestForgedExpiredAndForeignSecrets: forged, tampered, expired and
// wrongly-signed secrets get 401 with the JSON error shape; another user's
// valid secret sees none of the first user's threads or tasks (404, like a
// missing one).
func TestForgedExpiredAndForeignSecrets(t *testing.T) {
	a := startApp(t, nil)
	alice, bob := newUser(t, a.URL), newUser(t, a.URL)
	res := alice.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add a task to file taxes")})
	aliceThread := threadID(t, res)
	aliceItems := len(alice.items(t, aliceThread))
	status, body := call(t, "POST", a.URL+"/api/v1/tasks", alice.Secret, map[string]any{"title": "alice's secret task"})
	require.Equal(t, http.StatusCreated, status)
	var task struct {
		ID int64 `json:"id"`
	}
	require.NoError(t, json.Unmarshal(body, &task))

	claimsOf := func(secret string) string {
		parts := strings.Split(secret, ".")
		require.Len(t, parts, 3)
		return parts[1]
	}
	expiredSigner, err := auth.NewSigner([]byte(signingKey), time.Minute, func() time.Time { return time.Now().Add(-time.Hour) })
	require.NoError(t, err)
	expired, err := expiredSigner.Mint("anon_expiredexpiredexpired")
	require.NoError(t, err)
	otherKey, err := auth.NewSigner([]byte(strings.Repeat("k", 48)), time.Minute, time.Now)
	require.NoError(t, err)
	wrongKey, err := otherKey.Mint("anon_wrongkeywrongkeywrongk")
	require.NoError(t, err)
	a1 := strings.Split(alice.Secret, ".")
	b1 := strings.Split(bob.Secret, ".")
	tampered := a1[0] + "." + b1[1] + "." + a1[2] // bob's claims, alice's signature
	// Change one character well inside the signature (the last ones may
	// carry only padding bits).
	i := len(alice.Secret) - 10
	swap := byte('A')
	if alice.Secret[i] == 'A' {
		swap = 'B'
	}
	flipped := alice.Secret[:i] + string(swap) + alice.Secret[i+1:]
	none := `eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.` + claimsOf(alice.Secret) + "."

	bad := map[string]string{
		"random":              "not-a-secret",
		"expired":             expired.Secret,
		"signed with another": wrongKey.Secret,
		"claims swapped":      tampered,
		"signature altered":   flipped,
		"alg none":            none,
	}
	for name, secret := range bad {
		t.Run(name, func(t *testing.T) {
			for _, r := range []struct{ method, path string }{
				{"POST", "/api/v1/chatkit"}, {"GET", "/api/v1/tasks"}, {"GET", fmt.Sprintf("/api/v1/tasks/%d", task.ID)},
			} {
				var payload any
				if r.method == "POST" {
					payload = map[string]any{"type": "items.list", "params": map[string]any{"thread_id": aliceThread}}
				}
				status, body := call(t, r.method, a.URL+r.path, secret, payload)
				assert.Equal(t, http.StatusUnauthorized, status, "%s %s: %s", r.method, r.path, body)
				assert.Empty(t, checkErrorShape("application/json", body))
				assert.NotContains(t, string(body), "alice's secret task")
			}
			// A forged secret cannot be refreshed into a real one either.
			resp, err := bob.HTTP.Post(a.URL+sessionsvc.PathSessions, "application/json",
				strings.NewReader(`{"existing":"`+secret+`"}`))
			require.NoError(t, err)
			_ = resp.Body.Close()
			if name != "expired" { // an expired secret of the same browser may be refreshed
				assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			}
		})
	}

	t.Run("another user's valid secret", func(t *testing.T) {
		for _, typ := range []chatkit.RequestType{chatkit.ReqItemsList, chatkit.ReqThreadsGetByID, chatkit.ReqThreadsDelete} {
			res := bob.do(t, typ, map[string]any{"thread_id": aliceThread})
			assert.Equal(t, http.StatusNotFound, res.Status, "%s: %s", typ, res.Body)
		}
		res := bob.do(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": aliceThread, "input": chatkittest.Input("hi")})
		assert.Equal(t, http.StatusNotFound, res.Status)
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			status, body := call(t, m, fmt.Sprintf("%s/api/v1/tasks/%d", a.URL, task.ID), bob.Secret, map[string]any{"title": "mine now"})
			assert.Equal(t, http.StatusNotFound, status, "%s: %s", m, body)
		}
		_, body := call(t, "GET", a.URL+"/api/v1/tasks?status=all", bob.Secret, nil)
		assert.NotContains(t, string(body), "alice's secret task")
		// A refresh with alice's secret from bob's browser is refused.
		resp, err := bob.HTTP.Post(a.URL+sessionsvc.PathSessions, "application/json",
			strings.NewReader(`{"existing":"`+alice.Secret+`"}`))
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		// Alice's data is untouched.
		assert.Len(t, alice.items(t, aliceThread), aliceItems)
		status, _ := call(t, "GET", fmt.Sprintf("%s/api/v1/tasks/%d", a.URL, task.ID), alice.Secret, nil)
		assert.Equal(t, http.StatusOK, status)
	})
}

// TestSessionHammeringIsRateLimitedPerClient: one browser hammering the
// session endpoint gets 429 (with Retry-After and the JSON error shape)
// once over RATE_LIMIT_PER_MINUTE, while other browsers are served.
func TestSessionHammeringIsRateLimitedPerClient(t *testing.T) {
	const limit = 20
	a := startApp(t, map[string]string{"RATE_LIMIT_PER_MINUTE": strconv.Itoa(limit)})
	hammer := newUser(t, a.URL) // one request used
	var mu sync.Mutex
	counts := map[int]int{}
	var retryAfter []string
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 40 {
				resp, err := hammer.HTTP.Post(a.URL+sessionsvc.PathSessions, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				mu.Lock()
				counts[resp.StatusCode]++
				if resp.StatusCode == http.StatusTooManyRequests {
					retryAfter = append(retryAfter, resp.Header.Get("Retry-After"))
					if msg := checkErrorShape(resp.Header.Get("Content-Type"), b); msg != "" {
						t.Errorf("429 body: %s: %s", msg, b)
					}
				}
				mu.Unlock()
			}
		}()
	}
	// Meanwhile other browsers are served.
	others := 0
	for range 10 {
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		c := &http.Client{Jar: jar}
		resp, err := c.Post(a.URL+sessionsvc.PathSessions, "application/json", nil)
		require.NoError(t, err)
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			others++
		}
	}
	wg.Wait()
	t.Logf("hammering browser: %v; other browsers served: %d/10", counts, others)
	assert.Equal(t, limit-1, counts[http.StatusOK], "the hammering browser gets its limit")
	assert.Equal(t, 320-(limit-1), counts[http.StatusTooManyRequests], "then 429")
	assert.Equal(t, 10, others, "other browsers are served")
	for _, ra := range retryAfter {
		secs, err := strconv.Atoi(ra)
		if assert.NoError(t, err) {
			assert.True(t, secs >= 1 && secs <= 60, "Retry-After %d", secs)
		}
	}
	assert.Contains(t, metrics(t, a.URL), fmt.Sprintf(`taskpilot_ratelimit_rejected_total{service="taskpilot"} %d`, 320-(limit-1)))
}
