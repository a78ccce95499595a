package ops_test

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// hashAggRandomRow is one input row of the randomized test; nil pointers are
// NULLs.
type hashAggRandomRow struct {
	k  int64
	t  string
	v  *int32
	s  *string
	d  *int64 // numeric(10,2) in cents
	ts *int64 // timestamp in µs
}

const hashAggRandomInput = "k bigint, t text, v int, s text, d numeric(10,2), ts timestamp"

const hashAggRandomAggs = "count(*), count(v), sum(v), avg(v), min(v), max(v), min(s), max(s), sum(d), avg(d), min(ts), max(ts), count(s), " +
	"count(distinct v), sum(distinct v), string_agg(s, ','), string_agg(distinct s, '|'), bit_and(v), bit_or(v), bit_xor(v), var_pop(v), stddev_samp(d)"

// TestHashAggRandom feeds random inserts, deletes and updates over random
// keys through several barriers (with restarts over the committed state and
// a small group cache), folds the emitted changes into a table, and compares
// it with the groups recomputed from scratch. The "distinct-dropped" cases
// give the DISTINCT multisets a budget of one byte, so every group's map is
// dropped at each barrier and its values are found again through the
// record of dropped values or read from state, and a group read from state
// is scanned into that record at its first value missing from memory.
func TestHashAggRandom(t *testing.T) {
	for _, tc := range []struct {
		name       string
		keys       string
		cache      int
		appendOnly bool
		distinct   int // the DISTINCT multisets' budget, 0 for the default
	}{
		{name: "int-key", keys: "k"},
		{name: "int-key-evicting", keys: "k", cache: 3},
		{name: "text-int-key", keys: "t, k"},
		{name: "text-int-key-evicting", keys: "t, k", cache: 2},
		{name: "global", keys: ""},
		{name: "int-key-append-only", keys: "k", appendOnly: true},
		{name: "text-key-append-only-evicting", keys: "t", appendOnly: true, cache: 1},
		{name: "int-key-distinct-dropped", keys: "k", distinct: 1},
		{name: "text-int-key-evicting-distinct-dropped", keys: "t, k", cache: 2, distinct: 1},
		{name: "text-key-append-only-distinct-dropped", keys: "t", appendOnly: true, distinct: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.distinct > 0 {
				defer ops.SetDistinctCacheBytes(tc.distinct)()
				defer ops.SetDistinctScanAfterReads(0)()
			}
			for seed := uint64(1); seed <= 4; seed++ {
				hashAggRandomRun(t, seed, tc.keys, tc.cache, tc.appendOnly)
			}
		})
	}
}

func hashAggRandomRun(t *testing.T, seed uint64, keys string, cache int, appendOnly bool) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(seed, 42))

	input, err := exectest.ParseSchema(hashAggRandomInput)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := hashAggSpec(ops.HashAggSpec{
		ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1,
		CacheGroups: cache, AppendOnly: appendOnly,
	}, input, keys, hashAggRandomAggs)
	if err != nil {
		t.Fatal(err)
	}
	store := exectest.NewStore()
	open := func() *ops.HashAgg {
		agg := ops.NewHashAgg(spec, mem)
		if err := agg.Open(ctx, exec.OpenContext{State: store}); err != nil {
			t.Fatal(err)
		}
		return agg
	}
	agg := open()

	var live []hashAggRandomRow // the input relation so far
	view := map[string]string{} // the output folded: key columns → row
	nk := len(spec.GroupKeys)
	for epoch := 1; epoch <= 12; epoch++ {
		for range 1 + rng.IntN(3) {
			var rows []hashAggRandomRow
			var opsList []exec.Op
			for range 1 + rng.IntN(40) {
				switch r := rng.IntN(10); {
				case appendOnly || r < 5 || len(live) == 0:
					row := hashAggRandomNewRow(rng)
					live = append(live, row)
					rows, opsList = append(rows, row), append(opsList, exec.Insert)
				case r < 8:
					i := rng.IntN(len(live))
					rows, opsList = append(rows, live[i]), append(opsList, exec.Delete)
					live[i] = live[len(live)-1]
					live = live[:len(live)-1]
				default:
					i := rng.IntN(len(live))
					row := hashAggRandomNewRow(rng)
					rows = append(rows, live[i], row)
					opsList = append(opsList, exec.UpdateDelete, exec.UpdateInsert)
					live[i] = row
				}
			}
			c := hashAggRandomChunk(mem, input, rows, opsList)
			err := agg.ProcessChunk(ctx, 0, c, nil)
			c.Release()
			if err != nil {
				t.Fatal(err)
			}
		}
		w := store.NewWriter()
		var out exectest.Collector
		if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: exec.Epoch(epoch)}, w, &out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		for _, c := range out.Chunks() {
			if err := hashAggFold(view, c, nk); err != nil {
				t.Fatalf("seed %d epoch %d: %v\n%s", seed, epoch, err, exectest.FormatChunk(c))
			}
		}
		out.Release()
		if cache > 0 && agg.NumGroups() > cache {
			t.Fatalf("seed %d: %d groups cached, limit %d", seed, agg.NumGroups(), cache)
		}
		if epoch%4 == 0 {
			agg = open() // restart over the committed state
		}
		want := hashAggRecompute(t, mem, spec, input, live)
		if got := hashAggViewString(view); got != want {
			t.Fatalf("seed %d epoch %d: view differs\ngot:\n%s\nwant:\n%s", seed, epoch, got, want)
		}
	}
}

