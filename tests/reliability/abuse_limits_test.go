//go:build faults

package reliability_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/chatstore"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
	"github.com/taskpilotai/taskpilot/services/session-service/sessionsvc"
)

// The abuse suite of issue 11, part B (findings 3-6 and the per-user stream
// cap): each test first does what the attacker did, against the built
// binary over real sockets, then checks the fixed behaviour. Limits are set
// small so the suite stays fast; the defaults are in README "Limits and
// abuse protection".

// limitsOff is every abuse limit switched off; tests turn on the one they
// try.
var limitsOff = map[string]string{
	"RATE_LIMIT_PER_MINUTE":        "0",
	"CHAT_TURNS_PER_MINUTE":        "0",
	"CHAT_STREAMS_PER_USER":        "0",
	"CHAT_TURNS_PER_IP_PER_MINUTE": "0",
	"SESSIONS_PER_IP_PER_MINUTE":   "0",
	"API_REQUESTS_PER_MINUTE":      "0",
	"MAX_FEEDBACK_ITEMS":           "0",
	"MAX_THREADS_PER_USER":         "0",
	"MAX_TASKS_PER_USER":           "0",
	"MAX_ITEMS_PER_THREAD":         "0",
}

// storeEnv returns the binary's environment on store ("sqlite" or
// "postgres": a schema of its own) with limitsOff, then extra; and the
// store's URL (for reading what was written).
func storeEnv(t *testing.T, store string, extra map[string]string) (map[string]string, string) {
	t.Helper()
	dir := t.TempDir()
	dbURL := "sqlite://" + filepath.Join(dir, "taskpilot.db")
	if store == "postgres" {
		schema := storagetest.NewPostgresSchema(t)
		u, err := url.Parse(storagetest.PostgresURL())
		require.NoError(t, err)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dbURL = u.String()
	}
	env := map[string]string{
		"DATABASE_URL":        dbURL,
		"DATA_DIR":            dir,
		"STATIC_DIR":          filepath.Join(dir, "none"),
		"SESSION_SIGNING_KEY": signingKey,
	}
	for k, v := range limitsOff {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	return env, dbURL
}

var stores = []string{"sqlite", "postgres"}

// reply is one raw HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string { return fmt.Sprintf("%d %.300s", r.status, r.body) }

// errorCode checks the stable JSON error shape (and so that no SSE
// started) and returns the code.
func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	require.Empty(t, checkErrorShape(r.header.Get("Content-Type"), r.body), "%s", r)
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.body, &e))
	return e.Error.Code
}

// retryAfter returns the Retry-After seconds (failing when absent).
func (r reply) retryAfter(t *testing.T) int {
	t.Helper()
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", r.header.Get("Retry-After"))
	require.Positive(t, secs)
	return secs
}

// raw sends one request with the bearer secret and reads the whole answer
// (a stream too).
func raw(t *testing.T, method, target, secret string, body []byte, header http.Header) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// turn sends a ChatKit request of u and reads the whole answer.
func (u *user) raw(t *testing.T, typ chatkit.RequestType, params any) reply {
	t.Helper()
	return raw(t, http.MethodPost, u.base+"/api/v1/chatkit", u.Secret, chatkittest.Request(typ, params), nil)
}

// id is the user id the session endpoint bound u's secret to (the
// secret's "sub"; the tp_uid cookie is not the id: the server stores an
// HMAC of it).
func (u *user) id(t *testing.T) string {
	t.Helper()
	parts := strings.Split(u.Secret, ".")
	require.Len(t, parts, 3, "a JWT session secret")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims struct {
		Sub string `json:"sub"`
	}
	require.NoError(t, json.Unmarshal(payload, &claims))
	require.NotEmpty(t, claims.Sub)
	return claims.Sub
}

// threadCount is how many threads u has (threads.list, up to 100).
func (u *user) threadCount(t *testing.T) int {
	t.Helper()
	res := u.do(t, chatkit.ReqThreadsList, map[string]any{"limit": 100})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(res.Body, &page))
	return len(page.Data)
}

// newThread runs one turn that creates a thread and returns its id.
func (u *user) newThread(t *testing.T, text string) string {
	t.Helper()
	res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(text)})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	return threadID(t, res)
}

