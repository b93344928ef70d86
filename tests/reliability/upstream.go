package reliability

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Fault is what SlowUpstream does to one streamed answer. The zero value
// passes the answer through unchanged.
type Fault struct {
	// Delay is waited before forwarding each SSE event (a slow model).
	Delay time.Duration
	// StallAfter, when positive, stops forwarding after that many events
	// and holds the connection open until the client goes away (a stalled
	// stream).
	StallAfter int
	// ResetAfter, when positive, resets the TCP connection (RST) after
	// that many events (a connection reset mid-reply).
	ResetAfter int
}

// SlowUpstream is an HTTP proxy in front of a model server (the fake
// OpenAI upstream) that applies a queued Fault to each request's streamed
// answer, in order; requests beyond the queue use Default.
type SlowUpstream struct {
	// URL is the proxy's base URL with the target's path suffix, to use as
	// OPENAI_BASE_URL.
	URL string

	target  string
	client  *http.Client
	srv     *httptest.Server
	mu      sync.Mutex
	queue   []Fault
	def     Fault
	started int
}

// NewSlowUpstream proxies to targetURL (e.g. fakeopenai's URL, ending in
// /v1/); Close stops it.
func NewSlowUpstream(targetURL string) *SlowUpstream {
	s := &SlowUpstream{target: strings.TrimRight(targetURL, "/"), client: &http.Client{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL + "/v1/"
	return s
}

// Close stops the proxy and breaks its open connections.
func (s *SlowUpstream) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Enqueue appends faults for the next requests.
func (s *SlowUpstream) Enqueue(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, f...)
}

// SetDefault sets the fault of requests beyond the queue.
func (s *SlowUpstream) SetDefault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.def = f
}

// Started returns how many requests have reached the proxy.
func (s *SlowUpstream) Started() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

func (s *SlowUpstream) next() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started++
	if len(s.queue) == 0 {
		return s.def
	}
	f := s.queue[0]
	s.queue = s.queue[1:]
	return f
}

func (s *SlowUpstream) serve(w http.ResponseWriter, r *http.Request) {
	fault := s.next()
	// The path after the proxy's /v1 maps onto the target's /v1.
	url := s.target + strings.TrimPrefix(r.URL.Path, "/v1")
	req, err := http.NewRequestWithContext(r.Context(), r.Method, url, r.Body) //nolint:gosec // a test proxy: the target is fixed, only the path comes from the request
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := s.client.Do(req) //nolint:gosec // see above
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(resp.StatusCode)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	flush()
	events := 0
	err = eachEvent(resp.Body, func(ev []byte) bool {
		if fault.Delay > 0 {
			select {
			case <-time.After(fault.Delay):
			case <-r.Context().Done():
				return false
			}
		}
		if _, err := w.Write(ev); err != nil {
			return false
		}
		flush()
		events++
		if fault.StallAfter > 0 && events >= fault.StallAfter {
			<-r.Context().Done()
			return false
		}
		if fault.ResetAfter > 0 && events >= fault.ResetAfter {
			resetConnection(w)
			return false
		}
		return true
	})
	_ = err
}

// resetConnection aborts the response's TCP connection with an RST.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// eachEvent calls fn with each SSE event of r (bytes up to and including a
// blank line), then with any trailing bytes; fn returning false stops.
func eachEvent(r io.Reader, fn func([]byte) bool) error {
	var buf []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			i := bytes.Index(buf, []byte("\n\n"))
			if i < 0 {
				break
			}
			ev := append([]byte(nil), buf[:i+2]...)
			buf = buf[i+2:]
			if !fn(ev) {
				return nil
			}
		}
		if err != nil {
			if len(buf) > 0 {
				fn(buf)
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}
