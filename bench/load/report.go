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

// WriteJSON appends r to dir as <scenario>-<label>.json.
func WriteJSON(dir string, r Result) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("results dir: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	name := filepath.Join(dir, r.Scenario+"-"+r.Label+".json")
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

// Table prints one row per result, grouped by scenario, with each target's
// throughput ratio against the subject (taskpilot) of the same scenario.
func Table(w io.Writer, results []Result) {
	sort.SliceStable(results, func(i, j int) bool {
		a, b := slices.Index(scenarioOrder, results[i].Scenario), slices.Index(scenarioOrder, results[j].Scenario)
		if a != b {
			return a < b
		}
		return (results[i].Label == Subject) && results[j].Label != Subject
	})
	subject := map[string]Result{}
	for _, r := range results {
		if r.Label == Subject {
			subject[r.Scenario] = r
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\ttarget\tconc\treqs\terr\tper_s\tp50_ms\tp90_ms\tp99_ms\tmax_ms\tfirst_p50\tRSS_MiB\tB/stream\ttaskpilot÷target\t")
	for _, r := range results {
		lat := r.Latency["request"]
		fe := "-"
		if s, ok := r.Latency["first_event"]; ok && s.Count > 0 {
			fe = fmt.Sprintf("%.2f", s.P50)
		}
		ratio := "-"
		if s, ok := subject[r.Scenario]; ok && r.Label != Subject && r.Throughput > 0 {
			ratio = fmt.Sprintf("%.2f×", s.Throughput/r.Throughput)
		}
		per := "-"
		if r.BytesPerUnit > 0 {
			per = fmt.Sprintf("%.0f", r.BytesPerUnit)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%.1f\t%s\t%s\t\n",
			r.Scenario, r.Label, r.Concurrency, r.Requests, r.Errors, r.Throughput,
			lat.P50, lat.P90, lat.P99, lat.Max, fe, float64(r.RSSBytes)/(1<<20), per, ratio)
	}
	tw.Flush()
	// The limit streams the same bytes with no work behind them, so its time
	// to first event is the client, loopback and HTTP share; what taskpilot
	// takes beyond it is server-side work before the first event.
	var tpTurn, limTurn *Result
	for i := range results {
		if results[i].Scenario == "turn" && results[i].Label == Subject {
			tpTurn = &results[i]
		}
		if results[i].Scenario == "turn" && results[i].Label == "limit" {
			limTurn = &results[i]
		}
	}
	if tpTurn != nil && limTurn != nil {
		a, b := tpTurn.Latency["first_event"], limTurn.Latency["first_event"]
		if a.Count > 0 && b.Count > 0 {
			fmt.Fprintf(w, "  turn: server-side time before the first event ≈ taskpilot − limit first_p50 = %.2f ms (c=%d)\n", a.P50-b.P50, tpTurn.Concurrency)
		}
	}
	for _, r := range results {
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
			fmt.Fprintf(w, "  %s@%s: %s\n", r.Scenario, r.Label, strings.Join(notes, "; "))
		}
	}
}
