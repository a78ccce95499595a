package weir

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"regexp"

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
	case !fallsBackToDuckDB(err):
		return nil, err
	}
	literals := b.ResolvedLiterals
	if err != nil {
		literals = s.setOpLiterals(st)
	}
	return s.runInDuckDB(ctx, st, want, literals)
}

// setOpLiterals returns the ResolvedLiterals of each set operation in st
// that binds on its own: the binder stops at what it leaves to DuckDB (a
// join), maybe before the set operations in a subquery.
func (s *Session) setOpLiterals(st *sql.Select) map[*sql.SelectItem]types.T {
	out := map[*sql.SelectItem]types.T{}
	walkAST(reflect.ValueOf(st), func(v reflect.Value) (bool, func()) {
		q, ok := v.Interface().(*sql.Select)
		if !ok || q.Set == nil {
			return true, nil
		}
		b := planner.NewBinder(s.e.cat, nil)
		if _, err := b.BindSelect(q); err != nil {
			return true, nil // its operands may hold some that bind
		}
		maps.Copy(out, b.ResolvedLiterals)
		return false, nil
	})
	return out
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
		return s.e.scanRows(snap, sc.Object)
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
	rewriteTables(st, func(t *sql.TableName) {
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
		var se *sqlstate.Error
		if errors.As(err, &se) {
			// DuckDB's position is in the rewritten query, not the user's:
			// point at the name the error is about instead.
			c := *se
			c.Position = userPosition(st, se)
			err = &c
		}
		return nil, err
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
// reads from snap: every table and view st names becomes a temporary table
// of an internal name (aliased by its own), divisions become the functions
// that fail as Postgres does, and each select-list entry in literals (a
// literal a set operation typed) is cast to its type. st is as it was when
// it returns.
func (s *Session) duckStatement(st *sql.Select, snap *snapshot, literals map[*sql.SelectItem]types.T) (string, []adhoc.Relation, error) {
	var rels []adhoc.Relation
	names := map[string]string{}
	var restore []func()
	defer func() {
		for _, r := range restore {
			r()
		}
	}()
	var rewriteErr error
	rewriteTables(st, func(t *sql.TableName) {
		name := t.Name.Last().Value
		o, ok := s.e.cat.Get(name)
		if !ok {
			if rel, ok := s.e.systemRelation(name, s.mayObserve); ok {
				tmp := s.e.duck.TempName(name)
				rel.Name, rel.Display = tmp, name
				rels = append(rels, rel)
				names[name] = tmp
			} else {
				rewriteErr = sqlstate.ErrorfAt(sqlstate.UndefinedTable, t.Position(), "relation \"%s\" does not exist", name)
				return
			}
		} else if o.Kind == catalog.Sink {
			rewriteErr = sqlstate.ErrorfAt(sqlstate.WrongObjectType, t.Position(), "\"%s\" is a sink, not a relation", name)
			return
		} else if o.Kind == catalog.Stream {
			rewriteErr = sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, t.Position(),
				"stream \"%s\" cannot be queried directly", name).WithHint("Create a materialized view over it and query the view.")
			return
		}
		tmp, seen := names[name]
		if !seen {
			tmp = s.e.duck.TempName(name)
			names[name] = tmp
			obj := o
			rels = append(rels, adhoc.Relation{Name: tmp, Display: name, Schema: obj.Schema(), Scan: func(ctx context.Context) (array.RecordReader, error) {
				return s.e.scanRelation(snap, obj)
			}})
		}
		old := t.Name
		if t.Alias == nil {
			alias := sql.Name{Value: name}
			t.Alias = &alias
			restore = append(restore, func() { t.Alias = nil })
		}
		t.Name = sql.ObjectName{Parts: []sql.Name{{Value: tmp, Quoted: true}}}
		restore = append(restore, func() { t.Name = old })
	})
	if rewriteErr != nil {
		return "", nil, rewriteErr
	}
	var undo []func()
	for it, t := range literals {
		e := it.Expr
		it.Expr = &sql.CastExpr{Pos: e.Position(), Expr: e, Type: sql.TypeName{Type: t}}
		undo = append(undo, func() { it.Expr = e })
	}
	nameDivisions(reflect.ValueOf(st), &undo)
	rewriteDivisions(reflect.ValueOf(st), &undo)
	text := sql.String(st)
	for i := len(undo) - 1; i >= 0; i-- {
		undo[i]()
	}
	return text, rels, nil
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

// rewriteTables calls fn on every table name st reads: in FROM clauses,
// joins and subqueries, those of expressions included (a scalar subquery in
// the select list, WHERE, HAVING, ORDER BY or a join condition), in the
// order they are written.
func rewriteTables(st *sql.Select, fn func(*sql.TableName)) {
	walkTableNames(reflect.ValueOf(st), fn)
}

// walkAST visits the AST under v: pointers, interfaces, structs and slices,
// the shapes sql's nodes are made of. It calls visit on every non-nil
// pointer or interface value before the values under it; visit says
// whether to go under it, and may return a function to call after them
// (nil: none). Statements nest at most sql's depth limit, so the recursion
// is bounded.
func walkAST(v reflect.Value, visit func(v reflect.Value) (descend bool, after func())) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		descend, after := visit(v)
		if descend {
			walkAST(v.Elem(), visit)
		}
		if after != nil {
			after()
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkAST(v.Field(i), visit)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkAST(v.Index(i), visit)
		}
	}
}

// walkTableNames calls fn on every *sql.TableName under v.
func walkTableNames(v reflect.Value, fn func(*sql.TableName)) {
	walkAST(v, func(v reflect.Value) (bool, func()) {
		if t, ok := v.Interface().(*sql.TableName); ok {
			fn(t)
			return false, nil
		}
		return true, nil
	})
}

// rewriteDivisions replaces every a / b and a % b under v by
// adhoc.DivFunc(a, b) and adhoc.ModFunc(a, b), which fail on a zero
// divisor as Postgres does (DuckDB's operators give NULL), and appends to
// undo what puts each back (to be called in reverse order). Operands are
// rewritten before the division that holds them.
func rewriteDivisions(v reflect.Value, undo *[]func()) {
	walkAST(v, func(v reflect.Value) (bool, func()) {
		b, ok := v.Interface().(*sql.BinaryExpr)
		if v.Kind() != reflect.Interface || !ok || (b.Op != sql.OpDiv && b.Op != sql.OpMod) || !v.CanSet() {
			return true, nil
		}
		return true, func() {
			fn := adhoc.DivFunc
			if b.Op == sql.OpMod {
				fn = adhoc.ModFunc
			}
			v.Set(reflect.ValueOf(&sql.FuncCall{Pos: b.Pos, Name: sql.Name{Value: fn}, Args: []sql.Expr{b.Left, b.Right}}))
			*undo = append(*undo, func() { v.Set(reflect.ValueOf(b)) })
		}
	})
}

// nameDivisions gives every select item under v that has no alias and
// holds a division the name Postgres would give it, before
// rewriteDivisions makes DuckDB name it after weir_div; undo gets what
// takes the names off.
func nameDivisions(v reflect.Value, undo *[]func()) {
	walkAST(v, func(v reflect.Value) (bool, func()) {
		if sel, ok := v.Interface().(*sql.Select); ok {
			for i := range sel.Items {
				it := &sel.Items[i]
				if it.Star || it.Alias != nil || !hasDivision(reflect.ValueOf(it.Expr)) {
					continue
				}
				it.Alias = &sql.Name{Value: columnName(it.Expr), Quoted: true}
				*undo = append(*undo, func() { it.Alias = nil })
			}
		}
		return true, nil
	})
}

// hasDivision reports whether the expression under v divides (a / or %).
func hasDivision(v reflect.Value) bool {
	found := false
	walkAST(v, func(v reflect.Value) (bool, func()) {
		if b, ok := v.Interface().(*sql.BinaryExpr); ok && (b.Op == sql.OpDiv || b.Op == sql.OpMod) {
			found = true
		}
		return !found, nil
	})
	return found
}

// columnName is the name Postgres gives a select item without an alias:
// a column's or a function's name, and ?column? for other expressions
// (where Postgres names a cast after its type).
func columnName(e sql.Expr) string {
	switch e := e.(type) {
	case *sql.ColumnRef:
		return e.Name.Value
	case *sql.FuncCall:
		return e.Name.Value
	case *sql.ParenExpr:
		return columnName(e.Expr)
	case *sql.CaseExpr:
		return "case"
	}
	return "?column?"
}

// errorName finds the column or function an error names: column "x" or
// column t.x (42703), column reference "x" (42702), function f (42883).
var errorName = regexp.MustCompile(`^(?:column (?:reference )?"([^"]+)"|column ([^ ."]+)\.([^ "]+)|function ([^( ]+))`)

// userPosition returns where in st the column or function that se names
// is first written, or -1.
func userPosition(st *sql.Select, se *sqlstate.Error) int {
	m := errorName.FindStringSubmatch(se.Message)
	if m == nil {
		return -1
	}
	table, col, fn := "", m[1], m[4]
	if m[2] != "" {
		table, col = m[2], m[3]
	}
	pos := -1
	walkAST(reflect.ValueOf(st), func(v reflect.Value) (bool, func()) {
		if pos >= 0 {
			return false, nil // the first in the statement's order
		}
		switch n := v.Interface().(type) {
		case *sql.ColumnRef:
			if col != "" && n.Name.Value == col && (table == "" || n.Table != nil && n.Table.Value == table) {
				pos = int(n.Name.Pos)
				if n.Table != nil {
					pos = int(n.Table.Pos)
				}
			}
		case *sql.FuncCall:
			if fn != "" && n.Name.Value == fn {
				pos = int(n.Pos)
			}
		}
		return pos < 0, nil
	})
	return pos
}

// checkRelations returns the error of the first relation st reads whose
// dataflow (or one it reads) has failed: its rows are stale, and a query
// says so instead of answering from them.
func (s *Session) checkRelations(st *sql.Select) error {
	var err error
	rewriteTables(st, func(t *sql.TableName) {
		if err == nil {
			if ferr := s.e.failed.ReadErr(t.Name.Last().Value); ferr != nil {
				err = ferr.At(t.Position())
			}
		}
	})
	return err
}

// scanRelation reads the rows of a table or view from snap as Arrow batches
// of its visible columns.
func (e *Engine) scanRelation(snap *snapshot, o *catalog.Object) (array.RecordReader, error) {
	return e.scan(snap, o, visibleColumns(o), o.Schema().Arrow())
}

// scanRows reads the rows of a table or view from snap as Arrow batches of
// all its columns, hidden ones included.
func (e *Engine) scanRows(snap *snapshot, o *catalog.Object) (array.RecordReader, error) {
	return e.scan(snap, o, nil, o.FullSchema().Arrow())
}

// scan reads the rows of a table or view from snap as batches of schema: the
// columns cols of the row (nil: every column).
func (e *Engine) scan(snap *snapshot, o *catalog.Object, cols []int, schema *arrow.Schema) (array.RecordReader, error) {
	dec := statestore.NewRowDecoder(e.mem, o.FullSchema())
	defer dec.Release()
	var batches []arrow.RecordBatch
	flush := func() {
		full := dec.NewBatch()
		if cols == nil {
			batches = append(batches, full)
			return
		}
		batches = append(batches, project(full, cols, schema))
		full.Release()
	}
	lo, hi := statestore.TableSpan(o.RowTable())
	err := snap.reader().Scan(lo, hi, func(_, v []byte) (bool, error) {
		if err := dec.Append(v); err != nil {
			return false, err
		}
		if dec.Len() >= 8192 {
			flush()
		}
		return true, nil
	})
	if err != nil {
		releaseBatches(batches)
		return nil, err
	}
	if dec.Len() > 0 {
		flush()
	}
	rdr, err := array.NewRecordReader(schema, batches)
	releaseBatches(batches)
	return rdr, err
}

func visibleColumns(o *catalog.Object) []int {
	var idx []int
	for i, c := range o.Columns {
		if !c.Hidden {
			idx = append(idx, i)
		}
	}
	return idx
}

// project returns the columns cols of b as a batch of schema.
func project(b arrow.RecordBatch, cols []int, schema *arrow.Schema) arrow.RecordBatch {
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		arrs[i] = b.Column(c)
	}
	return array.NewRecordBatch(schema, arrs, b.NumRows())
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
