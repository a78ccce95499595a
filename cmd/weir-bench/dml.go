package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weir-stream/weir"
)

// dmlBench measures single-row INSERTs over the wire into a table of an
// engine with local checkpoints, with synchronous_commit on (answered once
// the row is visible and synced to the table write log) and off (once it is
// visible): the latency of one client's inserts one after another, and the
// inserts per second of clients clients inserting at once, whose writes
// share epochs and fsyncs. Every answered row must be in the table at the
// end.
func dmlBench(ctx context.Context, sz sizes, step func(string, ...any)) ([]figure, error) {
	dir, err := os.MkdirTemp("", "weir-bench-dml-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = dir
	b, err := openBenchEngineWith(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer b.Close(ctx)
	if err := b.serve(ctx); err != nil {
		return nil, err
	}
	if err := b.sess.Exec(ctx, "CREATE TABLE bench_dml (client INT, seq BIGINT)"); err != nil {
		return nil, err
	}
	var figs []figure
	var answered atomic.Int64
	for _, mode := range []string{"on", "off"} {
		n := sz.dmlSerial
		if mode == "off" {
			n *= 5
		}
		step("dml: %d single-row inserts one after another, synchronous_commit %s", n, mode)
		f, err := serialInserts(ctx, b.dsn, mode, n, &answered)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
		step("dml: %d clients inserting for %s, synchronous_commit %s", sz.dmlClients, sz.dmlFor, mode)
		f, err = concurrentInserts(ctx, b.dsn, mode, sz.dmlClients, sz.dmlFor, &answered)
		if err != nil {
			return figs, err
		}
		figs = append(figs, f)
	}
	got, err := b.queryInt64s(ctx, "SELECT count(*) FROM bench_dml")
	if err != nil {
		return figs, err
	}
	if len(got) != 1 || got[0] != answered.Load() {
		return figs, fmt.Errorf("dml: the table has %v rows, %d inserts were answered", got, answered.Load())
	}
	peer, err := dmlPostgres(ctx, sz, step)
	if err != nil {
		return figs, err
	}
	for i := range peer {
		if peer[i].Skipped != "" {
			break
		}
		// PostgreSQL runs in its own process, whose CPU time this one does
		// not see: the ratio is of the wall-clock rates.
		figs[i].Peer = peer[i].Name
		figs[i].Ratio = figs[i].RowsPerSec / peer[i].RowsPerSec
		figs[i].Note += "; ratio of the wall-clock rates"
	}
	return append(figs, peer...), nil
}

// dmlPostgres runs the same inserts against PostgreSQL, started for the
// run: the peer of dmlBench's figures, in their order. Without a
// PostgreSQL server the figures are skipped, saying why (an error under
// CI=true, where .ci/install-deps installs one).
func dmlPostgres(ctx context.Context, sz sizes, step func(string, ...any)) ([]figure, error) {
	pg, err := startPostgres(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			return nil, fmt.Errorf("dml: PostgreSQL peer: %w", err)
		}
		return []figure{{Bench: "dml", Name: "PostgreSQL single-row INSERT", Skipped: err.Error()}}, nil
	}
	defer pg.Close()
	conn, err := pgx.Connect(ctx, pg.dsn)
	if err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, "CREATE TABLE bench_dml (client INT, seq BIGINT)")
	conn.Close(ctx)
	if err != nil {
		return nil, err
	}
	var figs []figure
	var answered atomic.Int64
	for _, mode := range []string{"on", "off"} {
		n := sz.dmlSerial
		if mode == "off" {
			n *= 5
		}
		step("dml: PostgreSQL %s, %d single-row inserts one after another, synchronous_commit %s", pg.version, n, mode)
		f, err := serialInserts(ctx, pg.dsn, mode, n, &answered)
		if err != nil {
			return figs, fmt.Errorf("PostgreSQL: %w", err)
		}
		figs = append(figs, pgFigure(f, pg.version))
		step("dml: PostgreSQL %s, %d clients inserting for %s, synchronous_commit %s", pg.version, sz.dmlClients, sz.dmlFor, mode)
		f, err = concurrentInserts(ctx, pg.dsn, mode, sz.dmlClients, sz.dmlFor, &answered)
		if err != nil {
			return figs, fmt.Errorf("PostgreSQL: %w", err)
		}
		figs = append(figs, pgFigure(f, pg.version))
	}
	return figs, nil
}

// pgFigure names f, measured against PostgreSQL, as PostgreSQL's.
func pgFigure(f figure, version string) figure {
	f.Name = "PostgreSQL " + version + " " + f.Name
	f.CPUSeconds, f.RowsPerCPUSec = 0, 0 // the server's CPU is in its own process
	f.Note = "Debian's PostgreSQL on loopback, default settings (fsync on), same run and client code"
	return f
}

// connectWith opens a connection whose session runs with synchronous_commit mode.
func connectWith(ctx context.Context, dsn, mode string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "SET synchronous_commit = "+mode); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return conn, nil
}

// serialInserts times n inserts of one client, each waiting for the answer.
func serialInserts(ctx context.Context, dsn, mode string, n int, answered *atomic.Int64) (figure, error) {
	conn, err := connectWith(ctx, dsn, mode)
	if err != nil {
		return figure{}, err
	}
	defer conn.Close(ctx)
	durs := make([]time.Duration, n)
	sw := startStopwatch()
	for i := range durs {
		t0 := time.Now()
		if _, err := conn.Exec(ctx, "INSERT INTO bench_dml VALUES ($1, $2)", -1, i); err != nil {
			return figure{}, fmt.Errorf("insert: %w", err)
		}
		durs[i] = time.Since(t0)
		answered.Add(1)
	}
	wall, cpu := sw.stop()
	f := newFigure("dml", "single-row INSERT, 1 client, synchronous_commit "+mode, int64(n), wall, cpu)
	f.P50Micros, f.P99Micros = latencies(durs)
	f.Note = "pgx over loopback, local checkpoints; answered once the row is " + map[string]string{"on": "visible and synced to the table write log", "off": "visible"}[mode]
	return f, nil
}

// concurrentInserts runs clients clients inserting single rows for d and
// returns their inserts per second.
func concurrentInserts(ctx context.Context, dsn, mode string, clients int, d time.Duration, answered *atomic.Int64) (figure, error) {
	conns := make([]*pgx.Conn, clients)
	for i := range conns {
		c, err := connectWith(ctx, dsn, mode)
		if err != nil {
			return figure{}, err
		}
		defer c.Close(ctx)
		conns[i] = c
	}
	var done atomic.Bool
	var mu sync.Mutex
	var durs []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	sw := startStopwatch()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for seq := 0; !done.Load(); seq++ {
				t0 := time.Now()
				if _, err := c.Exec(ctx, "INSERT INTO bench_dml VALUES ($1, $2)", i, seq); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
				answered.Add(1)
			}
			mu.Lock()
			durs = append(durs, mine...)
			mu.Unlock()
		}()
	}
	time.Sleep(d)
	done.Store(true)
	wg.Wait()
	wall, cpu := sw.stop()
	if firstErr != nil {
		return figure{}, fmt.Errorf("insert: %w", firstErr)
	}
	f := newFigure("dml", fmt.Sprintf("single-row INSERT, %d clients, synchronous_commit %s", clients, mode), int64(len(durs)), wall, cpu)
	f.P50Micros, f.P99Micros = latencies(durs)
	f.Note = "rows = answered inserts; concurrent inserts share epochs and the log's fsync (group commit)"
	return f, nil
}
