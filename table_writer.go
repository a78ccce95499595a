package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/txn"
	"github.com/weir-stream/weir/planner/catalog"
)

// The writes to tables are applied by exec/txn; this is the engine as it
// sees it: the tables' jobs (jobTable), the coordinator and checkpoints
// (writeEpochs), the write log and dmlMu.

// writer returns the engine's txn.Writer.
func (e *Engine) writer() txn.Writer {
	return txn.Writer{Log: e.tlog, Mem: e.mem, Lock: &e.dmlMu, Epochs: writeEpochs{e}}
}

// jobTable is a table's job as txn.Table.
type jobTable struct{ j *job }

func (t jobTable) Object() *catalog.Object { return t.j.obj }
func (t jobTable) Live() dml.Table         { return t.j.mat }
func (t jobTable) Logged(lsn uint64)       { t.j.tableLog.SetApplied(lsn) }
func (t jobTable) Do(ctx context.Context, fn func(ctx context.Context, in exec.Output) error) error {
	return t.j.Output().Do(ctx, fn)
}

// runningTable returns the running job of o for a COMMIT, or false when o
// was dropped (and maybe created again) since the block wrote it.
func (e *Engine) runningTable(o *catalog.Object) (txn.Table, bool) {
	cur, ok := e.cat.Get(o.Name)
	j, running := e.jobs.Get(o.Name)
	if !ok || !running || cur.RowTable() != o.RowTable() || j.mat == nil || j.obj.RowTable() != o.RowTable() {
		return nil, false
	}
	return jobTable{j}, true
}

// writeEpochs is the engine's coordinator and checkpoints as txn.Epochs.
type writeEpochs struct{ e *Engine }

func (w writeEpochs) Pause(ctx context.Context) (func(), error)     { return w.e.coord.Pause(ctx) }
func (w writeEpochs) Flush(ctx context.Context) (exec.Epoch, error) { return w.e.coord.Flush(ctx) }
func (w writeEpochs) DurableFlush(ctx context.Context) error        { return w.e.durableFlush(ctx) }

// applyWrite runs apply, which applies writes of the session's statement
// verb (txn.Writer's Write or Commit) and returns their record of the
// table write log (0: none), then returns once they are visible to queries
// and, with synchronous_commit on, durable (txn.Writer.Await). The views
// that failed meanwhile (which the writes may have made fail) come back as
// WARNINGs for the statement.
func (s *Session) applyWrite(ctx context.Context, verb string, apply func(w txn.Writer) (uint64, error)) ([]Warning, error) {
	before := s.e.coord.Committed()
	w := s.e.writer()
	lsn, err := apply(w)
	if err != nil {
		return nil, err
	}
	if err := w.Await(ctx, verb, lsn, s.params.SynchronousCommit()); err != nil {
		return nil, err
	}
	return FailureWarnings(s.e.FailedSince(before)), nil
}
