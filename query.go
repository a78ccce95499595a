package weir

import (
	"context"
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// fallsBackToDuckDB reports whether a binder error means "weir's streaming
// binder does not support this shape" (joins, several relations), which an
// ad-hoc query can still run in DuckDB.
func fallsBackToDuckDB(err error) bool {
	var se *sqlstate.Error
	return errors.As(err, &se) && se.Code == sqlstate.FeatureNotSupported && !planner.Refused(err)
}

// bindingGap reports whether a binder error may be a gap of weir's
// binder rather than the query's: a feature views lack, or a function or
// operator it does not have (DuckDB has more).
func bindingGap(err error) bool {
	var se *sqlstate.Error
	return errors.As(err, &se) && !planner.Refused(err) &&
		(se.Code == sqlstate.FeatureNotSupported || se.Code == sqlstate.UndefinedFunction)
}

// joinsRelations reports whether st reads several relations in one FROM
// clause (a join, or a comma list) anywhere. Such a query that the binder
// cannot bind for a gap of its own (bindingGap) runs in DuckDB, as every
// join did before views could join: DuckDB answers it, or fails with an
// error weir rewords as Postgres would word it.
func joinsRelations(st *sql.Select) bool {
	found := false
	sql.Walk(st, func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.JoinTableExpr:
			found = true
		case *sql.Select:
			found = found || len(n.From) > 1
		}
		return !found
	})
	return found
}

// query runs an ad-hoc SELECT over the last committed epoch.
func (s *Session) query(ctx context.Context, st *sql.Select) (*Result, error) {
	if err := s.checkRelations(st); err != nil {
		return nil, err
	}
	b := planner.NewBinder(s.e.cat, nil)
	node, err := b.BindSelect(st)
	var want types.Schema
	switch {
	case err == nil:
		want = planner.Schema(node)
		if res, ok, err := s.pointLookup(ctx, st, node); ok || err != nil {
			return res, err
		}
		if adhoc.RunsLocally(node) && !scansStream(node) {
			return s.runLocal(ctx, node)
		}
	case s.namesSystemTable(st):
	case joinsRelations(st) && bindingGap(err):
	case !fallsBackToDuckDB(err):
		return nil, err
	}
	literals := b.ResolvedLiterals
	if err != nil {
		literals = adhoc.SetOpLiterals(s.e.cat, st)
	}
	return s.runInDuckDB(ctx, st, want, literals)
}

