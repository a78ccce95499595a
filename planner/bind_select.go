package planner

import (
	"context"
	"errors"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Binder resolves a statement's names and types against a catalog. A Binder
// is used for one statement by one goroutine.
type Binder struct {
	Catalog *catalog.Catalog
	// Params holds the types of the $n parameters: the ones the client
	// declared, with UnknownType entries inferred from context while binding.
	Params []types.T
	// ResolvedLiterals holds the select-list entries of set operations'
	// SELECTs that have no type of their own (a string literal, NULL),
	// with the type the set operation gave them, as Postgres does. DuckDB
	// types them as text before it sees the other side: a query it runs
	// must cast them to these types to give Postgres' results.
	ResolvedLiterals map[*sql.SelectItem]types.T
	// scalars holds where the value of each scalar subquery bound so far
	// is: the column of the FROM clause's scope it was joined in as.
	scalars map[*sql.SubqueryExpr]int
	// Inlined holds the expression each call of a SQL function bound so
	// far was inlined as (bind_function.go), for InlineFunctions.
	Inlined map[*sql.FuncCall]sql.Expr
	fn      functionBinding
}

// NewBinder returns a binder over cat with the declared parameter types.
func NewBinder(cat *catalog.Catalog, params []types.T) *Binder {
	return &Binder{Catalog: cat, Params: append([]types.T(nil), params...)}
}

// BindSelect binds a query, a SELECT or a set operation, into a logical plan.
func (b *Binder) BindSelect(s *sql.Select) (Node, error) {
	var n Node
	var err error
	if s.Set != nil {
		n, _, err = b.bindSetQuery(s)
	} else {
		n, _, err = b.bindSelect(s, true)
	}
	return n, err
}

// bindSelect binds a SELECT (not a set operation) and returns, with its
// plan, where each of its visible output columns comes from. With
// resolveUnknowns false, a select-list entry of unknown type (a string
// literal, NULL) keeps it, for the set operation over it to resolve, as
// Postgres does; one that is sorted on is resolved to text all the same.
func (b *Binder) bindSelect(s *sql.Select, resolveUnknowns bool) (Node, []columnOrigin, error) {
	if s.Values != nil {
		q := valuesQuery(s)
		if q.Set != nil {
			return b.bindSetQuery(q)
		}
		s = q
	}
	from, err := b.bindFrom(s)
	if err != nil {
		return nil, nil, err
	}
	sc := &scope{cols: from.Columns(), renamed: renamedIn(from)}
	if from, sc, err = b.bindScalarSubqueries(s, from, sc); err != nil {
		return nil, nil, err
	}

	if s.Where != nil {
		if from, sc, err = b.bindWhere(from, sc, s.Where); err != nil {
			return nil, nil, err
		}
	}

	items, err := b.expandStars(s, sc)
	if err != nil {
		return nil, nil, err
	}
	if err := checkWindowCalls(s); err != nil {
		return nil, nil, err
	}
	if s.Distinct && len(windowCalls(s)) > 0 {
		return nil, nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, s.Pos, "SELECT DISTINCT with window functions is not supported in materialized views yet")
	}

	var agg *aggregation
	if len(s.GroupBy) > 0 || s.Having != nil || s.Distinct || hasAggregate(s) {
		if agg, err = b.bindGroupBy(s, sc, items); err != nil {
			return nil, nil, err
		}
		b.groupScalars(s, agg)
	}

	// The select list, over the FROM scope or over the aggregation's output,
	// and the window functions, over the same.
	ec := &exprContext{scope: sc, clause: "SELECT", agg: agg}
	if ec.win, err = b.bindWindows(s, ec); err != nil {
		return nil, nil, err
	}
	exprs := make([]expr.Expr, len(items))
	cols := make([]Col, len(items))
	resolve := resolveUnknowns || len(s.OrderBy) > 0
	for i, it := range items {
		if !resolve && agg == nil && b.untypedParam(it.expr) {
			// A set operation types it (castColumns), as Postgres does.
			exprs[i] = expr.Null(types.UnknownType)
		} else if exprs[i], err = b.bindItem(ec, it); err != nil {
			return nil, nil, err
		}
		if resolve {
			if exprs[i], err = resolveUnknown(exprs[i]); err != nil {
				return nil, nil, at(err, it.expr.Position())
			}
		}
		cols[i] = Col{Name: it.name, Type: exprs[i].Type()}
		if it.table != "" {
			cols[i].Table = it.table
		}
	}
	var having expr.Expr
	if s.Having != nil {
		hc := &exprContext{scope: sc, clause: "HAVING", agg: agg}
		if having, err = b.bindExpr(hc, s.Having, types.BoolType); err != nil {
			return nil, nil, err
		}
		if having, err = expr.RequireBool(having, "HAVING"); err != nil {
			return nil, nil, at(err, s.Having.Position())
		}
	}

	// ORDER BY terms that are not output columns become hidden outputs.
	var sortKeys []SortKey
	for _, o := range s.OrderBy {
		idx, err := b.orderTarget(o, items, cols)
		if err != nil {
			return nil, nil, err
		}
		if idx < 0 {
			oc := &exprContext{scope: sc, clause: "ORDER BY", agg: agg, win: ec.win}
			e, err := b.bindExpr(oc, o.Expr, types.UnknownType)
			if err != nil {
				var se *sqlstate.Error
				if s.Distinct && errors.As(err, &se) && se.Code == sqlstate.GroupingError {
					return nil, nil, distinctOrderError(o.Expr)
				}
				return nil, nil, err
			}
			idx = sameExpr(exprs[:len(items)], e)
			if idx < 0 && s.Distinct {
				return nil, nil, distinctOrderError(o.Expr)
			}
			if idx < 0 {
				exprs = append(exprs, e)
				cols = append(cols, Col{Name: columnName(o.Expr), Type: e.Type(), Hidden: true})
				idx = len(cols) - 1
			}
		}
		nullsFirst := o.Desc
		if o.NullsFirst != nil {
			nullsFirst = *o.NullsFirst
		}
		sortKeys = append(sortKeys, SortKey{Column: idx, Desc: o.Desc, NullsFirst: nullsFirst})
	}

	var distinctOn *windowing
	if len(s.DistinctOn) > 0 {
		if distinctOn, err = b.bindDistinctOn(s, ec, items, cols, exprs, sortKeys); err != nil {
			return nil, nil, err
		}
	}

	var node Node = from
	if agg != nil {
		node = agg.plan(node)
		if having != nil {
			node = &Filter{Input: node, Pred: having}
		}
	}
	if ec.win != nil {
		// DISTINCT ON's expressions may read the window functions too.
		n := len(exprs)
		all := exprs
		if distinctOn != nil {
			all = append(append([]expr.Expr(nil), exprs...), distinctOn.inputs...)
		}
		if node, all, err = ec.win.plan(node, all); err != nil {
			return nil, nil, err
		}
		exprs = all[:n]
		if distinctOn != nil {
			distinctOn.inputs = all[n:]
		}
	}
	if distinctOn != nil {
		if node, exprs, err = distinctOn.plan(node, exprs); err != nil {
			return nil, nil, err
		}
		if node, err = distinctOnFilter(node); err != nil {
			return nil, nil, err
		}
	}
	node = &Project{Input: node, Exprs: exprs, Cols: cols}
	if s.Distinct {
		node = distinct(node, len(items), agg.unique(exprs[:len(items)]))
	}
	if len(sortKeys) > 0 {
		node = &Sort{Input: node, Keys: sortKeys}
	}
	if s.Limit != nil || s.Offset != nil {
		lim := &Limit{Input: node, Count: -1}
		if s.Limit != nil {
			if lim.Count, err = b.constInt(sc, s.Limit, "LIMIT"); err != nil {
				return nil, nil, err
			}
		}
		if s.Offset != nil {
			if lim.Offset, err = b.constInt(sc, s.Offset, "OFFSET"); err != nil {
				return nil, nil, err
			}
		}
		node = lim
	}
	origins := make([]columnOrigin, len(items))
	for i, it := range items {
		origins[i] = columnOrigin{pos: exprStart(it.expr), item: it.src}
	}
	return node, origins, nil
}

