package dml

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// InsertTargets returns the column of o each value of an INSERT with the
// column list cols goes to (nil: every visible column, in order): 42703
// for a column o does not have, 42701 for one named twice.
func InsertTargets(o *catalog.Object, cols []sql.Name) ([]int, error) {
	var targets []int
	if cols == nil {
		for i, c := range o.Columns {
			if !c.Hidden {
				targets = append(targets, i)
			}
		}
		return targets, nil
	}
	for _, n := range cols {
		idx := visibleColumn(o, n.Value)
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

// visibleColumn returns the index of o's column name that is not hidden,
// or -1.
func visibleColumn(o *catalog.Object, name string) int {
	idx := -1
	for i, c := range o.Columns {
		if !c.Hidden && c.Name == name {
			idx = i
		}
	}
	return idx
}

// errInsertArity is the error of an INSERT whose rows have n values for
// its targets.
func errInsertArity(n, targets int, pos sql.Pos) error {
	msg := "INSERT has more expressions than target columns"
	if n < targets {
		msg = "INSERT has more target columns than expressions"
	}
	return sqlstate.ErrorfAt(sqlstate.SyntaxError, pos, "%s", msg)
}

// AddValues binds the rows of an INSERT … VALUES with b, converts each
// value to its column's type (Coerce) and adds the rows one at a time
// (AddRow), so that a row's error comes before the next row is bound.
// Errors are placed at the value (or the row) they are about.
func (v *Values) AddValues(ctx context.Context, b *planner.Binder, rows [][]sql.Expr) error {
	exprs := make([]expr.Expr, len(v.targets))
	for _, row := range rows {
		if len(row) != len(v.targets) {
			return errInsertArity(len(row), len(v.targets), row[0].Position())
		}
		for i, val := range row {
			col := v.o.Columns[v.targets[i]]
			e, err := b.BindScalar(nil, val, col.Type, "VALUES")
			if err != nil {
				return err
			}
			if exprs[i], err = Coerce(e, col); err != nil {
				return planner.At(err, val.Position())
			}
		}
		if i, err := v.AddRow(ctx, exprs); err != nil {
			return planner.At(err, row[i].Position())
		}
	}
	return nil
}

// AddQuery adds the rows of an INSERT … SELECT, rows with the columns
// cols, converted to the types of their target columns; the errors of the
// conversion are placed at pos, the query's position.
func (v *Values) AddQuery(ctx context.Context, cols types.Schema, rows array.RecordReader, pos sql.Pos) error {
	if len(cols) != len(v.targets) {
		return errInsertArity(len(cols), len(v.targets), pos)
	}
	exprs := make([]expr.Expr, len(v.targets))
	for i, t := range v.targets {
		var err error
		if exprs[i], err = Coerce(expr.Column(i, cols[i].Name, cols[i].Type), v.o.Columns[t]); err != nil {
			return planner.At(err, pos)
		}
	}
	for rows.Next() {
		if err := v.AddBatch(ctx, exprs, rows.RecordBatch()); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BindUpdate binds an UPDATE of o with b: its SET list, each value
// converted to its column's type, and its WHERE clause.
func BindUpdate(b *planner.Binder, o *catalog.Object, st *sql.Update) (*Update, error) {
	sets := make([]expr.Expr, len(o.Columns))
	for _, a := range st.Set {
		idx := visibleColumn(o, a.Column.Value)
		if idx < 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, a.Column.Pos, "column \"%s\" of relation \"%s\" does not exist", a.Column.Value, o.Name)
		}
		e, err := b.BindScalar(o, a.Value, o.Columns[idx].Type, "UPDATE")
		if err != nil {
			return nil, err
		}
		if sets[idx], err = Coerce(e, o.Columns[idx]); err != nil {
			return nil, planner.At(err, a.Value.Position())
		}
	}
	where, err := BindWhere(b, o, st.Where)
	if err != nil {
		return nil, err
	}
	return NewUpdate(o, sets, where), nil
}

// BindWhere binds the WHERE clause of an UPDATE or DELETE of o (nil: none,
// every row), which must be a boolean.
func BindWhere(b *planner.Binder, o *catalog.Object, where sql.Expr) (expr.Expr, error) {
	if where == nil {
		return nil, nil
	}
	e, err := b.BindScalar(o, where, types.BoolType, "WHERE")
	if err != nil {
		return nil, err
	}
	if e, err = expr.RequireBool(e, "WHERE"); err != nil {
		return nil, planner.At(err, where.Position())
	}
	return e, nil
}

// BindParams binds what of st, an INSERT, UPDATE or DELETE of o, a
// prepared statement's parameters appear in, so that b types them. It
// checks less than running st does: what it does not bind fails at
// execution.
func BindParams(b *planner.Binder, o *catalog.Object, st sql.Statement) error {
	switch st := st.(type) {
	case *sql.Insert:
		targets, err := InsertTargets(o, st.Columns)
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
		for _, a := range st.Set {
			if i := o.FullSchema().Index(a.Column.Value); i >= 0 {
				if _, err := b.BindScalar(o, a.Value, o.Columns[i].Type, "UPDATE"); err != nil {
					return err
				}
			}
		}
		return bindWhereParams(b, o, st.Where)
	case *sql.Delete:
		return bindWhereParams(b, o, st.Where)
	}
	return nil
}

// bindWhereParams binds a WHERE clause for its parameters' types.
func bindWhereParams(b *planner.Binder, o *catalog.Object, where sql.Expr) error {
	if where == nil {
		return nil
	}
	_, err := b.BindScalar(o, where, types.BoolType, "WHERE")
	return err
}
