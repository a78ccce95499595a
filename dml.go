package weir

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/txn"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// at gives err the position pos when it is a *sqlstate.Error without one.
func at(err error, pos sql.Pos) error { return planner.At(err, pos) }

// dmlTarget returns the table st, an INSERT, UPDATE or DELETE, writes and
// its running job.
func (s *Session) dmlTarget(st sql.Statement) (*catalog.Object, *job, error) {
	var name sql.ObjectName
	verb := "delete from"
	switch st := st.(type) {
	case *sql.Insert:
		name, verb = st.Table, "insert into"
	case *sql.Update:
		name, verb = st.Table, "update"
	case *sql.Delete:
		name = st.Table
	}
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
	o, _, err := s.dmlTarget(st)
	if err != nil {
		return err
	}
	return dml.BindParams(b, o, st)
}

// dml runs an INSERT, UPDATE or DELETE: it binds st, then applies the
// changes it makes to the table's rows (write).
func (s *Session) dml(ctx context.Context, st sql.Statement) (*Result, error) {
	o, j, err := s.dmlTarget(st)
	if err != nil {
		return nil, err
	}
	b := planner.NewBinder(s.e.cat, nil)
	verb := sql.StatementName(st)
	tag := verb
	var change dml.Change
	switch st := st.(type) {
	case *sql.Insert:
		rows, err := s.insertRows(ctx, b, o, st)
		if err != nil {
			return nil, err
		}
		if rows == nil {
			return &Result{Tag: "INSERT 0 0"}, nil
		}
		defer rows.Release()
		change, tag = dml.NewInsertion(o, rows), "INSERT 0"
	case *sql.Update:
		change, err = dml.BindUpdate(b, o, st)
	case *sql.Delete:
		change, err = dml.BindDelete(b, o, st)
	}
	if err != nil {
		return nil, err
	}
	var n int64
	warnings, err := s.write(ctx, o, j, verb, func(ctx context.Context, t dml.Table) (chunks []exec.Chunk, err error) {
		chunks, n, err = change.Changes(ctx, s.e.mem, t)
		return chunks, err
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag(tag, n), Warnings: warnings}, nil
}

// insertRows returns the rows an INSERT stores into o: its VALUES bound
// with b, or its query's rows; nil when there are none.
func (s *Session) insertRows(ctx context.Context, b *planner.Binder, o *catalog.Object, st *sql.Insert) (arrow.RecordBatch, error) {
	targets, err := dml.InsertTargets(o, st.Columns)
	if err != nil {
		return nil, err
	}
	vals := dml.NewValues(s.e.mem, o, targets)
	defer vals.Release()
	if st.Query != nil {
		var res *Result
		if res, err = s.query(ctx, st.Query); err != nil {
			return nil, err
		}
		defer res.Rows.Release()
		err = vals.AddQuery(ctx, res.Columns, res.Rows, st.Query.Pos)
	} else {
		err = vals.AddValues(ctx, b, st.Values)
	}
	if err != nil || vals.Len() == 0 {
		return nil, err
	}
	return vals.Rows()
}

// write runs change, the part of a DML statement that reads the table and
// returns the chunks of its changes (releasing them itself when it fails),
// and applies the chunks, all of them or none. In a transaction block they
// become the block's writes. Otherwise they are applied inside the table's
// fragment (txn.Writer.Write), and write returns once they are visible to
// queries and, with synchronous_commit on, durable (applyWrite).
func (s *Session) write(ctx context.Context, o *catalog.Object, j *job, verb string, change func(ctx context.Context, t dml.Table) ([]exec.Chunk, error)) ([]Warning, error) {
	if s.tx != nil {
		if err := s.tx.start(s.e); err != nil {
			return nil, err
		}
		return nil, s.tx.writes.Write(ctx, o, change)
	}
	return s.applyWrite(ctx, verb, func(w txn.Writer) (uint64, error) { return w.Write(ctx, jobTable{j}, change) })
}
