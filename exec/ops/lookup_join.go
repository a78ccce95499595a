package ops

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// LookupJoin is a temporal join, `s JOIN t FOR SYSTEM_TIME AS OF
// PROCTIME() ON …`: each row of the left input (append-only) meets the
// right input's rows with its join key as they are at the end of the epoch
// it arrives in, and is emitted paired with each (a LEFT join: with NULLs
// when none passes the residual) at that epoch's barrier. So which rows of
// the right side a row meets does not depend on how the inputs' chunks
// interleave within an epoch (a new view's left rows meet every row the
// table had), and a replay of the epoch joins the same. The right input's changes only update its rows in state
// and emit nothing, so what was emitted never changes: the output is
// append-only. The state is the right side's rows as HashJoin keeps them
// (join key | stream key → degree 0 | row, spec.RightTable); nothing of the
// left side is kept. spec's Left and Right tables, keys, residual, Output,
// LeftPos and RightPos are read as HashJoin reads them; OuterLeft makes a
// LEFT join. LookupJoin is driven by one fragment goroutine.
type LookupJoin struct {
	spec     HashJoinSpec
	mem      memory.Allocator
	state    exec.StateReader
	lkTypes  []types.T
	rkTypes  []types.T
	skTypes  []types.T
	rowTypes []types.T
	// dirty is the epoch's changes to the right side's rows, by join key
	// prefix, then state key (row nil: deleted).
	dirty map[string]map[string][]byte
	// pending are the epoch's chunks of the left input, joined at its
	// barrier.
	pending []exec.Chunk
	// watermarks are the left input's latest watermarks by column, passed
	// on after the barrier's rows.
	watermarks map[int]int64
}

// NewLookupJoin returns the LookupJoin of spec.
func NewLookupJoin(spec HashJoinSpec, mem memory.Allocator) *LookupJoin {
	j := &LookupJoin{spec: spec, mem: mem, dirty: map[string]map[string][]byte{}}
	for _, k := range spec.LeftKeys {
		j.lkTypes = append(j.lkTypes, spec.Left[k].Type)
	}
	for _, k := range spec.RightKeys {
		j.rkTypes = append(j.rkTypes, spec.Right[k].Type)
	}
	for _, k := range spec.RightStreamKey {
		j.skTypes = append(j.skTypes, spec.Right[k].Type)
	}
	for _, c := range spec.Right {
		j.rowTypes = append(j.rowTypes, c.Type)
	}
	return j
}

// Open keeps the committed state the right side's rows are read from.
func (j *LookupJoin) Open(_ context.Context, oc exec.OpenContext) error {
	j.state = oc.State
	return nil
}

// keyPrefix returns the state prefix of join key jk.
func (j *LookupJoin) keyPrefix(jk []byte) []byte {
	return statestore.AppendKey(nil, j.spec.RightTable, statestore.Vnode(jk), jk)
}

// nullKey reports whether a key column of row i of batch is NULL: such a
// row matches nothing.
func nullKey(batch arrow.RecordBatch, keys []int, i int) bool {
	for _, k := range keys {
		if batch.Column(k).IsNull(i) {
			return true
		}
	}
	return false
}

// ProcessChunk updates the right side's rows (input 1) or emits the left
// side's rows (input 0) joined with them.
func (j *LookupJoin) ProcessChunk(ctx context.Context, input int, c exec.Chunk, out exec.Output) error {
	if c.NumRows() == 0 {
		return nil
	}
	if input == 1 {
		for i := range c.NumRows() {
			if nullKey(c.Batch, j.spec.RightKeys, i) {
				continue
			}
			prefix := string(j.keyPrefix(statestore.AppendRow(nil, j.rkTypes, c.Batch, j.spec.RightKeys, i)))
			key := string(statestore.AppendRow([]byte(prefix), j.skTypes, c.Batch, j.spec.RightStreamKey, i))
			rows := j.dirty[prefix]
			if rows == nil {
				rows = map[string][]byte{}
				j.dirty[prefix] = rows
			}
			if c.OpAt(i).IsInsert() {
				rows[key] = statestore.AppendRow(nil, j.rowTypes, c.Batch, nil, i)
			} else {
				rows[key] = nil
			}
		}
		return nil
	}
	if !c.AppendOnly() {
		return fmt.Errorf("temporal join: the left input retracted a row; it must be append-only")
	}
	c.Batch.Retain()
	j.pending = append(j.pending, c)
	return nil
}

