package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/weir-stream/weir"
)

// checkpointCostGoal is issue 4's bound on the throughput lost to
// checkpoints every second.
const checkpointCostGoal = 0.05

// ckptCostRun is one timed run of checkpointCost.
type ckptCostRun struct {
	on          bool
	wall, cpu   float64 // CREATE VIEW until the source has emitted every row
	checkpoints int64   // checkpoints written in that time (on only)
}

// checkpointCost times the CSV → GROUP BY view of csvEndToEnd on disk with
// checkpoints to a local directory every second and with checkpoints off.
// After one untimed run (which warms the page cache over the file and grows
// the heap), it runs pairs pairs of runs, alternating which mode goes first,
// each on a fresh data directory after a GC. Each mode's figure is its
// fastest run, and the goal's ratio is theirs.
//
// A run is timed from the moment the file appears under the stream's path
// until the source has emitted every row (weir_sources, polled every
// 10 ms), not until the view shows them: a view changes only at an epoch
// commit, once a second, which would round every run to the epoch grid.
// The view is then checked to count every row, untimed.
func checkpointCost(ctx context.Context, dir string, rows, keys int64, pairs int, log func(string, ...any)) ([]figure, error) {
	path, _, err := writeOrdersCSV(dir, "orders-ckpt.csv", rows, keys)
	if err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	m, err := alternatingPairs(pairs, func(i int, on bool) (ckptCostRun, float64, error) {
		name := "warmup"
		if i >= 0 {
			name = fmt.Sprintf("run-%d-%v", i, on)
		}
		r, err := runCheckpointCost(ctx, filepath.Join(dir, name), path, rows, on)
		if err == nil && i >= 0 {
			log("checkpoint cost: pair %d, checkpoints %s: %.3f s, %.3f CPU-s, %d checkpoints", i+1, onOff(on), r.wall, r.cpu, r.checkpoints)
		}
		return r, r.wall, err
	})
	if err != nil {
		return nil, err
	}
	figs := make([]figure, 2)
	for i, on := range []bool{true, false} {
		best, walls := m.best[i], m.walls[i]
		name := "CSV → GROUP BY view on disk, checkpoints every 1 s"
		if !on {
			name = "CSV → GROUP BY view on disk, checkpoints off"
		}
		f := newFigure("checkpoint", name, rows, best.wall, best.cpu)
		f.Note = fmt.Sprintf("%d rows, %s keys; epochs every second either way; from the file's appearance until the source emitted every row; the fastest of %d runs alternating with the other mode (walls %s, median %.2f)",
			rows, keysText(int(keys)), len(walls), secondsText(walls), median(walls))
		if on {
			f.Note += fmt.Sprintf("; local directory store, %d checkpoints in that run", best.checkpoints)
		}
		figs[i] = f
	}
	figs[0].compare(figs[1])
	// Others' work on a shared machine only ever slows runs down, in bursts
	// that cover a few runs of either mode: the fastest run of each mode is
	// the closest to the unloaded figure. The pairs' ratios (each pair's runs
	// are back to back) are printed beside it to show the spread.
	ratio := figs[1].WallSeconds / figs[0].WallSeconds
	figs[0].Goal = &goal{
		Target: fmt.Sprintf("≤ %.0f %% throughput cost at a 1 s interval", checkpointCostGoal*100),
		Measured: fmt.Sprintf("throughput on/off %.3f of the fastest runs: cost %.1f %% (per pair: %s, median %.3f)",
			ratio, (1-ratio)*100, ratiosText(m.ratios), median(m.ratios)),
		Met: 1-ratio <= checkpointCostGoal,
	}
	return figs, nil
}

