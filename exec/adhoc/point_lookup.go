//go:build duckdb_arrow

package adhoc

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// pointLookup answers `SELECT … FROM rel WHERE key = constant [AND …]`, with
// an equality for every key column of a table or view, straight from the
// state store: one Get of the row's key in the snapshot. node is st bound.
// ok is false when the query has another shape; then it read nothing.
func (q Queries) pointLookup(ctx context.Context, st *sql.Select, node planner.Node) (_ array.RecordReader, ok bool, _ error) {
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
	b := planner.NewBinder(q.Catalog, nil)
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
		arr, err := expr.EvalConstant(ctx, q.Mem, e)
		if err != nil {
			return nil, true, planner.At(err, lit.Position())
		}
		key = statestore.AppendValue(key, kt[i], arr, 0)
		arr.Release()
	}
	snap, release, err := q.Env.Snapshot()
	if err != nil {
		return nil, true, err
	}
	defer release()
	dec := statestore.NewRowDecoder(q.Mem, o.FullSchema())
	defer dec.Release()
	row, found, err := snap.Get(statestore.AppendKey(nil, o.RowTable(), statestore.Vnode(key), key))
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
		arr, err := e.Eval(ctx, q.Mem, full)
		if err != nil {
			releaseBatchArrays(cols)
			return nil, true, err
		}
		cols = append(cols, arr)
	}
	out := array.NewRecordBatch(schema.Arrow(), cols, full.NumRows())
	releaseBatchArrays(cols)
	rdr, err := array.NewRecordReader(out.Schema(), []arrow.RecordBatch{out})
	out.Release()
	if err != nil {
		return nil, true, err
	}
	return rdr, true, nil
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

// isConstant reports whether e is a literal, possibly signed, cast or in
// parentheses.
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
