package sessionsvc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskpilotai/taskpilot/pkg/auth"
	"github.com/taskpilotai/taskpilot/pkg/httpserver"
)

func signer(t *testing.T, key string, now func() time.Time) *auth.Signer {
	t.Helper()
	s, err := auth.NewSigner([]byte(key), 10*time.Minute, now)
	require.NoError(t, err)
	return s
}

func TestSelfHostedMint(t *testing.T) {
	h := newHarness(t, nil)
	before := time.Now()

	r := h.post(t, "")
	s := r.session(t)
	assert.Equal(t, "self-hosted", s.Mode)
	assert.NotEmpty(t, s.ClientSecret)
	assert.True(t, strings.HasPrefix(s.SessionID, "cksess_"))
	assert.InDelta(t, before.Add(10*time.Minute).Unix(), s.ExpiresAt, 2)
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	cookie := r.cookie(auth.CookieUserID)
	require.NotEmpty(t, cookie, "a new browser gets an identity cookie")

	claims, err := signer(t, signingKey, time.Now).Verify(s.ClientSecret)
	require.NoError(t, err, "chat-service (same key) accepts the secret")
	user := claims.UserID
	assert.True(t, strings.HasPrefix(user, "anon_"), "the secret is bound to the browser's user")
	assert.NotContains(t, cookie, strings.TrimPrefix(user, "anon_"), "the stored user id is not the cookie")
	assert.Equal(t, s.SessionID, claims.SessionID)

	_, err = signer(t, "some-other-key-0123456789abcdefghijkl", time.Now).Verify(s.ClientSecret)
	assert.Error(t, err, "another deployment's key does not")

	t.Run("a returning browser keeps its user", func(t *testing.T) {
		r := h.post(t, "", withCookie(auth.CookieUserID, cookie))
		claims, err := signer(t, signingKey, time.Now).Verify(r.session(t).ClientSecret)
		require.NoError(t, err)
		assert.Equal(t, user, claims.UserID)
	})
	t.Run("null existing is a fresh session", func(t *testing.T) {
		r := h.post(t, `{"existing": null}`, withCookie(auth.CookieUserID, cookie))
		assert.Equal(t, "self-hosted", r.session(t).Mode)
	})
}

func TestSelfHostedRefresh(t *testing.T) {
	h := newHarness(t, nil)
	first := h.post(t, "")
	cookie := first.cookie(auth.CookieUserID)
	old := first.session(t)
	oldClaims, err := signer(t, signingKey, time.Now).Verify(old.ClientSecret)
	require.NoError(t, err)
	user := oldClaims.UserID

	expired, err := signer(t, signingKey, func() time.Time { return time.Now().Add(-time.Hour) }).Mint(user)
	require.NoError(t, err)
	otherUser, err := signer(t, signingKey, time.Now).Mint("anon_someoneelse000000000")
	require.NoError(t, err)
	foreign, err := signer(t, "foreign-key-foreign-key-foreign-key!!", time.Now).Mint(user)
	require.NoError(t, err)
	tampered := old.ClientSecret[:len(old.ClientSecret)-3] + "AAA"
	if tampered == old.ClientSecret {
		tampered = old.ClientSecret[:len(old.ClientSecret)-3] + "BBB"
	}

	tests := []struct {
		name       string
		existing   string
		wantStatus int
		wantMsg    string
	}{
		{name: "still-valid secret of the same user", existing: old.ClientSecret, wantStatus: 200},
		{name: "expired secret of the same user", existing: expired.Secret, wantStatus: 200},
		{name: "secret of another user", existing: otherUser.Secret, wantStatus: 401, wantMsg: "another user"},
		{name: "secret signed with a foreign key", existing: foreign.Secret, wantStatus: 401, wantMsg: "invalid"},
		{name: "tampered secret", existing: tampered, wantStatus: 401, wantMsg: "invalid"},
		{name: "garbage", existing: "hello", wantStatus: 401, wantMsg: "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.post(t, fmt.Sprintf(`{"existing": %q}`, tc.existing), withCookie(auth.CookieUserID, cookie))
			if tc.wantStatus != 200 {
				assert.Equal(t, tc.wantStatus, r.status)
				e := r.err(t)
				assert.Equal(t, "unauthorized", e.Code)
				assert.Contains(t, e.Message, tc.wantMsg)
				return
			}
			s := r.session(t)
			assert.NotEqual(t, tc.existing, s.ClientSecret)
			assert.NotEqual(t, old.SessionID, s.SessionID)
			claims, err := signer(t, signingKey, time.Now).Verify(s.ClientSecret)
			require.NoError(t, err)
			assert.Equal(t, user, claims.UserID)
		})
	}
}

