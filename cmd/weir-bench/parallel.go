package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"
)

// parallelBench loads the same CSV file into a GROUP BY view whose
// aggregate runs as GOMAXPROCS instances (at least 2) and as 1, in
// alternating pairs of runs on fresh engines (alternatingPairs: "on" is
// parallel), keeping the fastest of each. The figures are events per wall
// second and per CPU second; the parallel one is compared with the single.
func parallelBench(ctx context.Context, rows, keys int64, pairs int, step func(string, ...any)) ([]figure, error) {
	dir, err := os.MkdirTemp("", "weir-bench-parallel-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path, _, err := writeOrdersCSV(dir, "orders.csv", rows, keys)
	if err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	n := max(2, runtime.GOMAXPROCS(0))
	m, err := alternatingPairs(pairs, func(pair int, on bool) (figure, float64, error) {
		par := 1
		if on {
			par = n
		}
		step("parallel: %d rows, %s keys, parallelism %d (pair %d of %d)", rows, keysText(int(keys)), par, pair+1, pairs)
		b, err := openBenchEngine(ctx)
		if err != nil {
			return figure{}, 0, err
		}
		wall, cpu, err := b.loadOrdersView(ctx, "par_orders", "par_v", fmt.Sprintf("parallelism = %d", par), path, rows, 10*time.Minute)
		var groups []int64
		if err == nil {
			groups, err = b.queryInt64s(ctx, "SELECT count(*) FROM par_v")
		}
		if cerr := b.Close(ctx); err == nil {
			err = cerr
		}
		if err != nil {
			return figure{}, 0, fmt.Errorf("parallelism %d: %w", par, err)
		}
		if want := min(rows, keys); len(groups) != 1 || groups[0] != want {
			return figure{}, 0, fmt.Errorf("parallelism %d: the view has %v groups, want %d", par, groups, want)
		}
		return newFigure("parallel", fmt.Sprintf("CSV → GROUP BY view, parallelism %d (%s keys)", par, keysText(int(keys))), rows, wall, cpu), wall, nil
	})
	if err != nil {
		return nil, err
	}
	multi, single := m.best[0], m.best[1]
	multi.compare(single)
	multi.Note = fmt.Sprintf("wall speed-up %.2fx over parallelism 1 (events/s %.0f vs %.0f); fastest of %d runs each; single/parallel wall per pair: %s",
		single.WallSeconds/multi.WallSeconds, multi.RowsPerSec, single.RowsPerSec, pairs, ratiosText(m.ratios))
	return []figure{single, multi}, nil
}
