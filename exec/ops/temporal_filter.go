package ops

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// TemporalFilterSpec describes a temporal filter: `Time > Lower` and / or
// `Time < Upper`, where the bounds read the clock (now() - INTERVAL '1
// hour') and Time reads the row.
type TemporalFilterSpec struct {
	// Schema is the input's (and output's) columns; StreamKey identifies a
	// row across its changes.
	Schema    types.Schema
	StreamKey []int
	// Time is the row's side of the comparisons, of a type
	// expr.WatermarkValue accepts (a timestamp, a date).
	Time expr.Expr
	// Lower and Upper are the bounds, each nil when absent, of Time's
	// type, for which expr.ReadsOnlyClock holds. LowerInclusive makes the
	// lower bound `>=`, UpperInclusive the upper `<=`.
	Lower, Upper                   expr.Expr
	LowerInclusive, UpperInclusive bool
	// Table holds the rows that will enter or leave, by Time first, and
	// the now() of the last barrier.
	Table statestore.TableID
}

// TemporalFilter keeps the rows whose Time is inside the window the bounds
// give at now(), the time of the last barrier (exec.Barrier.Time), the same
// in every operator of an epoch: a change is filtered with the now() of
// the barrier before it, and at each barrier the rows the move of now()
// takes out of the window are retracted and those it brings in emitted.
// So a view with `WHERE ts > now() - INTERVAL '1 hour'` keeps the last
// hour's rows, RisingWave's temporal filter.
//
// Its state is what may still change: with a lower bound, every row above
// it (it will leave); with only an upper bound, the rows not in yet (they
// will enter). Rows are keyed by Time first, so the rows a barrier moves
// are two range scans and the rows that can no longer change one range
// delete. now() is stored with them, so that after a restart the rows are
// judged by the same now() until the next barrier, which retracts the same
// rows an uninterrupted run would. Before its first barrier (with no
// stored now()) a filter emits nothing and keeps every row, and its first
// barrier emits those inside. A barrier with a zero Time (tests) leaves
// now() where it is. TemporalFilter is driven by one fragment goroutine.
type TemporalFilter struct {
	spec    TemporalFilterSpec
	mem     memory.Allocator
	state   exec.StateReader
	skTypes []types.T
	types   []types.T
	// now is the now() changes are judged by (microseconds), known once a
	// barrier with a time has passed or the state held one.
	now      int64
	nowKnown bool
	// lo and hi are the bounds at now, in Time's int64 form.
	lo, hi int64
	// dirty is the epoch's changes to the rows kept, by state key (row
	// nil: deleted).
	dirty map[string]temporalRow
	// held are the input's watermarks not passed on yet, by column: those
	// that came before now() was known (OnWatermark); with an upper bound,
	// the latest on the time column.
	held map[int]int64
	// pushed is the last watermark passed on for the time column under an
	// upper bound (pushedAny: one was).
	pushed    int64
	pushedAny bool
}

// temporalRow is a row the epoch changed: its Time and its encoding.
type temporalRow struct {
	at  int64
	row []byte
}

// Key bytes after the table id and vnode: the stored now(), then the rows.
const (
	temporalNowTag = 0x00
	temporalRowTag = 0x01
)

// NewTemporalFilter returns the TemporalFilter of spec.
func NewTemporalFilter(spec TemporalFilterSpec, mem memory.Allocator) *TemporalFilter {
	f := &TemporalFilter{spec: spec, mem: mem, dirty: map[string]temporalRow{}}
	for _, c := range spec.Schema {
		f.types = append(f.types, c.Type)
	}
	for _, k := range spec.StreamKey {
		f.skTypes = append(f.skTypes, spec.Schema[k].Type)
	}
	return f
}

// Open reads the now() the state holds.
func (f *TemporalFilter) Open(ctx context.Context, oc exec.OpenContext) error {
	f.state = oc.State
	v, ok, err := oc.State.Get(f.nowKey())
	if err != nil || !ok {
		return err
	}
	if len(v) != 8 {
		return fmt.Errorf("temporal filter: bad now() %x: %w", v, statestore.ErrCorrupt)
	}
	return f.setNow(ctx, int64(binary.BigEndian.Uint64(v)))
}