func TestBadRequestBody(t *testing.T) {
	h := newHarness(t, nil)
	for _, body := range []string{"{", `"just a string"`, `{"existing": 42}`} {
		r := h.post(t, body)
		assert.Equal(t, http.StatusBadRequest, r.status, "body %s", body)
		assert.Equal(t, "invalid_request", r.err(t).Code)
	}
}

func TestHosted(t *testing.T) {
	fake := newFakeOpenAI(t)
	h := newHarness(t, map[string]string{"CHATKIT_MODE": "hosted", "OPENAI_API_KEY": apiKey,
		"OPENAI_BASE_URL": fake.baseURL(), "OPENAI_TIMEOUT": "300ms"})

	r := h.post(t, "")
	s := r.session(t)
	cookie := r.cookie(auth.CookieUserID)
	assert.Equal(t, "hosted", s.Mode)
	assert.Equal(t, "cksess_fake_1", s.SessionID)
	assert.Equal(t, int64(1796000000), s.ExpiresAt)
	assert.Equal(t, fake.allSecrets()[0], s.ClientSecret)
	assert.NotContains(t, string(r.body), "wf_", "the workflow id never reaches the browser")
	assert.NotContains(t, string(r.body), apiKey)

	sent := fake.lastRequest(t)
	user, _ := sent["user"].(string)
	assert.True(t, strings.HasPrefix(user, "anon_"), "the upstream session is scoped to the caller: %v", sent["user"])
	assert.NotContains(t, cookie, strings.TrimPrefix(user, "anon_"), "OpenAI never sees the cookie")
	assert.Equal(t, map[string]any{"id": "wf_6946b383d368819081b556e6e5fa66330d48d0c9ea4fccd8"}, sent["workflow"])

	tests := []struct {
		mode       string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{mode: "500", wantStatus: 502, wantCode: "upstream_error", wantMsg: "(500)"},
		{mode: "401", wantStatus: 502, wantCode: "upstream_error", wantMsg: "OPENAI_API_KEY"},
		{mode: "404", wantStatus: 502, wantCode: "upstream_error", wantMsg: "CHATKIT_WORKFLOW_ID"},
		{mode: "malformed", wantStatus: 502, wantCode: "upstream_error"},
		{mode: "empty", wantStatus: 502, wantCode: "upstream_error"},
		{mode: "hang", wantStatus: 504, wantCode: "upstream_timeout"},
		{mode: "429", wantStatus: 429, wantCode: "rate_limited"},
	}
	for _, tc := range tests {
		t.Run("upstream "+tc.mode, func(t *testing.T) {
			fake.setMode(tc.mode)
			r := h.post(t, "", withCookie(auth.CookieUserID, user))
			assert.Equal(t, tc.wantStatus, r.status, "body %s", r.body)
			e := r.err(t)
			assert.Equal(t, tc.wantCode, e.Code)
			assert.Contains(t, e.Message, tc.wantMsg)
			for _, leak := range []string{apiKey, "internal detail", "Incorrect API key", "wf_"} {
				assert.NotContains(t, string(r.body), leak)
			}
			if tc.mode == "429" {
				assert.Equal(t, "7", r.header.Get("Retry-After"))
			}
		})
	}
	fake.setMode("ok")
	assert.Equal(t, 1+len(tests), fake.calls(), "one upstream call per request, no retries")

	metrics := gather(t, h.reg)
	assert.Contains(t, metrics, `taskpilot_chatkit_sessions_created_total{mode="hosted",outcome="ok"} 1`)
	assert.Contains(t, metrics, `taskpilot_chatkit_sessions_created_total{mode="hosted",outcome="upstream_error"} 5`)
	assert.Contains(t, metrics, `taskpilot_chatkit_sessions_created_total{mode="hosted",outcome="upstream_timeout"} 1`)
	assert.Contains(t, metrics, `taskpilot_upstream_request_duration_seconds_count{operation="chatkit.sessions.create",outcome="ok",upstream="openai"} 1`)
	assert.Contains(t, metrics, `taskpilot_upstream_request_duration_seconds_count{operation="chatkit.sessions.create",outcome="upstream_timeout",upstream="openai"} 1`)
}

