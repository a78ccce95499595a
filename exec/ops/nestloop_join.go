package ops

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// DefaultNestedLoopPairs is the MaxPairs of a NestedLoopJoin that sets none.
const DefaultNestedLoopPairs = 1 << 16

// NestedLoopJoin maintains a join without an equality between its sides: a
// HashJoin whose join key is the same constant on both sides, so that each
// change pairs with every row of the other side and the join condition is
// the residual. The HashJoin holds a chunk's candidate pairs together, to
// evaluate the residual over them at once; a chunk of n changes against a
// side of m rows would make n·m of them. NestedLoopJoin hands the HashJoin
// the chunk's changes in slices of at most MaxPairs / m changes (at least
// one; an update's two rows stay in one slice), so that its memory stays
// bounded whatever the sides' sizes; the work of a change still grows with
// the other side. It counts each side's rows, only to size the slices:
// those in state when it opens, then the changes it passes on (a row the
// join does not keep is counted all the same, which only makes slices
// smaller).
type NestedLoopJoin struct {
	*HashJoin
	maxPairs int64
	rows     [2]int64
}

// NewNestedLoopJoin returns a NestedLoopJoin for spec, whose keys are a
// constant on both sides, evaluating at most maxPairs pairs at once (0:
// DefaultNestedLoopPairs).
func NewNestedLoopJoin(spec HashJoinSpec, maxPairs int, mem memory.Allocator) *NestedLoopJoin {
	if maxPairs <= 0 {
		maxPairs = DefaultNestedLoopPairs
	}
	return &NestedLoopJoin{HashJoin: NewHashJoin(spec, mem), maxPairs: int64(maxPairs)}
}

// Open opens the join and counts each side's rows in state.
func (j *NestedLoopJoin) Open(ctx context.Context, oc exec.OpenContext) error {
	if err := j.HashJoin.Open(ctx, oc); err != nil {
		return err
	}
	if oc.State == nil {
		return nil
	}
	for i, t := range []statestore.TableID{j.spec.LeftTable, j.spec.RightTable} {
		lo, hi := statestore.TableSpan(t)
		n := int64(0)
		err := oc.State.Scan(lo, hi, func(_, _ []byte) (bool, error) {
			n++
			return true, nil
		})
		if err != nil {
			return err
		}
		j.rows[i] = n
	}
	return nil
}

// ProcessChunk passes the changes of c to the join in slices.
func (j *NestedLoopJoin) ProcessChunk(ctx context.Context, input int, c exec.Chunk, out exec.Output) error {
	n := c.NumRows()
	if input != 0 && input != 1 {
		return j.HashJoin.ProcessChunk(ctx, input, c, out)
	}
	for start := 0; start < n; {
		end := start + int(max(j.maxPairs/max(j.rows[1-input], 1), 1))
		if end >= n {
			end = n
		} else if c.OpAt(end) == exec.UpdateInsert {
			end++
		}
		part := c
		if start > 0 || end < n {
			part = exec.Chunk{Batch: c.Batch.NewSlice(int64(start), int64(end))}
			if c.Ops != nil {
				part.Ops = c.Ops[start:end]
			}
		}
		err := j.HashJoin.ProcessChunk(ctx, input, part, out)
		if part.Batch != c.Batch {
			part.Batch.Release()
		}
		if err != nil {
			return err
		}
		for i := start; i < end; i++ {
			j.rows[input] = max(j.rows[input]+c.OpAt(i).Sign(), 0)
		}
		start = end
	}
	return nil
}