func hashAggRandomNewRow(rng *rand.Rand) hashAggRandomRow {
	row := hashAggRandomRow{k: int64(rng.IntN(6)) - 2, t: []string{"a", "b", "", "a\x00b"}[rng.IntN(4)]}
	if rng.IntN(5) > 0 {
		v := int32(rng.IntN(41) - 20)
		row.v = &v
	}
	if rng.IntN(5) > 0 {
		s := []string{"x", "y", "zz", "", "Ω"}[rng.IntN(5)]
		row.s = &s
	}
	if rng.IntN(5) > 0 {
		d := int64(rng.IntN(20001) - 10000)
		row.d = &d
	}
	if rng.IntN(5) > 0 {
		ts := int64(rng.IntN(10)) * 1_000_000
		row.ts = &ts
	}
	return row
}

// hashAggRandomChunk builds a chunk of input from rows and their ops.
func hashAggRandomChunk(mem memory.Allocator, input types.Schema, rows []hashAggRandomRow, opsList []exec.Op) exec.Chunk {
	rb := array.NewRecordBuilder(mem, input.Arrow())
	defer rb.Release()
	for _, r := range rows {
		hashAggAppendRow(rb, r)
	}
	return exec.Chunk{Batch: rb.NewRecordBatch(), Ops: opsList}
}

func hashAggAppendRow(rb *array.RecordBuilder, r hashAggRandomRow) {
	rb.Field(0).(*array.Int64Builder).Append(r.k)
	rb.Field(1).(*array.StringBuilder).Append(r.t)
	if r.v != nil {
		rb.Field(2).(*array.Int32Builder).Append(*r.v)
	} else {
		rb.Field(2).AppendNull()
	}
	if r.s != nil {
		rb.Field(3).(*array.StringBuilder).Append(*r.s)
	} else {
		rb.Field(3).AppendNull()
	}
	if r.d != nil {
		rb.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(*r.d))
	} else {
		rb.Field(4).AppendNull()
	}
	if r.ts != nil {
		rb.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(*r.ts))
	} else {
		rb.Field(5).AppendNull()
	}
}

