package main

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"
)

// duckPeer is an in-process DuckDB holding the GROUP BY input as table t(k,
// v, s), s being the row's sign in the retracting run. It is used by one
// goroutine.
type duckPeer struct {
	connector *duckdb.Connector
	conn      driver.Conn
	arrow     *duckdb.Arrow
	threads   int
}

// openDuckPeer opens DuckDB with threads worker threads and loads in as
// table t (untimed).
func openDuckPeer(ctx context.Context, in *groupByInput, threads int) (*duckPeer, error) {
	connector, err := duckdb.NewConnector("?threads="+strconv.Itoa(threads), nil)
	if err != nil {
		return nil, fmt.Errorf("duckdb: open: %w", err)
	}
	p := &duckPeer{connector: connector, threads: threads}
	if p.conn, err = connector.Connect(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("duckdb: connect: %w", err), connector.Close())
	}
	if p.arrow, err = duckdb.NewArrowFromConn(p.conn); err != nil {
		return nil, errors.Join(fmt.Errorf("duckdb: arrow: %w", err), p.Close())
	}
	if err := p.load(ctx, in); err != nil {
		return nil, errors.Join(err, p.Close())
	}
	return p, nil
}

// load creates table t from the input batches and their signs.
func (p *duckPeer) load(ctx context.Context, in *groupByInput) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	batches := make([]arrow.RecordBatch, len(in.batches))
	for i, b := range in.batches {
		batches[i] = array.NewRecordBatch(schema, []arrow.Array{b.Column(0), b.Column(1), in.signs[i].Column(0)}, b.NumRows())
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	rdr, err := array.NewRecordReader(schema, batches)
	if err != nil {
		return fmt.Errorf("duckdb: load: %w", err)
	}
	defer rdr.Release()
	release, err := p.arrow.RegisterView(rdr, "bench_input")
	if err != nil {
		return fmt.Errorf("duckdb: load: %w", err)
	}
	defer release()
	if err := p.exec(ctx, "CREATE OR REPLACE TABLE t AS SELECT * FROM bench_input"); err != nil {
		return fmt.Errorf("duckdb: load: %w", err)
	}
	return p.exec(ctx, "DROP VIEW IF EXISTS bench_input")
}

func (p *duckPeer) exec(ctx context.Context, text string) error {
	ex, ok := p.conn.(driver.ExecerContext)
	if !ok {
		return errors.New("duckdb: connection cannot execute statements")
	}
	_, err := ex.ExecContext(ctx, text, nil)
	return err
}

// Close closes the connection and the database.
func (p *duckPeer) Close() error {
	var errs []error
	if p.conn != nil {
		errs = append(errs, p.conn.Close())
	}
	errs = append(errs, p.connector.Close())
	return errors.Join(errs...)
}

// duckGroupByQuery is the GROUP BY of the append-only run.
const duckGroupByQuery = "SELECT k, count(*)::BIGINT, sum(v)::BIGINT FROM t GROUP BY k"

// duckRetractingQuery is the batch equivalent of the retracting run: each
// row counts with its sign, and a group whose rows all retracted is gone.
const duckRetractingQuery = "SELECT k, sum(s)::BIGINT, sum(s * v)::BIGINT FROM t GROUP BY k HAVING sum(s) <> 0"

// groupBy times the batch GROUP BY equivalent of the weir run, reading its
// result into a groupTotals (the read is timed too, as weir's view output is).
func (p *duckPeer) groupBy(ctx context.Context, keys int, rows int64, retracting bool) (groupByRun, error) {
	q := duckGroupByQuery
	mode := "append-only"
	if retracting {
		q = duckRetractingQuery
		mode = "retracting (sum of signs)"
	}
	var totals *groupTotals
	var wall, cpu float64
	reps := 0
	for reps == 0 || (wall < minTimed.Seconds() && reps < maxReps) {
		totals = newGroupTotals(keys)
		sw := startStopwatch()
		if err := p.query(ctx, q, totals); err != nil {
			return groupByRun{}, err
		}
		w, c := sw.stop()
		wall, cpu = wall+w, cpu+c
		reps++
	}
	fig := newFigure("groupby", fmt.Sprintf("duckdb batch %s keys, %s", keysText(keys), mode), rows*int64(reps), wall, cpu)
	fig.Note = fmt.Sprintf("after a warm-up run, %d run(s) of the query, threads=%d, table preloaded from the same Arrow batches (load untimed)", reps, p.threads)
	return groupByRun{fig: fig, totals: totals}, nil
}

// query runs q, a GROUP BY returning (k, count, sum) as BIGINTs, and reads
// its result into totals (empty, over the key range).
func (p *duckPeer) query(ctx context.Context, q string, totals *groupTotals) error {
	keys := len(totals.present)
	rdr, err := p.arrow.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("duckdb: %s: %w", q, err)
	}
	defer rdr.Release()
	for rdr.Next() {
		b := rdr.RecordBatch()
		ks, ok1 := b.Column(0).(*array.Int64)
		ns, ok2 := b.Column(1).(*array.Int64)
		ss, ok3 := b.Column(2).(*array.Int64)
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("duckdb: unexpected result schema %s", b.Schema())
		}
		for r := 0; r < int(b.NumRows()); r++ {
			k := ks.Value(r)
			if k < 0 || int(k) >= keys {
				return fmt.Errorf("duckdb: key %d out of range", k)
			}
			totals.present[k], totals.count[k], totals.sum[k] = true, ns.Value(r), ss.Value(r)
		}
	}
	if err := rdr.Err(); err != nil {
		return fmt.Errorf("duckdb: %s: %w", q, err)
	}
	return nil
}
