package load

import (
	"context"
	"encoding/json"
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
	// Rate, when set, runs open loop: this many operations per second in
	// total, on a fixed schedule, to whichever of the Concurrency workers
	// is free; latencies run from each operation's slot on the schedule.
	Rate float64
}

// Run executes o.Scenario and returns its result.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	if o.Message == "" {
		o.Message = "add a task to buy milk tomorrow"
	}
	if o.Rate < 0 || (o.Rate > 0 && o.Duration <= 0) {
		return Result{}, errors.New("an open-loop run (-rate) needs a rate above 0 and a duration (-d)")
	}
	if o.Rate > 0 && o.Scenario == "streams" {
		return Result{}, errors.New("the streams scenario holds streams open; it has no rate (-rate)")
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

// loop runs fn closed-loop, or open-loop when o.Rate is set.
func loop(ctx context.Context, o Options, workers []*worker, series []string, fn op) Result {
	defer func() {
		for _, w := range workers {
			w.client.Close()
		}
	}()
	if o.Rate > 0 {
		return openLoop(ctx, o, workers, series, fn)
	}
	return closedLoop(ctx, o, workers, series, fn)
}

// newWorkers gives each worker a client of its own (one connection each).
// With shared, they all act for one user (the first one's secret and
// cookies); else each mints its own secret and keeps its own cookies (one
// anonymous user per worker).
func newWorkers(ctx context.Context, o Options, shared bool) ([]*worker, error) {
	workers := make([]*worker, o.Concurrency)
	var base *Client
	for i := range workers {
		var c *Client
		if shared && base != nil {
			c = base.Clone()
		} else {
			c = &Client{Base: o.Target, ChatPath: o.ChatPath, NoAuth: o.NoAuth}
			if err := c.MintSecret(ctx); err != nil {
				for _, w := range workers[:i] {
					w.client.Close()
				}
				return nil, fmt.Errorf("worker %d: %w", i, err)
			}
			if shared {
				base = c
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
	return loop(ctx, o, workers, []string{"request"}, func(ctx context.Context, w *worker, start time.Time, rec map[string]*Series) error {
		if err := w.client.Session(ctx); err != nil {
			return err
		}
		rec["request"].Add(time.Since(start))
		return nil
	}), nil
}

func encode(req any) []byte {
	b, err := json.Marshal(req)
	if err != nil {
		panic(fmt.Sprintf("encode %v: %v", req, err)) // maps of strings always encode
	}
	return b
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
	req := encode(createReq(o.Message))
	return loop(ctx, o, workers, []string{"request", "first_event"}, func(ctx context.Context, w *worker, start time.Time, rec map[string]*Series) error {
		st, err := w.client.Stream(ctx, req, StreamOptions{Start: start})
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
	st, err := c.Stream(ctx, encode(createReq("hello")), StreamOptions{ThreadID: true})
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
		if _, err := c.Stream(ctx, encode(turn), StreamOptions{}); err != nil {
			return Result{}, fmt.Errorf("history setup: %w", err)
		}
		have += 2 // at least the user message and the reply
		if have >= o.HistoryItems {
			if have, err = items(); err != nil {
				return Result{}, fmt.Errorf("history setup: %w", err)
			}
		}
	}
	listItems := encode(map[string]any{"type": "items.list", "params": map[string]any{"thread_id": st.ThreadID, "limit": 50, "order": "desc"}})
	listThreads := encode(map[string]any{"type": "threads.list", "params": map[string]any{"limit": 20}})
	res := loop(ctx, o, workers, []string{"request", "items_list", "threads_list"}, func(ctx context.Context, w *worker, start time.Time, rec map[string]*Series) error {
		if _, err := w.client.Raw(ctx, listItems); err != nil {
			return err
		}
		d := time.Since(start)
		rec["items_list"].Add(d)
		rec["request"].Add(d)
		t := time.Now()
		if _, err := w.client.Raw(ctx, listThreads); err != nil {
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
	base := &Client{Base: o.Target, ChatPath: o.ChatPath, NoAuth: o.NoAuth}
	if err := base.MintSecret(ctx); err != nil {
		return Result{}, err
	}
	base.Close()
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
	req := encode(createReq(o.Message))
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
			c := base.Clone()
			defer c.Close()
			st, err := c.Stream(ctx, req, StreamOptions{OnOpen: func() {
				release()
				if opened.Add(1) == int64(o.Streams) {
					once.Do(func() { close(allOpen) })
				}
			}})
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
