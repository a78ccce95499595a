// Command weir-bench measures weir against the figures of issue 2: GROUP BY
// throughput through the hash aggregate operator (against DuckDB over the
// same rows), point lookups and full scans of a materialized view, and a CSV
// file source end to end; and those of issue 4: checkpoints of 1 GiB of
// state, its recovery from MinIO on loopback (skipped, saying why, without a
// minio binary) and the throughput cost of checkpoints every second, each
// printed beside its goal; and those of issue 5: Nexmark q0 into a Kafka
// sink (kfake in process) with exactly-once on and off, its throughput
// ratio against its goal and the latency from an event to its committed
// delivery. It prints a table (or JSON with -json). Timings
// never fail the run; a wrong result does (exit status 1).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchNames are the benchmarks -only accepts, in run order.
var benchNames = []string{"groupby", "lookup", "scan", "csv", "parallel", "nexmark", "checkpoint", "sink", "dml", "copy"}

// sizes are the sizes of one run.
type sizes struct {
	rows         int64 // GROUP BY input rows
	groupKeys    []int // GROUP BY distinct keys, one run each
	barrierRows  int64 // GROUP BY rows between barriers
	viewKeys     int64 // keys (and rows) of the lookup/scan view
	lookups      int   // point lookups per path
	scanReps     int   // repetitions of each full scan
	csvRows      int64 // rows of the CSV end-to-end file
	csvKeys      int64 // distinct user_ids in it
	nexmark      int64 // Nexmark events per generator run
	nexmarkKafka int64 // Nexmark events whose bids go through Kafka
	nexmarkJoin  int64 // Nexmark events of each query run beyond q0–q2 (-events)
	latencyRate  int64 // events per second of the paced latency run
	latencyFor   time.Duration
	ckptBytes    int64 // state of the checkpoint benchmark
	ckptRounds   int   // checkpoints after the first
	ckptPairs    int   // on/off pairs of the checkpoint cost runs
	sinkEvents   int64 // Nexmark events of each sink throughput run
	sinkPairs    int   // exactly-once on/off pairs of the sink throughput runs
	sinkRate     int64 // events per second of the paced sink latency runs
	sinkFor      time.Duration
	dmlSerial    int           // inserts of the one-client latency run (×5 with synchronous_commit off)
	dmlClients   int           // clients of the concurrent insert runs
	dmlFor       time.Duration // length of each concurrent insert run
	copyRows     int64         // rows of the COPY FROM STDIN load
	// queries, when not empty, are the only Nexmark queries run (-queries).
	queries []string
}

// defaultSizes returns the sizes for -rows rows; quick shrinks the
// engine-level benchmarks too.
func defaultSizes(rows int64, quick bool) sizes {
	s := sizes{
		rows:         rows,
		groupKeys:    []int{1_000, 1_000_000},
		barrierRows:  1_000_000,
		viewKeys:     1_000_000,
		lookups:      10_000,
		scanReps:     5,
		csvRows:      2_000_000,
		csvKeys:      100_000,
		nexmark:      10_000_000,
		nexmarkKafka: 2_000_000,
		nexmarkJoin:  10_000_000,
		latencyRate:  200_000,
		latencyFor:   3 * time.Second,
		ckptBytes:    1 << 30,
		ckptRounds:   20,
		ckptPairs:    5,
		sinkEvents:   2_000_000,
		sinkPairs:    2,
		sinkRate:     100_000,
		sinkFor:      5 * time.Second,
		dmlSerial:    500,
		dmlClients:   16,
		dmlFor:       5 * time.Second,
		copyRows:     5_000_000,
	}
	if quick {
		s.viewKeys, s.lookups, s.scanReps, s.csvRows = 200_000, 2_000, 3, 300_000
		s.nexmark, s.nexmarkKafka, s.nexmarkJoin = 1_000_000, 200_000, 1_000_000
		s.ckptBytes, s.ckptRounds, s.ckptPairs = 64<<20, 5, 2
		s.sinkEvents, s.sinkRate, s.sinkFor = 500_000, 50_000, 3*time.Second
		s.dmlSerial, s.dmlFor = 100, 2*time.Second
		s.copyRows = 1_000_000
	}
	return s
}

