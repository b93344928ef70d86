package load

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSummarizePercentiles(t *testing.T) {
	var s Series
	for i := 1; i <= 100; i++ {
		s.Add(time.Duration(i) * time.Millisecond)
	}
	got := s.Summarize()
	want := Summary{Count: 100, P50: 50, P90: 90, P99: 99, Max: 100, Mean: 50.5}
	if got != want {
		t.Fatalf("Summarize() = %+v, want %+v", got, want)
	}
	if (&Series{}).Summarize() != (Summary{}) {
		t.Fatal("empty series must summarize to zero")
	}
}

// fake is a test server: the session endpoint (it sets a user cookie once
// and counts the requests that send it back) and a ChatKit endpoint that
// streams n events per turn, flushed one by one (so chunked); an "error"
// text makes it send an error event. hold, when set, runs before each
// answer (a stall).
type fake struct {
	srv        *httptest.Server
	conns      atomic.Int64
	withCookie atomic.Int64
	hold       func()
}

func newFake(t *testing.T, n int) *fake {
	t.Helper()
	f := &fake{}
	wait := func() {
		if f.hold != nil {
			f.hold()
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chatkit/sessions", func(w http.ResponseWriter, r *http.Request) {
		wait()
		if c, err := r.Cookie("tp_uid"); err == nil && c.Value == "u1" {
			f.withCookie.Add(1)
		} else {
			http.SetCookie(w, &http.Cookie{Name: "tp_uid", Value: "u1", Path: "/", HttpOnly: true})
		}
		fmt.Fprint(w, `{"client_secret":"s3cret","session_id":"x","expires_at":1,"mode":"self-hosted"}`)
	})
	mux.HandleFunc("POST /api/v1/chatkit", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, `{"error":{"code":"unauthorized","message":"no"}}`, http.StatusUnauthorized)
			return
		}
		wait()
		if strings.Contains(r.URL.RawQuery, "json") {
			w.Header().Set("Content-Type", "application/json")
			w.(http.Flusher).Flush() // chunked
			fmt.Fprint(w, `{"data":[],"has_more":false}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"type":"thread.created","thread":{"id":"thr_1"}}`+"\n\n")
		w.(http.Flusher).Flush()
		for i := 1; i < n; i++ {
			fmt.Fprintf(w, `data: {"type":"thread.item.updated","n":%d}`+"\n\n", i)
			w.(http.Flusher).Flush()
		}
		if strings.Contains(r.URL.RawQuery, "fail") {
			fmt.Fprint(w, `data: {"type":"error","code":"stream.error","allow_retry":true}`+"\n\n")
		}
	})
	f.srv = httptest.NewUnstartedServer(mux)
	f.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func TestStreamCountsEventsAndThread(t *testing.T) {
	f := newFake(t, 7)
	c := &Client{Base: f.srv.URL}
	defer c.Close()
	ctx := context.Background()
	if err := c.MintSecret(ctx); err != nil {
		t.Fatalf("MintSecret: %v", err)
	}
	opened := 0
	st, err := c.Stream(ctx, encode(createReq("hi")), StreamOptions{OnOpen: func() { opened++ }, ThreadID: true})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if st.Events != 7 || st.ThreadID != "thr_1" || opened != 1 {
		t.Fatalf("got events=%d thread=%q opened=%d, want 7, thr_1, 1", st.Events, st.ThreadID, opened)
	}
	if st.FirstEvent <= 0 || st.Total < st.FirstEvent {
		t.Fatalf("timings first=%v total=%v", st.FirstEvent, st.Total)
	}
}

