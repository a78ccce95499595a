package weir

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// at gives err the position pos when it is a *sqlstate.Error without one.
func at(err error, pos sql.Pos) error { return planner.At(err, pos) }

// dmlTarget returns the table a DML statement writes and its running job.
func (s *Session) dmlTarget(name sql.ObjectName, verb string) (*catalog.Object, *job, error) {
	o, ok := s.e.cat.Get(name.Last().Value)
	if !ok {
		return nil, nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, name.Position(), "relation \"%s\" does not exist", name.Last().Value)
	}
	if o.Kind != catalog.Table {
		return nil, nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, name.Position(), "cannot %s %s \"%s\"", verb, o.Kind, o.Name).
			WithHint("Only tables accept INSERT, UPDATE and DELETE.")
	}
	j, ok := s.e.jobs.Get(o.Name)
	if !ok {
		return nil, nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "table \"%s\" is not running", o.Name)
	}
	if f, failed := s.e.failed.Of(o.Name); failed {
		return nil, nil, f.Err()
	}
	return o, j, nil
}

// bindDML binds a DML statement for Prepare: it types the parameters.
func (s *Session) bindDML(b *planner.Binder, st sql.Statement) error {
	switch st := st.(type) {
	case *sql.Insert:
		o, _, err := s.dmlTarget(st.Table, "insert into")
		if err != nil {
			return err
		}
		targets, err := insertTargets(o, st)
		if err != nil {
			return err
		}
		for _, row := range st.Values {
			for i, v := range row {
				if i < len(targets) {
					if _, err := b.BindScalar(nil, v, o.Columns[targets[i]].Type, "VALUES"); err != nil {
						return err
					}
				}
			}
		}
	case *sql.Update:
		o, _, err := s.dmlTarget(st.Table, "update")
		if err != nil {
			return err
		}
		for _, a := range st.Set {
			if i := o.FullSchema().Index(a.Column.Value); i >= 0 {
				if _, err := b.BindScalar(o, a.Value, o.Columns[i].Type, "UPDATE"); err != nil {
					return err
				}
			}
		}
		if st.Where != nil {
			_, err = b.BindScalar(o, st.Where, types.BoolType, "WHERE")
		}
		return err
	case *sql.Delete:
		o, _, err := s.dmlTarget(st.Table, "delete from")
		if err != nil {
			return err
		}
		if st.Where != nil {
			_, err = b.BindScalar(o, st.Where, types.BoolType, "WHERE")
		}
		return err
	}
	return nil
}

// insertTargets returns the column index each inserted value goes to.
func insertTargets(o *catalog.Object, st *sql.Insert) ([]int, error) {
	var targets []int
	if st.Columns == nil {
		for i, c := range o.Columns {
			if !c.Hidden {
				targets = append(targets, i)
			}
		}
		return targets, nil
	}
	for _, n := range st.Columns {
		idx := -1
		for i, c := range o.Columns {
			if !c.Hidden && c.Name == n.Value {
				idx = i
			}
		}
		if idx < 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, n.Pos, "column \"%s\" of relation \"%s\" does not exist", n.Value, o.Name)
		}
		for _, t := range targets {
			if t == idx {
				return nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, n.Pos, "column \"%s\" specified more than once", n.Value)
			}
		}
		targets = append(targets, idx)
	}
	return targets, nil
}