// hashAggFold applies the changes of c to view, checking that every delete
// removes exactly the row the view holds and every insert adds a new key.
func hashAggFold(view map[string]string, c exec.Chunk, nk int) error {
	for i := 0; i < c.NumRows(); i++ {
		row := exectest.FormatRow(c.Batch, i)
		key := strings.Join(strings.Split(row, " | ")[:nk], " | ")
		switch c.OpAt(i) {
		case exec.Insert, exec.UpdateInsert:
			if _, ok := view[key]; ok {
				return fmt.Errorf("insert of existing key %q", key)
			}
			if c.OpAt(i) == exec.UpdateInsert && (i == 0 || c.OpAt(i-1) != exec.UpdateDelete) {
				return fmt.Errorf("U+ not preceded by U- at row %d", i)
			}
			view[key] = row
		case exec.Delete, exec.UpdateDelete:
			if old, ok := view[key]; !ok || old != row {
				return fmt.Errorf("delete of %q, view holds %q", row, old)
			}
			delete(view, key)
		}
	}
	return nil
}

func hashAggViewString(view map[string]string) string {
	rows := make([]string, 0, len(view))
	for _, r := range view {
		rows = append(rows, r)
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}

// hashAggRecompute computes the expected output of the random test's spec
// over live from scratch, formatted like the folded view.
func hashAggRecompute(t *testing.T, mem memory.Allocator, spec ops.HashAggSpec, input types.Schema, live []hashAggRandomRow) string {
	groups := map[string][]hashAggRandomRow{}
	var order []string
	for _, r := range live {
		var parts []string
		for _, k := range spec.GroupKeys {
			if input[k].Name == "k" {
				parts = append(parts, fmt.Sprint(r.k))
			} else {
				parts = append(parts, r.t)
			}
		}
		key := strings.Join(parts, "\x01")
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], r)
	}
	if len(spec.GroupKeys) == 0 && len(order) == 0 {
		order = append(order, "")
	}
	rb := array.NewRecordBuilder(mem, spec.OutputSchema.Arrow())
	defer rb.Release()
	for _, key := range order {
		rows := groups[key]
		col := 0
		for _, k := range spec.GroupKeys {
			if input[k].Name == "k" {
				rb.Field(col).(*array.Int64Builder).Append(rows[0].k)
			} else {
				rb.Field(col).(*array.StringBuilder).Append(rows[0].t)
			}
			col++
		}
		var nv, sumV int64
		var minV, maxV *int32
		var ns int64
		var minS, maxS *string
		var nd int64
		var sumD int64
		var minT, maxT *int64
		for _, r := range rows {
			if r.v != nil {
				nv++
				sumV += int64(*r.v)
				if minV == nil || *r.v < *minV {
					minV = r.v
				}
				if maxV == nil || *r.v > *maxV {
					maxV = r.v
				}
			}
			if r.s != nil {
				ns++
				if minS == nil || *r.s < *minS {
					minS = r.s
				}
				if maxS == nil || *r.s > *maxS {
					maxS = r.s
				}
			}
			if r.d != nil {
				nd++
				sumD += *r.d
			}
			if r.ts != nil {
				if minT == nil || *r.ts < *minT {
					minT = r.ts
				}
				if maxT == nil || *r.ts > *maxT {
					maxT = r.ts
				}
			}
		}
		// count(*), count(v), sum(v), avg(v), min(v), max(v), min(s), max(s),
		// sum(d), avg(d), min(ts), max(ts), count(s)
		b := func() array.Builder { col++; return rb.Field(col - 1) }
		b().(*array.Int64Builder).Append(int64(len(rows)))
		b().(*array.Int64Builder).Append(nv)
		if nv == 0 {
			b().AppendNull()
			b().AppendNull()
		} else {
			b().(*array.Int64Builder).Append(sumV)
			b().(*array.Float64Builder).Append(float64(sumV) / float64(nv))
		}
		appendInt32OrNull(b(), minV)
		appendInt32OrNull(b(), maxV)
		appendStringOrNull(b(), minS)
		appendStringOrNull(b(), maxS)
		if nd == 0 {
			b().AppendNull()
			b().AppendNull()
		} else {
			b().(*array.Decimal128Builder).Append(decimal128.FromI64(sumD))
			// avg at scale 6 from cents (scale 2), rounded half away from zero.
			r := new(big.Rat).SetFrac(big.NewInt(sumD*10000), big.NewInt(nd))
			b().(*array.Decimal128Builder).Append(decimal128.FromBigInt(hashAggRoundRat(r)))
		}
		appendTSOrNull(b(), minT)
		appendTSOrNull(b(), maxT)
		b().(*array.Int64Builder).Append(ns)
		hashAggRecomputeMore(rows, b)
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	view := map[string]string{}
	for i := 0; i < int(rec.NumRows()); i++ {
		view[fmt.Sprint(i)] = exectest.FormatRow(rec, i)
	}
	return hashAggViewString(view)
}

