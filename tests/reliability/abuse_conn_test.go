//go:build faults

package reliability_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/chatkit"
	"github.com/taskpilotai/taskpilot/pkg/chatkit/chatkittest"
	"github.com/taskpilotai/taskpilot/pkg/config"
	"github.com/taskpilotai/taskpilot/pkg/storage"
	"github.com/taskpilotai/taskpilot/pkg/storage/storagetest"
)

// Issue 11, connection and HTTP hardening: each finding reproduced over real
// sockets against the built binary (cmd/taskpilot), showing the fixed
// behaviour. Limits and timeouts are set short through their variables so
// the suite takes seconds; the bounds in the waits below only guard against
// a hang, the server's own limits are far shorter.

// binaryEnv is the environment of a binary under abuse: SQLite in a fresh
// data dir, a known signing key, rate limits off (h11b's area).
func binaryEnv(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	full := map[string]string{
		"DATABASE_URL":          "sqlite://" + filepath.Join(dir, "taskpilot.db"),
		"DATA_DIR":              dir,
		"STATIC_DIR":            filepath.Join(t.TempDir(), "no-frontend"),
		"SESSION_SIGNING_KEY":   signingKey,
		"RATE_LIMIT_PER_MINUTE": "0",
	}
	for k, v := range env {
		full[k] = v
	}
	return full
}

func hostOf(t *testing.T, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	return u.Host
}

// closedByServer reads c until the server closes it; it fails when the
// connection is still open after bound.
func closedByServer(t *testing.T, c net.Conn, bound time.Duration) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(bound)))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept %s open for %s", c.LocalAddr(), bound)
	}
}

// Finding 1: connections that never send a byte stay open for ever.
func TestFaultAbuseSilentSocketsAreClosedByTheReadDeadline(t *testing.T) {
	t.Parallel()
	p := startBinary(t, binaryEnv(t, map[string]string{"HTTP_READ_TIMEOUT": "1s", "MAX_CONNS_PER_IP": "0"}))
	addr := hostOf(t, p.URL)
	conns := make([]net.Conn, 100)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		conns[i] = c
	}
	for _, c := range conns {
		closedByServer(t, c, 30*time.Second)
	}
	status, err := get(p.URL + "/healthz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status, "the server still accepts and serves")
}

// Finding 1 (the cap): one address cannot hold every file descriptor.
func TestFaultAbuseConnectionsPerIPAreCapped(t *testing.T) {
	t.Parallel()
	p := startBinary(t, binaryEnv(t, map[string]string{"MAX_CONNS_PER_IP": "5", "HTTP_READ_TIMEOUT": "1m"}))
	addr := hostOf(t, p.URL)
	for range 5 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
	}
	over, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer over.Close()
	require.NoError(t, over.SetReadDeadline(time.Now().Add(30*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(over), nil)
	require.NoError(t, err, "the 6th connection gets an answer, then is closed")
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Contains(t, string(body), `"code":"rate_limited"`)
	assert.Contains(t, scrapeMetrics(t, p), `taskpilot_http_connections_rejected_total{service="taskpilot"} 1`)
}

// dialUnread connects with a small receive buffer and never reads, as a
// client that stopped reading its stream.
func dialUnread(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return serr
	}}
	c, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Finding 2: a stream the client never reads stays open for ever and pins