// TestFaultAbuseTurnBurst (finding 3): one secret fired 80 turns in 0.2 s,
// each able to call the model. Now a user's turns come from a token bucket
// (CHAT_TURN_BURST at once, refilled at CHAT_TURNS_PER_MINUTE): with a
// burst of 80, 81 concurrent turns give exactly 80 streams and one 429 with
// Retry-After and the JSON error shape, no SSE, nothing stored; another
// user is unaffected.
func TestFaultAbuseTurnBurst(t *testing.T) {
	t.Parallel()
	const burst = 80
	env, _ := storeEnv(t, "sqlite", map[string]string{
		"CHAT_TURNS_PER_MINUTE": "1", // refills one turn a minute: none during the test
		"CHAT_TURN_BURST":       strconv.Itoa(burst),
	})
	p := startBinary(t, env)
	attacker, other := newUser(t, p.URL), newUser(t, p.URL)

	replies := make([]reply, burst+1)
	var wg sync.WaitGroup
	for i := range replies {
		wg.Go(func() {
			replies[i] = attacker.raw(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello " + strconv.Itoa(i))})
		})
	}
	wg.Wait()
	byStatus := map[int]int{}
	for _, r := range replies {
		byStatus[r.status]++
		switch r.status {
		case http.StatusOK:
			assert.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream"), "%s", r)
		case http.StatusTooManyRequests:
			assert.Equal(t, "rate_limited", r.errorCode(t))
			secs := r.retryAfter(t)
			assert.LessOrEqual(t, secs, 60, "one token a minute")
		default:
			t.Errorf("unexpected answer %s", r)
		}
	}
	t.Logf("%d concurrent turns: %v", len(replies), byStatus)
	assert.Equal(t, burst, byStatus[http.StatusOK], "the burst")
	assert.Equal(t, 1, byStatus[http.StatusTooManyRequests], "the 81st turn")
	assert.Equal(t, burst, attacker.threadCount(t), "the refused turn stored nothing")

	// The bucket is empty now: the next turn too, while another user's passes.
	r := attacker.raw(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("again")})
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	other.newThread(t, "hello")
	assert.Contains(t, scrapeMetrics(t, p), `taskpilot_ratelimit_rejected_total{service="taskpilot"} 2`)
}

// TestFaultAbuseTurnsPerAddress (finding 3): a client that mints a new
// identity for every turn (a session without cookies each time) had a
// fresh per-user bucket each time. Turns are also counted per client
// address (CHAT_TURNS_PER_IP_PER_MINUTE), whatever identity sends them;
// behind a trusted proxy, per X-Forwarded-For client.
func TestFaultAbuseTurnsPerAddress(t *testing.T) {
	t.Parallel()
	const perIP = 5
	env, _ := storeEnv(t, "sqlite", map[string]string{
		"CHAT_TURNS_PER_IP_PER_MINUTE": strconv.Itoa(perIP),
		"TRUSTED_PROXIES":              "127.0.0.1/32,::1/128",
	})
	p := startBinary(t, env)
	turnFrom := func(xff string) reply {
		u := newUser(t, p.URL) // a fresh identity
		h := http.Header{"X-Forwarded-For": {xff}}
		return raw(t, http.MethodPost, p.URL+"/api/v1/chatkit", u.Secret,
			chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")}), h)
	}
	for i := range perIP {
		r := turnFrom("198.51.100.1")
		require.Equal(t, http.StatusOK, r.status, "turn %d: %s", i+1, r)
	}
	r := turnFrom("198.51.100.1")
	require.Equal(t, http.StatusTooManyRequests, r.status, "a new identity, the same address: %s", r)
	assert.Equal(t, "rate_limited", r.errorCode(t))
	r.retryAfter(t)
	r = turnFrom("198.51.100.2")
	assert.Equal(t, http.StatusOK, r.status, "another client behind the proxy: %s", r)
}

// TestFaultAbuseTurnDefaults: with the shipped defaults (20 a minute, burst
// 10) the 11th turn of a burst is refused.
func TestFaultAbuseTurnDefaults(t *testing.T) {
	t.Parallel()
	env, _ := storeEnv(t, "sqlite", nil)
	delete(env, "CHAT_TURNS_PER_MINUTE")
	delete(env, "CHAT_TURN_BURST")
	p := startBinary(t, env)
	u := newUser(t, p.URL)
	for i := range config.DefaultChatTurnBurst {
		r := u.raw(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hi " + strconv.Itoa(i))})
		require.Equal(t, http.StatusOK, r.status, "turn %d: %s", i+1, r)
	}
	r := u.raw(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("one more")})
	require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r)
	assert.Equal(t, "rate_limited", r.errorCode(t))
	assert.LessOrEqual(t, r.retryAfter(t), 3, "20 a minute: a token every 3 s")
}

