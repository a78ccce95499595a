package ops

import (
	"context"
	"math"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// WindowAgg is a hash aggregate whose group key holds a column with a
// watermark (a window aggregate over TUMBLE or HOP: window_start,
// window_end). It passes on a watermark on a group column, which is also
// that output column, after the barrier's changes: the aggregate emits
// its groups' changes at the barrier, and the groups below the watermark
// may change until then. Watermarks on other columns are dropped, as the
// hash aggregate drops them.
//
// When the first group column carries the watermark (GROUP BY
// window_start, …), its groups below the watermark are closed: no later
// row reaches them. After the barrier's changes WindowAgg frees them,
// without a retraction (the view keeps their rows): it forgets those in
// memory, and since the aggregate's state keys are table | vnode | group
// key, the closed groups of each vnode are one range of keys, deleted
// with one range delete per vnode and table. An aggregate with a TTL
// keeps its groups to the TTL's index instead.
type WindowAgg struct {
	*HashAgg
	numGroup int
	pending  []exec.Watermark
	// freed is the watermark below which the groups were freed.
	freed    int64
	hasFreed bool
	// KeepGroups, when set, keeps the groups below the watermark: a change
	// may still reach them (the input is a table's, whose updates and
	// deletes are never late).
	KeepGroups bool
}

// NewWindowAgg returns h, which groups by its input's first numGroup
// columns, passing on the watermarks of those columns.
func NewWindowAgg(h *HashAgg, numGroup int) *WindowAgg {
	return &WindowAgg{HashAgg: h, numGroup: numGroup}
}

// OnWatermark keeps a watermark of a group column for the next barrier.
func (a *WindowAgg) OnWatermark(_ context.Context, _ int, w exec.Watermark, _ exec.Output) error {
	if w.Column < a.numGroup {
		a.pending = append(a.pending, w)
	}
	return nil
}

// OnBarrier emits the epoch's changes, then the watermarks kept.
func (a *WindowAgg) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter, out exec.Output) error {
	if err := a.HashAgg.OnBarrier(ctx, b, w, out); err != nil {
		return err
	}
	pending := a.pending
	a.pending = nil
	for _, wm := range pending {
		if wm.Column == 0 {
			if err := a.free(wm.Value, w); err != nil {
				return err
			}
		}
		if err := exec.PushWatermark(ctx, out, wm); err != nil {
			return err
		}
	}
	return nil
}

// free forgets the groups whose first group column is below bound, in
// memory and in state, when it rose since the last time.
func (a *WindowAgg) free(bound int64, w exec.StateWriter) error {
	h := a.HashAgg
	if a.KeepGroups || h.expiry != nil || (a.hasFreed && bound <= a.freed) {
		return nil
	}
	switch h.spec.KeyTypes[0].Family {
	case types.Timestamp, types.TimestampTZ, types.Int64:
	default:
		return nil
	}
	// from is where this free's range deletes start: where the last one
	// ended, or lower for a group below it still held. Range deletes that
	// each began at the lowest key would overlap all earlier ones, and
	// Pebble fragments overlapping range deletes (in a memtable, in a large
	// batch) into spans each holding every deletion over it: quadratic in
	// the frees a memtable holds (Nexmark q5 at 10 M events held ~200 MB
	// of them).
	from := int64(math.MinInt64)
	if a.hasFreed {
		from = a.freed
	}
	a.freed, a.hasFreed = bound, true
	for g := range h.nslots {
		if !h.inUse[g] || h.dirty[g] || len(h.keys[g]) < 9 {
			continue
		}
		v, isNull, err := statestore.DecodeInt([]byte(h.keys[g][:9]), types.Int64Type)
		if err == nil && !isNull && v < bound {
			from = min(from, v)
			h.release(int32(g))
		}
	}
	if h.state == nil || from >= bound {
		return nil
	}
	lo, hi := statestore.AppendInt64(nil, from), statestore.AppendInt64(nil, bound)
	tables := []statestore.TableID{h.spec.ResultTable}
	if len(h.minMaxes) > 0 {
		tables = append(tables, h.spec.MinMaxTable)
	}
	for v := range statestore.NumVnodes {
		if !h.spec.owns(uint16(v)) {
			continue
		}
		for _, t := range tables {
			if err := w.DeleteRange(statestore.AppendKey(nil, t, uint16(v), lo), statestore.AppendKey(nil, t, uint16(v), hi)); err != nil {
				return err
			}
		}
	}
	return nil
}
