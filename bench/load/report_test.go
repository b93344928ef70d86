package load

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func lat(p50, p99 float64) Summary {
	return Summary{Count: 100, P50: p50, P90: p99, P99: p99, Max: p99}
}

// run results shaped like a whole bench/run.sh pass.
func passResults() []Result {
	return []Result{
		{Scenario: "session", Label: Subject, Concurrency: 256, Throughput: 20000, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(10, 38.4)}},
		{Scenario: "session", Label: "limit", Concurrency: 256, Throughput: 25000, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(8, 28.3)}},
		{Scenario: "session", Label: Subject, Concurrency: 256, Throughput: 10000, Mode: ModeOpen,
			OfferedRate: 10000, AchievedRate: 10000, RateAchieved: yes(),
			Latency: map[string]Summary{"request": lat(0.4, 3.2)}},
		{Scenario: "session", Label: "limit", Concurrency: 256, Throughput: 10000, Mode: ModeOpen,
			OfferedRate: 10000, AchievedRate: 10000, RateAchieved: yes(),
			Latency: map[string]Summary{"request": lat(0.2, 2.1)}},
		{Scenario: "turn", Label: Subject, Concurrency: 64, Throughput: 820, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(70, 100), "first_event": lat(14.8, 30)}},
		{Scenario: "turn", Label: "limit", Concurrency: 64, Throughput: 12000, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(4, 15), "first_event": lat(4.5, 15)}},
		{Scenario: "turn", Label: "node-peer", Concurrency: 64, Throughput: 2000, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(24, 50), "first_event": lat(24, 50)}},
		{Scenario: "turn", Label: "node-sqlite", Concurrency: 64, Throughput: 500, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(90, 150), "first_event": lat(30, 60)}},
		{Scenario: "turn", Label: "node-sqlite#2", Concurrency: 64, Throughput: 1000, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(50, 100), "first_event": lat(20, 40)}},
		{Scenario: "turn", Label: "taskpilot#2", Concurrency: 64, Throughput: 910, Mode: ModeClosed,
			Latency: map[string]Summary{"request": lat(60, 110), "first_event": lat(15, 30)}},
		{Scenario: "turn", Label: Subject, Concurrency: 64, Throughput: 410, Mode: ModeOpen,
			OfferedRate: 410, AchievedRate: 410, RateAchieved: yes(),
			Latency: map[string]Summary{"request": lat(3, 30), "first_event": lat(1.9, 20)}},
		{Scenario: "turn", Label: "limit", Concurrency: 64, Throughput: 380, Mode: ModeOpen,
			OfferedRate: 410, AchievedRate: 380, RateAchieved: no(), Missed: 12,
			Latency: map[string]Summary{"request": lat(0.3, 3), "first_event": lat(0.25, 3)}},
		{Scenario: "history", Label: Subject, Concurrency: 16, Throughput: 1800, Mode: ModeClosed, Notes: "thread with 2001 items",
			Latency: map[string]Summary{"request": lat(4, 15), "items_list": lat(4.1, 15), "threads_list": lat(3.9, 14)}},
		{Scenario: "streams", Label: Subject, Concurrency: 2000, Throughput: 300,
			BytesPerUnit: 120000, Latency: map[string]Summary{"request": lat(20000, 25000)}},
	}
}