func TestHostedWithoutKeyAnswers503(t *testing.T) {
	h := newHarness(t, map[string]string{"CHATKIT_MODE": "hosted"})
	r := h.post(t, "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	e := r.err(t)
	assert.Equal(t, "not_configured", e.Code)
	assert.Contains(t, e.Message, "OPENAI_API_KEY")

	ready := h.do(t, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Equal(t, http.StatusOK, ready.status, "the process is up and answers")
}

func TestJWTMode(t *testing.T) {
	hostKey := []byte("host-application-jwt-secret-0123456789")
	h := newHarness(t, map[string]string{"AUTH_MODE": "jwt", "AUTH_JWT_SECRET": string(hostKey)})
	hostToken, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject: "user-from-host", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}).SignedString(hostKey)
	require.NoError(t, err)

	r := h.post(t, "", withHeader("Authorization", "Bearer "+hostToken))
	s := r.session(t)
	assert.Empty(t, r.cookie(auth.CookieUserID), "jwt mode sets no cookie")
	claims, err := signer(t, signingKey, time.Now).Verify(s.ClientSecret)
	require.NoError(t, err)
	assert.Equal(t, "user-from-host", claims.UserID)

	for name, header := range map[string]string{"no token": "", "bad token": "Bearer abc.def.ghi",
		"session secret is not a host JWT": "Bearer " + s.ClientSecret} {
		t.Run(name, func(t *testing.T) {
			var opts []reqOpt
			if header != "" {
				opts = append(opts, withHeader("Authorization", header))
			}
			r := h.post(t, "", opts...)
			assert.Equal(t, http.StatusUnauthorized, r.status)
			assert.Equal(t, "unauthorized", r.err(t).Code)
		})
	}
}

func TestCORS(t *testing.T) {
	h := newHarness(t, nil)
	for origin, allowed := range map[string]bool{frontend: true, "https://evil.example.com": false} {
		req := httptest.NewRequest(http.MethodOptions, "/api/chatkit/sessions", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-timezone")
		r := h.do(t, req)
		if allowed {
			assert.Equal(t, origin, r.header.Get("Access-Control-Allow-Origin"))
			assert.Equal(t, "true", r.header.Get("Access-Control-Allow-Credentials"), "the cookie needs credentials")
		} else {
			assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"), "origin %s", origin)
		}
		post := h.post(t, "", withHeader("Origin", origin))
		assert.Equal(t, allowed, post.header.Get("Access-Control-Allow-Origin") == origin)
	}
}

func TestBodyLimit(t *testing.T) {
	h := newHarness(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.srv.RunListener(ctx, ln, 0, 5*time.Second) }()
	t.Cleanup(func() { cancel(); <-done })

	// Announce a body over the limit and send only the headers: the server
	// must refuse from Content-Length alone, before reading a megabyte.
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /api/chatkit/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", httpserver.DefaultBodyLimit+1)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "application/json")
	assert.JSONEq(t, `{"error":{"code":"payload_too_large","message":"Request Entity Too Large"}}`, string(b))
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, map[string]string{"RATE_LIMIT_PER_MINUTE": "2"})
	user := h.post(t, "").cookie(auth.CookieUserID)
	require.Equal(t, http.StatusOK, h.post(t, "", withCookie(auth.CookieUserID, user)).status)

	r := h.post(t, "", withCookie(auth.CookieUserID, user))
	assert.Equal(t, http.StatusTooManyRequests, r.status)
	assert.Equal(t, "rate_limited", r.err(t).Code)
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	require.NoError(t, err)
	assert.True(t, secs >= 1 && secs <= 60, "Retry-After %d", secs)

	assert.Equal(t, http.StatusOK, h.post(t, "").status, "another browser is not limited")
	metrics := gather(t, h.reg)
	assert.Contains(t, metrics, `taskpilot_ratelimit_rejected_total{service="session-service"} 1`)
	assert.Contains(t, metrics, `taskpilot_chatkit_sessions_created_total{mode="self-hosted",outcome="rate_limited"} 1`)
}

