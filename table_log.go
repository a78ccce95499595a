package weir

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// The writes to tables go through a write-ahead log (exec/tablelog, over
// statestore/dmllog's files) in the data directory: a statement appends its
// changes inside the tables' fragments and notes the record's LSN in each
// table's job (job.tableLog); each table's fragment starts with the log's
// Marker, which writes that LSN into the state at every barrier; the
// engine's commit tells the log what the epoch holds, a durable checkpoint
// lets it delete what every retained checkpoint holds, and after a crash
// the records the restored state lacks are applied again (replayChanges)
// before the engine serves anyone. Without checkpoints (backend memory, or
// state_management.enabled false) there is no log (e.tlog is nil): a crash
// loses the tables either way.

// openTableLog opens the log when the engine has checkpoints. With
// --restore-from, the log of the writes after that checkpoint is set aside
// (renamed), as the user asked for the state of that checkpoint.
func (e *Engine) openTableLog() error {
	if e.cp == nil || e.cfg.Server.DataDir == "" {
		return nil
	}
	l, err := tablelog.Open(e.cfg.Server.DataDir, tablelog.Options{
		SetAside: e.cfg.RestoreFrom != 0,
		Retained: e.cfg.State.RetainedCheckpoints,
		Logger:   e.log,
	})
	if err != nil {
		return err
	}
	e.tlog = l
	return nil
}

// encodeChanges encodes the chunks of o's changes for the log.
func encodeChanges(o *catalog.Object, chunks []exec.Chunk) tablelog.Changes {
	return tablelog.Encode(o.RowTable(), o.FullSchema().Types(), chunks)
}

// tableJobs returns the jobs of the tables, by the state table of their
// rows.
func (e *Engine) tableJobs() map[statestore.TableID]*job {
	byTable := map[statestore.TableID]*job{}
	for _, j := range e.jobs.List() {
		if j.obj.Kind == catalog.Table {
			byTable[j.obj.RowTable()] = j
		}
	}
	return byTable
}

// noteCommitted tells the log which of its records epoch holds, written to
// w, the commit's batch: called from the coordinator's commit, when every
// table has written its LSN for epoch and no later barrier has been
// injected.
func (e *Engine) noteCommitted(epoch exec.Epoch, w exec.StateWriter) error {
	if e.tlog == nil {
		return nil
	}
	marked := map[statestore.TableID]uint64{}
	for id, j := range e.tableJobs() {
		marked[id] = j.tableLog.Marked()
	}
	return e.tlog.Committed(epoch, marked, w)
}

// truncateTableLog notes that the checkpoint of epoch is durable and
// deletes the log segments that every retained checkpoint holds.
func (e *Engine) truncateTableLog(epoch uint64) {
	if err := e.tlog.Truncate(exec.Epoch(epoch)); err != nil {
		e.log.Warn("could not delete table write log segments", "err", err)
	}
}

// replayTableLog applies the log records that the restored state does not
// hold (each table's LSN says where it stopped), then waits until a
// checkpoint holds them. It runs once the jobs have started, before the
// engine serves anyone. An explicit restore of an older checkpoint
// (--restore-from) does not replay: the log is set aside instead, as the
// user asked for the state of that checkpoint.
func (e *Engine) replayTableLog(ctx context.Context) error {
	if e.tlog == nil {
		return nil
	}
	byTable := e.tableJobs()
	// A table's LSN is loaded when its fragment opens its operators, in the
	// fragment's goroutine: an empty Do waits for that.
	applied := map[statestore.TableID]uint64{}
	for id, j := range byTable {
		if err := j.Output().Do(ctx, func(context.Context, exec.Output) error { return nil }); err != nil {
			return fmt.Errorf("table %s: %w", j.obj.Name, err)
		}
		applied[id] = j.tableLog.Applied()
	}
	// A record that cannot be applied to a table fails that table (queries
	// and writes of it, and of the views over it, say why) and the
	// table's later records are not applied; the others go on, and the
	// server starts.
	done, err := e.tlog.Replay(e.store, applied, func(c tablelog.Changes, lsn uint64) error {
		j := byTable[c.Table]
		err := e.replayChanges(ctx, j, c, lsn)
		if err != nil {
			e.log.Error("a logged write could not be applied again: the table is marked failed", "table", j.obj.Name, "record", lsn, "err", err)
			e.failed.Record(j.obj, fmt.Errorf("a logged write (record %d of the table write log) could not be applied again after a restart: %w", lsn, err))
		}
		return err
	})
	if err != nil {
		return err
	}
	e.recovery.logRecords, e.recovery.logRows = int64(done.Records), int64(done.Rows)
	if done.Records == 0 {
		return nil
	}
	return e.durableFlush(ctx)
}

// replayChanges applies c, the changes of log record lsn, to j's table.
func (e *Engine) replayChanges(ctx context.Context, j *job, c tablelog.Changes, lsn uint64) error {
	dec := statestore.NewRowDecoder(e.mem, j.obj.FullSchema())
	defer dec.Release()
	for _, row := range c.Rows {
		if err := dec.Append(row); err != nil {
			return err
		}
	}
	batch := dec.NewBatch()
	pushed := false
	err := j.Output().Do(ctx, func(ctx context.Context, in exec.Output) error {
		pushed = true
		if err := in.Push(ctx, exec.Chunk{Batch: batch, Ops: c.Ops}); err != nil {
			return err
		}
		j.tableLog.SetApplied(lsn)
		return nil
	})
	if !pushed {
		batch.Release()
	}
	return err
}
