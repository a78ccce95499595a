// Package txn applies the changes of INSERT, UPDATE and DELETE to tables,
// and keeps and commits a transaction block's writes (see ARCHITECTURE.md,
// "Writes to tables and transactions"):
//
//   - Writer.Write runs a statement's change inside the table's fragment
//     (ordered with every other write to it, on its live rows), pushes the
//     chunks it returns there, all or none, and appends them to the table
//     write log (exec/tablelog) before a barrier can come; Writer.Await
//     returns once they are visible and, with synchronous_commit on,
//     durable.
//   - A Block is a transaction block's writes over its snapshot: the row
//     keys its statements changed (Block.Write, with exec/dml's Stage),
//     which its statements read back (Reader); the snapshot is held
//     (Snapshots) until the block ends. At COMMIT, Block.Parts gives what each
//     written table gets, and Writer.Commit checks in each table's fragment
//     that no other session changed those rows since the snapshot (first
//     committer wins), then applies them; over several tables it holds the
//     writes' lock exclusively and pauses the barriers, so that no write
//     comes between the checks and the changes and no epoch splits them,
//     and logs them as one record.
//
// The package knows neither sessions nor the catalog: the engine binds and
// checks the statement, finds the running tables and implements Table and
// Epochs over its jobs and its coordinator.
package txn

import (
	"context"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Table is a running table as a write reaches it: the engine's job of it.
type Table interface {
	// Object is the table the job maintains.
	Object() *catalog.Object
	// Do runs fn inside the table's fragment, between two of its messages,
	// so that fn is ordered with every other write to the table; fn pushes
	// the changes it applies to in. Do fails with exec.ErrFragmentEnded
	// once the fragment has ended, and ends the fragment when fn panics.
	Do(ctx context.Context, fn func(ctx context.Context, in exec.Output) error) error
	// Live is the table's current rows; it is read only inside Do.
	Live() dml.Table
	// Logged notes that the table's state holds the write log's record
	// lsn; it is called inside Do, or with the barriers paused, so that
	// the next barrier writes it into the state (tablelog.Position).
	Logged(lsn uint64)
}

// Epochs is the engine's pacing of epochs, as a write waits for it: its
// coordinator and its checkpoints.
type Epochs interface {
	// Pause holds back barriers until resume is called.
	Pause(ctx context.Context) (resume func(), err error)
	// Flush cuts the current epoch at once and returns once it is
	// committed: queries see every write applied before the call.
	Flush(ctx context.Context) (exec.Epoch, error)
	// DurableFlush returns once a durable checkpoint holds every write
	// applied before the call.
	DurableFlush(ctx context.Context) error
}

// Writer applies writes to the engine's tables.
type Writer struct {
	// Log is the table write log; nil without one (no checkpoints).
	Log *tablelog.Log
	// Mem allocates the chunks of a block's changes.
	Mem memory.Allocator
	// Lock is held shared by every write and exclusively by a COMMIT over
	// several tables; the engine holds it exclusively at its final barrier,
	// so that no write is half applied then.
	Lock *sync.RWMutex
	// Epochs pauses and cuts the epochs.
	Epochs Epochs
}

// errTableGone is COMMIT's error when a table the block wrote was dropped
// (and maybe created again) since the block wrote it.
func errTableGone(o *catalog.Object) error {
	return sqlstate.Errorf(sqlstate.SerializationFailure,
		"could not serialize access: table \"%s\" was dropped since the transaction began", o.Name)
}
