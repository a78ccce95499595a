package weir

import (
	"context"
	"errors"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// transaction is a session's open transaction block (BEGIN … COMMIT). Its
// statements read one snapshot, taken at the first of them, with the block's
// own writes over it (an Overlay of the tables' row keys). COMMIT checks that
// no row the block changed was changed by another session since the
// snapshot, then applies the writes of every table in one epoch.
type transaction struct {
	readOnly bool
	// failed is set by an error: every statement but COMMIT and ROLLBACK is
	// refused until the block ends.
	failed bool
	// snap is the snapshot the block reads, held until it ends; nil until
	// its first statement.
	snap *snapshot
	// overlay holds the block's writes over snap: state keys of table rows
	// to the new row, or nil for a deleted row.
	overlay statestore.Overlay
	// written are the tables the block wrote, in the order of first write.
	written []*catalog.Object
}

// TxStatus returns the session's transaction status as the wire protocol's
// ReadyForQuery reports it: 'I' idle, 'T' in a transaction block, 'E' in a
// failed one.
func (s *Session) TxStatus() byte {
	switch {
	case s.tx == nil:
		return 'I'
	case s.tx.failed:
		return 'E'
	}
	return 'T'
}

// FailTransaction fails the open transaction block, if any: the wire
// server calls it for errors it finds outside the session's statements (a
// parameter that does not decode), which fail a block as any error does.
func (s *Session) FailTransaction() {
	if s.tx != nil {
		s.tx.failed = true
	}
}

// errTxAborted is the error of every statement of a failed transaction
// block but its end.
func errTxAborted() error {
	return sqlstate.Errorf(sqlstate.InFailedSQLTransaction,
		"current transaction is aborted, commands ignored until end of transaction block")
}

// inTransaction runs st in the session's transaction block, if one is
// open: it refuses st when the block failed or st cannot run in one, and
// marks the block failed when st fails.
func (s *Session) inTransaction(ctx context.Context, st sql.Statement, run func(context.Context, sql.Statement) (*Result, error)) (*Result, error) {
	tx := s.tx
	if tx == nil {
		return run(ctx, st)
	}
	if tx.failed {
		return nil, errTxAborted()
	}
	if err := tx.allows(st); err != nil {
		tx.failed = true
		return nil, err
	}
	res, err := run(ctx, st)
	if err != nil {
		tx.failed = true
	}
	return res, err
}

// allows returns the error for a statement that cannot run inside a
// transaction block: DDL, FLUSH and role statements take effect at once and
// cannot be rolled back; writes in a READ ONLY block.
func (tx *transaction) allows(st sql.Statement) error {
	switch st := st.(type) {
	case *sql.Select, *sql.Show, *sql.ShowCreate, *sql.Describe, *sql.Explain, *sql.Set:
		return nil
	case *sql.Insert, *sql.Update, *sql.Delete:
		if tx.readOnly {
			return sqlstate.ErrorfAt(sqlstate.ReadOnlySQLTransaction, st.Position(),
				"cannot execute %s in a read-only transaction", dmlVerb(st))
		}
		return nil
	}
	return sqlstate.ErrorfAt(sqlstate.ActiveSQLTransaction, st.Position(),
		"%s cannot run inside a transaction block", statementName(st)).
		WithHint("weir applies DDL and FLUSH at once; run it outside BEGIN … COMMIT.")
}

// dmlVerb is the keyword of a DML statement.
func dmlVerb(st sql.Statement) string {
	switch st.(type) {
	case *sql.Insert:
		return "INSERT"
	case *sql.Update:
		return "UPDATE"
	}
	return "DELETE"
}

// statementName names a statement for errors: its leading keywords.
func statementName(st sql.Statement) string {
	switch st := st.(type) {
	case *sql.CreateTable:
		return "CREATE TABLE"
	case *sql.CreateStream:
		return "CREATE STREAM"
	case *sql.CreateView:
		return "CREATE MATERIALIZED VIEW"
	case *sql.CreatePlainView:
		return "CREATE VIEW"
	case *sql.CreateSink:
		return "CREATE SINK"
	case *sql.Drop:
		return "DROP"
	case *sql.Flush:
		return "FLUSH"
	case *sql.CreateRole:
		return "CREATE ROLE"
	case *sql.AlterRole:
		return "ALTER ROLE"
	case *sql.DropRole:
		return "DROP ROLE"
	case *sql.Grant:
		if st.Revoke {
			return "REVOKE"
		}
		return "GRANT"
	case *sql.AlterViewResume:
		return "ALTER MATERIALIZED VIEW … RESUME"
	}
	return "this statement"
}

// transactionStatement runs BEGIN, COMMIT, ROLLBACK and the savepoint
// statements with Postgres' answers: a WARNING for BEGIN inside a block and
// for COMMIT or ROLLBACK outside one, ROLLBACK as the answer to COMMIT of a
// failed block.
func (s *Session) transactionStatement(ctx context.Context, st *sql.Transaction) (*Result, error) {
	switch st.Verb {
	case "BEGIN":
		if s.tx != nil {
			if s.tx.failed {
				return nil, errTxAborted()
			}
			return &Result{Tag: "BEGIN", Warnings: []Warning{{Code: sqlstate.ActiveSQLTransaction, Message: "there is already a transaction in progress"}}}, nil
		}
		if st.Isolation == "serializable" {
			return nil, at(session.ErrSerializable, st.Pos)
		}
		s.tx = &transaction{readOnly: st.ReadOnly, overlay: statestore.Overlay{Changes: map[string][]byte{}}}
		// A block that does not commit takes back what SET changed in it,
		// as in Postgres.
		s.params.Begin(st.ReadOnly)
		return &Result{Tag: "BEGIN"}, nil
	case "COMMIT", "ROLLBACK":
		tx := s.tx
		if tx == nil {
			return &Result{Tag: st.Verb, Warnings: []Warning{{Code: sqlstate.NoActiveSQLTransaction, Message: "there is no transaction in progress"}}}, nil
		}
		// The block ends whatever COMMIT's outcome: a COMMIT that fails
		// applies nothing, as a ROLLBACK.
		defer s.endTransaction()
		if st.Verb == "ROLLBACK" || tx.failed {
			s.params.Rollback()
			return &Result{Tag: "ROLLBACK"}, nil
		}
		warnings, err := s.commitTransaction(ctx, tx)
		if err != nil {
			s.params.Rollback()
			return nil, err
		}
		return &Result{Tag: "COMMIT", Warnings: warnings}, nil
	}
	// SAVEPOINT, RELEASE, ROLLBACK TO.
	switch {
	case s.tx == nil:
		return nil, sqlstate.ErrorfAt(sqlstate.NoActiveSQLTransaction, st.Pos, "%s can only be used in transaction blocks", st.Verb)
	case s.tx.failed && st.Verb != "ROLLBACK TO":
		return nil, errTxAborted()
	}
	s.tx.failed = true
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "%s is not supported", st.Verb).
		WithHint("weir has no savepoints; ROLLBACK the transaction and run it again.")
}