// selectItem is one select-list entry after * expansion. An entry a star
// expanded to names its FROM column by position (col), since a subquery's
// output may hold two columns of one name; col is -1 for other entries,
// and src is the entry as written.
type selectItem struct {
	expr  sql.Expr
	name  string
	table string
	col   int
	src   *sql.SelectItem
}

// bindItem binds the select-list entry it in ec.
func (b *Binder) bindItem(ec *exprContext, it selectItem) (expr.Expr, error) {
	if it.col < 0 {
		return b.bindExpr(ec, it.expr, types.UnknownType)
	}
	c := ec.scope.cols[it.col]
	if ec.agg == nil {
		return expr.Column(it.col, c.Name, c.Type), nil
	}
	for i, g := range ec.agg.groupExpr {
		if r, ok := g.(*expr.ColumnRef); ok && r.Index() == it.col {
			return expr.Column(i, ec.agg.groupCols[i].Name, ec.agg.groupCols[i].Type), nil
		}
	}
	name := c.Name
	if c.Table != "" {
		name = c.Table + "." + name
	}
	return nil, sqlstate.ErrorfAt(sqlstate.GroupingError, it.expr.Position(),
		"column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name)
}

func (b *Binder) expandStars(s *sql.Select, sc *scope) ([]selectItem, error) {
	var items []selectItem
	for k := range s.Items {
		it := &s.Items[k]
		if !it.Star {
			name := columnName(it.Expr)
			if it.Alias != nil {
				name = it.Alias.Value
			}
			items = append(items, selectItem{expr: it.Expr, name: name, col: -1, src: it})
			continue
		}
		matched := false
		for i, c := range sc.cols {
			if c.Hidden || (it.Table != nil && c.Table != it.Table.Value) || (it.Table == nil && c.QualifiedOnly) {
				continue
			}
			matched = true
			tbl := c.Table
			items = append(items, selectItem{
				expr:  &sql.ColumnRef{Table: &sql.Name{Pos: it.Pos, Value: tbl}, Name: sql.Name{Pos: it.Pos, Value: c.Name}},
				name:  c.Name,
				table: tbl,
				col:   i,
			})
		}
		if it.Table != nil && !matched {
			if _, err := sc.resolve(&sql.ColumnRef{Table: it.Table, Name: sql.Name{Pos: it.Pos}}); err != nil {
				return nil, err
			}
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, it.Pos, "missing FROM-clause entry for table \"%s\"", it.Table.Value)
		}
		if len(s.From) == 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, it.Pos, "SELECT * with no tables specified is not valid")
		}
	}
	return items, nil
}

