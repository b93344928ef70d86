package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure one scenario run.
type Options struct {
	Scenario    string
	Target      string // base URL
	Label       string // name in the report (taskpilot, limit, node-peer)
	ChatPath    string
	NoAuth      bool
	Concurrency int
	Duration    time.Duration // measured phase; 0 → Requests decides
	Requests    int           // total measured requests when Duration is 0
	Warmup      time.Duration
	ServerPID   int    // for RSS readings; 0 → none
	Message     string // user text of each turn
	// HistoryItems is how many items the history scenario's thread gets.
	HistoryItems int
	// Streams is how many streams the streams scenario holds open at once.
	Streams int
}

// Run executes o.Scenario and returns its result.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Message == "" {
		o.Message = "add a task to buy milk tomorrow"
	}
	switch o.Scenario {
	case "session":
		return runSession(ctx, o)
	case "turn":
		return runTurn(ctx, o)
	case "history":
		return runHistory(ctx, o)
	case "streams":
		return runStreams(ctx, o)
	}
	return Result{}, fmt.Errorf("unknown scenario %q (want session, turn, history or streams)", o.Scenario)
}

// op is one measured operation of a closed-loop worker; it records its own
// latencies into the series it is given.
type op func(ctx context.Context, w *worker, rec map[string]*Series) error

type worker struct {
	id     int
	client *Client
}

// closedLoop runs o.Concurrency workers, each repeating fn back to back:
// first for o.Warmup (not recorded), then for o.Duration or until
// o.Requests operations in total.
func closedLoop(ctx context.Context, o Options, workers []*worker, series []string, fn op) Result {
	rec := map[string]*Series{}
	for _, s := range series {
		rec[s] = &Series{}
	}
	discard := map[string]*Series{}
	for _, s := range series {
		discard[s] = &Series{}
	}
	var errs errorLog
	if o.Warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, o.Warmup)
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() {
				for wctx.Err() == nil {
					_ = fn(wctx, w, discard)
				}
			})
		}
		wg.Wait()
		cancel()
	}
	var budget atomic.Int64
	budget.Store(int64(o.Requests))
	mctx := ctx
	var cancel context.CancelFunc = func() {}
	if o.Duration > 0 {
		mctx, cancel = context.WithTimeout(ctx, o.Duration)
	}
	defer cancel()
	var done atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for mctx.Err() == nil {
				if o.Duration == 0 && budget.Add(-1) < 0 {
					return
				}
				if err := fn(mctx, w, rec); err != nil {
					if mctx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
						return // the measured window closed mid-request
					}
					errs.add(err)
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	n, sample := errs.count()
	res := Result{
		Scenario: o.Scenario, Target: o.Target, Label: o.Label, Concurrency: o.Concurrency,
		Duration: elapsed.Seconds(), Requests: int(done.Load()), Errors: n, ErrorSample: sample,
		Throughput: float64(done.Load()) / elapsed.Seconds(), Latency: map[string]Summary{},
	}
	for name, s := range rec {
		res.Latency[name] = s.Summarize()
	}
	res.RSSBytes = rss(o.ServerPID)
	return res
}

func newWorkers(ctx context.Context, o Options, shared bool) ([]*worker, error) {
	hc := NewHTTPClient(o.Concurrency)
	var base *Client
	workers := make([]*worker, o.Concurrency)
	for i := range workers {
		var c *Client
		switch {
		case shared && base != nil:
			cp := *base
			c = &cp
		default:
			// One cookie jar per worker: one anonymous user per worker.
			wc := &Client{Base: o.Target, ChatPath: o.ChatPath, NoAuth: o.NoAuth, HTTP: NewHTTPClient(1)}
			wc.HTTP.Transport = hc.Transport
			if err := wc.MintSecret(ctx); err != nil {
				return nil, fmt.Errorf("worker %d: %w", i, err)
			}
			c = wc
			if shared {
				base = wc
			}
		}
		workers[i] = &worker{id: i, client: c}
	}
	return workers, nil
}

func runSession(ctx context.Context, o Options) (Result, error) {
	workers, err := newWorkers(ctx, Options{Target: o.Target, Concurrency: o.Concurrency, NoAuth: true}, false)
	if err != nil {
		return Result{}, err
	}
	return closedLoop(ctx, o, workers, []string{"request"}, func(ctx context.Context, w *worker, rec map[string]*Series) error {
		t := time.Now()
		if err := w.client.Session(ctx); err != nil {
			return err
		}
		rec["request"].Add(time.Since(t))
		return nil
	}), nil
}

func createReq(text string) map[string]any {
	return map[string]any{"type": "threads.create", "params": map[string]any{"input": userInput(text)}}
}

func userInput(text string) map[string]any {
	return map[string]any{
		"content":           []map[string]any{{"type": "input_text", "text": text}},
		"attachments":       []string{},
		"inference_options": map[string]any{},
	}
}

func runTurn(ctx context.Context, o Options) (Result, error) {
	workers, err := newWorkers(ctx, o, false)
	if err != nil {
		return Result{}, err
	}
	req := createReq(o.Message)
	return closedLoop(ctx, o, workers, []string{"request", "first_event"}, func(ctx context.Context, w *worker, rec map[string]*Series) error {
		st, err := w.client.Stream(ctx, req, nil)
		if err != nil {
			return err
		}
		rec["request"].Add(st.Total)
		rec["first_event"].Add(st.FirstEvent)
		return nil
	}), nil
}