// TestFaultAbuseStreamsPerUser (finding 2, the per-user half): one user
// could hold any number of streams open. Now the third concurrent stream
// of a user (CHAT_STREAMS_PER_USER=2) is a 429 with Retry-After before any
// SSE, another user still streams, and the user streams again once one of
// theirs ends.
func TestFaultAbuseStreamsPerUser(t *testing.T) {
	t.Parallel()
	fake := fakeopenai.New(t, openAIKey)
	hold := make(chan struct{})
	fake.Enqueue(fakeopenai.Step{Text: []string{"held"}, Hold: hold}, fakeopenai.Step{Text: []string{"held"}, Hold: hold})
	for range 4 {
		fake.Enqueue(fakeopenai.Reply("Here ", "you ", "are."))
	}
	env, _ := storeEnv(t, "sqlite", map[string]string{
		"CHAT_STREAMS_PER_USER": "2",
		"OPENAI_API_KEY":        openAIKey,
		"OPENAI_BASE_URL":       fake.URL,
		"OPENAI_API_STYLE":      config.APIStyleChatCompletions,
	})
	p := startBinary(t, env)
	a, b := newUser(t, p.URL), newUser(t, p.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := a.chat()
	c.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	opened := make(chan struct{}, 2)
	results := make(chan streamResult, 2)
	for i := range 2 {
		go openStream(ctx, c, "stream "+strconv.Itoa(i), opened, results)
	}
	<-opened
	<-opened
	eventually(t, 30*time.Second, func() bool { return len(fake.Requests()) == 2 }, "both streams wait on the model")

	r := a.raw(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("a third")})
	require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r)
	assert.Equal(t, "rate_limited", r.errorCode(t))
	assert.Equal(t, 5, r.retryAfter(t))
	assert.Equal(t, 2, a.threadCount(t), "the refused stream stored nothing")

	res := b.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hi")})
	require.Equal(t, http.StatusOK, res.Status, "another user streams: %s", res.Body)
	assert.True(t, completed(res))

	close(hold) // the held replies finish; their slots are released
	for range 2 {
		sr := <-results
		require.NoError(t, sr.readErr)
		assert.Equal(t, http.StatusOK, sr.status)
	}
	res = a.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("now there is room")})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	assert.True(t, completed(res))
}

// TestFaultAbuseSessionsPerIP (finding 3): a client without cookies (or
// with a tp_uid of its own choosing) got a fresh identity, and so a fresh
// per-user session limit, on every request. Now session requests are also
// counted per client address (SESSIONS_PER_IP_PER_MINUTE, before the caller
// is identified). X-Forwarded-For names the client only when the peer is in
// TRUSTED_PROXIES: from an untrusted peer it is ignored, and entries a
// client prepends never count.
func TestFaultAbuseSessionsPerIP(t *testing.T) {
	t.Parallel()
	const limit = 4
	post := func(t *testing.T, base string, xff string, cookie string) reply {
		t.Helper()
		h := http.Header{}
		if xff != "" {
			h.Set("X-Forwarded-For", xff)
		}
		if cookie != "" {
			h.Set("Cookie", auth.CookieUserID+"="+cookie)
		}
		return raw(t, http.MethodPost, base+sessionsvc.PathSessions, "", nil, h)
	}
	chosenID := func(i int) string { return "anon_" + strings.Repeat(strconv.Itoa(i%10), 22) }

	t.Run("no trusted proxy: every request counts against the peer, whatever its header says", func(t *testing.T) {
		t.Parallel()
		env, _ := storeEnv(t, "sqlite", map[string]string{"SESSIONS_PER_IP_PER_MINUTE": strconv.Itoa(limit)})
		p := startBinary(t, env)
		for i := range limit {
			// Cookieless, a self-chosen identity, and a spoofed header: all
			// from 127.0.0.1.
			cookie := ""
			if i%2 == 1 {
				cookie = chosenID(i)
			}
			r := post(t, p.URL, fmt.Sprintf("198.51.100.%d", i+1), cookie)
			require.Equal(t, http.StatusOK, r.status, "request %d: %s", i+1, r)
		}
		r := post(t, p.URL, "203.0.113.77", "")
		require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r)
		assert.Equal(t, "rate_limited", r.errorCode(t))
		assert.LessOrEqual(t, r.retryAfter(t), 60)
		r = post(t, p.URL, "", chosenID(9))
		assert.Equal(t, http.StatusTooManyRequests, r.status, "a new self-chosen identity does not help")
	})

	t.Run("trusted proxy: X-Forwarded-For names the client", func(t *testing.T) {
		t.Parallel()
		env, _ := storeEnv(t, "sqlite", map[string]string{
			"SESSIONS_PER_IP_PER_MINUTE": strconv.Itoa(limit),
			"TRUSTED_PROXIES":            "127.0.0.1/32,::1/128",
		})
		p := startBinary(t, env)
		for i := range limit {
			r := post(t, p.URL, "198.51.100.1", "")
			require.Equal(t, http.StatusOK, r.status, "request %d: %s", i+1, r)
		}
		r := post(t, p.URL, "198.51.100.1", "")
		require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r)
		r.retryAfter(t)
		// The client prepends an address of its own: the proxy's hop (the
		// rightmost) still names it.
		r = post(t, p.URL, "10.9.9.9, 198.51.100.1", "")
		assert.Equal(t, http.StatusTooManyRequests, r.status, "a prepended entry changes nothing: %s", r)
		// Other clients behind the same proxy have their own count.
		r = post(t, p.URL, "198.51.100.2", "")
		assert.Equal(t, http.StatusOK, r.status, "%s", r)
	})
}