func (b *Binder) bindFrom(s *sql.Select) (Node, error) {
	if len(s.From) == 0 {
		return &Values{Rows: [][]expr.Expr{{}}}, nil
	}
	return b.bindFromItems(s.From)
}

// bindTableItem binds a FROM item that is not a join: a relation or a
// subquery.
func (b *Binder) bindTableItem(t sql.TableExpr) (Node, error) {
	switch f := t.(type) {
	case *sql.TableName:
		if f.ForSystemTime != nil {
			return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, f.ForSystemTime.Position(),
				"FOR SYSTEM_TIME AS OF is only allowed on the right side of a JOIN or LEFT JOIN")
		}
		name := f.Name.Last().Value
		obj, ok := b.Catalog.Get(name)
		if !ok {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, f.Position(), "relation \"%s\" does not exist", name)
		}
		if obj.Kind == catalog.Sink {
			return nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, f.Position(), "\"%s\" is a sink, not a relation", name).
				WithHint("Query what the sink reads from instead.")
		}
		if obj.Kind == catalog.PlainView {
			// A caller that did not expand it (ExpandPlainViews): its query.
			sub, err := PlainViewQuery(obj, f)
			if err != nil {
				return nil, err
			}
			return b.bindTableItem(sub)
		}
		scan := &Scan{Object: obj}
		if f.Alias != nil {
			scan.Alias = f.Alias.Value
		}
		return scan, nil
	case *sql.Subquery:
		inner, err := b.BindSelect(f.Query)
		if err != nil {
			return nil, err
		}
		alias := ""
		if f.Alias != nil {
			alias = f.Alias.Value
		}
		return renameColumns(requalify(inner, alias), f.Alias, f.Columns)
	}
	if f, ok := t.(*sql.WindowTVF); ok {
		return b.bindWindowTVF(f)
	}
	if f, ok := t.(*sql.TableFunc); ok {
		// Ad hoc, DuckDB runs it.
		return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, f.Pos,
			"function %s in FROM is supported in ad-hoc queries only", f.Call.Name.Value)
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, t.Position(), "unsupported FROM item")
}