// runHistory fills one thread with o.HistoryItems items, then measures
// items.list (page of 50) and threads.list (page of 20) alternately.
func runHistory(ctx context.Context, o Options) (Result, error) {
	workers, err := newWorkers(ctx, o, true)
	if err != nil {
		return Result{}, err
	}
	c := workers[0].client
	st, err := c.Stream(ctx, createReq("hello"), nil)
	if err != nil {
		return Result{}, fmt.Errorf("history setup: %w", err)
	}
	if st.ThreadID == "" {
		return Result{}, errors.New("history setup: no thread.created event")
	}
	items := func() (int, error) {
		n := 0
		req := map[string]any{"type": "items.list", "params": map[string]any{"thread_id": st.ThreadID, "limit": 100, "order": "desc"}}
		var after string
		for {
			if after != "" {
				req["params"].(map[string]any)["after"] = after
			}
			var p struct {
				Data    []map[string]any `json:"data"`
				HasMore bool             `json:"has_more"`
				After   string           `json:"after"`
			}
			if err := c.JSON(ctx, req, &p); err != nil {
				return n, err
			}
			n += len(p.Data)
			if !p.HasMore {
				return n, nil
			}
			after = p.After
		}
	}
	// Fill with add_user_message turns, several writers at once (each turn
	// holds the thread's lock, so they queue; that is fine for setup).
	have, err := items()
	if err != nil {
		return Result{}, fmt.Errorf("history setup: %w", err)
	}
	for have < o.HistoryItems {
		turn := map[string]any{"type": "threads.add_user_message", "params": map[string]any{"thread_id": st.ThreadID, "input": userInput("show my tasks")}}
		if _, err := c.Stream(ctx, turn, nil); err != nil {
			return Result{}, fmt.Errorf("history setup: %w", err)
		}
		have += 2 // at least the user message and the reply
		if have >= o.HistoryItems {
			if have, err = items(); err != nil {
				return Result{}, fmt.Errorf("history setup: %w", err)
			}
		}
	}
	listItems := map[string]any{"type": "items.list", "params": map[string]any{"thread_id": st.ThreadID, "limit": 50, "order": "desc"}}
	listThreads := map[string]any{"type": "threads.list", "params": map[string]any{"limit": 20}}
	res := closedLoop(ctx, o, workers, []string{"request", "items_list", "threads_list"}, func(ctx context.Context, w *worker, rec map[string]*Series) error {
		t := time.Now()
		if err := w.client.JSON(ctx, listItems, nil); err != nil {
			return err
		}
		d := time.Since(t)
		rec["items_list"].Add(d)
		rec["request"].Add(d)
		t = time.Now()
		if err := w.client.JSON(ctx, listThreads, nil); err != nil {
			return err
		}
		d = time.Since(t)
		rec["threads_list"].Add(d)
		rec["request"].Add(d)
		return nil
	})
	res.Notes = fmt.Sprintf("thread with %d items", have)
	return res, nil
}

// runStreams opens o.Streams concurrent turns against a server whose model
// is slow, measures the server's memory once all of them are open, then
// waits for every stream to finish.
func runStreams(ctx context.Context, o Options) (Result, error) {
	if o.Streams <= 0 {
		o.Streams = o.Concurrency
	}
	hc := NewHTTPClient(o.Streams)
	base := &Client{Base: o.Target, ChatPath: o.ChatPath, NoAuth: o.NoAuth, HTTP: hc}
	if err := base.MintSecret(ctx); err != nil {
		return Result{}, err
	}
	idle := rss(o.ServerPID)
	var (
		opened  atomic.Int64
		allOpen = make(chan struct{})
		once    sync.Once
		errs    errorLog
		first   Series
		total   Series
		wg      sync.WaitGroup
	)
	req := createReq(o.Message)
	start := time.Now()
	// Open at a bounded rate so the accept queue is not the thing measured.
	gate := make(chan struct{}, max(o.Concurrency, 1))
	for i := 0; i < o.Streams; i++ {
		gate <- struct{}{}
		wg.Go(func() {
			released := false
			release := func() {
				if !released {
					released = true
					<-gate
				}
			}
			defer release()
			st, err := base.Stream(ctx, req, func() {
				release()
				if opened.Add(1) == int64(o.Streams) {
					once.Do(func() { close(allOpen) })
				}
			})
			if err != nil {
				errs.add(err)
				return
			}
			first.Add(st.FirstEvent)
			total.Add(st.Total)
		})
	}
	var peak int64
	select {
	case <-allOpen:
		time.Sleep(200 * time.Millisecond)
		peak = rss(o.ServerPID)
	case <-waitCh(&wg):
	}
	wg.Wait()
	n, sample := errs.count()
	res := Result{
		Scenario: "streams", Target: o.Target, Label: o.Label, Concurrency: o.Streams,
		Duration: time.Since(start).Seconds(), Requests: total.Summarize().Count, Errors: n, ErrorSample: sample,
		Latency:  map[string]Summary{"first_event": first.Summarize(), "request": total.Summarize()},
		RSSBytes: peak, RSSIdleBytes: idle,
	}
	res.Throughput = float64(res.Requests) / res.Duration
	if peak > 0 && o.Streams > 0 {
		res.BytesPerUnit = float64(peak-idle) / float64(o.Streams)
	}
	if peak == 0 {
		res.Notes = "not every stream was open at once"
	}
	return res, nil
}

func waitCh(wg *sync.WaitGroup) <-chan struct{} {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	return ch
}

// rss reads a process's resident set size from /proc (0 when unknown).
func rss(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