func TestRateLimitIsSharedAcrossReplicasThroughRedis(t *testing.T) {
	mr := miniredis.RunT(t)
	env := map[string]string{"RATE_LIMIT_PER_MINUTE": "3", "REDIS_URL": "redis://" + mr.Addr() + "/0"}
	replicas := []*harness{newHarness(t, env), newHarness(t, env)}
	user := replicas[0].post(t, "").cookie(auth.CookieUserID)
	assert.Equal(t, http.StatusOK, replicas[1].post(t, "", withCookie(auth.CookieUserID, user)).status)
	assert.Equal(t, http.StatusOK, replicas[0].post(t, "", withCookie(auth.CookieUserID, user)).status)
	r := replicas[1].post(t, "", withCookie(auth.CookieUserID, user))
	assert.Equal(t, http.StatusTooManyRequests, r.status, "the fourth request is over the shared limit")
	assert.NotEmpty(t, r.header.Get("Retry-After"))
}

func TestProbesAndMetrics(t *testing.T) {
	h := newHarness(t, nil)
	get := func(path string) reply { return h.do(t, httptest.NewRequest(http.MethodGet, path, nil)) }
	assert.Equal(t, http.StatusOK, get("/healthz").status)
	assert.Equal(t, http.StatusOK, get("/readyz").status)

	counter := func() float64 {
		return testutil.ToFloat64(sessionsCounter(t, h.reg).WithLabelValues("self-hosted", "ok"))
	}
	before := counter()
	h.post(t, "").session(t)
	h.post(t, "").session(t)
	assert.InDelta(t, before+2, counter(), 0)

	m := get("/metrics")
	assert.Equal(t, http.StatusOK, m.status)
	assert.Contains(t, string(m.body), `taskpilot_chatkit_sessions_created_total{mode="self-hosted",outcome="ok"} 2`)
	assert.Contains(t, string(m.body), `taskpilot_http_requests_total{method="POST",route="/api/chatkit/sessions",service="session-service",status="200"} 2`)
	assert.Contains(t, string(m.body), "go_goroutines")
}

func sessionsCounter(t *testing.T, reg *prometheus.Registry) *prometheus.CounterVec {
	t.Helper()
	err := reg.Register(prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpilot_chatkit_sessions_created_total",
		Help: "Session requests by mode and outcome (ok or an error code).",
	}, []string{"mode", "outcome"}))
	var are prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &are)
	return are.ExistingCollector.(*prometheus.CounterVec)
}

func gather(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	var sb strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
			}
			name := mf.GetName()
			var v float64
			switch {
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				name += "_count"
				v = float64(m.GetHistogram().GetSampleCount())
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			}
			fmt.Fprintf(&sb, "%s{%s} %g\n", name, strings.Join(labels, ","), v)
		}
	}
	return sb.String()
}