// runLocal runs a plan of scans, filters, projections, sorts and limits on
// weir's own operators over the committed snapshot (see adhoc.RunsLocally).
func (s *Session) runLocal(ctx context.Context, node planner.Node) (*Result, error) {
	snap, release, err := s.readSnapshot()
	if err != nil {
		return nil, err
	}
	defer release()
	rows, err := adhoc.RunLocal(ctx, s.e.mem, node, func(_ context.Context, sc *planner.Scan) (array.RecordReader, error) {
		return adhoc.ReadRows(s.e.mem, snap.reader(), sc.Object)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Columns: planner.Schema(node), Rows: rows, Tag: "SELECT"}, nil
}

// scansStream reports whether n reads a stream, which has no rows to query.
func scansStream(n planner.Node) bool {
	if sc, ok := n.(*planner.Scan); ok {
		return sc.Object.Kind == catalog.Stream
	}
	for _, c := range n.Children() {
		if scansStream(c) {
			return true
		}
	}
	return false
}

// namesSystemTable reports whether st reads a system table (such as
// weir_source_errors), which the binder does not know and DuckDB serves.
func (s *Session) namesSystemTable(st *sql.Select) bool {
	found := false
	sql.WalkTableNames(st, func(t *sql.TableName) {
		name := t.Name.Last().Value
		if _, ok := s.e.cat.Get(name); !ok {
			if _, ok := systables.Lookup(name); ok {
				found = true
			}
		}
	})
	return found
}

// runInDuckDB runs st in the embedded DuckDB over the committed snapshot of
// every relation it names; literals holds the binder's ResolvedLiterals.
func (s *Session) runInDuckDB(ctx context.Context, st *sql.Select, want types.Schema, literals map[*sql.SelectItem]types.T) (*Result, error) {
	snap, release, err := s.readSnapshot()
	if err != nil {
		return nil, err
	}
	defer release()
	text, rels, err := s.duckStatement(st, snap, literals)
	if err != nil {
		return nil, err
	}
	cols, rows, err := s.e.duck.Query(ctx, text, rels, want)
	if err != nil {
		return nil, adhoc.UserError(st, err)
	}
	if want != nil {
		for i := range cols {
			if i < len(want) {
				cols[i].Name = want[i].Name
			}
		}
	}
	return &Result{Columns: cols, Rows: rows, Tag: "SELECT"}, nil
}

// duckStatement returns st as the text DuckDB runs, and the relations it
// reads from snap (adhoc.Engine.Prepare): a table or view, or a system
// table; naming a sink or a stream, or nothing the catalog or the system
// tables know, is an error. literals holds the select items a set
// operation typed. st is as it was when it returns.
func (s *Session) duckStatement(st *sql.Select, snap *snapshot, literals map[*sql.SelectItem]types.T) (string, []adhoc.Relation, error) {
	defer planner.ExpandUsingStars(s.e.cat, st)()
	return s.e.duck.Prepare(st, literals, func(t *sql.TableName) (adhoc.Relation, error) {
		name := t.Name.Last().Value
		o, ok := s.e.cat.Get(name)
		switch {
		case !ok:
			if rel, ok := s.e.systemRelation(name, s.mayObserve); ok {
				return rel, nil
			}
			return adhoc.Relation{}, sqlstate.ErrorfAt(sqlstate.UndefinedTable, t.Position(), "relation \"%s\" does not exist", name)
		case o.Kind == catalog.Sink:
			return adhoc.Relation{}, sqlstate.ErrorfAt(sqlstate.WrongObjectType, t.Position(), "\"%s\" is a sink, not a relation", name)
		case o.Kind == catalog.Stream:
			return adhoc.Relation{}, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, t.Position(),
				"stream \"%s\" cannot be queried directly", name).WithHint("Create a materialized view over it and query the view.")
		}
		return adhoc.Relation{Schema: o.Schema(), Scan: func(context.Context) (array.RecordReader, error) {
			return adhoc.ReadRelation(s.e.mem, snap.reader(), o)
		}}, nil
	})
}

// duckParamTypes returns the types DuckDB infers for the $n parameters of
// st, a query only DuckDB can run (UnknownType where it infers none).
func (s *Session) duckParamTypes(ctx context.Context, st *sql.Select) ([]types.T, error) {
	snap, release, err := s.readSnapshot()
	if err != nil {
		return nil, err
	}
	defer release()
	text, rels, err := s.duckStatement(st, snap, nil)
	if err != nil {
		return nil, err
	}
	return s.e.duck.ParamTypes(ctx, text, rels)
}

// describeInDuckDB returns the result columns of a query only DuckDB can run.
func (s *Session) describeInDuckDB(ctx context.Context, st *sql.Select) (types.Schema, error) {
	res, err := s.runInDuckDB(ctx, st, nil, nil)
	if err != nil {
		return nil, err
	}
	res.Rows.Release()
	return res.Columns, nil
}

// checkRelations returns the error of the first relation st reads whose
// dataflow (or one it reads) has failed: its rows are stale, and a query
// says so instead of answering from them.
func (s *Session) checkRelations(st *sql.Select) error {
	var err error
	sql.WalkTableNames(st, func(t *sql.TableName) {
		if err == nil {
			if ferr := s.e.failed.ReadErr(t.Name.Last().Value); ferr != nil {
				err = ferr.At(t.Position())
			}
		}
	})
	return err
}

