package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// figure is one measured line of the report. Zero fields are left blank in
// the table and omitted from JSON.
type figure struct {
	// Bench is the benchmark the figure belongs to (groupby, lookup, scan, csv).
	Bench string `json:"bench"`
	// Name says what was measured.
	Name string `json:"name"`
	// Rows is the number of events (rows or queries) the timing covers.
	Rows int64 `json:"rows"`
	// WallSeconds and CPUSeconds are the elapsed and process CPU time.
	WallSeconds float64 `json:"wall_seconds"`
	CPUSeconds  float64 `json:"cpu_seconds,omitempty"`
	// RowsPerSec is Rows / WallSeconds; RowsPerCPUSec is Rows / CPUSeconds,
	// the per-core rate.
	RowsPerSec    float64 `json:"rows_per_sec"`
	RowsPerCPUSec float64 `json:"rows_per_cpu_sec,omitempty"`
	// Peer names the figure this one is compared with, and Ratio is this
	// figure's RowsPerCPUSec over the peer's (above 1: weir is faster).
	Peer  string  `json:"peer,omitempty"`
	Ratio float64 `json:"ratio,omitempty"`
	// P50Micros and P99Micros are latency percentiles of single queries.
	P50Micros float64 `json:"p50_us,omitempty"`
	P99Micros float64 `json:"p99_us,omitempty"`
	// PeakHeapBytes is the Go heap's peak above its size when the
	// measurement started; PebbleBytes is Pebble's memtable and block cache
	// usage at the end.
	PeakHeapBytes uint64 `json:"peak_heap_bytes,omitempty"`
	PebbleBytes   uint64 `json:"pebble_bytes,omitempty"`
	// Note is free text (what the figure includes, verification outcome).
	Note string `json:"note,omitempty"`
	// Goal, when set, is the target of issue 4 the figure is held to.
	Goal *goal `json:"goal,omitempty"`
	// Skipped, when set, says why the figure was not measured; its other
	// fields are then zero.
	Skipped string `json:"skipped,omitempty"`
}

// goal is a target a figure is held to, and how the figure fares.
type goal struct {
	// Target states the goal ("≤ 10 s for 1 GB").
	Target string `json:"target"`
	// Measured is the figure in the goal's terms.
	Measured string `json:"measured"`
	// Met says whether the figure reaches the goal.
	Met bool `json:"met"`
}

// newFigure fills the rates of a figure from its rows and times.
func newFigure(bench, name string, rows int64, wall, cpu float64) figure {
	f := figure{Bench: bench, Name: name, Rows: rows, WallSeconds: wall, CPUSeconds: cpu}
	if wall > 0 {
		f.RowsPerSec = float64(rows) / wall
	}
	if cpu > 0 {
		f.RowsPerCPUSec = float64(rows) / cpu
	}
	return f
}

// compare sets f's ratio to peer (per CPU-second).
func (f *figure) compare(peer figure) {
	f.Peer = peer.Name
	if peer.RowsPerCPUSec > 0 {
		f.Ratio = f.RowsPerCPUSec / peer.RowsPerCPUSec
	}
}

// writeTable prints figures as an aligned table.
func writeTable(w io.Writer, figs []figure, gomaxprocs int) error {
	fmt.Fprintf(w, "weir-bench: GOMAXPROCS=%d; per-core rates divide by process CPU time (getrusage, GC and background threads included); ratio = weir rows/cpu-s / peer rows/cpu-s\n\n", gomaxprocs)
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bench\tname\trows\twall s\trows/s\trows/cpu-s\tratio\tp50 µs\tp99 µs\tpeak heap+\tpebble mem\t")
	for _, f := range figs {
		if f.Skipped != "" {
			fmt.Fprintf(tw, "%s\t%s\tskipped\t\t\t\t\t\t\t\t\t\n", f.Bench, f.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			f.Bench, f.Name, f.Rows, f.WallSeconds, rate(f.RowsPerSec), rate(f.RowsPerCPUSec),
			blankOr(f.Ratio, "%.2f"), blankOr(f.P50Micros, "%.0f"), blankOr(f.P99Micros, "%.0f"),
			bytesText(f.PeakHeapBytes), bytesText(f.PebbleBytes))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		fmt.Fprint(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n")))
	}
	var notes []string
	for _, f := range figs {
		if f.Skipped != "" {
			notes = append(notes, fmt.Sprintf("  %s/%s: skipped: %s", f.Bench, f.Name, f.Skipped))
		}
		if f.Note != "" || f.Peer != "" {
			n := f.Note
			if f.Peer != "" {
				n = strings.TrimPrefix(n+"; ratio against "+f.Peer, "; ")
			}
			notes = append(notes, fmt.Sprintf("  %s/%s: %s", f.Bench, f.Name, n))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
	var goals []string
	for _, f := range figs {
		if g := f.Goal; g != nil {
			verdict := "met"
			if !g.Met {
				verdict = "MISSED"
			}
			goals = append(goals, fmt.Sprintf("  %s/%s: %s; goal %s: %s", f.Bench, f.Name, g.Measured, g.Target, verdict))
		}
	}
	if len(goals) > 0 {
		fmt.Fprintln(w, "\ngoals:")
		fmt.Fprintln(w, strings.Join(goals, "\n"))
	}
	return nil
}

// writeJSON prints figures as one JSON document.
func writeJSON(w io.Writer, figs []figure, gomaxprocs int) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		GOMAXPROCS int      `json:"gomaxprocs"`
		PerCore    string   `json:"per_core"`
		Figures    []figure `json:"figures"`
	}{gomaxprocs, "rows per process CPU-second (getrusage)", figs})
}

// rate formats a rate with an SI suffix ("12.3M").
func rate(v float64) string {
	switch {
	case v == 0:
		return ""
	case v >= 1e9:
		return fmt.Sprintf("%.2fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fK", v/1e3)
	}
	return fmt.Sprintf("%.1f", v)
}

// bytesText formats a byte count in MiB.
func bytesText(b uint64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// blankOr formats v, or returns "" for zero.
func blankOr(v float64, format string) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf(format, v)
}