func (f *TemporalFilter) prefix() []byte {
	return statestore.AppendKey(nil, f.spec.Table, 0, nil)
}

func (f *TemporalFilter) nowKey() []byte { return append(f.prefix(), temporalNowTag) }

// rowKey returns the state key of Time value at: the prefix of every row
// with that value.
func (f *TemporalFilter) rowKey(at int64) []byte {
	return statestore.AppendInt64(append(f.prefix(), temporalRowTag), at)
}

// rowsStart returns the first key of any row.
func (f *TemporalFilter) rowsStart() []byte { return append(f.prefix(), temporalRowTag) }

// setNow moves now() to micros and computes the bounds at it.
func (f *TemporalFilter) setNow(ctx context.Context, micros int64) error {
	bound := func(e expr.Expr) (int64, error) {
		at, err := expr.AtTime(e, micros)
		if err != nil {
			return 0, err
		}
		a, err := expr.EvalConstant(ctx, f.mem, at)
		if err != nil {
			return 0, err
		}
		defer a.Release()
		v, ok := expr.WatermarkAt(a, 0)
		if !ok {
			return 0, fmt.Errorf("temporal filter: bound %s is NULL at %d", e, micros)
		}
		return v, nil
	}
	var err error
	if f.spec.Lower != nil {
		if f.lo, err = bound(f.spec.Lower); err != nil {
			return err
		}
	}
	if f.spec.Upper != nil {
		if f.hi, err = bound(f.spec.Upper); err != nil {
			return err
		}
	}
	f.now, f.nowKnown = micros, true
	return nil
}

// window is the window at one now(): the bounds, and whether now() is known.
type window struct {
	lo, hi int64
	known  bool
}

func (f *TemporalFilter) window() window { return window{lo: f.lo, hi: f.hi, known: f.nowKnown} }

// aboveLower reports whether at passes the lower bound of w (true without
// one).
func (f *TemporalFilter) aboveLower(w window, at int64) bool {
	if f.spec.Lower == nil {
		return true
	}
	return at > w.lo || f.spec.LowerInclusive && at == w.lo
}

// belowUpper reports whether at passes the upper bound of w (true without
// one).
func (f *TemporalFilter) belowUpper(w window, at int64) bool {
	if f.spec.Upper == nil {
		return true
	}
	return at < w.hi || f.spec.UpperInclusive && at == w.hi
}

// inside reports whether a row with Time at is in the window w.
func (f *TemporalFilter) inside(w window, at int64) bool {
	return w.known && f.aboveLower(w, at) && f.belowUpper(w, at)
}

// keep reports whether a row with Time at may still enter or leave once
// the window is w: it is kept in state.
func (f *TemporalFilter) keep(w window, at int64) bool {
	switch {
	case !w.known:
		return true
	case f.spec.Lower != nil:
		return f.aboveLower(w, at)
	default:
		return !f.belowUpper(w, at)
	}
}

// firstKept returns the smallest Time keep holds for at w (known): every
// row below it is no longer kept.
func (f *TemporalFilter) firstKept(w window) int64 {
	if f.spec.Lower != nil {
		if f.spec.LowerInclusive {
			return w.lo
		}
		return inc(w.lo)
	}
	if f.spec.UpperInclusive {
		return inc(w.hi)
	}
	return w.hi
}

func inc(v int64) int64 {
	if v == math.MaxInt64 {
		return v
	}
	return v + 1
}

