package load

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Verdicts of a target.
const (
	Met         = "met"
	Missed      = "MISSED"
	NotMeasured = "not measured"
	Invalid     = "invalid: rate not achieved"
)

// TargetRow is one of the performance issue's targets with what a run
// measured for it.
type TargetRow struct {
	Target   string
	Measured string
	Verdict  string
}

// Targets checks the performance issue's targets against a run's results.
func Targets(results []Result) []TargetRow {
	var rows []TargetRow
	row := func(target, measured, verdict string) {
		rows = append(rows, TargetRow{Target: target, Measured: measured, Verdict: verdict})
	}
	met := func(ok bool) string {
		if ok {
			return Met
		}
		return Missed
	}

	// Session mint: throughput against the bare Fiber limit, p99 closed
	// loop and at a fixed rate.
	tp, lim := find(results, "session", Subject, false), find(results, "session", "limit", false)
	if tp != nil && lim != nil && lim.Throughput > 0 {
		x := tp.Throughput / lim.Throughput
		row(fmt.Sprintf("session mint ≥ 0.5× bare Fiber (c=%d)", tp.Concurrency),
			fmt.Sprintf("%.2f× (%.0f/s vs %.0f/s)", x, tp.Throughput, lim.Throughput), met(x >= 0.5))
	} else {
		row("session mint ≥ 0.5× bare Fiber", "-", NotMeasured)
	}
	if tp != nil {
		p99 := tp.Latency["request"].P99
		row(fmt.Sprintf("session mint p99 < 10 ms (c=%d), closed loop", tp.Concurrency),
			fmt.Sprintf("%.2f ms at %.0f/s%s", p99, tp.Throughput, limitP99(lim)), met(p99 < 10))
	} else {
		row("session mint p99 < 10 ms, closed loop", "-", NotMeasured)
	}
	if tpo := find(results, "session", Subject, true); tpo != nil {
		p99 := tpo.Latency["request"].P99
		limo := find(results, "session", "limit", true)
		if limo != nil && limo.OfferedRate != tpo.OfferedRate {
			limo = nil
		}
		v := met(p99 < 10)
		if !rateOK(*tpo) {
			v = Invalid
		}
		row(fmt.Sprintf("session mint p99 < 10 ms (c=%d), at %.0f/s", tpo.Concurrency, tpo.OfferedRate),
			fmt.Sprintf("%.2f ms%s", p99, limitP99(limo)), v)
	} else {
		row("session mint p99 < 10 ms, at a fixed rate", "-", NotMeasured)
	}

	// Turns against the Node peers (issue 13), each round on its own.
	turnVsPeer(results, row, "node-peer", "in-memory Node peer", 1)
	turnVsPeer(results, row, "node-sqlite", "durable Node peer (SQLite)", 1.5)

	// The turn's tail at a fixed rate (half of the closed-loop throughput).
	if to := find(results, "turn", Subject, true); to != nil {
		p99 := to.Latency["request"].P99
		v := met(p99 <= 50)
		if !rateOK(*to) {
			v = Invalid
		}
		row(fmt.Sprintf("turn p99 ≤ 50 ms (c=%d), at %.0f/s", to.Concurrency, to.OfferedRate),
			fmt.Sprintf("%.2f ms (p50 %.2f ms)", p99, to.Latency["request"].P50), v)
	} else {
		row("turn p99 ≤ 50 ms, at a fixed rate", "-", NotMeasured)
	}

	// Server-side time before the first event, closed loop and at a rate.
	for _, open := range []bool{false, true} {
		name := "closed loop"
		if open {
			name = "at a fixed rate"
		}
		o, ok := firstEventOverhead(results, open)
		if !ok {
			row("first event, server time p50 ≤ 2 ms, "+name, "-", NotMeasured)
			continue
		}
		if open {
			name = strings.TrimSpace(o.where)
		}
		v := met(o.ms <= 2)
		if !o.valid {
			v = Invalid
		}
		row(fmt.Sprintf("first event, server time p50 ≤ 2 ms (c=%d), %s", o.conc, name),
			fmt.Sprintf("%.2f ms (taskpilot − limit first_p50)", o.ms), v)
	}

	// Memory per held stream.
	if st := find(results, "streams", Subject, false); st != nil {
		switch {
		case st.BytesPerUnit <= 0:
			row(fmt.Sprintf("streams ≤ 64 KiB each, 0 errors (%d streams)", st.Concurrency),
				fmt.Sprintf("not all open at once, %d errors", st.Errors), Missed)
		default:
			row(fmt.Sprintf("streams ≤ 64 KiB each, 0 errors (%d streams)", st.Concurrency),
				fmt.Sprintf("%.1f KiB/stream, %d errors", st.BytesPerUnit/1024, st.Errors),
				met(st.BytesPerUnit <= 64<<10 && st.Errors == 0))
		}
	} else {
		row("streams ≤ 64 KiB each, 0 errors", "-", NotMeasured)
	}

	// History paging.
	if h := find(results, "history", Subject, false); h != nil && h.Latency["items_list"].Count > 0 {
		p50 := h.Latency["items_list"].P50
		m := fmt.Sprintf("%.2f ms", p50)
		if h.Notes != "" {
			m += " (" + h.Notes + ")"
		}
		row(fmt.Sprintf("items.list (50) p50 ≤ 5 ms (c=%d)", h.Concurrency), m, met(p50 <= 5))
	} else {
		row("items.list (50) p50 ≤ 5 ms", "-", NotMeasured)
	}
	return rows
}

// turnVsPeer adds the target "taskpilot's turns/s ≥ want× peer", closed
// loop, with the ratio of every round (met when each round meets it).
func turnVsPeer(results []Result, row func(target, measured, verdict string), peer, name string, want float64) {
	var measured []string
	ok, conc := true, 0
	for _, r := range results {
		pname, round := labelRound(r.Label)
		if r.Scenario != "turn" || r.Open() || pname != peer || r.Throughput <= 0 {
			continue
		}
		label := Subject
		if round != "" {
			label += "#" + round
		}
		tt := find(results, "turn", label, false)
		if tt == nil {
			continue
		}
		x := tt.Throughput / r.Throughput
		ok = ok && x >= want
		conc = tt.Concurrency
		measured = append(measured, fmt.Sprintf("%.2f× (%.0f/s vs %.0f/s)", x, tt.Throughput, r.Throughput))
	}
	target := fmt.Sprintf("turns/s ≥ %g× %s", want, name)
	if len(measured) == 0 {
		row(target, "-", NotMeasured+" (make bench-peers installs the peers)")
		return
	}
	verdict := Missed
	if ok {
		verdict = Met
	}
	row(fmt.Sprintf("%s (c=%d)", target, conc), strings.Join(measured, "; "), verdict)
}

func limitP99(lim *Result) string {
	if lim == nil {
		return ""
	}
	return fmt.Sprintf(" (bare Fiber: %.2f ms)", lim.Latency["request"].P99)
}

// PrintTargets prints the targets section of the report.
func PrintTargets(w io.Writer, rows []TargetRow) {
	fmt.Fprintln(w, "targets (performance issue)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Target, r.Measured, r.Verdict)
	}
	tw.Flush()
}