// runCheckpointCost runs the view once on a fresh data directory dataDir,
// with checkpoints on or off, and removes the directory after. The stream
// is declared over a path that does not exist yet, and the CSV at path
// appears there (a hard link) only once CREATE MATERIALIZED VIEW has
// returned: with checkpoints on, DDL waits for a FLUSH, whose barrier first
// drains the source for up to 2 s, so a file present at CREATE time would be
// read mostly inside that one epoch in the "on" runs only, and their
// aggregate would emit and materialize each group once instead of once per
// epoch.
func runCheckpointCost(ctx context.Context, dataDir, path string, rows int64, on bool) (ckptCostRun, error) {
	defer os.RemoveAll(dataDir)
	live := dataDir + ".csv"
	if err := os.Remove(live); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return ckptCostRun{}, err
	}
	defer os.Remove(live)
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = dataDir
	cfg.State.BackendType = "local"
	cfg.State.Enabled = on
	cfg.State.CheckpointIntervalMS = 1000
	b, err := openBenchEngineWith(ctx, cfg)
	if err != nil {
		return ckptCostRun{}, err
	}
	defer b.Close(ctx)
	// CREATE STREAM wants the file to exist: an empty one stands in until
	// the timed run links the data in its place.
	if err := os.WriteFile(live, nil, 0o644); err != nil {
		return ckptCostRun{}, err
	}
	ddl := fmt.Sprintf(`CREATE STREAM s (user_id BIGINT, amount DOUBLE PRECISION, ts TIMESTAMP) WITH (connector = 'file', path = '%s', format = 'csv')`, live)
	if err := b.sess.Exec(ctx, ddl); err != nil {
		return ckptCostRun{}, err
	}
	if err := b.sess.Exec(ctx, `CREATE MATERIALIZED VIEW v AS SELECT user_id, count(*) AS n, sum(amount) AS total FROM s GROUP BY user_id`); err != nil {
		return ckptCostRun{}, err
	}
	var before int64 // checkpoints of the DDL
	if on {
		if before, err = b.doneCheckpoints(ctx); err != nil {
			return ckptCostRun{}, err
		}
	}
	// The previous run's garbage is collected now, not during this one.
	runtime.GC()
	sw := startStopwatch()
	if err := os.Remove(live); err != nil {
		return ckptCostRun{}, err
	}
	if err := os.Link(path, live); err != nil {
		return ckptCostRun{}, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		got, _ := b.queryInt64s(ctx, `SELECT "rows" FROM weir_sources`)
		if len(got) == 1 && got[0] >= rows {
			break
		}
		if time.Now().After(deadline) {
			return ckptCostRun{}, fmt.Errorf("checkpoint cost: the source emitted %v of %d rows", got, rows)
		}
		time.Sleep(10 * time.Millisecond)
	}
	wall, cpu := sw.stop()
	r := ckptCostRun{on: on, wall: wall, cpu: cpu}
	if on {
		n, err := b.doneCheckpoints(ctx)
		if err != nil {
			return r, err
		}
		r.checkpoints = n - before
	}
	for {
		got, _ := b.queryInt64s(ctx, "SELECT sum(n) FROM v")
		if len(got) == 1 && got[0] == rows {
			return r, nil
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("checkpoint cost: the view counted %v of %d rows", got, rows)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// doneCheckpoints returns how many checkpoints the engine has written.
func (b *benchEngine) doneCheckpoints(ctx context.Context) (int64, error) {
	got, err := b.queryInt64s(ctx, "SELECT count(*) FROM weir_checkpoints WHERE status = 'done'")
	if err != nil || len(got) != 1 {
		return 0, fmt.Errorf("checkpoint cost: weir_checkpoints: %v %w", got, err)
	}
	return got[0], nil
}

// median returns the median of xs (the mean of the middle two for an even
// count), 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// ratiosText formats ratios as "0.951 1.002".
func ratiosText(xs []float64) string {
	var b []byte
	for i, x := range xs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%.3f", x)
	}
	return string(b)
}

// secondsText formats durations in seconds as "1.23 1.30 1.41".
func secondsText(xs []float64) string {
	var b []byte
	for i, x := range xs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%.2f", x)
	}
	return string(b)
}

// onOff is "on" or "off".
func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