// memory. Now a write blocked past HTTP_WRITE_STALL_TIMEOUT ends it exactly
// like a disconnect: the partial reply is saved (with its hidden note), and
// the turn's resources are released (the stream gauge returns to 0).
func TestFaultAbuseUnreadStreamEndsAfterTheStallTimeout(t *testing.T) {
	t.Parallel()
	fake := fakeopenai.New(t, openAIKey)
	p := startBinary(t, binaryEnv(t, map[string]string{
		"OPENAI_API_KEY": openAIKey, "OPENAI_BASE_URL": fake.URL, "HTTP_WRITE_STALL_TIMEOUT": "1s",
	}))
	u := newUser(t, p.URL)
	fake.Enqueue(fakeopenai.Reply("Hi!"))
	id := threadID(t, u.do(t, chatkit.ReqThreadsCreate, map[string]any{"input": chatkittest.Input("hello")}))

	// A reply of some 10 MB in 16 KiB deltas: more than the socket buffers
	// hold (the server's send buffer grows to 4 MiB on Linux).
	chunks := make([]string, 600)
	for i := range chunks {
		chunks[i] = fmt.Sprintf("part %03d ", i) + strings.Repeat("of a very long answer that nobody reads. ", 400)
	}
	fake.Enqueue(fakeopenai.Reply(chunks...))
	body := chatkittest.Request(chatkit.ReqThreadsAddUserMessage,
		map[string]any{"thread_id": id, "input": chatkittest.Input("tell me everything")})
	c := dialUnread(t, hostOf(t, p.URL))
	_, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		"/api/v1/chatkit", u.Secret, len(body), body)
	require.NoError(t, err)

	// Nothing is read (reading would unblock the server). The server gives
	// up on the client once a write has waited 1s: the turn is cancelled,
	// the stream gauge returns to 0, and the connection is closed.
	eventually(t, 60*time.Second, func() bool {
		m := scrapeMetrics(t, p)
		return strings.Contains(m, "\ntaskpilot_chatkit_active_streams 0\n") &&
			strings.Contains(m, `taskpilot_agent_turns_total{agent="openai",outcome="cancelled"} 1`)
	}, "the unread stream is ended and its turn cancelled")
	closedByServer(t, c, 10*time.Second)
	var items []chatkit.Item
	eventually(t, 30*time.Second, func() bool {
		items = u.items(t, id)
		return len(items) == 4
	}, "the partial reply is saved")
	require.Equal(t, []string{"user_message", "assistant_message", "user_message", "assistant_message"}, itemTypes(items))
	partial := items[3].(*chatkit.AssistantMessageItem).Text()
	full := strings.Join(chunks, "")
	assert.NotEmpty(t, partial)
	assert.True(t, strings.HasPrefix(full, partial), "the partial reply is a prefix of the answer")
	assert.Less(t, len(partial), len(full), "the answer was cut")

	// The model is told the user stopped the reply (the hidden note), as
	// after a disconnect: the next turn's history carries it.
	fake.Enqueue(fakeopenai.Reply("Back again."))
	next := u.do(t, chatkit.ReqThreadsAddUserMessage, map[string]any{"thread_id": id, "input": chatkittest.Input("still there?")})
	_, failed := lastError(next)
	require.False(t, failed, "next turn: %v", next.Types())
	reqs := fake.Requests()
	require.NotEmpty(t, reqs)
	last, err := json.Marshal(reqs[len(reqs)-1])
	require.NoError(t, err)
	assert.Contains(t, string(last), chatkit.CancelledContent, "the cancellation note reaches the model")
}

// scrapeMetrics reads /metrics from the binary's metrics listener.
func scrapeMetrics(t *testing.T, p *proc) string {
	t.Helper()
	require.NotEmpty(t, p.Metrics, "the binary prints its metrics address")
	resp, err := http.Get(p.Metrics + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return string(b)
}

// Finding 10: /metrics is not on the public listener; it is served on
// METRICS_ADDR (default 127.0.0.1:9090, loopback only).
func TestFaultAbuseMetricsAreOffThePublicListener(t *testing.T) {
	t.Parallel()
	p := startBinary(t, binaryEnv(t, nil))
	status, err := get(p.URL + "/metrics")
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, scrapeMetrics(t, p), "taskpilot_http_requests_total")
	mu, err := url.Parse(p.Metrics)
	require.NoError(t, err)
	assert.True(t, net.ParseIP(mu.Hostname()).IsLoopback(), "metrics on loopback: %s", p.Metrics)
	def, err := config.Load(config.MapLookup(nil), config.AllInOne)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9090", def.MetricsAddr, "the documented default is loopback only")
}

// Finding 7: every response carries the security headers; pages carry the
// front end's Content-Security-Policy (written by frontend/scripts/csp.mjs).
func TestFaultAbuseSecurityHeaders(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	const policy = "default-src 'self'; script-src 'self' https://cdn.platform.openai.com 'sha256-AAAA'; frame-src https://cdn.platform.openai.com; frame-ancestors 'none'"
	require.NoError(t, os.WriteFile(filepath.Join(site, "index.html"), []byte("<html>home</html>"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(site, "csp-policy.txt"), []byte(policy+"\n"), 0o600))
	p := startBinary(t, binaryEnv(t, map[string]string{"STATIC_DIR": site}))
	for _, path := range []string{"/", "/healthz", "/api/v1/tasks", "/nowhere"} {
		resp, err := http.Get(p.URL + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, policy, resp.Header.Get("Content-Security-Policy"), path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), path)
		assert.Equal(t, "strict-origin-when-cross-origin", resp.Header.Get("Referrer-Policy"), path)
		assert.Empty(t, resp.Header.Get("Strict-Transport-Security"), "%s: no HSTS over plain http", path)
	}
	req, err := http.NewRequest(http.MethodGet, p.URL+"/", nil)
	require.NoError(t, err)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, "max-age=31536000; includeSubDomains", resp.Header.Get("Strict-Transport-Security"), "HSTS behind a TLS proxy")
}