// join emits the rows of c, a chunk of the left input, joined with the
// right side's rows.
func (j *LookupJoin) join(ctx context.Context, c exec.Chunk, out exec.Output) error {
	dec := statestore.NewRowDecoder(j.mem, j.spec.Right)
	defer dec.Release()
	var leftIdx, rightIdx []int
	for i := range c.NumRows() {
		if nullKey(c.Batch, j.spec.LeftKeys, i) {
			continue
		}
		rows, err := j.lookup(j.keyPrefix(statestore.AppendRow(nil, j.lkTypes, c.Batch, j.spec.LeftKeys, i)))
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := dec.Append(r); err != nil {
				return err
			}
			leftIdx = append(leftIdx, i)
			rightIdx = append(rightIdx, dec.Len()-1)
		}
	}
	right := dec.NewBatch()
	defer right.Release()
	pairs, err := j.build(ctx, c.Batch, leftIdx, right, rightIdx)
	if err != nil {
		return err
	}
	if j.spec.Residual != nil && len(leftIdx) > 0 {
		pairs.Release()
		if leftIdx, rightIdx, err = j.residual(ctx, c.Batch, leftIdx, right, rightIdx); err != nil {
			return err
		}
		if pairs, err = j.build(ctx, c.Batch, leftIdx, right, rightIdx); err != nil {
			return err
		}
	}
	if j.spec.OuterLeft {
		pairs.Release()
		leftIdx, rightIdx = padUnmatched(c.NumRows(), leftIdx, rightIdx)
		if pairs, err = j.build(ctx, c.Batch, leftIdx, right, rightIdx); err != nil {
			return err
		}
	}
	if pairs.NumRows() == 0 {
		pairs.Release()
		return nil
	}
	return out.Push(ctx, exec.Chunk{Batch: pairs})
}

// padUnmatched returns the pairs (left row, right row) with a pair (row,
// -1) for each of the n left rows without one, in left row order.
func padUnmatched(n int, leftIdx, rightIdx []int) ([]int, []int) {
	var l, r []int
	k := 0
	for i := range n {
		if k < len(leftIdx) && leftIdx[k] == i {
			for ; k < len(leftIdx) && leftIdx[k] == i; k++ {
				l, r = append(l, i), append(r, rightIdx[k])
			}
			continue
		}
		l, r = append(l, i), append(r, -1)
	}
	return l, r
}