// endTransaction forgets the session's transaction block and releases its
// snapshot.
func (s *Session) endTransaction() {
	if s.tx == nil {
		return
	}
	if s.tx.snap != nil {
		s.e.releaseTxSnapshot(s.tx)
	}
	s.tx = nil
	s.params.End()
}

// readSnapshot returns what a query of the session reads, and the function
// that releases it: the last committed snapshot, or in a transaction block
// the block's snapshot with its writes over it.
func (s *Session) readSnapshot() (*snapshot, func(), error) {
	if s.tx == nil {
		snap, err := s.e.acquireSnapshot()
		if err != nil {
			return nil, nil, err
		}
		return snap, func() { s.e.releaseSnapshot(snap) }, nil
	}
	if err := s.tx.start(s.e); err != nil {
		return nil, nil, err
	}
	return &snapshot{epoch: s.tx.snap.epoch, snap: s.tx.snap.snap, read: &s.tx.overlay}, func() {}, nil
}

// start takes the block's snapshot at its first statement.
func (tx *transaction) start(e *Engine) error {
	if tx.snap != nil {
		return nil
	}
	snap, err := e.acquireSnapshot()
	if err != nil {
		return err
	}
	tx.snap = snap
	tx.overlay.Base = snap.snap
	e.mu.Lock()
	e.openTxs[tx] = struct{}{}
	e.mu.Unlock()
	return nil
}

// releaseTxSnapshot releases the snapshot tx holds, once: when the block
// ends, or when the engine closes under a session still in a block.
func (e *Engine) releaseTxSnapshot(tx *transaction) {
	e.mu.Lock()
	_, held := e.openTxs[tx]
	delete(e.openTxs, tx)
	e.mu.Unlock()
	if held {
		e.releaseSnapshot(tx.snap)
	}
}

// releaseOpenTxs releases the snapshots of the transaction blocks still
// open (sessions an embedding program did not close): the state store
// cannot close under them.
func (e *Engine) releaseOpenTxs() {
	e.mu.Lock()
	txs := make([]*transaction, 0, len(e.openTxs))
	for tx := range e.openTxs {
		txs = append(txs, tx)
	}
	e.mu.Unlock()
	for _, tx := range txs {
		e.releaseTxSnapshot(tx)
	}
}

// table returns o as the block sees it, noting that the block writes it.
func (tx *transaction) table(e *Engine, o *catalog.Object) (dml.Table, error) {
	if err := tx.start(e); err != nil {
		return nil, err
	}
	known := false
	for _, w := range tx.written {
		known = known || w.RowTable() == o.RowTable()
	}
	if !known {
		tx.written = append(tx.written, o)
	}
	return dml.ReaderTable(&tx.overlay, o.RowTable()), nil
}

