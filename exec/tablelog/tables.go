package tablelog

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Table is a live table as the log sees it: the engine gives one per
// table whose dataflow runs, as plain data.
type Table struct {
	// Name is the table's, for errors and logs.
	Name string
	// ID is the state table of its rows, which records name it by, and
	// Schema the full schema (hidden columns included) its logged rows are
	// encoded with.
	ID     statestore.TableID
	Schema types.Schema
	// Pos is its place in the log, kept with its job.
	Pos *Position
	// Fragment is the fragment its changes are applied in (Do), the one
	// whose Marker writes Pos.
	Fragment *exec.Fragment
}

// Marked returns the LSN each table's last barrier wrote into its state,
// by table: what Committed is given.
func Marked(tables []Table) map[statestore.TableID]uint64 {
	marked := make(map[statestore.TableID]uint64, len(tables))
	for _, t := range tables {
		marked[t.ID] = t.Pos.Marked()
	}
	return marked
}

// ReplayInto applies the records the restored state lacks to tables, the
// live tables (Replay): each record's changes are pushed into the table's
// fragment and noted in its Position there. It waits for each fragment to
// open first, which loads the LSN its state holds. A record that cannot be
// applied to a table is logged and handed to failed, which should fail the
// table; the table then gets nothing more, its records stay in the log,
// and the other tables go on. mem allocates the rebuilt batches.
func (l *Log) ReplayInto(ctx context.Context, state exec.StateReader, mem memory.Allocator, tables []Table, failed func(t Table, lsn uint64, err error)) (Replayed, error) {
	if l == nil {
		return Replayed{}, nil
	}
	byID := make(map[statestore.TableID]Table, len(tables))
	applied := make(map[statestore.TableID]uint64, len(tables))
	for _, t := range tables {
		// A table's LSN is loaded when its fragment opens its operators,
		// in the fragment's goroutine: an empty Do waits for that.
		if err := t.Fragment.Do(ctx, func(context.Context, exec.Output) error { return nil }); err != nil {
			return Replayed{}, fmt.Errorf("table %s: %w", t.Name, err)
		}
		byID[t.ID], applied[t.ID] = t, t.Pos.Applied()
	}
	return l.Replay(state, applied, func(c Changes, lsn uint64) error {
		t := byID[c.Table]
		err := apply(ctx, mem, t, c, lsn)
		if err != nil {
			l.logger.Error("a logged write could not be applied again: the table is marked failed", "table", t.Name, "record", lsn, "err", err)
			failed(t, lsn, err)
		}
		return err
	})
}

// apply pushes c, the changes of record lsn, into t's fragment and notes
// lsn as applied there.
func apply(ctx context.Context, mem memory.Allocator, t Table, c Changes, lsn uint64) error {
	dec := statestore.NewRowDecoder(mem, t.Schema)
	defer dec.Release()
	for _, row := range c.Rows {
		if err := dec.Append(row); err != nil {
			return err
		}
	}
	batch := dec.NewBatch()
	pushed := false
	err := t.Fragment.Do(ctx, func(ctx context.Context, in exec.Output) error {
		pushed = true
		if err := in.Push(ctx, exec.Chunk{Batch: batch, Ops: c.Ops}); err != nil {
			return err
		}
		t.Pos.SetApplied(lsn)
		return nil
	})
	if !pushed {
		batch.Release()
	}
	return err
}

// Durable notes that the checkpoint of epoch is durable: it deletes the
// segments every retained checkpoint holds (Truncate), and logs why when
// it cannot (the next durable checkpoint tries again).
func (l *Log) Durable(epoch exec.Epoch) {
	if err := l.Truncate(epoch); err != nil {
		l.logger.Warn("could not delete table write log segments", "err", err)
	}
}