// lookup returns the right side's rows under prefix: the committed ones the
// epoch did not change, then the epoch's, in key order.
func (j *LookupJoin) lookup(prefix []byte) ([][]byte, error) {
	var out [][]byte
	changed := j.dirty[string(prefix)]
	if j.state != nil {
		it, err := j.state.NewIter(prefix, statestore.PrefixEnd(prefix))
		if err != nil {
			return nil, err
		}
		for ok := it.First(); ok; ok = it.Next() {
			if _, c := changed[string(it.Key())]; c {
				continue
			}
			v := it.Value()
			_, w := binary.Uvarint(v)
			if w <= 0 {
				it.Close()
				return nil, fmt.Errorf("temporal join: bad state value %x: %w", v, statestore.ErrCorrupt)
			}
			out = append(out, append([]byte(nil), v[w:]...))
		}
		if err := it.Close(); err != nil {
			return nil, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(changed)) {
		if r := changed[k]; r != nil {
			out = append(out, r)
		}
	}
	return out, nil
}

// residual returns the pairs for which the residual is true.
func (j *LookupJoin) residual(ctx context.Context, left arrow.RecordBatch, leftIdx []int, right arrow.RecordBatch, rightIdx []int) ([]int, []int, error) {
	b, err := j.build(ctx, left, leftIdx, right, rightIdx)
	if err != nil {
		return nil, nil, err
	}
	defer b.Release()
	arr, err := j.spec.Residual.Eval(ctx, j.mem, b)
	if err != nil {
		return nil, nil, err
	}
	defer arr.Release()
	mask, ok := arr.(*array.Boolean)
	if !ok {
		return nil, nil, fmt.Errorf("temporal join: residual %s returned %s", j.spec.Residual, arr.DataType())
	}
	var l, r []int
	for k := range leftIdx {
		if mask.IsValid(k) && mask.Value(k) {
			l, r = append(l, leftIdx[k]), append(r, rightIdx[k])
		}
	}
	return l, r, nil
}

// build returns the output rows made of row leftIdx[k] of left and row
// rightIdx[k] of right (NULLs where it is -1).
func (j *LookupJoin) build(ctx context.Context, left arrow.RecordBatch, leftIdx []int, right arrow.RecordBatch, rightIdx []int) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(j.spec.Output))
	release := func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}
	place := func(s types.Schema, pos []int, batch arrow.RecordBatch, idx []int) error {
		ix := indexArray(j.mem, idx)
		defer ix.Release()
		for k := range s {
			if batch.NumRows() == 0 {
				cols[pos[k]] = array.MakeArrayOfNull(j.mem, s[k].Type.ArrowType(), len(idx))
				continue
			}
			a, err := expr.Take(ctx, j.mem, batch.Column(k), ix)
			if err != nil {
				return err
			}
			cols[pos[k]] = a
		}
		return nil
	}
	if err := place(j.spec.Left, j.spec.LeftPos, left, leftIdx); err != nil {
		release()
		return nil, err
	}
	if err := place(j.spec.Right, j.spec.RightPos, right, rightIdx); err != nil {
		release()
		return nil, err
	}
	b := array.NewRecordBatch(j.spec.Output.Arrow(), cols, int64(len(leftIdx)))
	release()
	return b, nil
}

// PerInputWatermarks marks LookupJoin as reading each input's watermarks:
// its inputs' columns differ.
func (j *LookupJoin) PerInputWatermarks() {}

// OnWatermark keeps a watermark of the left input for the barrier, which
// passes it on as a watermark of the column's place in the output after
// the epoch's rows (every row of the left input after it, and so every
// output row after it, is at or above it; a padded row keeps the left
// row's columns). The right input's are dropped: its changes emit nothing.
func (j *LookupJoin) OnWatermark(_ context.Context, input int, w exec.Watermark, _ exec.Output) error {
	if input != 0 {
		return nil
	}
	if j.watermarks == nil {
		j.watermarks = map[int]int64{}
	}
	if old, ok := j.watermarks[w.Column]; !ok || w.Value > old {
		j.watermarks[w.Column] = w.Value
	}
	return nil
}

// OnBarrier joins the epoch's left rows and writes the epoch's changes to
// the right side's rows, which emit nothing: a right change never changes
// what was emitted. Then it passes on the left input's watermarks.
func (j *LookupJoin) OnBarrier(ctx context.Context, _ exec.Barrier, w exec.StateWriter, out exec.Output) error {
	for i, c := range j.pending {
		err := j.join(ctx, c, out)
		c.Batch.Release()
		j.pending[i] = exec.Chunk{}
		if err != nil {
			for _, rest := range j.pending[i+1:] {
				rest.Batch.Release()
			}
			j.pending = j.pending[:0]
			return err
		}
	}
	j.pending = j.pending[:0]
	for _, p := range slices.Sorted(maps.Keys(j.dirty)) {
		rows := j.dirty[p]
		for _, k := range slices.Sorted(maps.Keys(rows)) {
			var err error
			if r := rows[k]; r == nil {
				err = w.Delete([]byte(k))
			} else {
				err = w.Set([]byte(k), append(binary.AppendUvarint(nil, 0), r...))
			}
			if err != nil {
				return err
			}
		}
	}
	clear(j.dirty)
	for _, col := range slices.Sorted(maps.Keys(j.watermarks)) {
		if err := exec.PushWatermark(ctx, out, exec.Watermark{Column: j.spec.LeftPos[col], Value: j.watermarks[col]}); err != nil {
			return err
		}
	}
	clear(j.watermarks)
	return nil
}

// Close releases the left chunks not joined yet.
func (j *LookupJoin) Close() error {
	for _, c := range j.pending {
		c.Batch.Release()
	}
	j.pending = nil
	return nil
}
