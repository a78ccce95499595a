package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// groupByInput is the input of the GROUP BY benchmark, built before any
// timing: batches of (k BIGINT, v BIGINT) and, per batch, the ops of the
// retracting run. Every fourth row repeats the key and value of the row two
// before it, so that in the retracting run it can be a Delete of a row that
// exists; the append-only run inserts it like any other row.
type groupByInput struct {
	keys    int
	rows    int64
	schema  types.Schema
	batches []arrow.RecordBatch
	ops     [][]exec.Op // per batch: the ops of the retracting run
	signs   []arrow.RecordBatch
}

// groupByBatchRows is the number of rows of each input batch.
const groupByBatchRows = 8192

// retractEvery makes row r a Delete of row r-2 when r%retractEvery == retractEvery-1.
const retractEvery = 4

// buildGroupByInput builds rows rows over keys distinct keys (uniformly
// random, seeded, so every run sees the same data).
func buildGroupByInput(mem memory.Allocator, rows int64, keys int) *groupByInput {
	in := &groupByInput{
		keys: keys,
		rows: rows,
		schema: types.Schema{
			{Name: "k", Type: types.Int64Type},
			{Name: "v", Type: types.Int64Type},
		},
	}
	signSchema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rng := rand.New(rand.NewPCG(uint64(keys), 2))
	as := in.schema.Arrow()
	ks := make([]int64, groupByBatchRows)
	vs := make([]int64, groupByBatchRows)
	for done := int64(0); done < rows; {
		n := int(min(int64(groupByBatchRows), rows-done))
		ops := make([]exec.Op, n)
		sb := array.NewInt64Builder(mem)
		for r := 0; r < n; r++ {
			if r%retractEvery == retractEvery-1 {
				ks[r], vs[r] = ks[r-2], vs[r-2]
				ops[r] = exec.Delete
				sb.Append(-1)
				continue
			}
			ks[r], vs[r] = int64(rng.IntN(keys)), int64(rng.IntN(1000))
			sb.Append(1)
		}
		kb := array.NewInt64Builder(mem)
		kb.AppendValues(ks[:n], nil)
		vb := array.NewInt64Builder(mem)
		vb.AppendValues(vs[:n], nil)
		ka, va, sa := kb.NewArray(), vb.NewArray(), sb.NewArray()
		in.batches = append(in.batches, array.NewRecordBatch(as, []arrow.Array{ka, va}, int64(n)))
		in.signs = append(in.signs, array.NewRecordBatch(signSchema, []arrow.Array{sa}, int64(n)))
		in.ops = append(in.ops, ops)
		for _, x := range []interface{ Release() }{ka, va, sa, kb, vb, sb} {
			x.Release()
		}
		done += int64(n)
	}
	return in
}

// Release releases the input batches.
func (in *groupByInput) Release() {
	for i := range in.batches {
		in.batches[i].Release()
		in.signs[i].Release()
	}
	in.batches, in.signs, in.ops = nil, nil, nil
}

// groupTotals is a GROUP BY result over dense keys 0..n-1: count and sum per
// key, and whether the key has a row.
type groupTotals struct {
	present []bool
	count   []int64
	sum     []int64
}

func newGroupTotals(keys int) *groupTotals {
	return &groupTotals{present: make([]bool, keys), count: make([]int64, keys), sum: make([]int64, keys)}
}

// diff returns a description of the first difference between t and o, or "".
func (t *groupTotals) diff(o *groupTotals) string {
	groups, ogroups := 0, 0
	for k := range t.present {
		if t.present[k] {
			groups++
		}
		if o.present[k] {
			ogroups++
		}
	}
	if groups != ogroups {
		return fmt.Sprintf("%d groups, peer has %d", groups, ogroups)
	}
	for k := range t.present {
		if t.present[k] != o.present[k] || t.count[k] != o.count[k] || t.sum[k] != o.sum[k] {
			return fmt.Sprintf("key %d: present=%v count=%d sum=%d, peer present=%v count=%d sum=%d",
				k, t.present[k], t.count[k], t.sum[k], o.present[k], o.count[k], o.sum[k])
		}
	}
	return ""
}

