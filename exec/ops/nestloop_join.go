package ops

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// DefaultNestedLoopBlock is the block size of a NestedLoopJoin made with
// none: the rows of the other side decoded at once, and about the pairs
// evaluated at once.
const DefaultNestedLoopBlock = 4096

// NestedLoopJoin maintains a join without an equality between its sides,
// planned as a hash join whose key is the same constant on both: every row
// of a side has that one key, so a change pairs with every row of the
// other side, and the join condition is the residual. Its state is the
// hash join's (each side's rows under join key | stream key, with their
// degree: HashJoinSpec's tables), so that either operator reads what the
// other wrote.
//
// A chunk of changes reads the other side's rows once: the committed ones
// (without those the epoch changed) and then the epoch's, in blocks of at
// most blockRows rows (NewNestedLoopJoin) decoded into a batch. Changes are
// evaluated against a whole block at once, as many of them as make about
// blockRows pairs: each change's values repeated beside the block's
// columns, the residual computed over them in one call. So its memory is
// bounded by a block and a chunk, and the work of a change grows with the
// other side's rows but costs a vectorized evaluation per row, not a pair
// of Go values. Outer sides keep their rows' degrees, so padding is emitted
// when a row's last match leaves and retracted when one comes; a semi or
// anti join emits left rows by their degree, as HashJoin does. A side with
// HotKeyRows rows or more is reported once, as HashJoin reports a hot key.
//
// NestedLoopJoin is driven by one fragment goroutine.
type NestedLoopJoin struct {
	spec      HashJoinSpec
	mem       memory.Allocator
	state     exec.StateReader
	sides     [2]*loopSide
	blockRows int
	// jk is the encoded join key, the same for every row (nil until a
	// chunk has shown it).
	jk      []byte
	hot     atomic.Int64
	hotSeen [2]bool
}

// loopSide is one input of a nested-loop join: how its rows are encoded
// and the epoch's changes to them not written yet.
type loopSide struct {
	schema    types.Schema
	types     []types.T
	keys      []int
	keyTypes  []types.T
	streamKey []int
	skTypes   []types.T
	outer     bool
	table     statestore.TableID
	pos       []int
	// dirty is the epoch's state of the rows it changed, by state key
	// (row nil: deleted).
	dirty map[string]loopEntry
}

// loopEntry is a row as the epoch left it, with its degree.
type loopEntry struct {
	row    []byte
	degree uint64
}

// loopBlock is a block of rows of the other side: their state keys,
// encoded rows and degrees, and the rows decoded.
type loopBlock struct {
	keys    []string
	rows    [][]byte
	degrees []uint64
	batch   arrow.RecordBatch
}

// loopOut is a row a nested-loop join emits: a row of the chunk (own) and
// a row of a block (other), -1 for NULLs on that side.
type loopOut struct {
	op         exec.Op
	own, other int
}

// NewNestedLoopJoin returns a NestedLoopJoin for spec, whose join keys are
// one constant of one type on both sides, reading the other side in
// blocks of blockRows rows (0: DefaultNestedLoopBlock).
func NewNestedLoopJoin(spec HashJoinSpec, blockRows int, mem memory.Allocator) *NestedLoopJoin {
	if blockRows <= 0 {
		blockRows = DefaultNestedLoopBlock
	}
	side := func(s types.Schema, keys, sk []int, outer bool, table statestore.TableID, pos []int) *loopSide {
		ls := &loopSide{schema: s, keys: keys, streamKey: sk, outer: outer, table: table, pos: pos, dirty: map[string]loopEntry{}}
		for _, c := range s {
			ls.types = append(ls.types, c.Type)
		}
		for _, k := range keys {
			ls.keyTypes = append(ls.keyTypes, s[k].Type)
		}
		for _, k := range sk {
			ls.skTypes = append(ls.skTypes, s[k].Type)
		}
		return ls
	}
	return &NestedLoopJoin{spec: spec, mem: mem, blockRows: blockRows, sides: [2]*loopSide{
		side(spec.Left, spec.LeftKeys, spec.LeftStreamKey, spec.OuterLeft, spec.LeftTable, spec.LeftPos),
		side(spec.Right, spec.RightKeys, spec.RightStreamKey, spec.OuterRight, spec.RightTable, spec.RightPos),
	}}
}

// Open keeps the committed state the join reads the other side's rows from.
func (j *NestedLoopJoin) Open(_ context.Context, oc exec.OpenContext) error {
	j.state = oc.State
	return nil
}

