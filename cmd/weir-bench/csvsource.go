package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/weir-stream/weir"
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
	wall, cpu, err := b.loadOrdersView(ctx, "csv_orders", "csv_v", path, rows, 5*time.Minute)
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

// checkpointCost times the CSV → GROUP BY view of csvEndToEnd on disk with
// checkpoints to a local directory every second and with checkpoints off,
// alternately, twice each, and returns the faster run of each, the first
// compared with the second. Completion is polled without FLUSH (which would wait for a
// checkpoint), so both runs see it at the same epoch granularity.
func checkpointCost(ctx context.Context, dir string, rows, keys int64) ([]figure, error) {
	path, _, err := writeOrdersCSV(dir, "orders-ckpt.csv", rows, keys)
	if err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	best := map[bool]figure{}
	for run, on := range []bool{false, true, false, true} {
		cfg := weir.DefaultConfig()
		cfg.Server.DataDir = filepath.Join(dir, fmt.Sprintf("data-%d", run))
		cfg.State.BackendType = "local"
		cfg.State.Enabled = on
		cfg.State.CheckpointIntervalMS = 1000
		b, err := openBenchEngineWith(ctx, cfg)
		if err != nil {
			return nil, err
		}
		ddl := fmt.Sprintf(`CREATE STREAM s (user_id BIGINT, amount DOUBLE PRECISION, ts TIMESTAMP) WITH (connector = 'file', path = '%s', format = 'csv')`, path)
		if err := b.sess.Exec(ctx, ddl); err != nil {
			b.Close(ctx)
			return nil, err
		}
		sw := startStopwatch()
		if err := b.sess.Exec(ctx, `CREATE MATERIALIZED VIEW v AS SELECT user_id, count(*) AS n, sum(amount) AS total FROM s GROUP BY user_id`); err != nil {
			b.Close(ctx)
			return nil, err
		}
		deadline := time.Now().Add(5 * time.Minute)
		for {
			got, _ := b.queryInt64s(ctx, "SELECT sum(n) FROM v")
			if len(got) == 1 && got[0] == rows {
				break
			}
			if time.Now().After(deadline) {
				b.Close(ctx)
				return nil, fmt.Errorf("checkpoint cost: the view counted %v of %d rows", got, rows)
			}
			// Each poll scans the view: rarely, so it takes little from the
			// pipeline (it costs more while the rows are in the memtable).
			time.Sleep(100 * time.Millisecond)
		}
		wall, cpu := sw.stop()
		b.Close(ctx)
		name := "CSV → GROUP BY view on disk, checkpoints every 1 s"
		if !on {
			name = "CSV → GROUP BY view on disk, checkpoints off"
		}
		f := newFigure("checkpoint", name, rows, wall, cpu)
		f.Note = fmt.Sprintf("%d rows, %s keys, local directory store; epochs every second either way; the faster of 2 runs", rows, keysText(int(keys)))
		if prev, ok := best[on]; !ok || f.WallSeconds < prev.WallSeconds {
			best[on] = f
		}
	}
	figs := []figure{best[true], best[false]}
	figs[0].compare(figs[1])
	return figs, nil
}