func main() {
	rows := flag.Int64("rows", 10_000_000, "rows fed through the GROUP BY benchmark")
	quick := flag.Bool("quick", false, "smoke run: 1M GROUP BY rows and smaller views")
	only := flag.String("only", "", "run one benchmark: "+strings.Join(benchNames, ", "))
	asJSON := flag.Bool("json", false, "print JSON instead of a table")
	ckptMiB := flag.Int64("ckpt-mib", 0, "state of the checkpoint and MinIO recovery benchmarks in MiB (default 1024, 64 with -quick)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile taken at the run's highest live heap to this file")
	queries := flag.String("queries", "", "with -only nexmark: run only these queries over the generator (comma-separated, e.g. q4,q20)")
	events := flag.Int64("events", 0, "Nexmark events of each query run beyond q0–q2 (default 10M, 1M with -quick)")
	flag.Parse()
	if *only != "" && !slices.Contains(benchNames, *only) {
		fmt.Fprintf(os.Stderr, "weir-bench: -only %q: want one of %s\n", *only, strings.Join(benchNames, ", "))
		os.Exit(2)
	}
	if *quick {
		*rows = 1_000_000
	}
	if *rows <= 0 {
		fmt.Fprintln(os.Stderr, "weir-bench: -rows must be positive")
		os.Exit(2)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "weir-bench:", err)
			os.Exit(2)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "weir-bench:", err)
			os.Exit(2)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		defer startPeakHeapProfile(*memProfile, 500*time.Millisecond)()
	}
	exit := func(code int) {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
	sz := defaultSizes(*rows, *quick)
	if *events < 0 {
		fmt.Fprintln(os.Stderr, "weir-bench: -events must be positive")
		exit(2)
	}
	if *events > 0 {
		sz.nexmarkJoin = *events
	}
	if *ckptMiB < 0 {
		fmt.Fprintln(os.Stderr, "weir-bench: -ckpt-mib must be positive")
		exit(2)
	}
	if *ckptMiB > 0 {
		sz.ckptBytes = *ckptMiB << 20
	}
	if *queries != "" {
		sz.queries = strings.Split(*queries, ",")
	}
	ctx := context.Background()
	figs, errs := run(ctx, sz, *only, os.Stderr)
	var err error
	if *asJSON {
		err = writeJSON(os.Stdout, figs, runtime.GOMAXPROCS(0))
	} else {
		err = writeTable(os.Stdout, figs, runtime.GOMAXPROCS(0))
	}
	if err != nil {
		errs = append(errs, err)
	}
	for _, e := range errs {
		fmt.Fprintln(os.Stderr, "weir-bench: ERROR:", e)
	}
	if len(errs) > 0 {
		exit(1)
	}
}

