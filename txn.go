package weir

import (
	"context"

	"github.com/weir-stream/weir/exec/txn"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
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
	// writes are the block's writes over snap.
	writes txn.Block
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
	case *sql.Select, *sql.Show, *sql.ShowCreate, *sql.Describe, *sql.Explain, *sql.Set,
		*sql.DeclareCursor, *sql.FetchCursor, *sql.CloseCursor:
		return nil
	case *sql.Subscribe:
		// Its rows never end, and the block would never end either.
		return sqlstate.ErrorfAt(sqlstate.ActiveSQLTransaction, st.Position(), "SUBSCRIBE cannot run inside a transaction block").
			WithHint("Inside a block, declare a cursor: DECLARE c CURSOR FOR SUBSCRIBE …, then FETCH from it.")
	case *sql.Copy:
		if st.To {
			return nil
		}
		if tx.readOnly {
			return sqlstate.ErrorfAt(sqlstate.ReadOnlySQLTransaction, st.Position(), "cannot execute COPY FROM in a read-only transaction")
		}
		return nil
	case *sql.Insert, *sql.Update, *sql.Delete:
		if tx.readOnly {
			return sqlstate.ErrorfAt(sqlstate.ReadOnlySQLTransaction, st.Position(),
				"cannot execute %s in a read-only transaction", sql.StatementName(st))
		}
		return nil
	}
	return sqlstate.ErrorfAt(sqlstate.ActiveSQLTransaction, st.Position(),
		"%s cannot run inside a transaction block", sql.StatementName(st)).
		WithHint("weir applies DDL and FLUSH at once; run it outside BEGIN … COMMIT.")
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
		s.tx = &transaction{readOnly: st.ReadOnly}
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
		s.cursors.KeepHeld()
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
	s.tx.writes.End()
	s.tx = nil
	s.cursors.CloseBlock()
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
	return &snapshot{epoch: s.tx.snap.epoch, snap: s.tx.snap.snap, read: s.tx.writes.Reader()}, func() {}, nil
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
	tx.writes.Start(snap.snap, func() { e.releaseSnapshot(snap) }, e.openTxs)
	return nil
}

// commitTransaction applies the writes of tx in one epoch and returns once
// they are visible (and durable, with synchronous_commit on); it fails,
// applying nothing, on a conflict with another session's writes or a table
// dropped meanwhile (txn.Writer.Commit).
func (s *Session) commitTransaction(ctx context.Context, tx *transaction) ([]Warning, error) {
	// A table that failed since the block wrote it fails the COMMIT with
	// its failure, not as a table dropped meanwhile.
	var failure error
	parts, err := tx.writes.Parts(func(o *catalog.Object) (txn.Table, bool) {
		if cur, ok := s.e.cat.Get(o.Name); ok && cur.RowTable() == o.RowTable() {
			if f, failed := s.e.failed.Of(o.Name); failed {
				failure = f.Err()
				return nil, false
			}
		}
		return s.e.runningTable(o)
	})
	if failure != nil {
		return nil, failure
	}
	if err != nil || len(parts) == 0 {
		return nil, err
	}
	return s.applyWrite(ctx, "COMMIT", func(w txn.Writer) (uint64, error) { return w.Commit(ctx, parts) })
}
