// Package load drives TaskPilotAI's HTTP API (sessions, the ChatKit endpoint
// and its SSE streams) at a fixed concurrency (closed loop: each worker sends
// its next request when the last one ends) or at a fixed rate (open loop:
// requests go out on a schedule and latency runs from each one's slot), and
// reports latency percentiles, throughput, errors, CPU per request and the
// server's memory.
package load

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Series collects the latencies of one measured quantity.
type Series struct {
	mu      sync.Mutex
	samples []time.Duration
}

// Add records one sample.
func (s *Series) Add(d time.Duration) {
	s.mu.Lock()
	s.samples = append(s.samples, d)
	s.mu.Unlock()
}

// Summary is a Series reduced to what the report prints.
type Summary struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

// Summarize sorts the samples and computes the percentiles (nearest rank).
func (s *Series) Summarize() Summary {
	s.mu.Lock()
	xs := slices.Clone(s.samples)
	s.mu.Unlock()
	if len(xs) == 0 {
		return Summary{}
	}
	slices.Sort(xs)
	var total time.Duration
	for _, x := range xs {
		total += x
	}
	rank := func(p float64) float64 {
		i := int(p*float64(len(xs))+0.999999) - 1
		i = max(0, min(i, len(xs)-1))
		return ms(xs[i])
	}
	return Summary{
		Count: len(xs),
		P50:   rank(0.50),
		P90:   rank(0.90),
		P99:   rank(0.99),
		Max:   ms(xs[len(xs)-1]),
		Mean:  ms(total / time.Duration(len(xs))),
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Result is one scenario run against one target.
type Result struct {
	Scenario    string             `json:"scenario"`
	Target      string             `json:"target"`
	Label       string             `json:"label"`
	Concurrency int                `json:"concurrency"`
	Duration    float64            `json:"duration_s"`
	Requests    int                `json:"requests"`
	Errors      int                `json:"errors"`
	ErrorSample []string           `json:"error_sample,omitempty"`
	Throughput  float64            `json:"throughput_per_s"`
	Latency     map[string]Summary `json:"latency"`
	// RSSBytes is the server's resident memory at the end (and, for the
	// streams scenario, while every stream was open).
	RSSBytes     int64   `json:"rss_bytes,omitempty"`
	RSSIdleBytes int64   `json:"rss_idle_bytes,omitempty"`
	BytesPerUnit float64 `json:"bytes_per_stream,omitempty"`
	Notes        string  `json:"notes,omitempty"`

	// Mode is ModeClosed or ModeOpen (results written before it existed
	// are closed-loop).
	Mode string `json:"mode,omitempty"`
	// Open loop: the rate asked for, the rate achieved (also in Throughput),
	// whether it was achieved (else the latencies do not stand for that
	// rate), and the measured slots the run's hard stop left unsent.
	OfferedRate  float64 `json:"offered_per_s,omitempty"`
	AchievedRate float64 `json:"achieved_per_s,omitempty"`
	RateAchieved *bool   `json:"rate_achieved,omitempty"`
	Missed       int     `json:"missed,omitempty"`
	// CPU time per operation over the measured window: the load tool's own
	// and (with -pid) the server's.
	ToolCPUPerOp   float64 `json:"tool_cpu_us_per_op,omitempty"`
	ServerCPUPerOp float64 `json:"server_cpu_us_per_op,omitempty"`
}

// Modes of a run.
const (
	ModeClosed = "closed-loop"
	ModeOpen   = "open-loop"
)

// Open reports whether r ran at a fixed rate.
func (r Result) Open() bool { return r.Mode == ModeOpen }

// errorLog counts errors and keeps the first few distinct messages.
type errorLog struct {
	mu     sync.Mutex
	n      int
	sample []string
}

func (e *errorLog) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	msg := err.Error()
	if len(e.sample) < 5 && !slices.Contains(e.sample, msg) {
		e.sample = append(e.sample, msg)
	}
}

func (e *errorLog) count() (int, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n, slices.Clone(e.sample)
}

// String renders a one-line human summary.
func (r Result) String() string {
	lat := r.Latency["request"]
	s := fmt.Sprintf("%s@%s c=%d: %.0f/s p50=%.2fms p99=%.2fms errors=%d",
		r.Scenario, r.Label, r.Concurrency, r.Throughput, lat.P50, lat.P99, r.Errors)
	if r.Open() {
		s += fmt.Sprintf(" offered=%.0f/s", r.OfferedRate)
		if r.RateAchieved == nil || !*r.RateAchieved {
			s += fmt.Sprintf(" RATE NOT ACHIEVED (%.0f/s, %d missed): latencies not valid for this rate", r.AchievedRate, r.Missed)
		}
	}
	if r.ToolCPUPerOp > 0 {
		s += fmt.Sprintf(" tool_cpu=%.1fus/op", r.ToolCPUPerOp)
	}
	if r.ServerCPUPerOp > 0 {
		s += fmt.Sprintf(" server_cpu=%.1fus/op", r.ServerCPUPerOp)
	}
	return s
}
