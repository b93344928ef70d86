package load

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
)

// Subject is the label the other targets are compared with.
const Subject = "taskpilot"

// WriteJSON writes r to dir as <scenario>-<label>.json (closed loop) or
// <scenario>-<label>-rate<R>.json (open loop at R per second).
func WriteJSON(dir string, r Result) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	name := filepath.Join(dir, r.Scenario+"-"+r.Label+".json")
	if r.Open() {
		name = filepath.Join(dir, fmt.Sprintf("%s-%s-rate%.0f.json", r.Scenario, r.Label, r.OfferedRate))
	}
	if err := os.WriteFile(name, b, 0o600); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// ReadDir loads every result written by WriteJSON in dir.
func ReadDir(dir string) ([]Result, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list results: %w", err)
	}
	var out []Result
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("decode %s: %w", f, err)
		}
		out = append(out, r)
	}
	return out, nil
}

var scenarioOrder = []string{"session", "turn", "history", "streams"}

// labelRound splits a label "name#N" (round N of target name: bench/run.sh
// measures the turn rows twice, in alternating order) into name and N; a
// label without "#" is round "" (the first).
func labelRound(label string) (name, round string) {
	name, round, _ = strings.Cut(label, "#")
	return name, round
}

// sortResults orders results by scenario, rate and round, the subject first.
func sortResults(results []Result) {
	sort.SliceStable(results, func(i, j int) bool {
		a, b := slices.Index(scenarioOrder, results[i].Scenario), slices.Index(scenarioOrder, results[j].Scenario)
		if a != b {
			return a < b
		}
		if results[i].OfferedRate != results[j].OfferedRate {
			return results[i].OfferedRate < results[j].OfferedRate
		}
		ni, ri := labelRound(results[i].Label)
		nj, rj := labelRound(results[j].Label)
		if ri != rj {
			return ri < rj
		}
		return ni == Subject && nj != Subject
	})
}

// find returns the result of scenario and label, closed loop (open false)
// or the first at a fixed rate (open true).
func find(results []Result, scenario, label string, open bool) *Result {
	for i := range results {
		r := &results[i]
		if r.Scenario == scenario && r.Label == label && r.Open() == open {
			return r
		}
	}
	return nil
}

func cpuCell(us float64) string {
	if us <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", us)
}