// requalify renames the qualifier of n's output columns (a subquery's alias).
// A projection is renamed in place rather than projected again.
func requalify(n Node, alias string) Node {
	cols := n.Columns()
	out := make([]Col, len(cols))
	for i, c := range cols {
		c.Table = alias
		out[i] = c
	}
	if p, ok := n.(*Project); ok {
		return &Project{Input: p.Input, Exprs: p.Exprs, Cols: out}
	}
	exprs := make([]expr.Expr, len(cols))
	for i, c := range cols {
		exprs[i] = expr.Column(i, c.Name, c.Type)
	}
	return &Project{Input: n, Exprs: exprs, Cols: out}
}

func hasAggregate(s *sql.Select) bool {
	found := false
	check := func(e sql.Expr) {
		if f, ok := e.(*sql.FuncCall); ok && isPlainAggregate(f) {
			found = true
		}
	}
	for _, it := range s.Items {
		walk(it.Expr, check)
	}
	for _, o := range s.OrderBy {
		walk(o.Expr, check)
	}
	for _, call := range windowCalls(s) {
		for _, p := range call.Over.PartitionBy {
			walk(p, check)
		}
		for _, o := range call.Over.OrderBy {
			walk(o.Expr, check)
		}
	}
	return found
}

// walk calls fn on e and every expression below it (not into subqueries).
func walk(e sql.Expr, fn func(sql.Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *sql.ParenExpr:
		walk(e.Expr, fn)
	case *sql.BinaryExpr:
		walk(e.Left, fn)
		walk(e.Right, fn)
	case *sql.UnaryExpr:
		walk(e.Operand, fn)
	case *sql.IsNullExpr:
		walk(e.Expr, fn)
	case *sql.IsBoolExpr:
		walk(e.Expr, fn)
	case *sql.BetweenExpr:
		walk(e.Expr, fn)
		walk(e.Lo, fn)
		walk(e.Hi, fn)
	case *sql.InExpr:
		walk(e.Expr, fn)
		for _, x := range e.List {
			walk(x, fn)
		}
	case *sql.LikeExpr:
		walk(e.Expr, fn)
		walk(e.Pattern, fn)
	case *sql.CaseExpr:
		walk(e.Operand, fn)
		for _, w := range e.Whens {
			walk(w.Cond, fn)
			walk(w.Result, fn)
		}
		walk(e.Else, fn)
	case *sql.CastExpr:
		walk(e.Expr, fn)
	case *sql.FuncCall:
		for _, a := range e.Args {
			walk(a, fn)
		}
	}
}

// bindGroupBy binds the GROUP BY keys. A key may be an expression over the
// FROM scope, an output column position (GROUP BY 1) or an output alias.
func (b *Binder) bindGroupBy(s *sql.Select, sc *scope, items []selectItem) (*aggregation, error) {
	a := &aggregation{input: sc}
	ec := &exprContext{scope: sc, clause: "GROUP BY"}
	if s.Distinct && len(s.GroupBy) == 0 && s.Having == nil && !hasAggregate(s) {
		// SELECT DISTINCT groups by the select list.
		a.distinctKeys = true
		for _, it := range items {
			e, err := b.bindItem(ec, it)
			if err != nil {
				return nil, err
			}
			if e, err = resolveUnknown(e); err != nil {
				return nil, at(err, it.expr.Position())
			}
			a.groupSQL = append(a.groupSQL, sql.String(it.expr))
			a.groupExpr = append(a.groupExpr, e)
			a.groupCols = append(a.groupCols, Col{Name: columnName(it.expr), Type: e.Type()})
		}
		return a, nil
	}
	if hasGroupingSets(s.GroupBy) {
		return a, b.bindGroupingSets(s, sc, items, a)
	}
	for _, g := range s.GroupBy {
		target, err := b.groupKeyTarget(g, sc, items)
		if err != nil {
			return nil, err
		}
		e, err := b.bindExpr(ec, target, types.UnknownType)
		if err != nil {
			return nil, err
		}
		name := columnName(target)
		a.groupSQL = append(a.groupSQL, sql.String(target))
		a.groupExpr = append(a.groupExpr, e)
		a.groupCols = append(a.groupCols, Col{Name: name, Type: e.Type()})
	}
	return a, nil
}

