package ops

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// KeyExchange is the exec.Splitter in front of the parallel instances of a
// hash aggregate: it sends each row to the instance that owns the vnode of
// the row's group key (statestore.VnodeOwner), computed from the same
// memcomparable key bytes the aggregate stores its group under, so that
// every change to a group reaches the one instance that holds it.
type KeyExchange struct {
	mem      memory.Allocator
	keys     []int
	keyTypes []types.T
	buf      []byte
	owner    []int32
	rows     [][]int
}

// NewKeyExchange returns the exchange over the key columns keys (of SQL
// types keyTypes) of the chunks it splits.
func NewKeyExchange(mem memory.Allocator, keys []int, keyTypes []types.T) *KeyExchange {
	return &KeyExchange{mem: mem, keys: keys, keyTypes: keyTypes}
}

// Split implements exec.Splitter.
func (x *KeyExchange) Split(ctx context.Context, c exec.Chunk, n int) ([]exec.Chunk, error) {
	if n < 1 || n > statestore.NumVnodes {
		return nil, fmt.Errorf("key exchange: %d instances (want 1 to %d)", n, statestore.NumVnodes)
	}
	parts := make([]exec.Chunk, n)
	rows := c.NumRows()
	if n == 1 || rows == 0 {
		c.Batch.Retain()
		parts[0] = c
		return parts, nil
	}
	encs := make([]statestore.ValueEncoder, len(x.keys))
	for j, col := range x.keys {
		enc, err := newHashAggEncoder(x.keyTypes[j], c.Batch.Column(col))
		if err != nil {
			return nil, fmt.Errorf("key exchange: %w", err)
		}
		encs[j] = enc
	}
	if cap(x.owner) < rows {
		x.owner = make([]int32, rows)
	}
	owner := x.owner[:rows]
	if len(x.rows) != n {
		x.rows = make([][]int, n)
	}
	for i := range x.rows {
		x.rows[i] = x.rows[i][:0]
	}
	for i := 0; i < rows; i++ {
		buf := x.buf[:0]
		for _, enc := range encs {
			buf = enc(buf, i)
		}
		x.buf = buf
		o := statestore.VnodeOwner(statestore.Vnode(buf), n)
		owner[i] = int32(o)
		x.rows[o] = append(x.rows[o], i)
	}
	for i, sel := range x.rows {
		if len(sel) == 0 {
			continue
		}
		batch, err := expr.SelectRows(ctx, x.mem, c.Batch, sel)
		if err != nil {
			for _, p := range parts[:i] {
				p.Release()
			}
			return nil, fmt.Errorf("key exchange: %w", err)
		}
		parts[i] = exec.Chunk{Batch: batch, Ops: splitOps(c.Ops, sel, owner)}
	}
	return parts, nil
}

// splitOps returns the ops of the rows sel (nil for an append-only chunk).
// An update whose two halves went to different instances (its key changed)
// becomes a Delete on one and an Insert on the other.
func splitOps(ops []exec.Op, sel []int, owner []int32) []exec.Op {
	if ops == nil {
		return nil
	}
	out := make([]exec.Op, len(sel))
	for k, i := range sel {
		op := ops[i]
		switch {
		case op == exec.UpdateDelete && (i+1 >= len(ops) || owner[i+1] != owner[i]):
			op = exec.Delete
		case op == exec.UpdateInsert && (i == 0 || owner[i-1] != owner[i]):
			op = exec.Insert
		}
		out[k] = op
	}
	return out
}