// pointLookup answers `SELECT … FROM rel WHERE key = constant [AND …]` for
// every key column of a table or view straight from the state store. ok is
// false when the query has another shape.
func (s *Session) pointLookup(ctx context.Context, st *sql.Select, node planner.Node) (*Result, bool, error) {
	proj, ok := node.(*planner.Project)
	if !ok || st.Where == nil || len(st.GroupBy) > 0 || st.Having != nil || st.Distinct || len(st.OrderBy) > 0 || st.Limit != nil || st.Offset != nil {
		return nil, false, nil
	}
	filter, ok := proj.Input.(*planner.Filter)
	if !ok {
		return nil, false, nil
	}
	scan, ok := filter.Input.(*planner.Scan)
	if !ok || scan.Object.Kind == catalog.Stream {
		return nil, false, nil
	}
	o := scan.Object
	consts := map[string]sql.Expr{}
	if !equalities(st.Where, consts) {
		return nil, false, nil
	}
	kt := o.KeyTypes()
	b := planner.NewBinder(s.e.cat, nil)
	var key []byte
	for i, k := range o.Key {
		c := o.Columns[k]
		lit, ok := consts[c.Name]
		if !ok || c.Hidden || len(consts) != len(o.Key) {
			return nil, false, nil
		}
		e, err := b.BindScalar(nil, lit, c.Type, "WHERE")
		if err != nil {
			return nil, false, nil
		}
		if e, err = expr.Cast(e, c.Type); err != nil {
			return nil, false, nil
		}
		arr, err := expr.EvalConstant(ctx, s.e.mem, e)
		if err != nil {
			return nil, true, at(err, lit.Position())
		}
		key = statestore.AppendValue(key, kt[i], arr, 0)
		arr.Release()
	}
	snap, release, err := s.readSnapshot()
	if err != nil {
		return nil, true, err
	}
	defer release()
	dec := statestore.NewRowDecoder(s.e.mem, o.FullSchema())
	defer dec.Release()
	row, found, err := snap.reader().Get(statestore.AppendKey(nil, o.RowTable(), statestore.Vnode(key), key))
	if err != nil {
		return nil, true, err
	}
	if found {
		if err := dec.Append(row); err != nil {
			return nil, true, err
		}
	}
	full := dec.NewBatch()
	defer full.Release()
	schema := planner.Schema(node)
	cols := make([]arrow.Array, 0, len(schema))
	for i, e := range proj.Exprs {
		if proj.Cols[i].Hidden {
			continue
		}
		arr, err := e.Eval(ctx, s.e.mem, full)
		if err != nil {
			for _, a := range cols {
				a.Release()
			}
			return nil, true, err
		}
		cols = append(cols, arr)
	}
	out := array.NewRecordBatch(schema.Arrow(), cols, full.NumRows())
	for _, a := range cols {
		a.Release()
	}
	rdr, err := array.NewRecordReader(out.Schema(), []arrow.RecordBatch{out})
	out.Release()
	if err != nil {
		return nil, true, err
	}
	return &Result{Columns: schema, Rows: rdr, Tag: "SELECT"}, true, nil
}

// equalities collects `column = literal` conjuncts of where into consts; it
// returns false when where has any other shape.
func equalities(where sql.Expr, consts map[string]sql.Expr) bool {
	switch w := where.(type) {
	case *sql.ParenExpr:
		return equalities(w.Expr, consts)
	case *sql.BinaryExpr:
		if w.Op == sql.OpAnd {
			return equalities(w.Left, consts) && equalities(w.Right, consts)
		}
		if w.Op != sql.OpEq {
			return false
		}
		ref, lit := w.Left, w.Right
		if _, ok := ref.(*sql.ColumnRef); !ok {
			ref, lit = lit, ref
		}
		c, ok := ref.(*sql.ColumnRef)
		if !ok || !isConstant(lit) {
			return false
		}
		if _, dup := consts[c.Name.Value]; dup {
			return false
		}
		consts[c.Name.Value] = lit
		return true
	}
	return false
}

func isConstant(e sql.Expr) bool {
	switch e := e.(type) {
	case *sql.Literal:
		return true
	case *sql.UnaryExpr:
		return isConstant(e.Operand)
	case *sql.CastExpr:
		return isConstant(e.Expr)
	case *sql.ParenExpr:
		return isConstant(e.Expr)
	}
	return false
}