// HotKeys returns how many sides the join has reported as having
// HotKeyRows rows or more. It is safe to call from any goroutine.
func (j *NestedLoopJoin) HotKeys() int64 { return j.hot.Load() }

// semi reports whether the join emits left rows only.
func (j *NestedLoopJoin) semi() bool { return j.spec.Semi || j.spec.Anti }

// visible reports whether a left row of a semi or anti join with the
// degree d is in the output.
func (j *NestedLoopJoin) visible(d uint64) bool { return (d > 0) == j.spec.Semi }

// prefix returns the state key prefix of side s's rows.
func (j *NestedLoopJoin) prefix(s *loopSide) []byte {
	return statestore.AppendKey(nil, s.table, statestore.Vnode(j.jk), j.jk)
}

// ProcessChunk pairs the changes of side input with every row of the
// other side.
func (j *NestedLoopJoin) ProcessChunk(ctx context.Context, input int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if n == 0 {
		return nil
	}
	if input != 0 && input != 1 {
		return fmt.Errorf("nested-loop join: input %d", input)
	}
	own, other := j.sides[input], j.sides[1-input]
	if j.jk == nil {
		j.jk = statestore.AppendRow(nil, own.keyTypes, c.Batch, own.keys, 0)
	}
	matched := make([]uint64, n)
	// updates: the other side's rows whose degree the chunk moved, merged
	// into its dirty rows once every block has been read.
	updates := map[string]loopEntry{}
	seen := 0
	err := j.blocks(other, func(b *loopBlock) error {
		seen += len(b.keys)
		return j.pairBlock(ctx, input, c, b, matched, updates, out)
	})
	if err != nil {
		return err
	}
	maps.Copy(other.dirty, updates)
	j.noteHot(input, seen)

	// The chunk's own rows: padded or emitted by their degree, and kept.
	var outs []loopOut
	base := j.prefix(own)
	for i := range n {
		op := c.OpAt(i)
		ins := op.IsInsert()
		outOp := exec.Delete
		if ins {
			outOp = exec.Insert
		}
		switch {
		case j.semi() && input == 0 && j.visible(matched[i]):
			outs = append(outs, loopOut{op: outOp, own: i, other: -1})
		case !j.semi() && own.outer && matched[i] == 0:
			outs = append(outs, loopOut{op: outOp, own: i, other: -1})
		}
		key := string(statestore.AppendRow(slices.Clip(base), own.skTypes, c.Batch, own.streamKey, i))
		if !ins {
			own.dirty[key] = loopEntry{}
			continue
		}
		d := matched[i]
		if input == 1 && j.semi() {
			d = 0 // a right row of a semi or anti join keeps none
		}
		own.dirty[key] = loopEntry{row: statestore.AppendRow(nil, own.types, c.Batch, nil, i), degree: d}
	}
	return j.emit(ctx, input, c.Batch, nil, outs, out)
}

// pairBlock evaluates every change of chunk c (of side input) against the
// other side's rows of block b, emits the pairs and padding that moves,
// adds the matches to matched and the other rows' new degrees to updates.
func (j *NestedLoopJoin) pairBlock(ctx context.Context, input int, c exec.Chunk, b *loopBlock,
	matched []uint64, updates map[string]loopEntry, out exec.Output) error {
	other := j.sides[1-input]
	var outs []loopOut
	m := len(b.keys)
	// Changes are evaluated a group at a time, a block's rows each: a
	// small block (a small side) still makes evaluations of about
	// blockRows pairs.
	group := max(1, j.blockRows/m)
	var pass []bool
	for i := range c.NumRows() {
		if (i % group) == 0 {
			var err error
			if pass, err = j.residual(ctx, input, c.Batch, i, min(i+group, c.NumRows()), b.batch); err != nil {
				return err
			}
		}
		ins := c.OpAt(i).IsInsert()
		for r := range m {
			if !pass[(i%group)*m+r] {
				continue
			}
			matched[i]++
			d := b.degrees[r]
			switch {
			case j.semi() && input == 0:
				continue // a left change: emitted by its degree
			case j.semi():
				before := j.visible(d)
				if ins {
					d++
				} else if d > 0 {
					d--
				}
				if now := j.visible(d); now != before {
					op := exec.Delete
					if now {
						op = exec.Insert
					}
					outs = append(outs, loopOut{op: op, own: -1, other: r})
				}
			case !other.outer:
				// An inner side's rows need no degree.
				op := exec.Delete
				if ins {
					op = exec.Insert
				}
				outs = append(outs, loopOut{op: op, own: i, other: r})
			case ins:
				if d == 0 {
					outs = append(outs, loopOut{op: exec.Delete, own: -1, other: r})
				}
				outs = append(outs, loopOut{op: exec.Insert, own: i, other: r})
				d++
			default:
				outs = append(outs, loopOut{op: exec.Delete, own: i, other: r})
				if d > 0 {
					d--
				}
				if d == 0 {
					outs = append(outs, loopOut{op: exec.Insert, own: -1, other: r})
				}
			}
			if d != b.degrees[r] {
				b.degrees[r] = d
				updates[b.keys[r]] = loopEntry{row: b.rows[r], degree: d}
			}
		}
	}
	return j.emit(ctx, input, c.Batch, b.batch, outs, out)
}

