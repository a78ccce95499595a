package txn

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/planner/catalog"
)

// Write runs change, the part of a DML statement that reads the table and
// returns the chunks of its changes (releasing them itself when it fails),
// inside t's fragment on t's live rows, ordered after every earlier write
// to t, and applies the chunks there, all of them or none, logged as one
// record of the write log. It returns the record's LSN (0: no log, or
// nothing changed); the caller then waits for the write (Await). Once the
// log has failed, writes are refused before they change anything.
func (w Writer) Write(ctx context.Context, t Table, change func(ctx context.Context, live dml.Table) ([]exec.Chunk, error)) (uint64, error) {
	if err := w.Log.Err(); err != nil {
		return 0, err
	}
	var lsn uint64
	w.Lock.RLock()
	defer w.Lock.RUnlock()
	err := t.Do(ctx, func(ctx context.Context, in exec.Output) error {
		chunks, err := change(ctx, t.Live())
		if err != nil || len(chunks) == 0 {
			return err
		}
		lsn, err = w.apply(ctx, t, chunks, in)
		return err
	})
	return lsn, err
}

// apply pushes chunks, the changes of one statement to t, into t's
// fragment (it runs inside it: Do), appends them to the write log, and
// notes the record's LSN in t before any barrier can come. It returns the
// LSN (0 without a log). The pushes ignore ctx's cancellation: once the
// changes start to apply, they apply whole (a cancelled push would leave
// the table changed and a view over it not). If the log fails after the
// changes were applied, the state would hold what the log does not: the
// fragment is ended (a panic in Do) so that no checkpoint takes them, and
// the table is reported failed.
func (w Writer) apply(ctx context.Context, t Table, chunks []exec.Chunk, in exec.Output) (uint64, error) {
	var changes tablelog.Changes
	if w.Log != nil {
		changes = encode(t.Object(), chunks)
	}
	pushCtx := context.WithoutCancel(ctx)
	pushed := 0 // rows applied
	for i, c := range chunks {
		n := c.NumRows()
		if err := in.Push(pushCtx, c); err != nil {
			for _, rest := range chunks[i+1:] {
				rest.Release()
			}
			if pushed > 0 && w.Log != nil {
				// What was applied is logged, so that a replay matches it.
				w.mustLog(t, changes.Truncated(pushed))
			}
			return 0, err
		}
		pushed += n
	}
	return w.mustLog(t, changes), nil
}

// mustLog logs changes, applied to t, and notes their LSN in t; it panics
// (ending the table's fragment, see apply) when the log cannot take them.
func (w Writer) mustLog(t Table, changes tablelog.Changes) uint64 {
	if w.Log == nil {
		return 0
	}
	lsn, err := w.Log.Append([]tablelog.Changes{changes})
	if err != nil {
		panic(fmt.Errorf("the table write log failed after a write to %s was applied; the table stops: %w", t.Object().Name, err))
	}
	t.Logged(lsn)
	return lsn
}

// encode encodes the chunks of o's changes for the write log.
func encode(o *catalog.Object, chunks []exec.Chunk) tablelog.Changes {
	return tablelog.Encode(o.RowTable(), o.FullSchema().Types(), chunks)
}

// Await returns once the writes just applied (verb names the statement),
// logged as record lsn of the write log (0: none), are visible to queries
// and, when synchronous (synchronous_commit on), durable: synced to the
// log, which a restart after a crash applies again, or without a log, held
// by a durable checkpoint. The epoch holding the writes is cut at once;
// the writes of other sessions arriving meanwhile share it, and the log's
// fsync (group commit). The writes are applied: ctx's cancellation (a
// cancel, a statement_timeout) would report a failure for a write that
// took effect, which a client would run again, so the wait ignores it and
// ends with the writes, or with the engine.
func (w Writer) Await(ctx context.Context, verb string, lsn uint64, synchronous bool) error {
	ctx = context.WithoutCancel(ctx)
	if synchronous {
		if w.Log != nil {
			if err := w.Log.Sync(lsn); err != nil {
				return fmt.Errorf("%s was applied, but it could not be made durable: %w", verb, err)
			}
		} else if err := w.Epochs.DurableFlush(ctx); err != nil {
			return fmt.Errorf("%s was applied, but no checkpoint holds it yet: %w", verb, err)
		}
	}
	if _, err := w.Epochs.Flush(ctx); err != nil {
		return fmt.Errorf("%s was applied, but it is not visible yet: %w", verb, err)
	}
	return nil
}