// apply records the changes of c, a DML statement's chunk for table o, as
// the block's writes.
func (tx *transaction) apply(o *catalog.Object, c exec.Chunk) {
	dml.Stage(tx.overlay.Changes, o, c)
}

// txPart is what COMMIT applies to one table and the table's running job.
type txPart struct {
	dml.TxPart
	j *job
}

// commitTransaction applies the writes of tx in one epoch and returns once
// they are visible (and durable, with synchronous_commit on). It fails,
// applying nothing, when another session changed a row tx changed since its
// snapshot (40001, or 23505 for a key both inserted), or a table tx wrote was
// dropped meanwhile.
func (s *Session) commitTransaction(ctx context.Context, tx *transaction) ([]Warning, error) {
	var parts []txPart
	for _, o := range tx.written {
		cur, ok := s.e.cat.Get(o.Name)
		if !ok || cur.RowTable() != o.RowTable() {
			return nil, errTableGone(o)
		}
		j, ok := s.e.jobs.Get(o.Name)
		if !ok || j.mat == nil || j.obj.RowTable() != o.RowTable() {
			return nil, errTableGone(o)
		}
		p, err := dml.NewTxPart(o, tx.overlay.Changes, tx.overlay.Base)
		if err != nil {
			return nil, err
		}
		if !p.Empty() {
			parts = append(parts, txPart{TxPart: p, j: j})
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	if err := s.e.tlog.Err(); err != nil {
		return nil, err
	}
	before := s.e.coord.Committed()
	if len(parts) == 1 {
		// One table: its fragment checks and applies in one step, ordered
		// with every other write to it.
		p := parts[0]
		var lsn uint64
		s.e.dmlMu.RLock()
		err := p.j.Output().Do(ctx, func(ctx context.Context, in exec.Output) error {
			if err := p.Check(p.j.mat); err != nil {
				return err
			}
			chunk, err := p.Chunk(s.e.mem)
			if err != nil || chunk.Batch == nil {
				return err
			}
			lsn, err = s.e.applyAndLog(ctx, p.j, []exec.Chunk{chunk}, in)
			return err
		})
		s.e.dmlMu.RUnlock()
		if errors.Is(err, exec.ErrFragmentEnded) {
			return nil, errTableGone(p.Table())
		}
		if err != nil {
			return nil, err
		}
		return s.awaitWrite(ctx, "COMMIT", lsn, before)
	}
	// Several tables: no other write may run between the checks and the
	// pushes, and no barrier may split the pushes into two epochs.
	var lsn uint64
	s.e.dmlMu.Lock()
	err := func() error {
		defer s.e.dmlMu.Unlock()
		resume, err := s.e.coord.Pause(ctx)
		if err != nil {
			return err
		}
		defer resume()
		for _, p := range parts {
			err := p.j.Output().Do(ctx, func(context.Context, exec.Output) error { return p.Check(p.j.mat) })
			if errors.Is(err, exec.ErrFragmentEnded) {
				return errTableGone(p.Table())
			}
			if err != nil {
				return err
			}
		}
		// From here on the changes apply whole, whatever happens to ctx;
		// the tables' changes are logged as one record, so that a replay
		// applies all of them or none.
		applyCtx := context.WithoutCancel(ctx)
		var logged []tablelog.Changes
		var jobs []*job
		var applyErr error
		for _, p := range parts {
			applyErr = p.j.Output().Do(applyCtx, func(ctx context.Context, in exec.Output) error {
				chunk, err := p.Chunk(s.e.mem)
				if err != nil || chunk.Batch == nil {
					return err
				}
				changes := encodeChanges(p.Table(), []exec.Chunk{chunk})
				if err := in.Push(ctx, chunk); err != nil {
					return err
				}
				logged = append(logged, changes)
				jobs = append(jobs, p.j)
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
		if len(logged) == 0 || s.e.tlog == nil {
			return applyErr
		}
		if lsn, err = s.e.tlog.Append(logged); err != nil {
			return fmt.Errorf("the table write log failed, the transaction is not durable: %w", err)
		}
		// No barrier can come before these: the coordinator is paused.
		for _, j := range jobs {
			j.tableLog.SetApplied(lsn)
		}
		return applyErr
	}()
	if err != nil {
		return nil, err
	}
	return s.awaitWrite(ctx, "COMMIT", lsn, before)
}

// errTableGone is COMMIT's error when a table the block wrote was dropped
// (and maybe created again) since the block wrote it.
func errTableGone(o *catalog.Object) error {
	return sqlstate.Errorf(sqlstate.SerializationFailure,
		"could not serialize access: table \"%s\" was dropped since the transaction began", o.Name)
}