// OnWatermark passes the input's watermark on unchanged when the filter
// has no upper bound: a row then enters the output only as it arrives, at
// or above the watermark (it leaves later, as a delete, which a watermark
// does not bound). Until now() is known it is held, since the first
// barrier then emits every row inside, at once; that barrier passes it
// on. With an upper bound, rows also enter as barriers move now(), below
// the input's watermark but at or above the upper bound they were outside
// of: a watermark on the time column (Time a column) is passed on as the
// lower of it and the upper bound (upperWatermark), the others dropped
// (planner.WatermarkColumns says the same).
func (f *TemporalFilter) OnWatermark(ctx context.Context, _ int, w exec.Watermark, out exec.Output) error {
	if f.spec.Upper != nil {
		if c, ok := f.spec.Time.(*expr.ColumnRef); !ok || c.Index() != w.Column {
			return nil
		}
	}
	if !f.nowKnown || f.spec.Upper != nil {
		if f.held == nil {
			f.held = map[int]int64{}
		}
		if old, ok := f.held[w.Column]; !ok || w.Value > old {
			f.held[w.Column] = w.Value
		}
		return f.upperWatermark(ctx, out)
	}
	return exec.PushWatermark(ctx, out, w)
}

// upperWatermark passes on, for a filter with an upper bound whose now()
// is known, the lower of the time column's latest watermark and the upper
// bound, when it rose: a row that arrives later is at or above the
// watermark, and one that enters at a later barrier was outside the
// window at this now(), at or above the upper bound.
func (f *TemporalFilter) upperWatermark(ctx context.Context, out exec.Output) error {
	if f.spec.Upper == nil || !f.nowKnown {
		return nil
	}
	for col, v := range f.held {
		v = min(v, f.hi)
		if f.pushedAny && v <= f.pushed {
			return nil
		}
		f.pushed, f.pushedAny = v, true
		return exec.PushWatermark(ctx, out, exec.Watermark{Column: col, Value: v})
	}
	return nil
}

// ProcessChunk emits the changes of c whose row is inside the window at
// now() and notes the rows to keep.
func (f *TemporalFilter) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	times, err := f.spec.Time.Eval(ctx, f.mem, c.Batch)
	if err != nil {
		return err
	}
	defer times.Release()
	w := f.window()
	var sel []int
	for i := 0; i < n; i++ {
		at, ok := expr.WatermarkAt(times, i)
		if !ok {
			continue // NULL is never inside
		}
		if f.inside(w, at) {
			sel = append(sel, i)
		}
		if !f.keep(w, at) {
			continue
		}
		key := string(statestore.AppendRow(f.rowKey(at), f.skTypes, c.Batch, f.spec.StreamKey, i))
		if c.OpAt(i).IsInsert() {
			f.dirty[key] = temporalRow{at: at, row: statestore.AppendRow(nil, f.types, c.Batch, nil, i)}
		} else {
			f.dirty[key] = temporalRow{at: at}
		}
	}
	switch len(sel) {
	case 0:
		return nil
	case n:
		c.Batch.Retain()
		return out.Push(ctx, c)
	}
	kept, err := selectChunk(ctx, f.mem, c, sel)
	if err != nil {
		return err
	}
	return out.Push(ctx, kept)
}