// run runs the selected benchmarks (all when only is ""), logging progress
// to log. A benchmark that fails (wrong result, engine error) is reported in
// errs and the others still run.
func run(ctx context.Context, sz sizes, only string, log io.Writer) (figs []figure, errs []error) {
	want := func(name string) bool { return only == "" || only == name }
	step := func(format string, args ...any) {
		fmt.Fprintf(log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	if want("groupby") {
		for _, keys := range sz.groupKeys {
			step("groupby: %d rows, %s keys", sz.rows, keysText(keys))
			f, err := groupByBench(ctx, sz, keys)
			figs = append(figs, f...)
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	if want("lookup") || want("scan") {
		step("lookup/scan: loading a %s-key view", keysText(int(sz.viewKeys)))
		f, err := viewBench(ctx, sz, want("lookup"), want("scan"))
		figs = append(figs, f...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if want("csv") {
		step("csv: %d rows", sz.csvRows)
		dir, err := os.MkdirTemp("", "weir-bench-csv-")
		if err != nil {
			return figs, append(errs, err)
		}
		f, err := csvEndToEnd(ctx, dir, sz.csvRows, sz.csvKeys)
		os.RemoveAll(dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("csv: %w", err))
		} else {
			figs = append(figs, f)
		}
	}
	if want("parallel") {
		// Few keys: the source's parsing dominates; many: the aggregate's
		// state does, and its instances share it out.
		for _, keys := range []int64{sz.csvKeys, 10 * sz.csvKeys} {
			f, err := parallelBench(ctx, 6*sz.csvRows, keys, 2, step)
			figs = append(figs, f...)
			if err != nil {
				errs = append(errs, fmt.Errorf("parallel: %w", err))
			}
		}
	}
	if want("checkpoint") {
		f, err := checkpointBench(ctx, sz.ckptBytes, sz.ckptRounds, step)
		figs = append(figs, f...)
		if err != nil {
			errs = append(errs, fmt.Errorf("checkpoint: %w", err))
		}
		step("checkpoint: %d CSV rows through a view, checkpoints on and off, %d pairs of runs", 6*sz.csvRows, sz.ckptPairs)
		if dir, err := os.MkdirTemp("", "weir-bench-ckptcost-"); err != nil {
			errs = append(errs, err)
		} else {
			f, err := checkpointCost(ctx, dir, 6*sz.csvRows, sz.csvKeys, sz.ckptPairs, step)
			os.RemoveAll(dir)
			figs = append(figs, f...)
			if err != nil {
				errs = append(errs, fmt.Errorf("checkpoint: %w", err))
			}
		}
	}
	if want("nexmark") {
		f, err := nexmarkBench(ctx, sz, step)
		figs = append(figs, f...)
		if err != nil {
			errs = append(errs, fmt.Errorf("nexmark: %w", err))
		}
	}
	if want("sink") {
		f, err := sinkBench(ctx, sz, step)
		figs = append(figs, f...)
		if err != nil {
			errs = append(errs, fmt.Errorf("sink: %w", err))
		}
	}
	if want("dml") {
		f, err := dmlBench(ctx, sz, step)
		figs = append(figs, f...)
		if err != nil {
			errs = append(errs, fmt.Errorf("dml: %w", err))
		}
	}
	if want("copy") {
		f, err := copyBench(ctx, sz, step)
		figs = append(figs, f...)
		if err != nil {
			errs = append(errs, fmt.Errorf("copy: %w", err))
		}
	}
	return figs, errs
}

// groupByBench runs the GROUP BY over sz.rows rows with keys keys through
// weir in both modes and through DuckDB, verifying weir's result against
// DuckDB's.
func groupByBench(ctx context.Context, sz sizes, keys int) ([]figure, error) {
	in := buildGroupByInput(memory.NewGoAllocator(), sz.rows, keys)
	defer in.Release()
	peer, err := openDuckPeer(ctx, in, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, err
	}
	defer peer.Close()
	// One untimed pass of each first, so neither side pays for first-touch
	// page faults and heap growth in its figure.
	if _, err := hashAggOnce(ctx, in, false, sz.barrierRows); err != nil {
		return nil, err
	}
	if err := peer.query(ctx, duckGroupByQuery, newGroupTotals(keys)); err != nil {
		return nil, err
	}
	var figs []figure
	for _, retracting := range []bool{false, true} {
		w, err := runHashAgg(ctx, in, retracting, sz.barrierRows)
		if err != nil {
			return figs, err
		}
		d, err := peer.groupBy(ctx, keys, sz.rows, retracting)
		if err != nil {
			return figs, err
		}
		w.fig.compare(d.fig)
		figs = append(figs, w.fig, d.fig)
		if diff := w.totals.diff(d.totals); diff != "" {
			return figs, fmt.Errorf("groupby %s: weir and DuckDB disagree: %s", w.fig.Name, diff)
		}
	}
	return figs, nil
}

// viewBench loads a view of sz.viewKeys keys from a CSV file stream and
// times point lookups (lookup) and full scans (scan) on it.
func viewBench(ctx context.Context, sz sizes, lookup, scan bool) ([]figure, error) {
	dir, err := os.MkdirTemp("", "weir-bench-view-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path, _, err := writeOrdersCSV(dir, "lookup.csv", sz.viewKeys, sz.viewKeys)
	if err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	b, err := openBenchEngine(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Close(ctx)
	wall, cpu, err := b.loadOrdersView(ctx, "lookup_orders", "lookup_v", "", path, sz.viewKeys, 5*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("load view: %w", err)
	}
	load := newFigure("lookup", fmt.Sprintf("load %s-key view (CSV file stream)", keysText(int(sz.viewKeys))), sz.viewKeys, wall, cpu)
	load.Note = "CREATE VIEW until FLUSH shows every row"
	figs := []figure{load}
	if lookup {
		keys := lookupKeysFor(sz.lookups, int(sz.viewKeys))
		f, err := sessionLookups(ctx, b, keys)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
		if f, err = wireLookups(ctx, b, keys); err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	if scan {
		f, err := fullScans(ctx, b, "lookup_v", sz.viewKeys, sz.viewKeys, sz.scanReps)
		figs = append(figs, f...)
		if err != nil {
			return figs, err
		}
	}
	return figs, nil
}
