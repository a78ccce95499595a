package txn

import (
	"context"
	"sync"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// Block is a transaction block's writes over the snapshot it reads: the
// state keys of the table rows its statements changed, each to the new
// row or to nil for a deleted row, and the tables it wrote. The zero Block
// is ready for Start.
type Block struct {
	overlay statestore.Overlay
	// written are the tables the block wrote, in the order of first write.
	written []*catalog.Object
	// held holds the block's snapshot from Start until End.
	held *Snapshots
}

// Start sets the snapshot the block reads, at its first statement, before
// it reads or writes: release frees the snapshot, which held keeps until
// the block ends (End) or the engine closes (Snapshots.ReleaseAll).
func (b *Block) Start(snapshot statestore.Reader, release func(), held *Snapshots) {
	b.overlay = statestore.Overlay{Base: snapshot, Changes: map[string][]byte{}}
	b.held = held
	held.hold(b, release)
}

// End releases the block's snapshot, if it still holds one.
func (b *Block) End() {
	if b.held != nil {
		b.held.release(b)
	}
}

// Snapshots are the snapshots the open blocks hold, which the engine
// releases when it closes under a block still open (a session an
// embedding program did not close): its state store cannot close under
// them. The zero Snapshots is ready for use.
type Snapshots struct {
	mu   sync.Mutex
	held map[*Block]func()
}

// hold keeps b's snapshot, freed by release.
func (s *Snapshots) hold(b *Block, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[*Block]func(){}
	}
	s.held[b] = release
}

// release releases b's snapshot, once.
func (s *Snapshots) release(b *Block) {
	s.mu.Lock()
	release, ok := s.held[b]
	delete(s.held, b)
	s.mu.Unlock()
	if ok {
		release()
	}
}

// ReleaseAll releases the snapshots of the blocks still open.
func (s *Snapshots) ReleaseAll() {
	s.mu.Lock()
	blocks := make([]*Block, 0, len(s.held))
	for b := range s.held {
		blocks = append(blocks, b)
	}
	s.mu.Unlock()
	for _, b := range blocks {
		s.release(b)
	}
}

// Reader is what the block's statements read: its writes over its
// snapshot.
func (b *Block) Reader() statestore.Reader { return &b.overlay }

// Write runs change, the part of a DML statement of the block that reads
// o and returns the chunks of its changes (releasing them itself when it
// fails), on o as the block sees it, and keeps the chunks as the block's
// writes.
func (b *Block) Write(ctx context.Context, o *catalog.Object, change func(ctx context.Context, t dml.Table) ([]exec.Chunk, error)) error {
	known := false
	for _, w := range b.written {
		known = known || w.RowTable() == o.RowTable()
	}
	if !known {
		b.written = append(b.written, o)
	}
	chunks, err := change(ctx, dml.ReaderTable(&b.overlay, o.RowTable()))
	if err != nil {
		return err
	}
	for _, c := range chunks {
		dml.Stage(b.overlay.Changes, o, c)
		c.Release()
	}
	return nil
}

// Part is what COMMIT applies to one table, and the table's running job.
type Part struct {
	dml.TxPart
	t Table
}

// Parts returns what COMMIT applies to each table the block wrote, leaving
// out those it changed no row of; find returns a table's running
// job, or false when the table was dropped (and maybe created again) since
// the block wrote it, which fails the COMMIT (40001).
func (b *Block) Parts(find func(o *catalog.Object) (Table, bool)) ([]Part, error) {
	var parts []Part
	for _, o := range b.written {
		t, ok := find(o)
		if !ok {
			return nil, errTableGone(o)
		}
		p, err := dml.NewTxPart(o, b.overlay.Changes, b.overlay.Base)
		if err != nil {
			return nil, err
		}
		if !p.Empty() {
			parts = append(parts, Part{TxPart: p, t: t})
		}
	}
	return parts, nil
}
