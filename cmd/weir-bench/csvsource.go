package main

import (
	"context"
	"fmt"
	"time"
)

// csvEndToEnd writes a CSV of rows orders over keys users to dir, declares a
// file stream over it and a GROUP BY view, and times CREATE MATERIALIZED VIEW
// until the view has counted every row.
func csvEndToEnd(ctx context.Context, dir string, rows, keys int64) (figure, error) {
	path, size, err := writeOrdersCSV(dir, "orders.csv", rows, keys)
	if err != nil {
		return figure{}, fmt.Errorf("write csv: %w", err)
	}
	b, err := openBenchEngine(ctx)
	if err != nil {
		return figure{}, err
	}
	defer b.Close(ctx)
	heap := startHeapSampler(5 * time.Millisecond)
	wall, cpu, err := b.loadOrdersView(ctx, "csv_orders", "csv_v", "", path, rows, 5*time.Minute)
	peak := heap.stop()
	if err != nil {
		return figure{}, err
	}
	got, err := b.queryInt64s(ctx, "SELECT count(*) FROM csv_v")
	if err != nil {
		return figure{}, err
	}
	if want := min(rows, keys); len(got) != 1 || got[0] != want {
		return figure{}, fmt.Errorf("csv view has %v groups, want %d", got, want)
	}
	f := newFigure("csv", fmt.Sprintf("file source CSV → GROUP BY view (%s keys)", keysText(int(keys))), rows, wall, cpu)
	f.PeakHeapBytes = peak
	f.Note = fmt.Sprintf("%.1f MiB file (%.1f MiB/s); CREATE VIEW until FLUSH shows sum(n) = rows",
		float64(size)/(1<<20), float64(size)/(1<<20)/wall)
	return f, nil
}
