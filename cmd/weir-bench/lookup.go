package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/sql/types"
)

// lookupQuery is the point lookup timed on the view of loadOrdersView.
const lookupQuery = "SELECT * FROM lookup_v WHERE user_id = $1"

// latencies turns per-query durations into p50 and p99 in microseconds.
func latencies(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(q float64) float64 {
		i := int(q * float64(len(s)-1))
		return float64(s[i].Nanoseconds()) / 1e3
	}
	return at(0.50), at(0.99)
}

// lookupKeysFor returns n keys drawn uniformly from [0, keys), seeded.
func lookupKeysFor(n, keys int) []int64 {
	rng := rand.New(rand.NewPCG(7, uint64(keys)))
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(rng.IntN(keys))
	}
	return out
}

// sessionLookups times one point lookup per key through the engine session
// (Prepare once, Execute per key) and checks each returns the key's one row
// with n = 1.
func sessionLookups(ctx context.Context, b *benchEngine, keys []int64) (figure, error) {
	p, err := b.sess.Prepare(ctx, lookupQuery, []types.T{types.Int64Type})
	if err != nil {
		return figure{}, fmt.Errorf("prepare %s: %w", lookupQuery, err)
	}
	durs := make([]time.Duration, len(keys))
	sw := startStopwatch()
	for i, k := range keys {
		t0 := time.Now()
		arg := strconv.FormatInt(k, 10)
		res, err := b.sess.Execute(ctx, p, []weir.Param{&arg})
		if err != nil {
			return figure{}, fmt.Errorf("lookup %d: %w", k, err)
		}
		n, err := drainLookup(res.Rows, k)
		if err != nil {
			return figure{}, err
		}
		durs[i] = time.Since(t0)
		if n != 1 {
			return figure{}, fmt.Errorf("lookup %d: n = %d, want 1", k, n)
		}
	}
	wall, cpu := sw.stop()
	f := newFigure("lookup", "point lookup, session (in-process)", int64(len(keys)), wall, cpu)
	f.P50Micros, f.P99Micros = latencies(durs)
	f.Note = "rows = queries; Prepare once, Execute per random key; answered from Pebble"
	return f, nil
}

// drainLookup reads a lookup result (user_id, n, total) and returns n of
// the row for key, or an error when there is not exactly one such row.
func drainLookup(rows array.RecordReader, key int64) (int64, error) {
	defer rows.Release()
	var n int64
	found := 0
	for rows.Next() {
		rec := rows.RecordBatch()
		ks, ok1 := rec.Column(0).(*array.Int64)
		ns, ok2 := rec.Column(1).(*array.Int64)
		if !ok1 || !ok2 {
			return 0, fmt.Errorf("lookup %d: unexpected schema %s", key, rec.Schema())
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			if ks.Value(r) != key {
				return 0, fmt.Errorf("lookup %d: got key %d", key, ks.Value(r))
			}
			n = ns.Value(r)
			found++
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("lookup %d: %w", key, err)
	}
	if found != 1 {
		return 0, fmt.Errorf("lookup %d: %d rows, want 1", key, found)
	}
	return n, nil
}

// wireLookups times the same lookups through pgx over the Postgres wire
// protocol (extended protocol, statement prepared once by pgx's cache).
func wireLookups(ctx context.Context, b *benchEngine, keys []int64) (figure, error) {
	if b.dsn == "" {
		if err := b.serve(ctx); err != nil {
			return figure{}, err
		}
	}
	conn, err := pgx.Connect(ctx, b.dsn)
	if err != nil {
		return figure{}, fmt.Errorf("pgx connect: %w", err)
	}
	defer conn.Close(ctx)
	durs := make([]time.Duration, len(keys))
	sw := startStopwatch()
	for i, k := range keys {
		t0 := time.Now()
		var gotKey, n int64
		var total float64
		if err := conn.QueryRow(ctx, lookupQuery, k).Scan(&gotKey, &n, &total); err != nil {
			return figure{}, fmt.Errorf("pgx lookup %d: %w", k, err)
		}
		durs[i] = time.Since(t0)
		if gotKey != k || n != 1 {
			return figure{}, fmt.Errorf("pgx lookup %d: got key %d n %d, want n 1", k, gotKey, n)
		}
	}
	wall, cpu := sw.stop()
	f := newFigure("lookup", "point lookup, pgx over wire (loopback)", int64(len(keys)), wall, cpu)
	f.P50Micros, f.P99Micros = latencies(durs)
	f.Note = "rows = queries; client and server in one process, so cpu-s counts both"
	return f, nil
}

// fullScans times `SELECT * FROM view` fully read and `SELECT count(*),
// sum(n) FROM view` through the session, reps times each, and checks the
// row count and the sum against keys and rows.
func fullScans(ctx context.Context, b *benchEngine, view string, keys, rows int64, reps int) ([]figure, error) {
	var figs []figure
	durs := make([]time.Duration, reps)
	sw := startStopwatch()
	for i := range durs {
		t0 := time.Now()
		n := int64(0)
		err := b.sess.ExecuteScript(ctx, "SELECT * FROM "+view, func(r *weir.Result) error {
			defer r.Rows.Release()
			for r.Rows.Next() {
				n += r.Rows.RecordBatch().NumRows()
			}
			return r.Rows.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("full scan: %w", err)
		}
		durs[i] = time.Since(t0)
		if n != keys {
			return nil, fmt.Errorf("full scan of %s: %d rows, want %d", view, n, keys)
		}
	}
	wall, cpu := sw.stop()
	f := newFigure("scan", "SELECT * FROM v (read fully)", keys*int64(reps), wall, cpu)
	f.P50Micros, _ = latencies(durs)
	f.Note = fmt.Sprintf("%d queries over %d rows; p50 = time per query; through DuckDB", reps, keys)
	figs = append(figs, f)

	sw = startStopwatch()
	for i := range durs {
		t0 := time.Now()
		got, err := b.queryInt64s(ctx, "SELECT count(*), sum(n) FROM "+view)
		if err != nil {
			return nil, fmt.Errorf("aggregate scan: %w", err)
		}
		durs[i] = time.Since(t0)
		if len(got) != 2 || got[0] != keys || got[1] != rows {
			return nil, fmt.Errorf("SELECT count(*), sum(n) FROM %s = %v, want [%d %d]", view, got, keys, rows)
		}
	}
	wall, cpu = sw.stop()
	f = newFigure("scan", "SELECT count(*), sum(n) FROM v", keys*int64(reps), wall, cpu)
	f.P50Micros, _ = latencies(durs)
	f.Note = fmt.Sprintf("%d queries over %d rows; p50 = time per query", reps, keys)
	return append(figs, f), nil
}
