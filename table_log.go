package weir

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/planner/catalog"
)

// The writes to tables go through a write-ahead log (exec/tablelog, whose
// package comment says how) in the data directory. Without checkpoints
// (backend memory, or state_management.enabled false) there is no log
// (e.tlog is nil): a crash loses the tables either way.

// openTableLog opens the log when the engine has checkpoints. With
// --restore-from, the log of the writes after that checkpoint is set aside
// (renamed), as the user asked for the state of that checkpoint.
func (e *Engine) openTableLog() (err error) {
	if e.cp != nil && e.cfg.Server.DataDir != "" {
		e.tlog, err = tablelog.Open(e.cfg.Server.DataDir, tablelog.Options{
			SetAside: e.cfg.RestoreFrom != 0, Retained: e.cfg.State.RetainedCheckpoints, Logger: e.log,
		})
	}
	return err
}

// encodeChanges encodes the chunks of o's changes for the log.
func encodeChanges(o *catalog.Object, chunks []exec.Chunk) tablelog.Changes {
	return tablelog.Encode(o.RowTable(), o.FullSchema().Types(), chunks)
}

// logTables returns the running tables as the log sees them.
func (e *Engine) logTables() []tablelog.Table {
	var tables []tablelog.Table
	for _, j := range e.jobs.List() {
		if j.obj.Kind == catalog.Table {
			tables = append(tables, tablelog.Table{Name: j.obj.Name, ID: j.obj.RowTable(), Schema: j.obj.FullSchema(), Pos: &j.tableLog, Fragment: j.Output()})
		}
	}
	return tables
}

// noteCommitted tells the log which of its records epoch holds, written to
// w, the commit's batch: called from the coordinator's commit, when every
// table has written its LSN for epoch and no later barrier has been
// injected.
func (e *Engine) noteCommitted(epoch exec.Epoch, w exec.StateWriter) error {
	if e.tlog == nil {
		return nil
	}
	return e.tlog.Committed(epoch, tablelog.Marked(e.logTables()), w)
}

// replayTableLog applies the log records that the restored state does not
// hold, then waits until a checkpoint holds them. It runs once the jobs
// have started, before the engine serves anyone. A record that cannot be
// applied fails its table (queries and writes of it, and of the views over
// it, say why); the server starts.
func (e *Engine) replayTableLog(ctx context.Context) error {
	done, err := e.tlog.ReplayInto(ctx, e.store, e.mem, e.logTables(), func(t tablelog.Table, lsn uint64, err error) {
		if o, ok := e.cat.Get(t.Name); ok {
			e.failed.Record(o, fmt.Errorf("a logged write (record %d of the table write log) could not be applied again after a restart: %w", lsn, err))
		}
	})
	if err != nil || done.Records == 0 {
		return err
	}
	e.recovery.replayed = done
	return e.durableFlush(ctx)
}