// viewOutput applies the changes a hash aggregate emits to a groupTotals,
// the way a materialized view would: it is the downstream of the timed
// operator, cheap enough not to dominate (dense slices, no map).
type viewOutput struct {
	totals *groupTotals
	err    error
}

// Push applies c and releases it.
func (o *viewOutput) Push(_ context.Context, c exec.Chunk) error {
	defer c.Release()
	b := c.Batch
	ks, ok1 := b.Column(0).(*array.Int64)
	ns, ok2 := b.Column(1).(*array.Int64)
	if !ok1 || !ok2 {
		return fmt.Errorf("groupby: unexpected output columns %s, %s", b.Column(0).DataType(), b.Column(1).DataType())
	}
	sumOf, err := int64Values(b.Column(2))
	if err != nil {
		return err
	}
	t := o.totals
	for r := 0; r < int(b.NumRows()); r++ {
		k := ks.Value(r)
		if k < 0 || int(k) >= len(t.present) {
			return fmt.Errorf("groupby: output key %d out of range", k)
		}
		switch c.OpAt(r) {
		case exec.Insert, exec.UpdateInsert:
			t.present[k], t.count[k], t.sum[k] = true, ns.Value(r), sumOf(r)
		case exec.Delete:
			t.present[k], t.count[k], t.sum[k] = false, 0, 0
		}
	}
	return nil
}

// int64Values returns an accessor of an integer or decimal column as int64
// (the benchmark's sums fit).
func int64Values(a arrow.Array) (func(int) int64, error) {
	switch a := a.(type) {
	case *array.Int64:
		return a.Value, nil
	case *array.Decimal128:
		return func(i int) int64 { return int64(a.Value(i).LowBits()) }, nil
	}
	return nil, fmt.Errorf("groupby: unexpected sum column type %s", a.DataType())
}

// groupByRun is the outcome of feeding an input through a HashAgg (or of
// DuckDB's equivalent query): the figure and the final result.
type groupByRun struct {
	fig    figure
	totals *groupTotals
}

// minTimed is how long a GROUP BY measurement runs at least: a fast run is
// repeated (each time over the whole input, from empty state) until the
// timed sections add up to it, so a few milliseconds of getrusage
// granularity do not dominate the figure.
const minTimed = 300 * time.Millisecond

// maxReps bounds the repetitions of one measurement.
const maxReps = 50

// hashAggPass is what one pass of the input through a HashAgg measured.
type hashAggPass struct {
	wall, cpu                      float64
	inProcess, inBarrier, inCommit time.Duration
	barriers                       exec.Epoch
	groups                         int
	pebbleBytes                    uint64
	totals                         *groupTotals
}

// runHashAgg feeds in through ops.NewHashAgg computing k, count(*), sum(v)
// GROUP BY k, with a barrier every barrierRows rows (and one at the end) that
// writes the operator's state to an in-memory Pebble store. retracting feeds
// the per-row ops and declares the input retractable. Passes are repeated
// (fresh operator and store each time, set up untimed) until minTimed.
func runHashAgg(ctx context.Context, in *groupByInput, retracting bool, barrierRows int64) (groupByRun, error) {
	heap := startHeapSampler(5 * time.Millisecond)
	var sum hashAggPass
	var last hashAggPass
	reps := 0
	for reps == 0 || (sum.wall < minTimed.Seconds() && reps < maxReps) {
		p, err := hashAggOnce(ctx, in, retracting, barrierRows)
		if err != nil {
			heap.stop()
			return groupByRun{}, err
		}
		sum.wall += p.wall
		sum.cpu += p.cpu
		sum.inProcess += p.inProcess
		sum.inBarrier += p.inBarrier
		sum.inCommit += p.inCommit
		last = p
		reps++
	}
	peak := heap.stop()
	mode := "append-only"
	if retracting {
		mode = "retracting"
	}
	fig := newFigure("groupby", fmt.Sprintf("weir hashagg %s keys, %s", keysText(in.keys), mode), in.rows*int64(reps), sum.wall, sum.cpu)
	fig.PeakHeapBytes = peak
	fig.PebbleBytes = last.pebbleBytes
	fig.Note = fmt.Sprintf("after a warm-up pass, %d pass(es) of %d rows, %d barriers each (every %d rows), state in in-memory Pebble, %d groups in memory; time split: rows %.2fs, barriers (emit+encode) %.2fs, Pebble commit %.2fs",
		reps, in.rows, last.barriers, barrierRows, last.groups, sum.inProcess.Seconds(), sum.inBarrier.Seconds(), sum.inCommit.Seconds())
	return groupByRun{fig: fig, totals: last.totals}, nil
}

