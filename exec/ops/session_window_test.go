package ops_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// sessionOutput keeps the rows (id start end, or id NULL) a session window
// emits, the watermarks on window_end, and whether a delete came.
type sessionOutput struct {
	rows    []string
	wms     []int64
	deletes int
}

func (o *sessionOutput) Push(_ context.Context, c exec.Chunk) error {
	defer c.Release()
	for i := 0; i < c.NumRows(); i++ {
		if !c.OpAt(i).IsInsert() {
			o.deletes++
		}
		b := c.Batch
		r := b.Column(2).ValueStr(i)
		for _, c := range []int{3, 4} {
			if a := b.Column(c).(*array.Timestamp); a.IsNull(i) {
				r += " NULL"
			} else {
				r += fmt.Sprintf(" %d", a.Value(i))
			}
		}
		o.rows = append(o.rows, r)
	}
	return nil
}

func (o *sessionOutput) PushWatermark(_ context.Context, w exec.Watermark) error {
	if w.Column != 4 {
		return fmt.Errorf("a watermark on column %d", w.Column)
	}
	o.wms = append(o.wms, w.Value)
	return nil
}

// TestSessionWindowRandom feeds the session window operator random rows
// (k, ts, id) with disorder bounded by a lag, dropping those below the
// watermark as a source does, with watermarks and barriers between
// chunks, and restarts it from its committed state now and then. Every
// row must come out once, when the watermark has passed its session's
// end, with the window_start and window_end that sorting each key's rows
// by time gives (a new session where the gap to the previous row is gap
// or more); the rows of sessions still open at the end must not; a row
// without a time comes out at once with NULL windows; and the state ends
// holding only the open sessions' rows.
func TestSessionWindowRandom(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { testSessionWindowRandom(t, seed) })
	}
}

func testSessionWindowRandom(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc908))
	mem := memory.NewGoAllocator()
	ctx := context.Background()
	schema := types.Schema{{Name: "k", Type: types.Int64Type, Nullable: true}, {Name: "ts", Type: types.TSType, Nullable: true},
		{Name: "id", Type: types.Int64Type}, {Name: "window_start", Type: types.TSType, Nullable: true}, {Name: "window_end", Type: types.TSType, Nullable: true}}
	in := types.Schema(schema[:3])
	gap := int64(1 + rng.IntN(5))
	lag := int64(rng.IntN(6))
	keys := 1 + rng.IntN(4)
	partition := []int{0}
	if rng.IntN(4) == 0 {
		partition = nil
	}
	store := exectest.NewStore()
	spec := ops.SessionWindowSpec{Output: schema, TimeCol: 1, Partition: partition, Key: []int{2}, Gap: gap,
		RowsTable: statestore.FirstUserTable, SessionsTable: statestore.FirstUserTable + 1}
	open := func() *ops.SessionWindow {
		op := ops.NewSessionWindow(mem, spec)
		if err := op.Open(ctx, exec.OpenContext{State: store}); err != nil {
			t.Fatal(err)
		}
		return op
	}
	op := open()
	out := &sessionOutput{}
	type row struct{ k, ts, id int64 }
	var accepted []row
	var emittedAt []int64 // the watermark at the barrier that emitted each row
	var barrierWMs []int64
	wm, hasWM, maxTS, id := int64(0), false, int64(0), int64(0)
	for round := range 30 + rng.IntN(30) {
		kb, tb, ib := array.NewInt64Builder(mem), array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond}), array.NewInt64Builder(mem)
		n := 0
		for range rng.IntN(8) {
			ts := int64(round) + int64(rng.IntN(int(lag)+3)) - lag
			k := int64(rng.IntN(keys))
			id++
			if rng.IntN(30) == 0 {
				kb.Append(k)
				tb.AppendNull()
				ib.Append(id)
				n++
				continue
			}
			if hasWM && ts < wm {
				continue // late: the source drops it
			}
			kb.Append(k)
			tb.Append(arrow.Timestamp(ts))
			ib.Append(id)
			n++
			if partition == nil {
				k = 0
			}
			accepted = append(accepted, row{k, ts, id})
			maxTS = max(maxTS, ts)
		}
		c := exec.Chunk{Batch: array.NewRecordBatch(in.Arrow(), []arrow.Array{kb.NewArray(), tb.NewArray(), ib.NewArray()}, int64(n))}
		before := len(out.rows)
		if err := op.ProcessChunk(ctx, 0, c, out); err != nil {
			t.Fatal(err)
		}
		for _, r := range out.rows[before:] {
			if !strings.HasSuffix(r, "NULL NULL") {
				t.Fatalf("round %d: %q came out before a barrier", round, r)
			}
			emittedAt = append(emittedAt, -1)
		}
		if maxTS-lag > wm || !hasWM {
			wm, hasWM = maxTS-lag, true
			if err := op.OnWatermark(ctx, 0, exec.Watermark{Column: 1, Value: wm}, out); err != nil {
				t.Fatal(err)
			}
		}
		before = len(out.rows)
		w := store.NewWriter()
		if err := op.OnBarrier(ctx, exec.Barrier{}, w, out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		for range out.rows[before:] {
			emittedAt = append(emittedAt, wm)
		}
		barrierWMs = append(barrierWMs, wm)
		if rng.IntN(5) == 0 {
			op = open()
		}
	}
	if out.deletes != 0 {
		t.Fatalf("%d deletes", out.deletes)
	}
	// The model: per key, rows by time, a session per run of gaps below gap.
	byKey := map[int64][]row{}
	for _, r := range accepted {
		byKey[r.k] = append(byKey[r.k], r)
	}
	want, ends := map[int64]string{}, map[int64]int64{}
	openRows := 0
	for _, rs := range byKey {
		sort.Slice(rs, func(i, j int) bool { return rs[i].ts < rs[j].ts })
		for i := 0; i < len(rs); {
			j := i + 1
			for j < len(rs) && rs[j].ts-rs[j-1].ts < gap {
				j++
			}
			start, end := rs[i].ts, rs[j-1].ts+gap
			for _, r := range rs[i:j] {
				if end > wm {
					openRows++
					continue
				}
				want[r.id] = fmt.Sprintf("%d %d %d", r.id, start, end)
				ends[r.id] = end
			}
			i = j
		}
	}
	got := map[int64]string{}
	for i, r := range out.rows {
		var rid int64
		fmt.Sscan(r, &rid)
		if _, dup := got[rid]; dup {
			t.Fatalf("row %d came out twice", rid)
		}
		got[rid] = r
		if strings.HasSuffix(r, "NULL NULL") {
			if emittedAt[i] >= 0 {
				t.Fatalf("row %q without a time waited for a barrier", r)
			}
			delete(got, rid)
			continue
		}
		// Emitted at the first barrier whose watermark reached the end.
		first := int64(math.MaxInt64)
		for _, w := range barrierWMs {
			if w >= ends[rid] {
				first = min(first, w)
			}
		}
		if emittedAt[i] != first {
			t.Fatalf("row %q came out at watermark %d, not %d", r, emittedAt[i], first)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("gap %d lag %d watermark %d: %d rows came out, want %d\n got %v\nwant %v", gap, lag, wm, len(got), len(want), got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Fatalf("gap %d lag %d: row %d came out as %q, want %q", gap, lag, id, got[id], w)
		}
	}
	// The state holds the open sessions' rows and one entry per open session.
	if n := store.Len(); n < openRows || (openRows == 0 && n != 0) || n > 2*openRows {
		t.Fatalf("%d keys in state for %d open rows", n, openRows)
	}
}