// session posts to the session endpoint with the given cookie (none when
// empty) and returns the status, the identity cookie set (if any), and the
// user the secret is bound to.
func session(t *testing.T, base, cookie string, header http.Header) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/chatkit/sessions", strings.NewReader("{}"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: auth.CookieUserID, Value: cookie})
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var set string
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieUserID {
			set = c.Value
		}
	}
	var s struct {
		ClientSecret string `json:"client_secret"`
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, set, ""
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	signer, err := auth.NewSigner([]byte(signingKey), time.Hour, time.Now)
	require.NoError(t, err)
	claims, err := signer.Verify(s.ClientSecret)
	require.NoError(t, err)
	return resp.StatusCode, set, claims.UserID
}

// Finding 9: a page of another origin must not spend the user's session
// quota: text/plain (a form or a no-cors fetch) is refused with 415, and a
// foreign Origin with 403; neither gets an identity.
func TestFaultAbuseSessionEndpointRefusesCrossSiteRequests(t *testing.T) {
	t.Parallel()
	p := startBinary(t, binaryEnv(t, map[string]string{"FRONTEND_URL": "http://localhost:3000"}))
	for _, tc := range []struct {
		name, ctype, origin string
		want                int
	}{
		{"text/plain from any origin", "text/plain", "https://evil.example", http.StatusUnsupportedMediaType},
		{"text/plain without Origin", "text/plain", "", http.StatusUnsupportedMediaType},
		{"form", "application/x-www-form-urlencoded", "", http.StatusUnsupportedMediaType},
		{"JSON from a foreign origin", "application/json", "https://evil.example", http.StatusForbidden},
		{"JSON from FRONTEND_URL", "application/json", "http://localhost:3000", http.StatusOK},
		{"JSON from the server's own origin", "application/json", p.URL, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, p.URL+"/api/chatkit/sessions", strings.NewReader("{}"))
			require.NoError(t, err)
			req.Header.Set("Content-Type", tc.ctype)
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, tc.want, resp.StatusCode, "%s", body)
			if tc.want != http.StatusOK {
				assert.Empty(t, resp.Cookies(), "no identity for a refused request")
				assert.Contains(t, string(body), `"error":{"code":`)
			}
		})
	}
}

// Finding 8: the identity cookie was stored verbatim as the user id. Now
// the server signs the cookies it issues and stores an HMAC of them: the
// database holds no cookie value, a stored user id is no working cookie,
// and a cookie the server did not issue is replaced, never adopted. Run on
// SQLite and PostgreSQL.
func TestFaultAbuseIdentityCookieIsIssuedAndVerifiedByTheServer(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			var dbURL string
			if backend == "postgres" {
				schema := storagetest.NewPostgresSchema(t)
				u, err := url.Parse(storagetest.PostgresURL())
				require.NoError(t, err)
				q := u.Query()
				q.Set("search_path", schema)
				u.RawQuery = q.Encode()
				dbURL = u.String()
				env["DATABASE_URL"] = dbURL
			}
			full := binaryEnv(t, env)
			dbURL = full["DATABASE_URL"]
			p := startBinary(t, full)

			// A browser gets an identity and adds a task.
			status, cookie, victim := session(t, p.URL, "", nil)
			require.Equal(t, http.StatusOK, status)
			require.NotEmpty(t, cookie)
			require.True(t, strings.HasPrefix(victim, "anon_"))
			signer, err := auth.NewSigner([]byte(signingKey), time.Hour, time.Now)
			require.NoError(t, err)
			tok, err := signer.Mint(victim)
			require.NoError(t, err)
			code, body := call(t, http.MethodPost, p.URL+"/api/v1/tasks", tok.Secret, map[string]any{"title": "Private errand"})
			require.Equal(t, http.StatusCreated, code, "%s", body)

			// The same cookie keeps its identity.
			_, reset, again := session(t, p.URL, cookie, nil)
			assert.Equal(t, victim, again)
			assert.Empty(t, reset, "a valid cookie is not re-issued")

			// The database holds the user id, never the cookie.
			stored := storedUserIDs(t, backend, dbURL)
			assert.Contains(t, stored, victim)
			payload := strings.Split(cookie, ".")
			require.Len(t, payload, 3, "v1.<payload>.<mac>: %s", cookie)
			for _, id := range stored {
				assert.NotContains(t, id, payload[1], "a stored id holds the cookie's payload")
				assert.NotContains(t, id, payload[2], "a stored id holds the cookie's mac")
			}
			if backend == "sqlite" {
				raw := sqliteBytes(t, dbURL)
				assert.False(t, bytes.Contains(raw, []byte(payload[1])), "the database file holds no cookie value")
			}

			// Whoever reads the database (or a backup) and forges cookies gets
			// a new, empty identity, never the victim's.
			for name, forged := range map[string]string{
				"the stored user id":       victim,
				"a made-up legacy id":      "anon_AAAAAAAAAAAAAAAAAAAAAA",
				"a tampered cookie":        payload[0] + "." + payload[1] + "x." + payload[2],
				"garbage":                  "admin",
				"another server's cookies": "v1.rAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			} {
				status, replaced, who := session(t, p.URL, forged, nil)
				require.Equal(t, http.StatusOK, status, name)
				assert.NotEqual(t, victim, who, "%s is not adopted", name)
				assert.NotEqual(t, forged, who, name)
				assert.NotEmpty(t, replaced, "%s is replaced", name)
				assert.NotEqual(t, forged, replaced, name)
				tok, err := signer.Mint(who)
				require.NoError(t, err)
				code, body := call(t, http.MethodGet, p.URL+"/api/v1/tasks", tok.Secret, nil)
				require.Equal(t, http.StatusOK, code)
				assert.NotContains(t, string(body), "Private errand", name)
			}
		})
	}
}