func TestStreamReportsErrorEventsAndStatus(t *testing.T) {
	f := newFake(t, 2)
	ctx := context.Background()
	c := &Client{Base: f.srv.URL, ChatPath: "/api/v1/chatkit?fail=1"}
	defer c.Close()
	if err := c.MintSecret(ctx); err != nil {
		t.Fatalf("MintSecret: %v", err)
	}
	if _, err := c.Stream(ctx, encode(createReq("hi")), StreamOptions{}); err == nil || !strings.Contains(err.Error(), "error event") {
		t.Fatalf("Stream with an error event: err = %v, want an error event failure", err)
	}
	unauth := &Client{Base: f.srv.URL, NoAuth: true}
	defer unauth.Close()
	if _, err := unauth.Stream(ctx, encode(createReq("hi")), StreamOptions{}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Stream without a secret: err = %v, want status 401", err)
	}
	// The client goes on after the failures (new connection as needed).
	if err := c.Session(ctx); err != nil {
		t.Fatalf("Session after failures: %v", err)
	}
}

// One client keeps one connection across requests of every kind (fixed
// length, chunked JSON, SSE), and sends the cookie it was given back.
func TestClientKeepsOneConnectionAndItsCookie(t *testing.T) {
	f := newFake(t, 5)
	ctx := context.Background()
	c := &Client{Base: f.srv.URL, ChatPath: "/api/v1/chatkit"}
	defer c.Close()
	if err := c.MintSecret(ctx); err != nil {
		t.Fatalf("MintSecret: %v", err)
	}
	jc := c.Clone()
	jc.ChatPath = "/api/v1/chatkit?json=1"
	defer jc.Close()
	for i := range 10 {
		if err := c.Session(ctx); err != nil {
			t.Fatalf("Session %d: %v", i, err)
		}
		if _, err := c.Stream(ctx, encode(createReq("hi")), StreamOptions{}); err != nil {
			t.Fatalf("Stream %d: %v", i, err)
		}
		var page struct {
			HasMore *bool `json:"has_more"`
		}
		if err := jc.JSON(ctx, map[string]any{"type": "items.list"}, &page); err != nil || page.HasMore == nil {
			t.Fatalf("JSON %d: %v (%+v)", i, err, page)
		}
	}
	if got := f.conns.Load(); got != 2 {
		t.Fatalf("connections opened = %d, want 2 (one per client)", got)
	}
	if got := f.withCookie.Load(); got != 10 {
		t.Fatalf("session requests with the cookie back = %d, want 10", got)
	}
}

// A kept connection that the server closed while idle is replaced without
// an error.
func TestClientRedialsAClosedIdleConnection(t *testing.T) {
	f := newFake(t, 2)
	ctx := context.Background()
	c := &Client{Base: f.srv.URL}
	defer c.Close()
	for i := range 3 {
		if err := c.Session(ctx); err != nil {
			t.Fatalf("Session %d: %v", i, err)
		}
		f.srv.CloseClientConnections()
		time.Sleep(10 * time.Millisecond) // let the close reach the client's socket
	}
	if got := f.conns.Load(); got != 3 {
		t.Fatalf("connections opened = %d, want 3", got)
	}
}

// A context's end interrupts a request blocked on the server.
func TestClientStopsAtTheContextsEnd(t *testing.T) {
	f := newFake(t, 2)
	release := make(chan struct{})
	f.hold = func() { <-release }
	defer close(release)
	c := &Client{Base: f.srv.URL, NoAuth: true}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Session(ctx) }()
	select {
	case err := <-done:
		if err == nil || ctx.Err() == nil {
			t.Fatalf("Session = %v, want the context's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Session did not return after its context ended")
	}
}

// A context that ends just before the next one is used must not cut the
// requests made under the next one (its interrupt runs on a goroutine of
// its own and may come late).
func TestClientOutlivesEachContextsEnd(t *testing.T) {
	f := newFake(t, 2)
	c := &Client{Base: f.srv.URL, NoAuth: true}
	defer c.Close()
	for i := range 300 {
		ctx, cancel := context.WithCancel(context.Background())
		err := c.Session(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Session %d: %v", i, err)
		}
	}
}