// hashAggOnce makes a HashAgg over a new in-memory store and times one pass
// of the input through it.
func hashAggOnce(ctx context.Context, in *groupByInput, retracting bool, barrierRows int64) (hashAggPass, error) {
	mem := memory.NewGoAllocator()
	store, err := statestore.Open(statestore.Options{InMemory: true})
	if err != nil {
		return hashAggPass{}, fmt.Errorf("groupby: open state store: %w", err)
	}
	defer store.Close()
	spec, err := groupBySpec(in.schema, !retracting)
	if err != nil {
		return hashAggPass{}, err
	}
	out := &viewOutput{totals: newGroupTotals(in.keys)}
	agg := ops.NewHashAgg(spec, mem)
	if err := agg.Open(ctx, exec.OpenContext{State: store}); err != nil {
		return hashAggPass{}, fmt.Errorf("groupby: open hash aggregate: %w", err)
	}
	var p hashAggPass
	barrier := func() error {
		p.barriers++
		t0 := time.Now()
		w := store.NewWriteBatch()
		if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: p.barriers}, w, out); err != nil {
			w.Close()
			return fmt.Errorf("groupby: barrier %d: %w", p.barriers, err)
		}
		t1 := time.Now()
		p.inBarrier += t1.Sub(t0)
		err := w.Commit()
		w.Close()
		p.inCommit += time.Since(t1)
		return err
	}
	sw := startStopwatch()
	var since int64
	for i, b := range in.batches {
		c := exec.Chunk{Batch: b}
		if retracting {
			c.Ops = in.ops[i]
		}
		t0 := time.Now()
		if err := agg.ProcessChunk(ctx, 0, c, out); err != nil {
			return hashAggPass{}, fmt.Errorf("groupby: process: %w", err)
		}
		p.inProcess += time.Since(t0)
		since += b.NumRows()
		if since >= barrierRows {
			if err := barrier(); err != nil {
				return hashAggPass{}, err
			}
			since = 0
		}
	}
	if since > 0 {
		if err := barrier(); err != nil {
			return hashAggPass{}, err
		}
	}
	p.wall, p.cpu = sw.stop()
	m := store.Metrics()
	p.pebbleBytes = m.MemtableBytes + uint64(max(m.BlockCacheBytes, 0))
	p.groups = agg.NumGroups()
	p.totals = out.totals
	return p, nil
}

// groupBySpec is the hash aggregate of SELECT k, count(*), sum(v) ... GROUP BY k.
func groupBySpec(input types.Schema, appendOnly bool) (ops.HashAggSpec, error) {
	spec := ops.HashAggSpec{
		GroupKeys:   []int{0},
		KeyTypes:    []types.T{input[0].Type},
		AppendOnly:  appendOnly,
		ResultTable: statestore.FirstUserTable,
		MinMaxTable: statestore.FirstUserTable + 1,
		OutputSchema: types.Schema{
			input[0],
		},
	}
	count, err := expr.ResolveAggregate("count", nil, true, false)
	if err != nil {
		return spec, fmt.Errorf("groupby: %w", err)
	}
	sum, err := expr.ResolveAggregate("sum", []expr.Expr{expr.Column(1, input[1].Name, input[1].Type)}, false, false)
	if err != nil {
		return spec, fmt.Errorf("groupby: %w", err)
	}
	spec.Aggs = []expr.Aggregate{count, sum}
	for _, a := range spec.Aggs {
		spec.OutputSchema = append(spec.OutputSchema, types.Column{Name: a.String(), Type: a.Type, Nullable: true})
	}
	return spec, nil
}

// keysText writes a key count as 1K, 1M, or the number.
func keysText(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dK", n/1_000)
	}
	return fmt.Sprint(n)
}
