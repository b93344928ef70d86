package topology

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/taskpilotai/taskpilot/pkg/agent/openaiagent/fakeopenai"
	"github.com/taskpilotai/taskpilot/tests/reliability"
)

// ModelTurn is the fake model's answer to one request, and how fast it
// streams.
type ModelTurn struct {
	Step  fakeopenai.Step
	Fault reliability.Fault
}

// Model is the OpenAI-compatible upstream of every chat-service replica:
// fakeopenai (the scripted model) behind reliability.SlowUpstream (a slow
// or broken stream), fed by a front that takes each request's answer from
// a script, or a default answer when the script is empty.
type Model struct {
	// URL is the base URL the chart's config.openaiBaseURL gets.
	URL string
	// Key is the API key the fake accepts (the chart's secrets.openaiAPIKey).
	Key string

	fake   *fakeopenai.Server
	slow   *reliability.SlowUpstream
	front  *httptest.Server
	client *http.Client

	mu     sync.Mutex // serialises a request's script pop with its arrival at the fake
	script []ModelTurn
	def    ModelTurn
	served atomic.Int64

	errMu  sync.Mutex
	errors []string
}

// fakeTB lets fakeopenai report to the topology instead of a test.
type fakeTB struct {
	m        *Model
	log      *slog.Logger
	cleanups *[]func()
}

func (f fakeTB) Helper() {}

func (f fakeTB) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.log.Error("fake model", slog.String("problem", msg))
	f.m.errMu.Lock()
	f.m.errors = append(f.m.errors, msg)
	f.m.errMu.Unlock()
}

func (f fakeTB) Cleanup(fn func()) { *f.cleanups = append(*f.cleanups, fn) }

// newModel starts the model; cleanups collects what Close must run.
func newModel(log *slog.Logger, key string, cleanups *[]func()) *Model {
	m := &Model{Key: key, client: &http.Client{}, def: ModelTurn{Step: fakeopenai.Reply("Noted", ".")}}
	m.fake = fakeopenai.New(fakeTB{m: m, log: log, cleanups: cleanups}, key)
	m.slow = reliability.NewSlowUpstream(m.fake.URL)
	*cleanups = append(*cleanups, m.slow.Close)
	m.front = httptest.NewServer(http.HandlerFunc(m.serve))
	*cleanups = append(*cleanups, func() {
		m.front.CloseClientConnections()
		m.front.Close()
	})
	m.URL = m.front.URL + "/v1/"
	return m
}

// Enqueue scripts the answers to the next requests, in order.
func (m *Model) Enqueue(turns ...ModelTurn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.script = append(m.script, turns...)
}

// SetDefault sets the answer to requests beyond the script.
func (m *Model) SetDefault(t ModelTurn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.def = t
}

// ClearScript drops the unused scripted answers (a test that failed
// before using its own must not leave them to the next one).
func (m *Model) ClearScript() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.script = nil
}

// Pending returns how many scripted answers are unused.
func (m *Model) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.script)
}

// Served returns how many requests reached the model.
func (m *Model) Served() int64 { return m.served.Load() }

// Errors returns the invalid requests the fake saw (the services must
// send none).
func (m *Model) Errors() []string {
	m.errMu.Lock()
	defer m.errMu.Unlock()
	return append([]string(nil), m.errors...)
}

func (m *Model) serve(w http.ResponseWriter, r *http.Request) {
	m.served.Add(1)
	// The script pop, the hand-over to the fake and the slow proxy, and the
	// request's arrival there happen under one lock (released when the
	// answer's headers come back), so concurrent requests take scripted
	// answers in the order they arrive.
	m.mu.Lock()
	turn := m.def
	if len(m.script) > 0 {
		turn, m.script = m.script[0], m.script[1:]
	}
	m.fake.Enqueue(turn.Step)
	m.slow.Enqueue(turn.Fault)
	url := strings.TrimSuffix(m.slow.URL, "/v1/") + r.URL.Path
	req, err := http.NewRequestWithContext(r.Context(), r.Method, url, r.Body) //nolint:gosec // G704: the target is the topology's own slow proxy; only the path comes from the request
	if err != nil {
		m.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := m.client.Do(req) //nolint:gosec // G704: see above
	m.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer func() { _ = resp.Body.Close() }()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			_ = rc.Flush()
		}
		if err != nil {
			if err != io.EOF {
				// The upstream broke the stream: break ours too.
				panic(http.ErrAbortHandler)
			}
			return
		}
	}
}
