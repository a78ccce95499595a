package ops

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// counted reports whether the join is a semi or anti join without a
// residual condition: whether a left row is emitted depends only on how
// many right rows have its key, so the right side is kept as a count per
// join key (join key → count), not as rows.
func (h *HashJoin) counted() bool {
	return (h.spec.Semi || h.spec.Anti) && h.spec.Residual == nil
}

// rightCount returns how many right rows have the encoded join key jk, as
// the epoch has left it.
func (h *HashJoin) rightCount(jk []byte) (uint64, error) {
	ms, err := h.matches(h.sides[1], jk)
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, m := range ms {
		n += m.degree
	}
	return n, nil
}

// semiCounted processes chunk c of side input of a counted semi or anti
// join. A left change is emitted when the count of its key says the row
// is in the output (> 0 for a semi join, 0 for an anti join) and its row is
// kept (a NULL key's is not: it matches nothing). A right chunk changes the
// counts of its keys by its net inserts and deletes; a key whose count
// moves between 0 and more emits or retracts the left rows of that key.
func (h *HashJoin) semiCounted(ctx context.Context, input int, c exec.Chunk, out exec.Output) error {
	left, right := h.sides[0], h.sides[1]
	visible := func(n uint64) bool { return (n > 0) == h.spec.Semi }
	var rows []int
	var ops []exec.Op
	opOf := func(ins bool) exec.Op {
		if ins {
			return exec.Insert
		}
		return exec.Delete
	}
	if input == 0 {
		for i := 0; i < c.NumRows(); i++ {
			ins := c.OpAt(i).IsInsert()
			if h.anyNullKey(c.Batch, left.keys, i) {
				if h.spec.Anti {
					rows, ops = append(rows, i), append(ops, opOf(ins))
				}
				continue
			}
			jk := statestore.AppendRow(nil, left.keyTypes, c.Batch, left.keys, i)
			key := statestore.AppendKey(nil, left.table, statestore.Vnode(jk), jk)
			if len(left.streamKey) > 0 {
				key = statestore.AppendRow(key, left.skTypes, c.Batch, left.streamKey, i)
			}
			n, err := h.rightCount(jk)
			if err != nil {
				return err
			}
			if visible(n) {
				rows, ops = append(rows, i), append(ops, opOf(ins))
			}
			if ins {
				left.set(jk, string(key), joinEntry{row: appendRowAt(left, c, i)})
			} else {
				left.set(jk, string(key), joinEntry{})
			}
		}
		return h.pushLeft(ctx, c, rows, ops, out)
	}

	// The right chunk's net change per join key, in first-seen order.
	delta := map[string]int64{}
	var order []string
	for i := 0; i < c.NumRows(); i++ {
		if h.anyNullKey(c.Batch, right.keys, i) {
			continue
		}
		jk := string(statestore.AppendRow(nil, right.keyTypes, c.Batch, right.keys, i))
		if _, seen := delta[jk]; !seen {
			order = append(order, jk)
		}
		if c.OpAt(i).IsInsert() {
			delta[jk]++
		} else {
			delta[jk]--
		}
	}
	dec := statestore.NewRowDecoder(h.mem, left.schema)
	defer dec.Release()
	decoded := 0
	for _, jk := range order {
		if delta[jk] == 0 {
			continue
		}
		before, err := h.rightCount([]byte(jk))
		if err != nil {
			return err
		}
		after := int64(before) + delta[jk]
		if after < 0 {
			after = 0
		}
		key := string(statestore.AppendKey(nil, right.table, statestore.Vnode([]byte(jk)), []byte(jk)))
		if after == 0 {
			right.set([]byte(jk), key, joinEntry{})
		} else {
			right.set([]byte(jk), key, joinEntry{row: []byte{}, degree: uint64(after)})
		}
		was, is := visible(before), visible(uint64(after))
		if was == is {
			continue
		}
		ms, err := h.matches(left, []byte(jk))
		if err != nil {
			return err
		}
		for _, m := range ms {
			if err := dec.Append(m.row); err != nil {
				return err
			}
			rows, ops = append(rows, decoded), append(ops, opOf(is))
			decoded++
		}
	}
	batch := dec.NewBatch()
	defer batch.Release()
	return h.pushLeft(ctx, exec.Chunk{Batch: batch}, rows, ops, out)
}

// pushLeft emits rows of c's batch, left rows, with ops.
func (h *HashJoin) pushLeft(ctx context.Context, c exec.Chunk, rows []int, ops []exec.Op, out exec.Output) error {
	if len(rows) == 0 {
		return nil
	}
	b, err := h.takeLeft(ctx, c.Batch, rows)
	if err != nil {
		return err
	}
	for _, o := range ops {
		if o != exec.Insert {
			return out.Push(ctx, exec.Chunk{Batch: b, Ops: ops})
		}
	}
	return out.Push(ctx, exec.Chunk{Batch: b})
}
