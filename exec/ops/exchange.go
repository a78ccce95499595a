package ops

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
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
		x.rows[o] = append(x.rows[o], i)
	}
	for i, sel := range x.rows {
		if len(sel) == 0 {
			continue
		}
		part, err := selectChunk(ctx, x.mem, c, sel)
		if err != nil {
			for _, p := range parts[:i] {
				p.Release()
			}
			return nil, fmt.Errorf("key exchange: %w", err)
		}
		parts[i] = part
	}
	return parts, nil
}