// TestFaultAbuseFeedback (finding 4): items.feedback took 550k made-up ids
// in one request, wrote ~95 MB and stalled other writes. Now the same
// request is a 413 before anything is read from the store, made-up ids are
// a 422 (every id must be an item of the thread), and nothing is written;
// on SQLite and PostgreSQL alike.
func TestFaultAbuseFeedback(t *testing.T) {
	t.Parallel()
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			env, dbURL := storeEnv(t, store, map[string]string{"MAX_FEEDBACK_ITEMS": "100"})
			p := startBinary(t, env)
			u := newUser(t, p.URL)
			tid := u.newThread(t, "add a task to water the plants")
			items := u.items(t, tid)
			require.NotEmpty(t, items)
			real := make([]string, 0, len(items))
			for _, it := range items {
				real = append(real, it.Header().ID)
			}

			made := make([]string, 550_000)
			for i := range made {
				made[i] = "m" + strconv.Itoa(i)
			}
			start := time.Now()
			r := u.raw(t, chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": made, "kind": "negative"})
			t.Logf("550k made-up ids: %d in %s (nothing read or written)", r.status, time.Since(start).Round(time.Millisecond))
			require.Equal(t, http.StatusRequestEntityTooLarge, r.status, "%.300s", r.body)
			assert.Equal(t, "payload_too_large", r.errorCode(t))

			r = u.raw(t, chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": append(real[:1:1], "msg_made_up"), "kind": "negative"})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r)
			assert.Equal(t, "validation_failed", r.errorCode(t))

			other := newUser(t, p.URL)
			r = other.raw(t, chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": real[:1], "kind": "negative"})
			assert.Equal(t, http.StatusNotFound, r.status, "another user's thread: %s", r)

			fb := feedbackIn(t, dbURL, u.id(t), tid)
			assert.Empty(t, fb, "nothing was written")

			r = u.raw(t, chatkit.ReqItemsFeedback, map[string]any{"thread_id": tid, "item_ids": real, "kind": "positive"})
			require.Equal(t, http.StatusOK, r.status, "%s", r)
			assert.Len(t, feedbackIn(t, dbURL, u.id(t), tid), len(real))
		})
	}
}

// feedbackIn reads the feedback rows of a thread straight from the store
// the binary writes.
func feedbackIn(t *testing.T, dbURL, userID, threadID string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, dbURL)
	require.NoError(t, err)
	defer db.Close()
	fb, err := chatstore.New(db).Feedback(ctx, userID, threadID)
	require.NoError(t, err)
	return fb
}

