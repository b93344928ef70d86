package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// fakeServer answers the session endpoint and streams n events per turn; an
// "error" text makes it send an error event.
func fakeServer(t *testing.T, n int) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chatkit/sessions", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"client_secret":"s3cret","session_id":"x","expires_at":1,"mode":"self-hosted"}`)
	})
	mux.HandleFunc("POST /api/v1/chatkit", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, `{"error":{"code":"unauthorized","message":"no"}}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"type":"thread.created","thread":{"id":"thr_1"}}`+"\n\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(w, `data: {"type":"thread.item.updated","n":%d}`+"\n\n", i)
			w.(http.Flusher).Flush()
		}
		if strings.Contains(r.URL.RawQuery, "fail") {
			fmt.Fprint(w, `data: {"type":"error","code":"stream.error","allow_retry":true}`+"\n\n")
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestStreamCountsEventsAndThread(t *testing.T) {
	srv := fakeServer(t, 7)
	c := &Client{Base: srv.URL, HTTP: NewHTTPClient(1)}
	ctx := context.Background()
	if err := c.MintSecret(ctx); err != nil {
		t.Fatalf("MintSecret: %v", err)
	}
	opened := 0
	st, err := c.Stream(ctx, createReq("hi"), func() { opened++ })
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
	srv := fakeServer(t, 2)
	ctx := context.Background()
	c := &Client{Base: srv.URL, ChatPath: "/api/v1/chatkit?fail=1", HTTP: NewHTTPClient(1)}
	if err := c.MintSecret(ctx); err != nil {
		t.Fatalf("MintSecret: %v", err)
	}
	if _, err := c.Stream(ctx, createReq("hi"), nil); err == nil || !strings.Contains(err.Error(), "error event") {
		t.Fatalf("Stream with an error event: err = %v, want an error event failure", err)
	}
	unauth := &Client{Base: srv.URL, HTTP: NewHTTPClient(1), NoAuth: true}
	if _, err := unauth.Stream(ctx, createReq("hi"), nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Stream without a secret: err = %v, want status 401", err)
	}
}

func TestClosedLoopHonoursRequestBudget(t *testing.T) {
	srv := fakeServer(t, 3)
	res, err := Run(context.Background(), Options{Scenario: "turn", Target: srv.URL, Label: "x", Concurrency: 4, Requests: 40})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Requests != 40 || res.Errors != 0 || res.Latency["first_event"].Count != 40 {
		t.Fatalf("got %d requests, %d errors, %d first events; want 40, 0, 40 (%v)", res.Requests, res.Errors, res.Latency["first_event"].Count, res.ErrorSample)
	}
}