// groupKeyTarget returns the expression GROUP BY's key g groups by: the
// select item at a position (GROUP BY 1), the select item an alias names
// (when no input column has the name), else g.
func (b *Binder) groupKeyTarget(g sql.Expr, sc *scope, items []selectItem) (sql.Expr, error) {
	if lit, ok := g.(*sql.Literal); ok && lit.Kind == sql.LitInteger {
		n, _ := strconv.Atoi(lit.Value)
		if n < 1 || n > len(items) {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, lit.Pos, "GROUP BY position %d is not in select list", n)
		}
		return items[n-1].expr, nil
	}
	if ref, ok := g.(*sql.ColumnRef); ok && ref.Table == nil {
		if _, err := sc.resolve(ref); err != nil && sqlstate.From(err).Code == sqlstate.UndefinedColumn {
			for _, it := range items {
				if it.name == ref.Name.Value {
					return it.expr, nil
				}
			}
		}
	}
	return g, nil
}

// plan returns the nodes computing the aggregation over input: a projection
// of the group keys and aggregate arguments, then the Aggregate (a union of
// them with grouping sets: planGroupingSets).
func (a *aggregation) plan(input Node) Node {
	if a.sets != nil {
		return a.planGroupingSets(input)
	}
	exprs := append([]expr.Expr(nil), a.groupExpr...)
	cols := append([]Col(nil), a.groupCols...)
	aggs := make([]expr.Aggregate, len(a.calls))
	distinctArgs := map[string]expr.Expr{}
	for j, c := range a.calls {
		agg := c.agg
		if col := sharedDistinctArg(distinctArgs, c, len(exprs)); col != nil {
			agg.Arg = col
		} else if c.arg != nil {
			name := c.arg.String()
			agg.Arg = expr.Column(len(exprs), name, c.arg.Type())
			exprs = append(exprs, c.arg)
			cols = append(cols, Col{Name: name, Type: c.arg.Type(), Hidden: true})
		}
		exprs, cols = projectAggInputs(&agg, exprs, cols)
		aggs[j] = agg
	}
	out := append([]Col(nil), a.groupCols...)
	for _, c := range a.calls {
		out = append(out, Col{Name: c.name, Type: c.agg.Type})
	}
	return &Aggregate{Input: &Project{Input: input, Exprs: exprs, Cols: cols}, NumGroup: len(a.groupExpr), Aggs: aggs, Cols: out}
}

// distinct returns the distinct rows of the first n columns of node. When
// unique holds, those rows are distinct already and are only projected.
func distinct(node Node, n int, unique bool) Node {
	cols := node.Columns()
	if unique && len(cols) == n {
		return node
	}
	exprs := make([]expr.Expr, n)
	for i := range exprs {
		exprs[i] = expr.Column(i, cols[i].Name, cols[i].Type)
	}
	if len(cols) > n {
		node = &Project{Input: node, Exprs: exprs, Cols: cols[:n:n]}
	}
	if unique {
		return node
	}
	return &Aggregate{Input: node, NumGroup: n, Cols: cols[:n:n]}
}

