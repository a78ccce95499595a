package txn

import (
	"context"
	"errors"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/tablelog"
)

// Commit applies parts, a block's changes (Block.Parts), in one epoch and
// returns the LSN of their log record (0: no log, or nothing changed); the
// caller then waits for them (Await). It fails, applying nothing, when
// another session changed a row a part changes since the block's snapshot
// (40001, or 23505 for a key both inserted), or a table's fragment has
// ended (its table was dropped: 40001).
func (w Writer) Commit(ctx context.Context, parts []Part) (uint64, error) {
	if len(parts) == 0 {
		return 0, nil
	}
	if err := w.Log.Err(); err != nil {
		return 0, err
	}
	if len(parts) == 1 {
		return w.commitOne(ctx, parts[0])
	}
	return w.commitMany(ctx, parts)
}

// commitOne commits the changes of a block that wrote one table: its
// fragment checks and applies in one step, ordered with every other write
// to it.
func (w Writer) commitOne(ctx context.Context, p Part) (uint64, error) {
	var lsn uint64
	w.Lock.RLock()
	err := p.t.Do(ctx, func(ctx context.Context, in exec.Output) error {
		if err := p.Check(p.t.Live()); err != nil {
			return err
		}
		chunk, err := p.Chunk(w.Mem)
		if err != nil || chunk.Batch == nil {
			return err
		}
		lsn, err = w.apply(ctx, p.t, []exec.Chunk{chunk}, in)
		return err
	})
	w.Lock.RUnlock()
	if errors.Is(err, exec.ErrFragmentEnded) {
		return 0, errTableGone(p.Table())
	}
	return lsn, err
}

// commitMany commits the changes of a block that wrote several tables: no
// other write may run between the checks and the pushes, and no barrier
// may split the pushes into two epochs.
func (w Writer) commitMany(ctx context.Context, parts []Part) (uint64, error) {
	w.Lock.Lock()
	defer w.Lock.Unlock()
	resume, err := w.Epochs.Pause(ctx)
	if err != nil {
		return 0, err
	}
	defer resume()
	for _, p := range parts {
		err := p.t.Do(ctx, func(context.Context, exec.Output) error { return p.Check(p.t.Live()) })
		if errors.Is(err, exec.ErrFragmentEnded) {
			return 0, errTableGone(p.Table())
		}
		if err != nil {
			return 0, err
		}
	}
	// From here on the changes apply whole, whatever happens to ctx; the
	// tables' changes are logged as one record, so that a replay applies
	// all of them or none.
	applyCtx := context.WithoutCancel(ctx)
	var logged []tablelog.Changes
	var applied []Table
	var applyErr error
	for _, p := range parts {
		applyErr = p.t.Do(applyCtx, func(ctx context.Context, in exec.Output) error {
			chunk, err := p.Chunk(w.Mem)
			if err != nil || chunk.Batch == nil {
				return err
			}
			changes := encode(p.Table(), []exec.Chunk{chunk})
			if err := in.Push(ctx, chunk); err != nil {
				return err
			}
			logged = append(logged, changes)
			applied = append(applied, p.t)
			return nil
		})
		if applyErr != nil {
			// A table's dataflow ended under the COMMIT: what the others
			// applied is logged all the same, so that the log matches
			// their state.
			applyErr = fmt.Errorf("COMMIT failed after applying part of the transaction: %w", applyErr)
			break
		}
	}
	if len(logged) == 0 || w.Log == nil {
		return 0, applyErr
	}
	lsn, err := w.Log.Append(logged)
	if err != nil {
		return 0, fmt.Errorf("the table write log failed, the transaction is not durable: %w", err)
	}
	// No barrier can come before these: the barriers are paused.
	for _, t := range applied {
		t.Logged(lsn)
	}
	return lsn, applyErr
}