// Table prints the closed-loop rows (one per result, grouped by scenario,
// with each target's throughput ratio against the subject, taskpilot, of
// the same scenario), then the fixed-rate rows, then the notes.
func Table(w io.Writer, in []Result) {
	results := slices.Clone(in)
	sortResults(results)
	var closed, open []Result
	for _, r := range results {
		if r.Open() {
			open = append(open, r)
		} else {
			closed = append(closed, r)
		}
	}
	// The subject of each scenario and round: a target is compared with the
	// subject of its own round.
	subject := map[string]Result{}
	for _, r := range closed {
		if name, round := labelRound(r.Label); name == Subject {
			subject[r.Scenario+"#"+round] = r
		}
	}
	fmt.Fprintln(w, "closed loop (saturation: each worker sends its next request when its last one ends)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\ttarget\tconc\treqs\terr\tper_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tfirst_p50\tRSS_MiB\tB/stream\ttool_us/op\tsrv_us/op\ttaskpilot÷target\t")
	for _, r := range closed {
		lat := r.Latency["request"]
		fe := "-"
		if s, ok := r.Latency["first_event"]; ok && s.Count > 0 {
			fe = fmt.Sprintf("%.2f", s.P50)
		}
		ratio := "-"
		name, round := labelRound(r.Label)
		if s, ok := subject[r.Scenario+"#"+round]; ok && name != Subject && r.Throughput > 0 {
			ratio = fmt.Sprintf("%.2f×", s.Throughput/r.Throughput)
		}
		per := "-"
		if r.BytesPerUnit > 0 {
			per = fmt.Sprintf("%.0f", r.BytesPerUnit)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%.1f\t%s\t%s\t%s\t%s\t\n",
			r.Scenario, r.Label, r.Concurrency, r.Requests, r.Errors, r.Throughput,
			lat.P50, lat.P90, lat.P99, lat.Max, fe, float64(r.RSSBytes)/(1<<20), per,
			cpuCell(r.ToolCPUPerOp), cpuCell(r.ServerCPUPerOp), ratio)
	}
	tw.Flush()
	if len(open) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "fixed rate (open loop: requests go out on a schedule; latency runs from each one's slot, so waiting for a free connection counts;")
		fmt.Fprintln(w, "lag: send − slot; tool_lag: the part of it after a connection was free, i.e. the load tool's own delay)")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "scenario\ttarget\tconc\toffered/s\tachieved/s\trate\treqs\terr\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tfirst_p50\tfirst_p99\tlag_p99\ttool_lag_p99\ttool_us/op\tsrv_us/op\t")
		for _, r := range open {
			lat, fe := r.Latency["request"], r.Latency["first_event"]
			fe50, fe99 := "-", "-"
			if fe.Count > 0 {
				fe50, fe99 = fmt.Sprintf("%.2f", fe.P50), fmt.Sprintf("%.2f", fe.P99)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.0f\t%.0f\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t\n",
				r.Scenario, r.Label, r.Concurrency, r.OfferedRate, r.AchievedRate, rateCell(r), r.Requests, r.Errors,
				lat.P50, lat.P90, lat.P99, lat.Max, fe50, fe99, r.Latency["send_lag"].P99, r.Latency["tool_lag"].P99,
				cpuCell(r.ToolCPUPerOp), cpuCell(r.ServerCPUPerOp))
		}
		tw.Flush()
		for _, r := range open {
			if !rateOK(r) {
				fmt.Fprintf(w, "  %s@%s at %.0f/s: RATE NOT ACHIEVED (%.0f/s, %d slots missed): its latencies do not stand for that rate\n",
					r.Scenario, r.Label, r.OfferedRate, r.AchievedRate, r.Missed)
			}
		}
	}
	// The limit streams the same bytes with no work behind them, so its time
	// to first event is the client, loopback and HTTP share; what taskpilot
	// takes beyond it is server-side work before the first event.
	for _, open := range []bool{false, true} {
		if o, ok := firstEventOverhead(results, open); ok {
			fmt.Fprintf(w, "  turn%s: server-side time before the first event ≈ taskpilot − limit first_p50 = %.2f ms (c=%d)\n", o.where, o.ms, o.conc)
		}
	}
	for _, r := range closed {
		if r.Scenario == "history" {
			if il, ok := r.Latency["items_list"]; ok && il.Count > 0 {
				tl := r.Latency["threads_list"]
				fmt.Fprintf(w, "  history@%s: items.list (50) p50 %.2f ms p99 %.2f ms; threads.list (20) p50 %.2f ms p99 %.2f ms\n",
					r.Label, il.P50, il.P99, tl.P50, tl.P99)
			}
		}
	}
	for _, r := range results {
		var notes []string
		if r.Notes != "" {
			notes = append(notes, r.Notes)
		}
		if len(r.ErrorSample) > 0 {
			notes = append(notes, "errors: "+strings.Join(r.ErrorSample, " | "))
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "  %s@%s%s: %s\n", r.Scenario, r.Label, rateSuffix(r), strings.Join(notes, "; "))
		}
	}
	fmt.Fprintln(w)
	PrintTargets(w, Targets(results))
}

func rateOK(r Result) bool { return r.RateAchieved != nil && *r.RateAchieved }

func rateCell(r Result) string {
	if rateOK(r) {
		return "ok"
	}
	return "NOT MET"
}

func rateSuffix(r Result) string {
	if !r.Open() {
		return ""
	}
	return fmt.Sprintf(" at %.0f/s", r.OfferedRate)
}

type overhead struct {
	where string
	ms    float64
	conc  int
	valid bool // both runs achieved their rate (always true closed loop)
}

// firstEventOverhead is taskpilot's first_p50 minus the limit's, both
// closed loop or both at a fixed rate.
func firstEventOverhead(results []Result, open bool) (overhead, bool) {
	tp, lim := find(results, "turn", Subject, open), find(results, "turn", "limit", open)
	if tp == nil || lim == nil {
		return overhead{}, false
	}
	a, b := tp.Latency["first_event"], lim.Latency["first_event"]
	if a.Count == 0 || b.Count == 0 {
		return overhead{}, false
	}
	o := overhead{ms: a.P50 - b.P50, conc: tp.Concurrency, valid: true}
	if open {
		o.where = fmt.Sprintf(" at %.0f/s", tp.OfferedRate)
		o.valid = rateOK(*tp) && rateOK(*lim)
	}
	return o, true
}