// residual returns, for rows lo to hi of own (side input's rows) and each
// row of block (the other side's), whether they pair: at (i-lo)·rows + r.
func (j *NestedLoopJoin) residual(ctx context.Context, input int, own arrow.RecordBatch, lo, hi int, block arrow.RecordBatch) ([]bool, error) {
	rows := int(block.NumRows())
	n := (hi - lo) * rows
	pass := make([]bool, n)
	if j.spec.Residual == nil {
		for r := range pass {
			pass[r] = true
		}
		return pass, nil
	}
	schema := j.spec.Output
	if j.semi() {
		schema = j.spec.Pairs
	}
	ownIdx := make([]int, 0, n)
	var otherIdx []int // nil: the block's rows as they are
	if hi-lo > 1 {
		otherIdx = make([]int, 0, n)
	}
	for i := lo; i < hi; i++ {
		for r := range rows {
			ownIdx = append(ownIdx, i)
			if otherIdx != nil {
				otherIdx = append(otherIdx, r)
			}
		}
	}
	b, err := j.build(ctx, schema, input, own, ownIdx, block, otherIdx)
	if err != nil {
		return nil, err
	}
	defer b.Release()
	arr, err := j.spec.Residual.Eval(ctx, j.mem, b)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	mask, ok := arr.(*array.Boolean)
	if !ok || mask.Len() != n {
		return nil, fmt.Errorf("nested-loop join: residual %s returned %s", j.spec.Residual, arr.DataType())
	}
	for r := range pass {
		pass[r] = mask.IsValid(r) && mask.Value(r)
	}
	return pass, nil
}

// emit pushes outs: rows of own (side input's chunk) and of block (the
// other side's), the output's columns, or a semi or anti join's left rows.
func (j *NestedLoopJoin) emit(ctx context.Context, input int, own, block arrow.RecordBatch, outs []loopOut, out exec.Output) error {
	if len(outs) == 0 {
		return nil
	}
	ownIdx, otherIdx := make([]int, len(outs)), make([]int, len(outs))
	ops := make([]exec.Op, len(outs))
	appendOnly := true
	for k, o := range outs {
		ownIdx[k], otherIdx[k], ops[k] = o.own, o.other, o.op
		appendOnly = appendOnly && o.op == exec.Insert
	}
	if appendOnly {
		ops = nil
	}
	var b arrow.RecordBatch
	var err error
	if j.semi() {
		// Left rows: the chunk's (input 0) or the block's.
		from, idx := own, ownIdx
		if input == 1 {
			from, idx = block, otherIdx
		}
		b, err = takeRows(ctx, j.mem, j.spec.Output, from, idx)
	} else {
		b, err = j.build(ctx, j.spec.Output, input, own, ownIdx, block, otherIdx)
	}
	if err != nil {
		return err
	}
	return out.Push(ctx, exec.Chunk{Batch: b, Ops: ops})
}

// build returns the rows of schema (the output, or a semi or anti join's
// pairs) made of row ownIdx[k] of own (side input's rows) and row
// otherIdx[k] of other (the other side's; otherIdx nil: other's rows as
// they are), NULLs where an index is -1 or the batch is nil.
func (j *NestedLoopJoin) build(ctx context.Context, schema types.Schema, input int, own arrow.RecordBatch, ownIdx []int,
	other arrow.RecordBatch, otherIdx []int) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, len(schema))
	if otherIdx == nil {
		for k := range j.sides[1-input].schema {
			a := other.Column(k)
			a.Retain()
			cols[j.sides[1-input].pos[k]] = a
		}
	}
	release := func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}
	place := func(s *loopSide, batch arrow.RecordBatch, idx []int) error {
		ix := indexArray(j.mem, idx)
		defer ix.Release()
		for k := range s.schema {
			if batch == nil || batch.NumRows() == 0 {
				cols[s.pos[k]] = array.MakeArrayOfNull(j.mem, s.schema[k].Type.ArrowType(), len(idx))
				continue
			}
			a, err := expr.Take(ctx, j.mem, batch.Column(k), ix)
			if err != nil {
				return err
			}
			cols[s.pos[k]] = a
		}
		return nil
	}
	if err := place(j.sides[input], own, ownIdx); err != nil {
		release()
		return nil, err
	}
	if otherIdx != nil {
		if err := place(j.sides[1-input], other, otherIdx); err != nil {
			release()
			return nil, err
		}
	}
	b := array.NewRecordBatch(schema.Arrow(), cols, int64(len(ownIdx)))
	release()
	return b, nil
}

