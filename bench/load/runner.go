package load

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// op is one measured operation of a worker. start is what its latencies are
// measured from: when a closed-loop worker sends it, or the slot an open-loop
// schedule gave it (so time spent waiting for a free worker counts).
type op func(ctx context.Context, w *worker, start time.Time, rec map[string]*Series) error

type worker struct {
	id     int
	client *Client
}

func newSeries(names []string) map[string]*Series {
	m := make(map[string]*Series, len(names))
	for _, s := range names {
		m[s] = &Series{}
	}
	return m
}

// closedLoop runs o.Concurrency workers, each repeating fn back to back:
// first for o.Warmup (not recorded), then for o.Duration or until
// o.Requests operations in total. At saturation its latencies are Little's
// law (workers ÷ throughput); openLoop measures latency at a given rate.
func closedLoop(ctx context.Context, o Options, workers []*worker, series []string, fn op) Result {
	rec, discard := newSeries(series), newSeries(series)
	var errs errorLog
	if o.Warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, o.Warmup)
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() {
				for wctx.Err() == nil {
					_ = fn(wctx, w, time.Now(), discard)
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
	cpu := startCPU(o.ServerPID)
	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for mctx.Err() == nil {
				if o.Duration == 0 && budget.Add(-1) < 0 {
					return
				}
				if err := fn(mctx, w, time.Now(), rec); err != nil {
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
		Scenario: o.Scenario, Target: o.Target, Label: o.Label, Concurrency: o.Concurrency, Mode: ModeClosed,
		Duration: elapsed.Seconds(), Requests: int(done.Load()), Errors: n, ErrorSample: sample,
		Throughput: float64(done.Load()) / elapsed.Seconds(), Latency: map[string]Summary{},
	}
	for name, s := range rec {
		res.Latency[name] = s.Summarize()
	}
	cpu.finish(&res, done.Load()+int64(n))
	res.RSSBytes = rss(o.ServerPID)
	return res
}

// schedule is an open-loop run's timetable: slot i is due at t0 + i/rate,
// whatever happened to the slots before it. The first warm slots are the
// warm-up (not recorded), the next measured ones the measured window.
type schedule struct {
	t0       time.Time
	rate     float64 // slots per second
	warm     int64
	measured int64
}

func newSchedule(t0 time.Time, rate float64, warmup, window time.Duration) schedule {
	return schedule{
		t0: t0, rate: rate,
		warm:     int64(math.Ceil(warmup.Seconds() * rate)),
		measured: max(1, int64(math.Round(window.Seconds()*rate))),
	}
}

func (s schedule) due(i int64) time.Time {
	return s.t0.Add(time.Duration(float64(i) * float64(time.Second) / s.rate))
}

func (s schedule) total() int64            { return s.warm + s.measured }
func (s schedule) isMeasured(i int64) bool { return i >= s.warm && i < s.total() }
func (s schedule) windowStart() time.Time  { return s.due(s.warm) }
func (s schedule) window() time.Duration   { return s.due(s.total()).Sub(s.windowStart()) }
func (s schedule) windowEnd() time.Time    { return s.due(s.total()) }
func (s schedule) lastSlotDue() time.Time  { return s.due(s.total() - 1) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// timerSlack is how early an open-loop worker wakes for its slot: Go's
// timers wait in epoll with millisecond resolution when the process is idle,
// so a timer set for the slot fires up to 1 ms after it, and that delay
// would count in every latency at low rates. Waking up to 1 ms early and
// sending at once keeps the average rate; latency then runs from the send.
const timerSlack = time.Millisecond

// MinAchieved is the share of the offered rate an open-loop run must
// achieve for its latencies to stand for that rate.
const MinAchieved = 0.95

// verdict is the accounting of a measured window: ok and failed operations,
// and when the last measured slot was actually sent. A run that kept up sent
// its last slot on time, so the measured slots went out over the window; one
// that fell behind (the target, or the tool, could not keep up: slots waited
// for a free worker) sent them over a longer span, and its achieved rate is
// the lower rate it really offered.
type verdict struct {
	Achieved float64 // successful operations per second over the sending span
	Missed   int64   // measured slots neither completed nor failed (the run's hard stop came first)
	OK       bool    // achieved ≥ MinAchieved × offered, nothing missed
}

func (s schedule) verdict(ok, failed int64, lastSent time.Time) verdict {
	v := verdict{Missed: s.measured - ok - failed}
	span := s.window()
	if late := lastSent.Sub(s.lastSlotDue()); late > 0 {
		span += late
	}
	if span > 0 {
		v.Achieved = float64(ok) / span.Seconds()
	}
	v.OK = v.Missed == 0 && v.Achieved >= MinAchieved*s.rate
	return v
}

// openLoop sends operations on a fixed schedule of o.Rate per second in
// total (wrk2-style), to whichever of the workers is free: each operation's
// latency runs from its slot on the schedule, not from when a worker got
// to it, so a server (or tool) that falls behind shows its backlog in the
// latencies instead of hiding it (coordinated omission). The first
// o.Warmup of slots is not recorded. Slots due in the window are all sent,
// late if need be, up to a hard stop of a window's length (at least 2 s)
// after its end; slots left then are reported as missed.
func openLoop(ctx context.Context, o Options, workers []*worker, series []string, fn op) Result {
	rec, discard := newSeries(append(series, "send_lag", "tool_lag")), newSeries(series)
	sch := newSchedule(time.Now().Add(20*time.Millisecond), o.Rate, o.Warmup, o.Duration)
	hardStop := sch.windowEnd().Add(max(2*time.Second, sch.window()))
	hctx, cancel := context.WithDeadline(ctx, hardStop)
	defer cancel()
	var (
		next     atomic.Int64
		errs     errorLog
		cpu      cpuMark
		cpuOnce  sync.Once
		mu       sync.Mutex
		ok, fail int64
		lastSent time.Time
	)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			timer := time.NewTimer(time.Hour)
			defer timer.Stop()
			var wOK, wFail int64
			var wLast time.Time
			defer func() {
				mu.Lock()
				ok, fail = ok+wOK, fail+wFail
				if wLast.After(lastSent) {
					lastSent = wLast
				}
				mu.Unlock()
			}()
			for {
				i := next.Add(1) - 1
				if i >= sch.total() {
					return
				}
				picked := time.Now()
				due := sch.due(i)
				if d := time.Until(due) - timerSlack; d > 0 {
					timer.Reset(d)
					select {
					case <-timer.C:
					case <-hctx.Done():
						return
					}
				}
				if hctx.Err() != nil {
					return
				}
				// Latency runs from the slot, or from the send when the
				// timer woke before the slot.
				sent := time.Now()
				start := due
				if sent.Before(due) {
					start = sent
				}
				if !sch.isMeasured(i) {
					_ = fn(hctx, w, start, discard)
					continue
				}
				if i == sch.warm {
					cpuOnce.Do(func() { cpu = startCPU(o.ServerPID) })
				}
				// send_lag is all the wait past the slot; tool_lag the part
				// of it after a worker was free for the slot (the tool's
				// own delay: timer, scheduler, CPU).
				rec["send_lag"].Add(sent.Sub(due))
				rec["tool_lag"].Add(max(0, sent.Sub(later(picked, due))))
				err := fn(hctx, w, start, rec)
				switch {
				case err == nil:
					wOK++
				case hctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
					// The hard stop cut it: missed, not failed.
					continue
				default:
					wFail++
					errs.add(err)
				}
				if sent.After(wLast) {
					wLast = sent
				}
			}
		})
	}
	wg.Wait()
	end := time.Now()
	v := sch.verdict(ok, fail, lastSent)
	n, sample := errs.count()
	rateOK := v.OK
	res := Result{
		Scenario: o.Scenario, Target: o.Target, Label: o.Label, Concurrency: o.Concurrency, Mode: ModeOpen,
		Duration: end.Sub(sch.windowStart()).Seconds(), Requests: int(ok), Errors: n, ErrorSample: sample,
		Throughput: v.Achieved, Latency: map[string]Summary{},
		OfferedRate: sch.rate, AchievedRate: v.Achieved, RateAchieved: &rateOK, Missed: int(v.Missed),
	}
	for name, s := range rec {
		res.Latency[name] = s.Summarize()
	}
	if cpu.started {
		cpu.finish(&res, ok+fail)
	}
	res.RSSBytes = rss(o.ServerPID)
	return res
}
