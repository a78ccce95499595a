package ops

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/statestore"
)

// semi is phase 2 of a semi or anti join's chunk c of side input, whose
// candidate pairs with the other side's rows (otherBatch) are pairs and
// pass those the residual accepts. A left row's degree is the number of
// right rows it pairs with: a left change is emitted when its degree says
// the row is in the output (> 0 for a semi join, 0 for an anti join); a
// right change moves the degree of the left rows it pairs with, and a move
// between 0 and 1 emits or retracts the left row. A left row with a NULL
// key pairs with nothing: an anti join emits it, and keeps no state for it.
func (h *HashJoin) semi(ctx context.Context, input int, c exec.Chunk, otherBatch arrow.RecordBatch,
	changes []joinChange, pairs []joinOut, pairMatch []joinMatch, pass []bool, out exec.Output) error {
	own, other := h.sides[input], h.sides[1-input]
	visible := func(degree uint64) bool { return (degree > 0) == h.spec.Semi }
	var rows []int // the emitted left rows: of c (input 0) or of otherBatch
	var ops []exec.Op
	degrees := map[string]uint64{} // the left rows' degrees as changed so far
	for i, ch := range changes {
		ins := c.OpAt(i).IsInsert()
		op := exec.Delete
		if ins {
			op = exec.Insert
		}
		if input == 0 {
			matched := uint64(0)
			for p := ch.lo; p < ch.hi; p++ {
				if pass[p] {
					matched++
				}
			}
			if visible(matched) {
				rows, ops = append(rows, i), append(ops, op)
			}
			if ch.null {
				continue
			}
			if ins {
				own.set(ch.jk, string(ch.key), joinEntry{row: appendRowAt(own, c, i), degree: matched})
			} else {
				own.set(ch.jk, string(ch.key), joinEntry{})
			}
			continue
		}
		if ch.null {
			continue
		}
		for p := ch.lo; p < ch.hi; p++ {
			if !pass[p] {
				continue
			}
			m := pairMatch[p]
			d, seen := degrees[m.key]
			if !seen {
				d = m.degree
			}
			before := visible(d)
			if ins {
				d++
			} else if d > 0 {
				d--
			}
			if now := visible(d); now != before {
				o := exec.Delete
				if now {
					o = exec.Insert
				}
				rows, ops = append(rows, pairs[p].other), append(ops, o)
			}
			degrees[m.key] = d
			other.set(ch.jk, m.key, joinEntry{row: m.row, degree: d})
		}
		if ins {
			own.set(ch.jk, string(ch.key), joinEntry{row: appendRowAt(own, c, i)})
		} else {
			own.set(ch.jk, string(ch.key), joinEntry{})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	from := c.Batch
	if input == 1 {
		from = otherBatch
	}
	b, err := h.takeLeft(ctx, from, rows)
	if err != nil {
		return err
	}
	appendOnly := true
	for _, o := range ops {
		appendOnly = appendOnly && o == exec.Insert
	}
	if appendOnly {
		ops = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: b, Ops: ops})
}

// takeLeft returns rows of batch, left rows, as the output.
func (h *HashJoin) takeLeft(ctx context.Context, batch arrow.RecordBatch, rows []int) (arrow.RecordBatch, error) {
	idx := array.NewInt32Builder(h.mem)
	defer idx.Release()
	for _, r := range rows {
		idx.Append(int32(r))
	}
	ix := idx.NewInt32Array()
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
		a, err := expr.Take(ctx, h.mem, batch.Column(k), ix)
		if err != nil {
			return nil, err
		}
		cols[k] = a
	}
	return array.NewRecordBatch(h.spec.Output.Arrow(), cols, int64(len(rows))), nil
}

// appendRowAt returns row i of chunk c of side s, encoded for its state.
func appendRowAt(s *joinSide, c exec.Chunk, i int) []byte {
	return statestore.AppendRow(nil, s.types, c.Batch, nil, i)
}