// TestFaultAbuseSizes (finding 5): a 1 MB thread title was stored and sent
// back in every threads.list, and multi-MB messages were stored and echoed.
// Now the title is a 422 naming the field and the message a 413, both
// before any SSE, and nothing is stored.
func TestFaultAbuseSizes(t *testing.T) {
	t.Parallel()
	env, _ := storeEnv(t, "sqlite", nil) // the default size limits
	p := startBinary(t, env)
	u := newUser(t, p.URL)
	tid := u.newThread(t, "hello")

	r := u.raw(t, chatkit.ReqThreadsUpdate, map[string]any{"thread_id": tid, "title": strings.Repeat("T", 1<<20)})
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "%.300s", r.body)
	assert.Equal(t, "validation_failed", r.errorCode(t))
	assert.Contains(t, string(r.body), "params.title")

	big := strings.Repeat("buy milk ", (3<<20)/9)
	r = u.raw(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input(big)})
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status, "%.300s", r.body)
	assert.Equal(t, "payload_too_large", r.errorCode(t))
	r = u.raw(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": tid, "input": chatkittest.Input(big)})
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status, "%.300s", r.body)

	list := u.do(t, chatkit.ReqThreadsList, map[string]any{})
	assert.Less(t, len(list.Body), 4096, "threads.list stays small")
	assert.Equal(t, 1, u.threadCount(t))
	for _, it := range u.items(t, tid) {
		if um, ok := it.(*chatkit.UserMessageItem); ok {
			assert.Less(t, len(um.Text()), 1000, "no big message was stored")
		}
	}

	// A message at the limit passes.
	r = u.raw(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": tid,
		"input": chatkittest.Input(strings.Repeat("x", config.DefaultMaxMessageChars))})
	assert.Equal(t, http.StatusOK, r.status)
}

// TestFaultAbuseQuotas (finding 5): no per-user limit on threads, tasks or
// items per thread. Now each is a quota: past it, 422 quota_exceeded (a
// stable code, no Retry-After: waiting does not help), before any SSE;
// deleting makes room. On SQLite and PostgreSQL.
func TestFaultAbuseQuotas(t *testing.T) {
	t.Parallel()
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			env, _ := storeEnv(t, store, map[string]string{
				"MAX_THREADS_PER_USER": "3",
				"MAX_TASKS_PER_USER":   "3",
				"MAX_ITEMS_PER_THREAD": "6",
			})
			p := startBinary(t, env)
			u := newUser(t, p.URL)

			first := u.newThread(t, "hello")
			u.newThread(t, "hello again")
			u.newThread(t, "and again")
			r := u.raw(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("one too many")})
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r)
			assert.Equal(t, "quota_exceeded", r.errorCode(t))
			assert.Empty(t, r.header.Get("Retry-After"))
			assert.Equal(t, 3, u.threadCount(t))

			for i := range 3 {
				status, body := call(t, "POST", p.URL+"/api/v1/tasks", u.Secret, map[string]any{"title": "task " + strconv.Itoa(i)})
				require.Equal(t, http.StatusCreated, status, "%s", body)
			}
			status, body := call(t, "POST", p.URL+"/api/v1/tasks", u.Secret, map[string]any{"title": "one too many"})
			require.Equal(t, http.StatusUnprocessableEntity, status, "%s", body)
			assert.Contains(t, string(body), `"quota_exceeded"`)
			// Through the chat the tool fails, the turn does not: the
			// assistant says why.
			res := u.do(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": first, "input": chatkittest.Input("add a task to call mom")})
			require.Equal(t, http.StatusOK, res.Status)
			_, failed := lastError(res)
			assert.False(t, failed, "%v", res.Types())
			assert.Contains(t, assistantText(res.Events), "the most allowed")
			status, body = call(t, "GET", p.URL+"/api/v1/tasks", u.Secret, nil)
			require.Equal(t, http.StatusOK, status)
			assert.Equal(t, 3, strings.Count(string(body), `"id":`), "still three tasks: %s", body)

			// Items: turns on one thread until it is full (each turn adds
			// at least a message and a reply).
			var refused reply
			for range 6 {
				refused = u.raw(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": first, "input": chatkittest.Input("hi")})
				if refused.status != http.StatusOK {
					break
				}
			}
			require.Equal(t, http.StatusUnprocessableEntity, refused.status, "%s", refused)
			assert.Equal(t, "quota_exceeded", refused.errorCode(t))

			r = u.raw(t, chatkit.ReqThreadsDelete, map[string]any{"thread_id": first})
			require.Equal(t, http.StatusOK, r.status)
			u.newThread(t, "room again")
		})
	}
}

