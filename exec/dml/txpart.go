package dml

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// Stage records the changes of c, a chunk of changes to o, in changes (a
// transaction block's Overlay over its snapshot): the state key of each
// row's key maps to the row, or to nil for a deleted row.
func Stage(changes map[string][]byte, o *catalog.Object, c exec.Chunk) {
	kt, rt := o.KeyTypes(), o.FullSchema().Types()
	var key []byte
	for i := 0; i < c.NumRows(); i++ {
		key = statestore.AppendRow(key[:0], kt, c.Batch, o.Key, i)
		sk := string(statestore.AppendKey(nil, o.RowTable(), statestore.Vnode(key), key))
		if c.OpAt(i).IsInsert() {
			changes[sk] = statestore.AppendRow(nil, rt, c.Batch, nil, i)
		} else {
			changes[sk] = nil
		}
	}
}

// TxPart is what a transaction block's COMMIT applies to one table: the
// rows the block changed, as they were in its snapshot and as the block
// left them.
type TxPart struct {
	o *catalog.Object
	// keys are the state keys of the rows the block changed, in key order.
	keys []string
	// base holds the snapshot's row of each key (nil: none), final the
	// block's (nil: deleted).
	base, final [][]byte
}

// NewTxPart returns the part of a block's changes (Stage) that is o's,
// reading the snapshot's rows from base (the snapshot the block started
// from). A part without keys changes nothing (Empty).
func NewTxPart(o *catalog.Object, changes map[string][]byte, base statestore.Reader) (TxPart, error) {
	lo, hi := statestore.TableSpan(o.RowTable())
	p := TxPart{o: o}
	for k := range changes {
		if k >= string(lo) && k < string(hi) {
			p.keys = append(p.keys, k)
		}
	}
	sort.Strings(p.keys)
	p.base = make([][]byte, len(p.keys))
	p.final = make([][]byte, len(p.keys))
	for i, k := range p.keys {
		var err error
		if p.base[i], _, err = base.Get([]byte(k)); err != nil {
			return TxPart{}, err
		}
		p.final[i] = changes[k]
	}
	return p, nil
}

// Table is the table p changes.
func (p TxPart) Table() *catalog.Object { return p.o }

// Empty is whether p changes no row.
func (p TxPart) Empty() bool { return len(p.keys) == 0 }

// Check fails when a row p changed is no longer as the block's snapshot
// had it in live, the table as it is now (read inside its fragment, which
// sees every write so far): 40001 as Postgres' REPEATABLE READ (first
// committer wins), or 23505 when another session inserted a key the block
// inserted too.
func (p TxPart) Check(live Table) error {
	for i, k := range p.keys {
		base, inBase := p.base[i], p.base[i] != nil
		row, isLive, err := live.Get([]byte(k)[statestore.KeyPrefixLen:])
		if err != nil {
			return err
		}
		if inBase == isLive && bytes.Equal(base, row) {
			continue
		}
		if !inBase && isLive && p.final[i] != nil {
			return errDuplicateKey(p.o).WithDetail("Another session inserted a row with the same key after this transaction began.")
		}
		return sqlstate.Errorf(sqlstate.SerializationFailure, "could not serialize access due to concurrent update").
			WithDetail(fmt.Sprintf("A row of \"%s\" this transaction changed was changed by another session after the transaction began.", p.o.Name)).
			WithHint("Run the transaction again.")
	}
	return nil
}

// Chunk returns the chunk of p's changes: per key an insert, a delete, or
// an update pair of the snapshot's row and the block's; a key whose row
// ends as it began gives nothing. The chunk has no batch when nothing
// changed.
func (p TxPart) Chunk(mem memory.Allocator) (exec.Chunk, error) {
	dec := statestore.NewRowDecoder(mem, p.o.FullSchema())
	defer dec.Release()
	var ops []exec.Op
	for i := range p.keys {
		base, inBase := p.base[i], p.base[i] != nil
		final := p.final[i]
		var err error
		switch {
		case !inBase && final == nil, inBase && bytes.Equal(base, final):
			continue
		case !inBase:
			err = dec.Append(final)
			ops = append(ops, exec.Insert)
		case final == nil:
			err = dec.Append(base)
			ops = append(ops, exec.Delete)
		default:
			if err = dec.Append(base); err == nil {
				err = dec.Append(final)
			}
			ops = append(ops, exec.UpdateDelete, exec.UpdateInsert)
		}
		if err != nil {
			return exec.Chunk{}, err
		}
	}
	if len(ops) == 0 {
		return exec.Chunk{}, nil
	}
	return exec.Chunk{Batch: dec.NewBatch(), Ops: ops}, nil
}