func (s *Session) insert(ctx context.Context, st *sql.Insert) (*Result, error) {
	o, j, err := s.dmlTarget(st.Table, "insert into")
	if err != nil {
		return nil, err
	}
	targets, err := insertTargets(o, st)
	if err != nil {
		return nil, err
	}
	vals := dml.NewValues(s.e.mem, o, targets)
	defer vals.Release()
	if st.Query != nil {
		res, err := s.query(ctx, st.Query)
		if err != nil {
			return nil, err
		}
		defer res.Rows.Release()
		if len(res.Columns) != len(targets) {
			msg := "INSERT has more expressions than target columns"
			if len(res.Columns) < len(targets) {
				msg = "INSERT has more target columns than expressions"
			}
			return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, st.Query.Pos, "%s", msg)
		}
		exprs := make([]expr.Expr, len(targets))
		for i, t := range targets {
			if exprs[i], err = dml.Coerce(expr.Column(i, res.Columns[i].Name, res.Columns[i].Type), o.Columns[t]); err != nil {
				return nil, at(err, st.Query.Pos)
			}
		}
		for res.Rows.Next() {
			if err := vals.AddBatch(ctx, exprs, res.Rows.RecordBatch()); err != nil {
				return nil, err
			}
		}
		if err := res.Rows.Err(); err != nil {
			return nil, err
		}
	} else {
		b := planner.NewBinder(s.e.cat, nil)
		exprs := make([]expr.Expr, len(targets))
		for _, row := range st.Values {
			if len(row) != len(targets) {
				msg := "INSERT has more expressions than target columns"
				if len(row) < len(targets) {
					msg = "INSERT has more target columns than expressions"
				}
				return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, row[0].Position(), "%s", msg)
			}
			for i, v := range row {
				col := o.Columns[targets[i]]
				e, err := b.BindScalar(nil, v, col.Type, "VALUES")
				if err != nil {
					return nil, err
				}
				if exprs[i], err = dml.Coerce(e, col); err != nil {
					return nil, at(err, v.Position())
				}
			}
			if i, err := vals.AddRow(ctx, exprs); err != nil {
				return nil, at(err, row[i].Position())
			}
		}
	}
	if vals.Len() == 0 {
		return &Result{Tag: "INSERT 0 0"}, nil
	}
	batch, err := vals.Rows()
	if err != nil {
		return nil, err
	}
	defer batch.Release()
	warnings, err := s.write(ctx, o, j, "INSERT", func(ctx context.Context, t dml.Table) ([]exec.Chunk, error) {
		return dml.Insert(o, t, batch)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag("INSERT 0", int64(vals.Len())), Warnings: warnings}, nil
}

// write runs change, the part of a DML statement that reads the table and
// returns the chunks of its changes (releasing them itself when it fails),
// and applies the chunks, all of them or none. In a transaction block they
// become the block's writes. Otherwise change runs inside the table's
// fragment, ordered after every earlier write, and write returns once the
// changes are visible to queries and, with synchronous_commit on, synced to
// the table write log (awaitWrite): statements arriving together share the
// epoch and the fsync (group commit), and the epoch is cut at once.
func (s *Session) write(ctx context.Context, o *catalog.Object, j *job, verb string, change func(ctx context.Context, t dml.Table) ([]exec.Chunk, error)) ([]Warning, error) {
	if s.tx != nil {
		t, err := s.tx.table(s.e, o)
		if err != nil {
			return nil, err
		}
		chunks, err := change(ctx, t)
		if err != nil {
			return nil, err
		}
		for _, c := range chunks {
			s.tx.apply(o, c)
			c.Release()
		}
		return nil, nil
	}
	if err := s.e.tlog.Err(); err != nil {
		return nil, err
	}
	var lsn uint64
	before := s.e.coord.Committed()
	s.e.dmlMu.RLock()
	err := j.Output().Do(ctx, func(ctx context.Context, in exec.Output) error {
		chunks, err := change(ctx, j.mat)
		if err != nil || len(chunks) == 0 {
			return err
		}
		lsn, err = s.e.applyAndLog(ctx, j, chunks, in)
		return err
	})
	s.e.dmlMu.RUnlock()
	if err != nil {
		return nil, err
	}
	return s.awaitWrite(ctx, verb, lsn, before)
}