// OnBarrier moves now() to the barrier's time, emits the rows that move
// in or out of the window, and writes the epoch's rows, the rows no longer
// kept deleted, and the new now(); then, once now() is known, the
// watermarks held before it.
func (f *TemporalFilter) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter, out exec.Output) error {
	old := f.window()
	if !b.Time.IsZero() && (!f.nowKnown || b.Time.UnixMicro() > f.now) {
		if err := f.setNow(ctx, b.Time.UnixMicro()); err != nil {
			return err
		}
	}
	cur := f.window()
	em := &temporalEmitter{dec: statestore.NewRowDecoder(f.mem, f.spec.Schema)}
	defer em.dec.Release()
	moved := func(at int64, row []byte) error {
		was, is := f.inside(old, at), f.inside(cur, at)
		switch {
		case was && !is:
			return em.add(exec.Delete, row)
		case !was && is:
			return em.add(exec.Insert, row)
		}
		return nil
	}
	if cur != old {
		for _, r := range f.movedRanges(old, cur) {
			if err := f.scan(r[0], r[1], func(key []byte, at int64, row []byte) error {
				if _, ok := f.dirty[string(key)]; ok {
					return nil // the epoch changed it: below
				}
				return moved(at, row)
			}); err != nil {
				return err
			}
		}
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range f.dirty {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		r := f.dirty[k]
		if r.row == nil {
			if err := w.Delete([]byte(k)); err != nil {
				return err
			}
			continue
		}
		if err := moved(r.at, r.row); err != nil {
			return err
		}
		var err error
		if f.keep(cur, r.at) {
			err = w.Set([]byte(k), r.row)
		} else {
			err = w.Delete([]byte(k))
		}
		if err != nil {
			return err
		}
	}
	clear(f.dirty)
	if cur.known && cur != old {
		if err := w.DeleteRange(f.rowsStart(), f.rowKey(f.firstKept(cur))); err != nil {
			return err
		}
		if err := w.Set(f.nowKey(), binary.BigEndian.AppendUint64(nil, uint64(f.now))); err != nil {
			return err
		}
	}
	if err := em.flush(ctx, out); err != nil || !f.nowKnown || len(f.held) == 0 {
		return err
	}
	if f.spec.Upper != nil {
		return f.upperWatermark(ctx, out)
	}
	for _, col := range slices.Sorted(maps.Keys(f.held)) {
		if err := exec.PushWatermark(ctx, out, exec.Watermark{Column: col, Value: f.held[col]}); err != nil {
			return err
		}
	}
	clear(f.held)
	return nil
}

// movedRanges returns the spans of Time, [from, to] inclusive, holding
// every row whose place in the window changes from old to cur.
func (f *TemporalFilter) movedRanges(old, cur window) [][2]int64 {
	if !old.known {
		// Every row kept may be inside now.
		if f.spec.Upper == nil {
			return [][2]int64{{math.MinInt64, math.MaxInt64}}
		}
		return [][2]int64{{math.MinInt64, cur.hi}}
	}
	var out [][2]int64
	if f.spec.Lower != nil {
		out = append(out, [2]int64{old.lo, cur.lo}) // rows leaving
	}
	if f.spec.Upper != nil {
		r := [2]int64{old.hi, cur.hi} // rows entering
		if len(out) == 1 && r[0] <= out[0][1] && out[0][0] <= r[1] {
			// The spans overlap (the window moved past its old end):
			// one span, so that no row is seen twice.
			out[0] = [2]int64{min(out[0][0], r[0]), max(out[0][1], r[1])}
			return out
		}
		out = append(out, r)
	}
	return out
}

// scan calls fn for every committed row with Time in [from, to].
func (f *TemporalFilter) scan(from, to int64, fn func(key []byte, at int64, row []byte) error) error {
	lo := f.rowKey(from)
	hi := statestore.PrefixEnd(f.rowKey(to))
	if to == math.MaxInt64 {
		hi = statestore.PrefixEnd(f.rowsStart())
	}
	it, err := f.state.NewIter(lo, hi)
	if err != nil {
		return err
	}
	start := len(f.rowsStart())
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		if len(k) < start+9 || !bytes.HasPrefix(k, f.rowsStart()) {
			it.Close()
			return fmt.Errorf("temporal filter: bad state key %x: %w", k, statestore.ErrCorrupt)
		}
		at := int64(binary.BigEndian.Uint64(k[start+1:start+9]) ^ (1 << 63))
		if err := fn(k, at, it.Value()); err != nil {
			it.Close()
			return err
		}
	}
	return it.Close()
}

// temporalEmitter collects the rows a barrier emits into one chunk.
type temporalEmitter struct {
	dec *statestore.RowDecoder
	ops []exec.Op
}

func (e *temporalEmitter) add(op exec.Op, row []byte) error {
	if err := e.dec.Append(row); err != nil {
		return err
	}
	e.ops = append(e.ops, op)
	return nil
}

func (e *temporalEmitter) flush(ctx context.Context, out exec.Output) error {
	if len(e.ops) == 0 {
		return nil
	}
	return out.Push(ctx, exec.Chunk{Batch: e.dec.NewBatch(), Ops: e.ops})
}
