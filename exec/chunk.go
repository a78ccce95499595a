// Package exec is weir's streaming runtime: operators exchange chunks (Arrow
// record batches with a change op per row) and barriers (epochs) over bounded
// channels; the runtime aligns barriers for operators with several inputs, so
// operators themselves never see an unaligned barrier.
package exec

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Op is the change a row of a chunk makes to the relation the chunk flows in.
type Op uint8

// The four ops. An update travels as an UpdateDelete row immediately followed
// by its UpdateInsert row, in the same chunk; an operator that does not care
// about updates may treat them as Delete and Insert.
const (
	Insert Op = iota
	Delete
	UpdateDelete
	UpdateInsert
)

// IsInsert reports whether op adds a row (Insert or UpdateInsert).
func (op Op) IsInsert() bool { return op == Insert || op == UpdateInsert }

// Sign returns +1 for ops that add a row and -1 for ops that remove one.
func (op Op) Sign() int64 {
	if op.IsInsert() {
		return 1
	}
	return -1
}

func (op Op) String() string {
	switch op {
	case Insert:
		return "+"
	case Delete:
		return "-"
	case UpdateDelete:
		return "U-"
	case UpdateInsert:
		return "U+"
	}
	return "?"
}

// Chunk is a batch of changes: the rows of Batch, each with the op in Ops.
// A nil Ops means every row is an Insert (the append-only fast path).
//
// Ownership: whoever holds a Chunk owns one reference to Batch. An operator
// that receives a chunk borrows it for the duration of the call; to keep it
// longer it must Retain. Pushing a chunk to an Output hands the reference over.
type Chunk struct {
	Batch arrow.RecordBatch
	Ops   []Op
}

// NumRows returns the number of rows (changes) in c.
func (c Chunk) NumRows() int {
	if c.Batch == nil {
		return 0
	}
	return int(c.Batch.NumRows())
}

// OpAt returns the op of row i.
func (c Chunk) OpAt(i int) Op {
	if c.Ops == nil {
		return Insert
	}
	return c.Ops[i]
}

// AppendOnly reports whether every row of c is an Insert.
func (c Chunk) AppendOnly() bool {
	if c.Ops == nil {
		return true
	}
	for _, op := range c.Ops {
		if op != Insert {
			return false
		}
	}
	return true
}

// Release releases c's batch.
func (c Chunk) Release() {
	if c.Batch != nil {
		c.Batch.Release()
	}
}