// applyAndLog pushes chunks, the changes of one statement to j's table,
// into the table's fragment (it runs inside it: Do), appends them to the
// table write log, and notes the record's LSN in j before any barrier can
// come. It returns the LSN (0 without a log). The pushes ignore ctx's
// cancellation: once the changes start to apply, they apply whole (a
// cancelled push would leave the table changed and a view over it not).
// If the log fails after the changes were applied, the state would hold
// what the log does not: the fragment is ended (a panic in Do) so that no
// checkpoint takes them, and the table is reported failed.
func (e *Engine) applyAndLog(ctx context.Context, j *job, chunks []exec.Chunk, in exec.Output) (uint64, error) {
	var changes tablelog.Changes
	if e.tlog != nil {
		changes = encodeChanges(j.obj, chunks)
	}
	pushCtx := context.WithoutCancel(ctx)
	pushed := 0 // rows applied
	for i, c := range chunks {
		n := c.NumRows()
		if err := in.Push(pushCtx, c); err != nil {
			for _, rest := range chunks[i+1:] {
				rest.Release()
			}
			if pushed > 0 && e.tlog != nil {
				// What was applied is logged, so that a replay matches it.
				e.mustLogApplied(j, changes.Truncated(pushed))
			}
			return 0, err
		}
		pushed += n
	}
	return e.mustLogApplied(j, changes), nil
}

// mustLogApplied logs changes, applied to j's table, and notes their LSN in
// j; it panics (ending the table's fragment, see applyAndLog) when the log
// cannot take them.
func (e *Engine) mustLogApplied(j *job, changes tablelog.Changes) uint64 {
	if e.tlog == nil {
		return 0
	}
	lsn, err := e.tlog.Append([]tablelog.Changes{changes})
	if err != nil {
		panic(fmt.Errorf("the table write log failed after a write to %s was applied; the table stops: %w", j.obj.Name, err))
	}
	j.tableLog.SetApplied(lsn)
	return lsn
}

func (s *Session) delete(ctx context.Context, st *sql.Delete) (*Result, error) {
	o, j, err := s.dmlTarget(st.Table, "delete from")
	if err != nil {
		return nil, err
	}
	var where expr.Expr
	if st.Where != nil {
		if where, err = planner.NewBinder(s.e.cat, nil).BindScalar(o, st.Where, types.BoolType, "WHERE"); err != nil {
			return nil, err
		}
		if where, err = expr.RequireBool(where, "WHERE"); err != nil {
			return nil, at(err, st.Where.Position())
		}
	}
	var n int64
	warnings, err := s.write(ctx, o, j, "DELETE", func(ctx context.Context, t dml.Table) (chunks []exec.Chunk, err error) {
		chunks, n, err = dml.Delete(ctx, s.e.mem, o, t, where)
		return chunks, err
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag("DELETE", n), Warnings: warnings}, nil
}

func (s *Session) update(ctx context.Context, st *sql.Update) (*Result, error) {
	o, j, err := s.dmlTarget(st.Table, "update")
	if err != nil {
		return nil, err
	}
	b := planner.NewBinder(s.e.cat, nil)
	sets := make([]expr.Expr, len(o.Columns))
	for _, a := range st.Set {
		idx := -1
		for i, c := range o.Columns {
			if !c.Hidden && c.Name == a.Column.Value {
				idx = i
			}
		}
		if idx < 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, a.Column.Pos, "column \"%s\" of relation \"%s\" does not exist", a.Column.Value, o.Name)
		}
		e, err := b.BindScalar(o, a.Value, o.Columns[idx].Type, "UPDATE")
		if err != nil {
			return nil, err
		}
		if sets[idx], err = dml.Coerce(e, o.Columns[idx]); err != nil {
			return nil, at(err, a.Value.Position())
		}
	}
	var where expr.Expr
	if st.Where != nil {
		if where, err = b.BindScalar(o, st.Where, types.BoolType, "WHERE"); err != nil {
			return nil, err
		}
		if where, err = expr.RequireBool(where, "WHERE"); err != nil {
			return nil, at(err, st.Where.Position())
		}
	}
	u := dml.NewUpdate(o, sets, where)
	var n int64
	warnings, err := s.write(ctx, o, j, "UPDATE", func(ctx context.Context, t dml.Table) (chunks []exec.Chunk, err error) {
		chunks, n, err = u.Changes(ctx, s.e.mem, t)
		return chunks, err
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag("UPDATE", n), Warnings: warnings}, nil
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}