// storedUserIDs lists the distinct user ids of the chat and task tables.
func storedUserIDs(t *testing.T, backend, dbURL string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := storage.Open(ctx, dbURL, storage.WithoutMigrations())
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Read.QueryContext(ctx, "SELECT user_id FROM tasks UNION SELECT user_id FROM chat_threads")
	require.NoError(t, err, backend)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}

// sqliteBytes is every byte of the SQLite database and its WAL.
func sqliteBytes(t *testing.T, dbURL string) []byte {
	t.Helper()
	path, ok := config.SQLitePath(dbURL)
	require.True(t, ok)
	var out []byte
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err == nil {
			out = append(out, b...)
		}
	}
	require.NotEmpty(t, out)
	return out
}

// Finding 8 (files): the database files are the owner's only (the signing
// key file already was: TestBinaryStartsServesAndStopsOnSIGTERM), also when the data directory already existed (with a wider mode, which a
// start-up warning names).
func TestFaultAbuseDatabaseFilesAreTheOwnersOnly(t *testing.T) {
	t.Parallel()
	for name, existing := range map[string]bool{"fresh data dir": false, "existing 0755 data dir": true} {
		t.Run(name, func(t *testing.T) {
			env := binaryEnv(t, nil)
			dir := env["DATA_DIR"]
			if existing {
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.Chmod(dir, 0o755))
			}
			p := startBinary(t, env)
			status, _, _ := session(t, p.URL, "", nil) // something is written
			require.Equal(t, http.StatusOK, status)
			path, _ := config.SQLitePath(env["DATABASE_URL"])
			for _, f := range []string{path, path + "-wal", path + "-shm"} {
				st, err := os.Stat(f)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), f)
			}
			st, err := os.Stat(dir)
			require.NoError(t, err)
			if existing {
				assert.Equal(t, os.FileMode(0o755), st.Mode().Perm(), "an existing directory is left as it is")
				assert.Contains(t, p.stderr.String(), "is accessible to other users (mode 0755)", "a warning at start names it")
			} else {
				assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
				assert.NotContains(t, p.stderr.String(), "accessible to other users")
			}
		})
	}
}

// Finding 11: client-caused failures (501 for attachments or dictation)
// log at WARN, not ERROR.
func TestFaultAbuseClientFaultsDoNotFillTheErrorLog(t *testing.T) {
	t.Parallel()
	p := startBinary(t, binaryEnv(t, nil))
	u := newUser(t, p.URL)
	for typ, params := range map[chatkit.RequestType]map[string]any{
		chatkit.ReqAttachmentsCreate: {"name": "a.png", "size": 10, "mime_type": "image/png"},
		chatkit.ReqInputTranscribe:   {"audio_base64": "AAAA", "mime_type": "audio/webm"},
	} {
		for range 20 {
			res := u.do(t, typ, params)
			require.Equal(t, http.StatusNotImplemented, res.Status, "%s: %s", typ, res.Body)
		}
	}
	logs := p.stderr.String()
	assert.Contains(t, logs, `"level":"WARN"`)
	assert.Contains(t, logs, `"status":501`)
	assert.NotContains(t, logs, `"level":"ERROR"`, "40 bad requests, no error line")
}