func TestClosedLoopWithWarmupHasNoErrors(t *testing.T) {
	f := newFake(t, 3)
	res, err := Run(context.Background(), Options{Scenario: "turn", Target: f.srv.URL, Label: "x", Concurrency: 4,
		Warmup: 100 * time.Millisecond, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Errors != 0 || res.Requests == 0 {
		t.Fatalf("got %d requests and %d errors, want some and none (%v)", res.Requests, res.Errors, res.ErrorSample)
	}
}

// rawServer answers every request on a connection with one canned
// response, allocating nothing per request, so that allocation counts
// measure the client alone.
func rawServer(t testing.TB, response string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	resp := []byte(response)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				buf := make([]byte, 64<<10)
				for {
					if _, err := nc.Read(buf); err != nil {
						return
					}
					if _, err := nc.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

const rawSession = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"client_secret\":\"s3cret\"}\n"

// rawStream is an SSE response of the given events, one chunk each.
func rawStream(events ...string) string {
	s := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
	for _, e := range events {
		e = "data: " + e + "\n\n"
		s += fmt.Sprintf("%x\r\n%s\r\n", len(e), e)
	}
	return s + "0\r\n\r\n"
}

func TestWarmRequestsAllocateNothing(t *testing.T) {
	ctx := context.Background()
	sc := &Client{Base: rawServer(t, rawSession)}
	defer sc.Close()
	if a := testing.AllocsPerRun(200, func() {
		if err := sc.Session(ctx); err != nil {
			t.Fatal(err)
		}
	}); a > 0.1 {
		t.Errorf("session request: %.2f allocations, want 0", a)
	}
	tc := &Client{Base: rawServer(t, rawStream(`{"type":"thread.created"}`, `{"type":"thread.item.done"}`)), NoAuth: true}
	defer tc.Close()
	payload := encode(createReq("hi"))
	if a := testing.AllocsPerRun(200, func() {
		st, err := tc.Stream(ctx, payload, StreamOptions{})
		if err != nil || st.Events != 2 {
			t.Fatalf("Stream: %v, %d events", err, st.Events)
		}
	}); a > 0.1 {
		t.Errorf("stream: %.2f allocations, want 0", a)
	}
}

func BenchmarkSessionRequest(b *testing.B) {
	c := &Client{Base: rawServer(b, rawSession)}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Session(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func TestClosedLoopHonoursRequestBudget(t *testing.T) {
	f := newFake(t, 3)
	res, err := Run(context.Background(), Options{Scenario: "turn", Target: f.srv.URL, Label: "x", Concurrency: 4, Requests: 40})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Requests != 40 || res.Errors != 0 || res.Latency["first_event"].Count != 40 || res.Mode != ModeClosed {
		t.Fatalf("got %d requests, %d errors, %d first events, mode %q; want 40, 0, 40, closed (%v)",
			res.Requests, res.Errors, res.Latency["first_event"].Count, res.Mode, res.ErrorSample)
	}
}

func TestScheduleAndVerdict(t *testing.T) {
	t0 := time.Unix(1000, 0)
	s := newSchedule(t0, 100, 200*time.Millisecond, time.Second)
	if s.warm != 20 || s.measured != 100 || s.total() != 120 {
		t.Fatalf("slots: warm %d measured %d total %d, want 20, 100, 120", s.warm, s.measured, s.total())
	}
	if got := s.due(50).Sub(t0); got != 500*time.Millisecond {
		t.Fatalf("slot 50 due at +%v, want +500ms", got)
	}
	if s.isMeasured(19) || !s.isMeasured(20) || !s.isMeasured(119) || s.isMeasured(120) {
		t.Fatal("measured slots must be 20..119")
	}
	if got := s.window(); got != time.Second {
		t.Fatalf("window = %v, want 1s", got)
	}
	onTime := s.lastSlotDue()
	for _, tc := range []struct {
		name         string
		ok, failed   int64
		lastSent     time.Time
		wantAchieved float64
		wantMissed   int64
		wantOK       bool
	}{
		{"kept up", 100, 0, onTime, 100, 0, true},
		{"last slot sent early", 100, 0, s.lastSlotDue().Add(-time.Millisecond), 100, 0, true},
		{"last slot 3 ms late", 100, 0, s.lastSlotDue().Add(3 * time.Millisecond), 100 / 1.003, 0, true},
		{"a few failures", 97, 3, onTime, 97, 0, true},
		{"fell behind by half a window", 100, 0, s.lastSlotDue().Add(500 * time.Millisecond), 100 / 1.5, 0, false},
		{"hard stop left slots", 90, 0, onTime, 90, 10, false},
		{"many failures", 50, 50, onTime, 50, 0, false},
	} {
		v := s.verdict(tc.ok, tc.failed, tc.lastSent)
		if v.Missed != tc.wantMissed || v.OK != tc.wantOK || v.Achieved < tc.wantAchieved-0.01 || v.Achieved > tc.wantAchieved+0.01 {
			t.Errorf("%s: verdict %+v, want achieved %.2f missed %d ok %v", tc.name, v, tc.wantAchieved, tc.wantMissed, tc.wantOK)
		}
	}
}

// A server that stalls for 400 ms at 100 turns/s: every turn due during
// the stall waits for it, so in an open-loop run a fifth of the measured
// turns (not only the one or two in flight, as a closed loop would record)
// take 200 ms or more from their slot, first event and end alike.
func TestOpenLoopCountsAStallInEveryTurnDueDuringIt(t *testing.T) {
	f := newFake(t, 3)
	var (
		mu      sync.Mutex
		n       atomic.Int64
		stalled atomic.Bool
	)
	f.hold = func() {
		// Every answer passes the lock (as behind a lock or a pause); the
		// 20th request holds it for 400 ms.
		mu.Lock()
		defer mu.Unlock()
		if n.Add(1) == 20 && stalled.CompareAndSwap(false, true) {
			time.Sleep(400 * time.Millisecond)
		}
	}
	res, err := Run(context.Background(), Options{Scenario: "turn", Target: f.srv.URL, Label: "x",
		Concurrency: 2, Rate: 100, Duration: time.Second})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !stalled.Load() {
		t.Fatal("the server never stalled")
	}
	if res.Mode != ModeOpen || res.OfferedRate != 100 || res.Requests+res.Errors+res.Missed != 100 || res.Errors != 0 {
		t.Fatalf("got mode %q offered %.0f, %d requests %d errors %d missed; want open, 100, 100 slots without errors (%v)",
			res.Mode, res.OfferedRate, res.Requests, res.Errors, res.Missed, res.ErrorSample)
	}
	// They waited for a free connection: the send itself was late.
	if lag := res.Latency["send_lag"]; lag.P90 < 200 || res.Latency["tool_lag"].Count != 100 {
		t.Errorf("send_lag p90 = %.1f ms, want ≥ 200 ms; tool_lag count %d, want 100", lag.P90, res.Latency["tool_lag"].Count)
	}
	for _, name := range []string{"first_event", "request"} {
		if p90 := res.Latency[name].P90; p90 < 200 {
			t.Errorf("%s p90 = %.1f ms, want ≥ 200 ms: the turns due during the stall must count its wait (%+v)", name, p90, res.Latency)
		}
	}
}

// A server slower than the offered rate: the run says the rate was not
// achieved.
func TestOpenLoopReportsARateNotAchieved(t *testing.T) {
	f := newFake(t, 2)
	f.hold = func() { time.Sleep(20 * time.Millisecond) }
	res, err := Run(context.Background(), Options{Scenario: "session", Target: f.srv.URL, Label: "x",
		Concurrency: 1, Rate: 100, Duration: 500 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.RateAchieved == nil || *res.RateAchieved || res.AchievedRate >= 60 {
		t.Fatalf("rate achieved %v at %.1f/s, want not achieved (at most 50/s from one connection at 20 ms each)", res.RateAchieved, res.AchievedRate)
	}
	if !strings.Contains(res.String(), "RATE NOT ACHIEVED") {
		t.Fatalf("summary %q must say the rate was not achieved", res.String())
	}
}

func TestOpenLoopRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{Scenario: "session", Rate: -1, Duration: time.Second},
		{Scenario: "session", Rate: 10},
		{Scenario: "streams", Rate: 10, Duration: time.Second},
	} {
		if _, err := Run(context.Background(), o); err == nil {
			t.Errorf("Run(%+v) = nil error, want a refusal", o)
		}
	}
}
