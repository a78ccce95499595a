package tablelog

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Position is a table's place in the log, kept by the engine with the
// table's job: the LSN of the last record applied to the table, and the
// LSN the table's state holds as of its last barrier.
type Position struct {
	applied atomic.Uint64
	marked  atomic.Uint64
}

// Applied returns the LSN of the last record applied to the table.
func (p *Position) Applied() uint64 { return p.applied.Load() }

// SetApplied notes that record lsn was applied to the table. The caller
// notes it inside the table's fragment, before the next barrier reaches it.
func (p *Position) SetApplied(lsn uint64) { p.applied.Store(lsn) }

// Marked returns the LSN the table's last barrier wrote into its state.
func (p *Position) Marked() uint64 { return p.marked.Load() }

// lsnKey is the state key where a table's last applied LSN is kept
// (docs/format/state.md, "Table write log positions").
func lsnKey(table statestore.TableID) []byte {
	var id [4]byte
	binary.BigEndian.PutUint32(id[:], uint32(table))
	return statestore.AppendKey(nil, statestore.MetaTable, 0, append([]byte("table-lsn/"), id[:]...))
}

// Marker is the first operator of a table's fragment: it passes the chunks
// on, and at every barrier writes the table's applied LSN into the state,
// in the barrier's commit, so a checkpoint knows which records its state
// holds. It loads that LSN into the Position when the fragment opens.
type Marker struct {
	name string
	key  []byte
	pos  *Position
}

// NewMarker returns the marker of the table named name, whose rows are in
// state table table and whose place in the log is pos.
func NewMarker(name string, table statestore.TableID, pos *Position) *Marker {
	return &Marker{name: name, key: lsnKey(table), pos: pos}
}

// Open loads the table's last applied LSN from the restored state.
func (m *Marker) Open(_ context.Context, oc exec.OpenContext) error {
	v, ok, err := oc.State.Get(m.key)
	if err != nil || !ok {
		return err
	}
	if len(v) != 8 {
		return fmt.Errorf("table %s: bad log position in state", m.name)
	}
	lsn := binary.BigEndian.Uint64(v)
	m.pos.applied.Store(lsn)
	m.pos.marked.Store(lsn)
	return nil
}

// ProcessChunk passes c on.
func (m *Marker) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	c.Batch.Retain()
	return out.Push(ctx, c)
}

// OnBarrier writes the last applied LSN, when it changed.
func (m *Marker) OnBarrier(_ context.Context, _ exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	lsn := m.pos.applied.Load()
	if lsn == m.pos.marked.Load() {
		return nil
	}
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], lsn)
	m.pos.marked.Store(lsn)
	return w.Set(m.key, v[:])
}