// unique reports whether the rows the select list exprs computes over the
// output of a (nil: no aggregation) are distinct already: the aggregation
// groups by the select list itself (SELECT DISTINCT without GROUP BY or
// aggregates), has no group keys (one row), or every group key is selected.
func (a *aggregation) unique(exprs []expr.Expr) bool {
	if a == nil {
		return false
	}
	if a.distinctKeys || len(a.groupExpr) == 0 {
		return true
	}
	for i := range a.groupExpr {
		found := false
		for _, e := range exprs {
			if c, ok := e.(*expr.ColumnRef); ok && c.Index() == i {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameExpr returns the index of the expression in exprs that computes what e
// does (the same input column, or the same printed expression), or -1.
func sameExpr(exprs []expr.Expr, e expr.Expr) int {
	ref, isRef := e.(*expr.ColumnRef)
	for i, x := range exprs {
		if xr, ok := x.(*expr.ColumnRef); ok && isRef {
			if xr.Index() == ref.Index() {
				return i
			}
			continue
		}
		if x.String() == e.String() && x.Type() == e.Type() {
			return i
		}
	}
	return -1
}

// distinctOrderError is Postgres' error for an ORDER BY term of a SELECT
// DISTINCT that is not in the select list.
func distinctOrderError(e sql.Expr) error {
	return sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, e.Position(),
		"for SELECT DISTINCT, ORDER BY expressions must appear in select list")
}

// resolveUnknown gives an output column of unknown type (a string literal,
// NULL) the type text, as Postgres does for a select list.
func resolveUnknown(e expr.Expr) (expr.Expr, error) {
	if e.Type().Family != types.Unknown {
		return e, nil
	}
	return expr.Coerce(e, types.TextType)
}

// orderTarget returns the output column an ORDER BY term names (a position or
// an output column name), or -1 when it is an expression to compute.
func (b *Binder) orderTarget(o sql.OrderItem, items []selectItem, cols []Col) (int, error) {
	switch e := o.Expr.(type) {
	case *sql.Literal:
		if e.Kind == sql.LitInteger {
			n, _ := strconv.Atoi(e.Value)
			if n < 1 || n > len(items) {
				return 0, sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, e.Pos, "ORDER BY position %d is not in select list", n)
			}
			return n - 1, nil
		}
	case *sql.ColumnRef:
		if e.Table == nil {
			for i, it := range items {
				if it.name == e.Name.Value {
					return i, nil
				}
			}
		}
	}
	for i, it := range items {
		if sql.String(it.expr) == sql.String(o.Expr) {
			return i, nil
		}
	}
	return -1, nil
}

// constInt evaluates a constant integer expression (LIMIT, OFFSET); names
// resolve in sc so that a column is reported as a variable, not as unknown.
func (b *Binder) constInt(sc *scope, e sql.Expr, clause string) (int64, error) {
	bound, err := b.bindExpr(&exprContext{scope: sc, clause: clause}, e, types.Int64Type)
	if err != nil {
		return 0, err
	}
	if !expr.IsConstant(bound) {
		return 0, sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, e.Position(), "argument of %s must not contain variables", clause)
	}
	bound, err = expr.Cast(bound, types.Int64Type)
	if err != nil {
		return 0, at(err, e.Position())
	}
	arr, err := expr.EvalConstant(context.Background(), memory.DefaultAllocator, bound)
	if err != nil {
		return 0, at(err, e.Position())
	}
	defer arr.Release()
	if arr.IsNull(0) {
		return -1, nil
	}
	n := arr.(*array.Int64).Value(0)
	if n < 0 {
		code := sqlstate.InvalidRowCountInLimit
		if clause == "OFFSET" {
			code = sqlstate.InvalidRowCountInOffset
		}
		return 0, sqlstate.ErrorfAt(code, e.Position(), "%s must not be negative", clause)
	}
	return n, nil
}

// BindScalar binds e over the columns of object o (hidden ones not
// resolvable), for DML: VALUES rows (o nil: no columns), SET and WHERE.
func (b *Binder) BindScalar(o *catalog.Object, e sql.Expr, hint types.T, clause string) (expr.Expr, error) {
	sc := &scope{}
	if o != nil {
		sc.cols = (&Scan{Object: o}).Columns()
	}
	return b.bindExpr(&exprContext{scope: sc, clause: clause}, e, hint)
}

// At gives err the position pos when it is a *sqlstate.Error without one.
func At(err error, pos sql.Pos) error { return at(err, pos) }