// TestFaultAbuseControlCharacters (finding 6): NUL gave 500s on PostgreSQL
// (SQLSTATE 22021) in a task title over REST, a thread title, and a chat
// message that adds a task (a failed turn), while SQLite accepted it. Now
// both stores answer every case the same, never 5xx: refused in fields a
// program sets (task fields 422, thread title 400), dropped from a chat
// message, whose turn then adds a clean task.
func TestFaultAbuseControlCharacters(t *testing.T) {
	t.Parallel()
	outcomes := map[string]map[string]string{}
	var mu sync.Mutex
	t.Run("stores", func(t *testing.T) {
		for _, store := range stores {
			t.Run(store, func(t *testing.T) {
				t.Parallel()
				got := controlCharacterOutcomes(t, store)
				mu.Lock()
				outcomes[store] = got
				mu.Unlock()
			})
		}
	})
	if len(outcomes) == len(stores) {
		assert.Equal(t, outcomes["sqlite"], outcomes["postgres"], "the same input behaves the same on both stores")
	}
}

func controlCharacterOutcomes(t *testing.T, store string) map[string]string {
	env, _ := storeEnv(t, store, nil)
	p := startBinary(t, env)
	u := newUser(t, p.URL)
	out := map[string]string{}
	record := func(name string, status int, body []byte) {
		require.Less(t, status, 500, "%s: %d %s", name, status, body)
		code := ""
		if status >= 400 {
			var e struct {
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(body, &e), "%s: %s", name, body)
			code = e.Error.Code
		}
		out[name] = fmt.Sprintf("%d %s", status, code)
	}

	status, body := call(t, "POST", p.URL+"/api/v1/tasks", u.Secret, map[string]any{"title": "null\x00byte"})
	record("REST task title", status, body)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	status, body = call(t, "POST", p.URL+"/api/v1/tasks", u.Secret, map[string]any{"title": "ok", "description": "esc\x1b[2J"})
	record("REST task description", status, body)
	status, body = call(t, "POST", p.URL+"/api/v1/tasks", u.Secret, map[string]any{"title": "Plan", "description": "line\n\tindented"})
	record("REST task with tab and newline", status, body)
	assert.Equal(t, http.StatusCreated, status)
	status, body = call(t, "PATCH", p.URL+"/api/v1/tasks/1", u.Secret, map[string]any{"title": "re\x00named"})
	record("REST task rename", status, body)
	status, body = call(t, "GET", p.URL+"/api/v1/tasks?query="+url.QueryEscape("a\x00"), u.Secret, nil)
	record("REST task search", status, body)

	// A chat message with a stray NUL adds a task: the character is
	// dropped, the turn succeeds, the task is clean.
	res := u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("add a task to buy\x00 milk")})
	record("chat message with NUL", res.Status, res.Body)
	require.Equal(t, http.StatusOK, res.Status)
	_, failed := lastError(res)
	assert.False(t, failed, "the turn did not fail: %v", res.Types())
	tid := threadID(t, res)
	items := u.items(t, tid)
	require.NotEmpty(t, items)
	assert.Equal(t, "add a task to buy milk", items[0].(*chatkit.UserMessageItem).Text())
	status, body = call(t, "GET", p.URL+"/api/v1/tasks", u.Secret, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"Buy milk"`, "the task the message added")
	assert.NotContains(t, string(body), `\u0000`)

	r := u.raw(t, chatkit.ReqThreadsUpdate, map[string]any{"thread_id": tid, "title": "title\x00"})
	record("thread title", r.status, r.body)
	assert.Equal(t, http.StatusBadRequest, r.status)
	r = u.raw(t, chatkit.ReqThreadsGetByID, map[string]any{"thread_id": tid + "\x00"})
	record("thread id", r.status, r.body)
	r = u.raw(t, chatkit.ReqItemsList, map[string]any{"thread_id": tid, "after": "\x00"})
	record("items cursor", r.status, r.body)
	return out
}

// redisOrSkip returns a Redis URL when one answers on 127.0.0.1:6379
// (.ci/run starts one; CI fails without it).
func redisOrSkip(t *testing.T) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:6379", time.Second)
	if err != nil {
		if ciMode() {
			t.Fatalf("CI=true but no Redis on 127.0.0.1:6379: %v", err)
		}
		t.Skipf("no Redis on 127.0.0.1:6379: %v", err)
	}
	_ = c.Close()
	return "redis://127.0.0.1:6379/0"
}

// TestFaultAbuseLimitsSharedThroughRedis: two replicas (two binaries, each
// its own store) sharing one Redis agree on the counts: turns of one user
// and session requests of one address, whichever replica they reach.
func TestFaultAbuseLimitsSharedThroughRedis(t *testing.T) {
	t.Parallel()
	redisURL := redisOrSkip(t)
	prefix := fmt.Sprintf("taskpilot-abuse-test:%d:", time.Now().UnixNano())
	var replicas []*proc
	for range 2 {
		env, _ := storeEnv(t, "sqlite", map[string]string{
			"REDIS_URL":                  redisURL,
			"RATE_LIMIT_REDIS_PREFIX":    prefix,
			"CHAT_TURNS_PER_MINUTE":      "1",
			"CHAT_TURN_BURST":            "4",
			"SESSIONS_PER_IP_PER_MINUTE": "6",
		})
		replicas = append(replicas, startBinary(t, env))
	}
	// Sessions: 2 users (2 requests) on replica 0, then requests alternate.
	u := newUser(t, replicas[0].URL)
	newUser(t, replicas[0].URL)
	for i := range 4 {
		r := raw(t, http.MethodPost, replicas[i%2].URL+sessionsvc.PathSessions, "", nil, nil)
		require.Equal(t, http.StatusOK, r.status, "session request %d: %s", i+3, r)
	}
	r := raw(t, http.MethodPost, replicas[1].URL+sessionsvc.PathSessions, "", nil, nil)
	require.Equal(t, http.StatusTooManyRequests, r.status, "the 7th from this address, counted across replicas: %s", r)
	r.retryAfter(t)

	// Turns: the same secret works on both replicas (one signing key).
	for i := range 4 {
		base := replicas[i%2].URL
		r := raw(t, http.MethodPost, base+"/api/v1/chatkit", u.Secret,
			chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hi")}), nil)
		require.Equal(t, http.StatusOK, r.status, "turn %d: %s", i+1, r)
	}
	for _, p := range replicas {
		r := raw(t, http.MethodPost, p.URL+"/api/v1/chatkit", u.Secret,
			chatkittest.Request(chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hi")}), nil)
		require.Equal(t, http.StatusTooManyRequests, r.status, "the burst of 4 is spent on both replicas: %s", r)
		assert.Equal(t, "rate_limited", r.errorCode(t))
		r.retryAfter(t)
	}
}

// TestFaultAbuseRedisUnreachable: with REDIS_URL pointing at nothing the
// binary starts, the limits fail open (every request served), the outage
// is logged once per limiter rather than per request, and every affected
// check is counted in taskpilot_ratelimit_backend_errors_total.
func TestFaultAbuseRedisUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now

	env, _ := storeEnv(t, "sqlite", map[string]string{
		"REDIS_URL":                  "redis://" + dead + "/0",
		"RATE_LIMIT_PER_MINUTE":      "1",
		"SESSIONS_PER_IP_PER_MINUTE": "1",
		"CHAT_TURNS_PER_MINUTE":      "1",
		"CHAT_TURN_BURST":            "1",
	})
	p := startBinary(t, env)
	const n = 6
	var u *user
	for range n {
		u = newUser(t, p.URL) // over both session limits, were Redis up
	}
	for range n {
		u.newThread(t, "hello") // over the turn limit, were Redis up
	}
	const outageLine = "rate limiter backend unavailable"
	// Three limiters were consulted (sessions per address, per user, turns):
	// at most one line each, whatever the number of requests.
	logs := p.stderr.String()
	assert.Equal(t, 3, strings.Count(logs, outageLine), "%s", logs)
	for range n {
		u.newThread(t, "more")
	}
	assert.Equal(t, 3, strings.Count(p.stderr.String(), outageLine), "no line per request")
	m := scrapeMetrics(t, p)
	line := ""
	for _, l := range strings.Split(m, "\n") {
		if strings.HasPrefix(l, `taskpilot_ratelimit_backend_errors_total{service="taskpilot"}`) {
			line = l
		}
	}
	require.NotEmpty(t, line, "the metric is exported")
	v, err := strconv.ParseFloat(strings.Fields(line)[1], 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, v, float64(2*n+n+n), "every check counted: %s", line)
}

// ciMode reports whether the suite runs under CI=true.
func ciMode() bool { return strings.EqualFold(strings.TrimSpace(os.Getenv("CI")), "true") }