// takeRows returns rows idx of batch as a batch of schema.
func takeRows(ctx context.Context, mem memory.Allocator, schema types.Schema, batch arrow.RecordBatch, idx []int) (arrow.RecordBatch, error) {
	ix := indexArray(mem, idx)
	defer ix.Release()
	cols := make([]arrow.Array, batch.NumCols())
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for k := range cols {
		a, err := expr.Take(ctx, mem, batch.Column(k), ix)
		if err != nil {
			return nil, err
		}
		cols[k] = a
	}
	return array.NewRecordBatch(schema.Arrow(), cols, int64(len(idx))), nil
}

// indexArray returns idx as an Int32 array, -1 as NULL.
func indexArray(mem memory.Allocator, idx []int) *array.Int32 {
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.Reserve(len(idx))
	for _, i := range idx {
		if i < 0 {
			b.AppendNull()
		} else {
			b.UnsafeAppend(int32(i))
		}
	}
	return b.NewInt32Array()
}

// blocks calls fn with the rows of side s in blocks: the committed ones
// the epoch did not change, in key order, then the epoch's, in key order.
func (j *NestedLoopJoin) blocks(s *loopSide, fn func(*loopBlock) error) error {
	dec := statestore.NewRowDecoder(j.mem, s.schema)
	defer dec.Release()
	b := &loopBlock{}
	flush := func() error {
		if len(b.keys) == 0 {
			return nil
		}
		b.batch = dec.NewBatch()
		err := fn(b)
		b.batch.Release()
		b = &loopBlock{}
		return err
	}
	add := func(key string, row []byte, degree uint64) error {
		if err := dec.Append(row); err != nil {
			return err
		}
		b.keys, b.rows, b.degrees = append(b.keys, key), append(b.rows, row), append(b.degrees, degree)
		if len(b.keys) >= j.blockRows {
			return flush()
		}
		return nil
	}
	if j.state != nil {
		prefix := j.prefix(s)
		it, err := j.state.NewIter(prefix, statestore.PrefixEnd(prefix))
		if err != nil {
			return err
		}
		for ok := it.First(); ok; ok = it.Next() {
			if _, changed := s.dirty[string(it.Key())]; changed {
				continue
			}
			v := it.Value()
			d, w := binary.Uvarint(v)
			if w <= 0 {
				it.Close()
				return fmt.Errorf("nested-loop join: bad state value %x: %w", v, statestore.ErrCorrupt)
			}
			if err := add(string(it.Key()), append([]byte(nil), v[w:]...), d); err != nil {
				it.Close()
				return err
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.dirty)) {
		if e := s.dirty[k]; e.row != nil {
			if err := add(k, e.row, e.degree); err != nil {
				return err
			}
		}
	}
	return flush()
}

// noteHot reports the side a change of side input met n rows of, once,
// when n reaches HotKeyRows: the work of every change to the other side
// grows with it.
func (j *NestedLoopJoin) noteHot(input, n int) {
	limit := j.spec.HotKeyRows
	if limit <= 0 {
		limit = DefaultHotKeyRows
	}
	o := 1 - input
	if n < limit || j.hotSeen[o] {
		return
	}
	j.hotSeen[o] = true
	j.hot.Add(1)
	side := []string{"left", "right"}[o]
	log := j.spec.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Warn("hot join key: every change to it joins this many rows of the other side (a nested-loop join: every row of the side)",
		"side", side, "rows", n)
}

// OnBarrier writes the epoch's changes of both sides.
func (j *NestedLoopJoin) OnBarrier(_ context.Context, _ exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	for _, s := range j.sides {
		for _, k := range slices.Sorted(maps.Keys(s.dirty)) {
			e := s.dirty[k]
			var err error
			if e.row == nil {
				err = w.Delete([]byte(k))
			} else {
				err = w.Set([]byte(k), append(binary.AppendUvarint(nil, e.degree), e.row...))
			}
			if err != nil {
				return err
			}
		}
		s.dirty = map[string]loopEntry{}
	}
	return nil
}