// hashAggRoundRat rounds r to an integer, half away from zero.
func hashAggRoundRat(r *big.Rat) *big.Int {
	num, den := new(big.Int).Abs(r.Num()), r.Denom()
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if rem.Lsh(rem, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q
}

func appendInt32OrNull(b array.Builder, v *int32) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.(*array.Int32Builder).Append(*v)
}

func appendStringOrNull(b array.Builder, v *string) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.(*array.StringBuilder).Append(*v)
}

func appendTSOrNull(b array.Builder, v *int64) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.(*array.TimestampBuilder).Append(arrow.Timestamp(*v))
}

// hashAggRecomputeMore appends the expected count(distinct v),
// sum(distinct v), string_agg(s, ','), string_agg(distinct s, '|'),
// bit_and(v), bit_or(v), bit_xor(v), var_pop(v) and stddev_samp(d) of rows.
func hashAggRecomputeMore(rows []hashAggRandomRow, b func() array.Builder) {
	distinctV := map[int32]bool{}
	var vs []int64
	var ss []string
	var ds []int64
	for _, r := range rows {
		if r.v != nil {
			distinctV[*r.v] = true
			vs = append(vs, int64(*r.v))
		}
		if r.s != nil {
			ss = append(ss, *r.s)
		}
		if r.d != nil {
			ds = append(ds, *r.d)
		}
	}
	var sumDistinct int64
	for v := range distinctV {
		sumDistinct += int64(v)
	}
	b().(*array.Int64Builder).Append(int64(len(distinctV)))
	if len(distinctV) == 0 {
		b().AppendNull()
	} else {
		b().(*array.Int64Builder).Append(sumDistinct)
	}
	sort.Strings(ss)
	if len(ss) == 0 {
		b().AppendNull()
		b().AppendNull()
	} else {
		b().(*array.StringBuilder).Append(strings.Join(ss, ","))
		var uniq []string
		for i, s := range ss {
			if i == 0 || s != ss[i-1] {
				uniq = append(uniq, s)
			}
		}
		b().(*array.StringBuilder).Append(strings.Join(uniq, "|"))
	}
	if len(vs) == 0 {
		b().AppendNull()
		b().AppendNull()
		b().AppendNull()
	} else {
		and, or, xor := int32(-1), int32(0), int32(0)
		for _, v := range vs {
			and &= int32(v)
			or |= int32(v)
			xor ^= int32(v)
		}
		b().(*array.Int32Builder).Append(and)
		b().(*array.Int32Builder).Append(or)
		b().(*array.Int32Builder).Append(xor)
	}
	variance := func(xs []int64, samp bool, scale int64) (float64, bool) {
		n := int64(len(xs))
		if n == 0 || samp && n == 1 {
			return 0, false
		}
		var sum, sq big.Int
		for _, x := range xs {
			sum.Add(&sum, big.NewInt(x))
			sq.Add(&sq, new(big.Int).Mul(big.NewInt(x), big.NewInt(x)))
		}
		num := new(big.Int).Mul(big.NewInt(n), &sq)
		num.Sub(num, new(big.Int).Mul(&sum, &sum))
		den := n
		if samp {
			den = n - 1
		}
		d := new(big.Int).Mul(big.NewInt(n*den), big.NewInt(scale*scale))
		f, _ := new(big.Rat).SetFrac(num, d).Float64()
		return f, true
	}
	if v, ok := variance(vs, false, 1); ok {
		b().(*array.Float64Builder).Append(v)
	} else {
		b().AppendNull()
	}
	if v, ok := variance(ds, true, 100); ok {
		b().(*array.Float64Builder).Append(math.Sqrt(v))
	} else {
		b().AppendNull()
	}
}