func TestTargetsVerdicts(t *testing.T) {
	got := map[string]TargetRow{}
	for _, r := range Targets(passResults()) {
		got[r.Target] = r
	}
	want := map[string]string{
		"session mint ≥ 0.5× bare Fiber (c=256)":                  Met,    // 0.80×
		"session mint p99 < 10 ms (c=256), closed loop":           Missed, // 38.4 ms
		"session mint p99 < 10 ms (c=256), at 10000/s":            Met,    // 3.2 ms
		"turns/s ≥ 1× in-memory Node peer (c=64)":                 Missed, // 0.41×
		"turns/s ≥ 1.5× durable Node peer (SQLite) (c=64)":        Missed, // 0.91× in round 2
		"turn p99 ≤ 50 ms (c=64), at 410/s":                       Met,    // 30 ms
		"first event, server time p50 ≤ 2 ms (c=64), closed loop": Missed, // 10.3 ms
		"first event, server time p50 ≤ 2 ms (c=64), at 410/s":    Invalid,
		"streams ≤ 64 KiB each, 0 errors (2000 streams)":          Missed, // 117 KiB
		"items.list (50) p50 ≤ 5 ms (c=16)":                       Met,
	}
	for target, verdict := range want {
		r, ok := got[target]
		if !ok {
			t.Errorf("no row %q (rows: %v)", target, got)
			continue
		}
		if r.Verdict != verdict {
			t.Errorf("%s: %q (%s), want %q", target, r.Verdict, r.Measured, verdict)
		}
	}
	if m := got["turns/s ≥ 1.5× durable Node peer (SQLite) (c=64)"].Measured; m != "1.64× (820/s vs 500/s); 0.91× (910/s vs 1000/s)" {
		t.Errorf("turn vs durable peer measured %q, want each round against the subject of its own round", m)
	}
	if m := got["first event, server time p50 ≤ 2 ms (c=64), closed loop"].Measured; !strings.HasPrefix(m, "10.30 ms") {
		t.Errorf("closed-loop overhead measured %q, want 10.30 ms (14.8 − 4.5)", m)
	}
	if m := got["session mint p99 < 10 ms (c=256), at 10000/s"].Measured; !strings.Contains(m, "3.20 ms") || !strings.Contains(m, "2.10 ms") {
		t.Errorf("fixed-rate session p99 measured %q, want taskpilot's 3.20 and the limit's 2.10 ms", m)
	}

	// Once the limit achieves the rate, the fixed-rate overhead is judged
	// (1.9 − 0.25 = 1.65 ms ≤ 2 ms); without the peer or the streams
	// run, those targets say so.
	rs := passResults()
	for i := range rs {
		if rs[i].Label == "limit" && rs[i].Scenario == "turn" && rs[i].Open() {
			rs[i].RateAchieved = yes()
		}
	}
	rs = slicesDelete(rs, func(r Result) bool {
		name, _ := labelRound(r.Label)
		return name == "node-peer" || name == "node-sqlite" || r.Scenario == "streams"
	})
	got = map[string]TargetRow{}
	for _, r := range Targets(rs) {
		got[r.Target] = r
	}
	if r := got["first event, server time p50 ≤ 2 ms (c=64), at 410/s"]; r.Verdict != Met {
		t.Errorf("fixed-rate overhead: %+v, want met", r)
	}
	if r := got["turns/s ≥ 1× in-memory Node peer"]; !strings.HasPrefix(r.Verdict, NotMeasured) {
		t.Errorf("turn vs peer without the peer: %+v, want not measured", r)
	}
	if r := got["streams ≤ 64 KiB each, 0 errors"]; r.Verdict != NotMeasured {
		t.Errorf("streams without the run: %+v, want not measured", r)
	}
}

func slicesDelete(rs []Result, drop func(Result) bool) []Result {
	var out []Result
	for _, r := range rs {
		if !drop(r) {
			out = append(out, r)
		}
	}
	return out
}

func TestResultsRoundTripAndReport(t *testing.T) {
	dir := t.TempDir()
	for _, r := range passResults() {
		if err := WriteJSON(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"session-taskpilot.json", "session-taskpilot-rate10000.json", "turn-limit-rate410.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("result file %s: %v", name, err)
		}
	}
	back, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(passResults()) {
		t.Fatalf("read %d results, want %d", len(back), len(passResults()))
	}
	var out bytes.Buffer
	Table(&out, back)
	text := out.String()
	for _, want := range []string{
		"closed loop (saturation",
		"fixed rate (open loop",
		"turn@limit at 410/s: RATE NOT ACHIEVED (380/s, 12 slots missed)",
		"turn: server-side time before the first event ≈ taskpilot − limit first_p50 = 10.30 ms (c=64)",
		"turn at 410/s: server-side time before the first event ≈ taskpilot − limit first_p50 = 1.65 ms (c=64)",
		"history@taskpilot: items.list (50) p50 4.10 ms",
		"targets (performance issue)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	// A fixed-rate row is not in the closed-loop table (its ratio would
	// compare a rate with a capacity).
	closed := text[:strings.Index(text, "fixed rate")]
	if strings.Count(closed, "session  ") > 2 {
		t.Errorf("closed-loop table has more than the two closed-loop session rows:\n%s", closed)
	}
}
