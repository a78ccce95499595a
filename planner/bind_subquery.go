package planner

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Subqueries in expressions are bound into joins, as Postgres and
// RisingWave decorrelate them:
//
//   - a WHERE conjunct `EXISTS (q)`, `x IN (q)` is a semi join of the FROM
//     clause with q's FROM clause, on q's WHERE (and x = q's column): the
//     outer query's columns q's WHERE names are part of the join condition,
//     so its equalities become the join's keys; `NOT EXISTS (q)` is an
//     anti join. A q that aggregates, groups, is DISTINCT, limits or is a
//     set operation is joined as a whole, and cannot refer to the outer
//     query.
//   - `x NOT IN (q)`, q not referring to the outer query, is exactly
//     Postgres' three-valued NOT IN: an anti join on x = q's column, kept
//     only where q has no rows, or x is not NULL and q's column holds no
//     NULL (a one-row join with q's count(*) and count(column)).
//   - a scalar subquery `(q)` in WHERE or the select list, q a global
//     aggregate (exactly one row) not referring to the outer query, is a
//     join with q's one row, whose column the expression reads.
//
// Other forms are refused with feature_not_supported (ad hoc, DuckDB runs
// them).

// scalarColumn and correlatedColumn are the names of the hidden column a
// scalar subquery's value is joined in as (a correlated one's).
const (
	scalarColumn     = "_scalar"
	correlatedColumn = "_scalar_correlated"
)

// resolveCorrelated resolves ref in a correlated subquery's scope s: in
// the subquery's own columns, else in the enclosing query's.
func (s *scope) resolveCorrelated(ref *sql.ColumnRef) (int, error) {
	w := len(s.outer.cols)
	own := &scope{cols: s.cols[w:], renamed: s.renamed}
	i, err := own.resolve(ref)
	if err == nil {
		return w + i, nil
	}
	if code := sqlstate.From(err).Code; code != sqlstate.UndefinedColumn && code != sqlstate.UndefinedTable {
		return 0, err
	}
	if j, oerr := s.outer.resolve(ref); oerr == nil {
		return j, nil
	}
	return 0, err
}

// semiConjunct is a WHERE conjunct that is a semi or anti join.
type semiConjunct struct {
	sub     *sql.SubqueryExpr
	operand sql.Expr // x of x [NOT] IN (q); nil for [NOT] EXISTS
	not     bool
	pos     sql.Pos
}

// asSemiConjunct returns c as a semi or anti join, if it is one.
func asSemiConjunct(c sql.Expr) (semiConjunct, bool) {
	not := false
	for {
		switch e := c.(type) {
		case *sql.ParenExpr:
			c = e.Expr
			continue
		case *sql.UnaryExpr:
			if e.Op == sql.OpNot {
				not = !not
				c = e.Operand
				continue
			}
		case *sql.SubqueryExpr:
			if e.Exists {
				return semiConjunct{sub: e, not: not, pos: e.Pos}, true
			}
		case *sql.InExpr:
			if len(e.List) == 1 {
				if sq, ok := e.List[0].(*sql.SubqueryExpr); ok && !sq.Exists {
					return semiConjunct{sub: sq, operand: e.Expr, not: not != e.Not, pos: e.Pos}, true
				}
			}
		}
		return semiConjunct{}, false
	}
}

// andTerms returns the terms of e's top-level ANDs.
func andTerms(e sql.Expr) []sql.Expr {
	switch x := e.(type) {
	case *sql.ParenExpr:
		if _, ok := x.Expr.(*sql.BinaryExpr); ok {
			return andTerms(x.Expr)
		}
	case *sql.BinaryExpr:
		if x.Op == sql.OpAnd {
			return append(andTerms(x.Left), andTerms(x.Right)...)
		}
	}
	return []sql.Expr{e}
}

// bindWhere binds the WHERE clause where over from (scope sc): a Filter,
// and a semi or anti join per conjunct that is one. It returns the node
// and its scope.
func (b *Binder) bindWhere(from Node, sc *scope, where sql.Expr) (Node, *scope, error) {
	var plain []sql.Expr
	var semis []semiConjunct
	for _, c := range andTerms(where) {
		if s, ok := asSemiConjunct(c); ok {
			semis = append(semis, s)
		} else {
			plain = append(plain, c)
		}
	}
	if len(semis) == 0 {
		plain = []sql.Expr{where}
	}
	var preds []expr.Expr
	for _, c := range plain {
		pred, err := b.bindExpr(&exprContext{scope: sc, clause: "WHERE"}, c, types.BoolType)
		if err != nil {
			return nil, nil, err
		}
		if pred, err = expr.RequireBool(pred, "WHERE"); err != nil {
			return nil, nil, at(err, c.Position())
		}
		preds = append(preds, pred)
	}
	if len(preds) > 0 {
		from = &Filter{Input: from, Pred: expr.And(preds)}
	}
	for _, s := range semis {
		var err error
		if from, err = b.bindSemi(from, sc, s); err != nil {
			return nil, nil, err
		}
		if len(from.Columns()) != len(sc.cols) {
			sc = &scope{cols: from.Columns(), renamed: sc.renamed}
		}
	}
	return from, sc, nil
}

// simpleSubquery reports whether q is a SELECT whose FROM and WHERE a
// semi join can take apart: no aggregation, DISTINCT, LIMIT or set
// operation.
func simpleSubquery(q *sql.Select) bool {
	return q.Set == nil && q.Values == nil && len(q.GroupBy) == 0 && q.Having == nil && !q.Distinct && !hasAggregate(q) &&
		q.Limit == nil && q.Offset == nil
}

// bindSemi returns from joined with the subquery of s.
func (b *Binder) bindSemi(from Node, sc *scope, s semiConjunct) (Node, error) {
	q := s.sub.Query
	w := len(sc.cols)
	var right Node
	var conds []expr.Expr // over sc's columns then right's
	var items []selectItem
	var cs *scope
	if simpleSubquery(q) {
		var err error
		if right, err = b.bindFrom(q); err != nil {
			return nil, err
		}
		rsc := &scope{cols: right.Columns(), renamed: renamedIn(right)}
		where := q.Where
		if nested, rest := splitNested(where); len(nested) > 0 {
			// Subqueries in the subquery's WHERE: bind_semi_nested.go.
			if right, rsc, err = b.bindNestedWhere(q, nested, right, rsc, sc); err != nil {
				return nil, err
			}
			where = rest
		}
		cs = &scope{cols: append(append([]Col(nil), sc.cols...), rsc.cols...), renamed: rsc.renamed, outer: sc}
		if where != nil {
			pred, err := b.bindExpr(&exprContext{scope: cs, clause: "WHERE"}, where, types.BoolType)
			if err != nil {
				return nil, err
			}
			if pred, err = expr.RequireBool(pred, "WHERE"); err != nil {
				return nil, at(err, where.Position())
			}
			conds = expr.Conjuncts(pred)
		}
		if items, err = b.expandStars(q, rsc); err != nil {
			return nil, err
		}
		for i := range items {
			if items[i].col >= 0 {
				items[i].col += w
			}
		}
	} else {
		var err error
		if right, err = b.BindSelect(q); err != nil {
			return nil, b.correlatedError(err, q, sc)
		}
		cs = &scope{cols: append(append([]Col(nil), sc.cols...), right.Columns()...), outer: sc}
		for i, c := range right.Columns() {
			if !c.Hidden {
				items = append(items, selectItem{expr: &sql.ColumnRef{Name: sql.Name{Value: c.Name}}, name: c.Name, col: w + i})
			}
		}
	}
	ec := &exprContext{scope: cs, clause: "SELECT"}
	var y expr.Expr
	for i, it := range items {
		e, err := b.bindItem(ec, it)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			y = e
		}
	}
	kind := SemiJoin
	if s.not {
		kind = AntiJoin
	}
	if s.operand == nil {
		// Rows of right the condition names only right's columns of
		// are filtered before the join.
		right, conds = pushRight(right, conds, w)
		return &Join{Left: from, Right: right, Kind: kind, On: expr.And(conds)}, nil
	}
	if len(items) != 1 {
		msg := "subquery has too many columns"
		if len(items) == 0 {
			msg = "subquery has too few columns"
		}
		return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, s.pos, "%s", msg)
	}
	x, err := b.bindExpr(&exprContext{scope: sc, clause: "WHERE"}, s.operand, types.UnknownType)
	if err != nil {
		return nil, err
	}
	eq, err := expr.Binary(sql.OpEq, x, y)
	if err != nil {
		return nil, at(err, s.pos)
	}
	if !s.not {
		right, conds = pushRight(right, conds, w)
		return &Join{Left: from, Right: right, Kind: SemiJoin, On: expr.And(append(conds, eq))}, nil
	}
	return b.notIn(from, right, conds, x, y, w, s)
}

// pushRight moves the conditions of conds that name only right's columns
// (at w and after) into a Filter over right, and returns the rest.
func pushRight(right Node, conds []expr.Expr, w int) (Node, []expr.Expr) {
	var own, rest []expr.Expr
	for _, c := range conds {
		cols := expr.Columns(c)
		if len(cols) > 0 && cols[0] >= w {
			own = append(own, shift(c, -w))
		} else {
			rest = append(rest, c)
		}
	}
	if len(own) > 0 {
		right = &Filter{Input: right, Pred: expr.And(own)}
	}
	return right, rest
}

// shift returns e with its column indexes moved by d.
func shift(e expr.Expr, d int) expr.Expr {
	return expr.Substitute(e, func(c *expr.ColumnRef) expr.Expr {
		return expr.Column(c.Index()+d, c.Name(), c.Type())
	})
}

// refersOuter reports whether e reads a column before w: the outer query's.
func refersOuter(e expr.Expr, w int) bool {
	cols := expr.Columns(e)
	return len(cols) > 0 && cols[0] < w
}

// notIn returns from kept where x NOT IN (the values y takes over the rows
// of right where conds hold), with Postgres' NULL semantics: a row passes
// when the subquery has no rows, or x is not NULL, the subquery returns no
// NULL and no value equal to x. Conditions relating the outer query to the
// subquery must be equalities (outer = inner): the subquery's rows for an
// outer row are then those of its correlation key, and its counts are
// grouped by that key (a left join: a key without rows counts 0).
func (b *Binder) notIn(from, right Node, conds []expr.Expr, x, y expr.Expr, w int, s semiConjunct) (Node, error) {
	refuse := func() error {
		return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, s.pos, "NOT IN with a subquery that refers to the outer query other than by equalities is not supported").
			WithHint("Write NOT EXISTS (SELECT … WHERE … AND x = y), which is what you mean unless NULLs are involved.")
	}
	var own []expr.Expr
	var outerKeys, innerKeys []expr.Expr // over the outer query's columns; over right's
	for _, c := range conds {
		if !refersOuter(c, w) {
			own = append(own, shift(c, -w))
			continue
		}
		l, r, ok := expr.Equality(c)
		if !ok {
			return nil, refuse()
		}
		lc, rc := expr.Columns(l), expr.Columns(r)
		switch {
		case len(lc) > 0 && len(rc) > 0 && lc[len(lc)-1] < w && rc[0] >= w:
			outerKeys, innerKeys = append(outerKeys, l), append(innerKeys, shift(r, -w))
		case len(lc) > 0 && len(rc) > 0 && rc[len(rc)-1] < w && lc[0] >= w:
			outerKeys, innerKeys = append(outerKeys, r), append(innerKeys, shift(l, -w))
		default:
			return nil, refuse()
		}
	}
	if refersOuter(y, w) {
		return nil, refuse()
	}
	if len(own) > 0 {
		right = &Filter{Input: right, Pred: expr.And(own)}
	}
	// values: the correlation key, then y, of the subquery's rows.
	nk := len(innerKeys)
	yr := shift(y, -w)
	vexprs := append(append([]expr.Expr(nil), innerKeys...), yr)
	vcols := make([]Col, nk+1)
	for i, e := range innerKeys {
		vcols[i] = Col{Name: fmt.Sprintf("_not_in_key%d", i), Type: e.Type(), Hidden: true}
	}
	vcols[nk] = Col{Name: "_not_in", Type: yr.Type(), Hidden: true}
	values := &Project{Input: right, Exprs: vexprs, Cols: vcols}
	count, err := expr.ResolveAggregate("count", nil, true, false)
	if err != nil {
		return nil, err
	}
	yc := expr.Column(nk, "_not_in", yr.Type())
	countY, err := expr.ResolveAggregate("count", []expr.Expr{yc}, false, false)
	if err != nil {
		return nil, err
	}
	countY.Arg = yc
	ccols := append(append([]Col(nil), vcols[:nk]...),
		Col{Name: "_not_in_count", Type: count.Type, Hidden: true}, Col{Name: "_not_in_count_values", Type: countY.Type, Hidden: true})
	counts := &Aggregate{Input: values, NumGroup: nk, Aggs: []expr.Aggregate{count, countY}, Cols: ccols}
	lw := len(from.Columns())
	keyEq := func(base int) ([]expr.Expr, error) {
		var out []expr.Expr
		for i, k := range outerKeys {
			eq, err := expr.Binary(sql.OpEq, k, expr.Column(base+i, vcols[i].Name, vcols[i].Type))
			if err != nil {
				return nil, at(err, s.pos)
			}
			out = append(out, eq)
		}
		return out, nil
	}
	withCounts := &Join{Left: from, Right: counts, Kind: InnerJoin, SingleRow: true}
	if nk > 0 {
		on, err := keyEq(lw)
		if err != nil {
			return nil, err
		}
		withCounts = &Join{Left: from, Right: counts, Kind: LeftJoin, On: expr.And(on)}
	}
	cw := lw + nk + 2 // withCounts' columns
	on, err := keyEq(cw)
	if err != nil {
		return nil, err
	}
	eq, err := expr.Binary(sql.OpEq, x, expr.Column(cw+nk, "_not_in", yr.Type()))
	if err != nil {
		return nil, at(err, s.pos)
	}
	anti := &Join{Left: withCounts, Right: values, Kind: AntiJoin, On: expr.And(append(on, eq))}
	zero, err := expr.Constant(int64(0), count.Type)
	if err != nil {
		return nil, err
	}
	n := expr.Column(lw+nk, "_not_in_count", count.Type)
	if nk > 0 { // a key without rows is padded: it counts 0
		if n, err = expr.Func("coalesce", []expr.Expr{n, zero}); err != nil {
			return nil, err
		}
	}
	nv := expr.Column(lw+nk+1, "_not_in_count_values", countY.Type)
	empty, err := expr.Binary(sql.OpEq, n, zero)
	if err != nil {
		return nil, err
	}
	noNulls, err := expr.Binary(sql.OpEq, n, nv)
	if err != nil {
		return nil, err
	}
	keep, err := expr.Binary(sql.OpAnd, expr.IsNull(x, true), noNulls)
	if err != nil {
		return nil, err
	}
	pred, err := expr.Binary(sql.OpOr, empty, keep)
	if err != nil {
		return nil, err
	}
	return &Filter{Input: anti, Pred: pred}, nil
}

// correlatedError returns err, the error of binding subquery q on its
// own, as feature_not_supported when q may refer to the outer query
// (scope sc): a name it does not know that sc has.
func (b *Binder) correlatedError(err error, q *sql.Select, sc *scope) error {
	code := sqlstate.From(err).Code
	if code != sqlstate.UndefinedColumn && code != sqlstate.UndefinedTable {
		return err
	}
	correlated := false
	sql.Walk(q, func(n sql.Node) bool {
		if ref, ok := n.(*sql.ColumnRef); ok {
			if _, rerr := sc.resolve(ref); rerr == nil {
				correlated = true
			}
		}
		return !correlated
	})
	if !correlated {
		return err
	}
	return sqlstate.Errorf(sqlstate.FeatureNotSupported, "a subquery with GROUP BY, aggregates, DISTINCT, LIMIT or a set operation that refers to the outer query is not supported").
		WithHint("Refer to the outer query in a subquery's WHERE only.")
}

// scalarSubqueries returns the scalar subqueries of s's WHERE clause and
// select list, outside IN and EXISTS.
func scalarSubqueries(s *sql.Select) []*sql.SubqueryExpr {
	var out []*sql.SubqueryExpr
	skip := map[*sql.SubqueryExpr]bool{}
	for _, c := range andTerms(s.Where) {
		if sc, ok := asSemiConjunct(c); ok && s.Where != nil {
			skip[sc.sub] = true // a semi or anti join
		}
	}
	visit := func(e sql.Expr) {
		switch e := e.(type) {
		case *sql.InExpr:
			if len(e.List) == 1 {
				if sq, ok := e.List[0].(*sql.SubqueryExpr); ok {
					skip[sq] = true
				}
			}
		case *sql.SubqueryExpr:
			if !skip[e] {
				out = append(out, e)
			}
		}
	}
	walk(s.Where, visit)
	for _, it := range s.Items {
		walk(it.Expr, visit)
	}
	if len(s.GroupBy) > 0 {
		walk(s.Having, visit)
	}
	return out
}

// groupScalars makes the uncorrelated scalar subqueries of s, a query with
// GROUP BY, group keys of its aggregation a: their value is the same in
// every row, so the groups stay the same, and the select list and HAVING
// read it as a group key (matched by its text).
func (b *Binder) groupScalars(s *sql.Select, a *aggregation) {
	if len(s.GroupBy) == 0 || a == nil || a.distinctKeys {
		return
	}
	for _, sq := range scalarSubqueries(s) {
		i, ok := b.scalars[sq]
		if !ok || sq.Exists || i >= len(a.input.cols) || a.input.cols[i].Name != scalarColumn {
			continue
		}
		c := a.input.cols[i]
		a.groupSQL = append(a.groupSQL, sql.String(sq))
		a.groupExpr = append(a.groupExpr, expr.Column(i, c.Name, c.Type))
		a.groupCols = append(a.groupCols, Col{Name: scalarColumn, Type: c.Type, Hidden: true})
	}
}

// bindScalarSubqueries joins from (scope sc) with the one row of each
// scalar subquery of s, recording where its value is, and returns the
// join and its scope.
func (b *Binder) bindScalarSubqueries(s *sql.Select, from Node, sc *scope) (Node, *scope, error) {
	for _, orig := range scalarSubqueries(s) {
		sq := orig
		if orig.Exists {
			// EXISTS (q) in an expression is (SELECT count(*) …) > 0.
			sq = existsCount(orig)
		}
		q := sq.Query
		right, err := b.BindSelect(q)
		if err != nil {
			if cerr := b.correlatedError(err, q, sc); cerr != err {
				// It refers to the outer query.
				if from, sc, err = b.bindCorrelatedScalar(sq, from, sc, !orig.Exists && comparedInWhere(s, orig)); err != nil {
					return nil, nil, err
				}
				b.scalars[orig] = b.scalars[sq]
				continue
			}
			return nil, nil, err
		}
		var visible []int
		for i, c := range right.Columns() {
			if !c.Hidden {
				visible = append(visible, i)
			}
		}
		if len(visible) != 1 {
			return nil, nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, sq.Pos, "subquery must return only one column")
		}
		if q.Set != nil || q.Values != nil || len(q.GroupBy) > 0 || q.Having != nil || !hasAggregate(q) || q.Limit != nil || q.Offset != nil {
			return nil, nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, sq.Pos, "only a scalar subquery that is an aggregate without GROUP BY or HAVING is supported").
				WithHint("A subquery such as (SELECT max(x) FROM t) has exactly one row.")
		}
		c := right.Columns()[visible[0]]
		right = &Project{Input: right, Exprs: []expr.Expr{expr.Column(visible[0], c.Name, c.Type)},
			Cols: []Col{{Name: scalarColumn, Type: c.Type, Hidden: true}}}
		if b.scalars == nil {
			b.scalars = map[*sql.SubqueryExpr]int{}
		}
		b.scalars[sq] = len(sc.cols)
		b.scalars[orig] = len(sc.cols)
		from = &Join{Left: from, Right: right, Kind: InnerJoin, SingleRow: true}
		sc = &scope{cols: from.Columns(), renamed: sc.renamed}
	}
	return from, sc, nil
}

// bindCorrelatedScalar joins from (scope sc) with correlated scalar
// subquery sq, an aggregate call over a FROM clause whose WHERE relates
// the outer query to it by equalities only (`(SELECT sum(y) FROM u WHERE
// u.g = t.g)`): a left join on those equalities with the subquery grouped
// by its side of them, at most one row per outer row. No row is the
// aggregate over no rows: NULL, or 0 for count. With rejected (the value
// is only compared in a WHERE conjunct, which a NULL makes false) and an
// aggregate other than count, the join is an inner join: an outer row
// without rows of its key is not kept either way.
func (b *Binder) bindCorrelatedScalar(sq *sql.SubqueryExpr, from Node, sc *scope, rejected bool) (Node, *scope, error) {
	q := sq.Query
	unsupported := func() error {
		return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, sq.Pos, "a scalar subquery that refers to the outer query is supported only as one aggregate call whose WHERE relates the two by equalities").
			WithHint("Write it as (SELECT sum(y) FROM u WHERE u.g = t.g AND …), or join the aggregate.")
	}
	if q.Set != nil || q.Values != nil || len(q.GroupBy) > 0 || q.Having != nil || q.Distinct || q.Limit != nil || q.Offset != nil ||
		len(q.Items) != 1 || q.Items[0].Star {
		return nil, nil, unsupported()
	}
	call, ok := scalarAggregate(q.Items[0].Expr)
	if !ok || q.Where == nil {
		return nil, nil, unsupported()
	}
	right, err := b.bindFrom(q)
	if err != nil {
		return nil, nil, err
	}
	w := len(sc.cols)
	rcols := right.Columns()
	cs := &scope{cols: append(append([]Col(nil), sc.cols...), rcols...), renamed: renamedIn(right), outer: sc}
	side := func(e sql.Expr) (expr.Expr, int, error) { // 0: inner only, 1: outer only, -1: both
		bound, err := b.bindExpr(&exprContext{scope: cs, clause: "WHERE"}, e, types.UnknownType)
		if err != nil {
			return nil, 0, err
		}
		cols := expr.Columns(bound)
		switch {
		case len(cols) == 0 || cols[0] >= w:
			return bound, 0, nil
		case cols[len(cols)-1] < w:
			return bound, 1, nil
		}
		return bound, -1, nil
	}
	var inner []sql.Expr
	var outerKeys []expr.Expr
	var innerKeys []sql.Expr
	for _, term := range andTerms(q.Where) {
		if _, s, err := side(term); err != nil {
			return nil, nil, err
		} else if s == 0 {
			inner = append(inner, term)
			continue
		}
		eq, ok := term.(*sql.BinaryExpr)
		for p, isParen := term.(*sql.ParenExpr); isParen; p, isParen = p.Expr.(*sql.ParenExpr) {
			eq, ok = p.Expr.(*sql.BinaryExpr)
		}
		if !ok || eq.Op != sql.OpEq {
			return nil, nil, unsupported()
		}
		l, ls, err := side(eq.Left)
		if err != nil {
			return nil, nil, err
		}
		r, rs, err := side(eq.Right)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case ls == 1 && rs == 0 && len(expr.Columns(r)) > 0:
			outerKeys, innerKeys = append(outerKeys, l), append(innerKeys, eq.Right)
		case ls == 0 && rs == 1 && len(expr.Columns(l)) > 0:
			outerKeys, innerKeys = append(outerKeys, r), append(innerKeys, eq.Left)
		default:
			return nil, nil, unsupported()
		}
	}
	if len(outerKeys) == 0 {
		return nil, nil, unsupported()
	}
	// SELECT inner keys…, the aggregate FROM … WHERE inner conditions GROUP BY inner keys
	grouped := *q
	grouped.Items = nil
	for _, k := range innerKeys {
		grouped.Items = append(grouped.Items, sql.SelectItem{Expr: k})
	}
	grouped.Items = append(grouped.Items, q.Items[0])
	grouped.GroupBy = innerKeys
	grouped.Where = nil
	for _, c := range inner {
		if grouped.Where == nil {
			grouped.Where = c
		} else {
			grouped.Where = &sql.BinaryExpr{Pos: c.Position(), Op: sql.OpAnd, Left: grouped.Where, Right: c}
		}
	}
	agg, err := b.BindSelect(&grouped)
	if err != nil {
		return nil, nil, err
	}
	acols := agg.Columns()
	n := len(innerKeys)
	exprs := make([]expr.Expr, n+1)
	cols := make([]Col, n+1)
	for i := 0; i <= n; i++ {
		exprs[i] = expr.Column(i, acols[i].Name, acols[i].Type)
		cols[i] = Col{Name: fmt.Sprintf("_scalar_key%d", i), Type: acols[i].Type, Hidden: true}
	}
	cols[n].Name = correlatedColumn
	lw := len(from.Columns())
	var on []expr.Expr
	for i, k := range outerKeys {
		eq, err := expr.Binary(sql.OpEq, k, expr.Column(lw+i, cols[i].Name, cols[i].Type))
		if err != nil {
			return nil, nil, at(err, sq.Pos)
		}
		on = append(on, eq)
	}
	count := strings.EqualFold(call.Name.Value, "count")
	kind := LeftJoin
	if rejected && !count {
		kind = InnerJoin
	}
	join := &Join{Left: from, Right: &Project{Input: agg, Exprs: exprs, Cols: cols}, Kind: kind, On: expr.And(on)}
	value := expr.Column(lw+n, correlatedColumn, cols[n].Type)
	node := Node(join)
	col := lw + n
	if count {
		// count over no rows is 0, not the padding's NULL.
		zero, err := expr.Constant(int64(0), cols[n].Type)
		if err != nil {
			return nil, nil, err
		}
		v, err := expr.Func("coalesce", []expr.Expr{value, zero})
		if err != nil {
			return nil, nil, err
		}
		jcols := join.Columns()
		pexprs := make([]expr.Expr, len(jcols)+1)
		for i, c := range jcols {
			pexprs[i] = expr.Column(i, c.Name, c.Type)
		}
		pexprs[len(jcols)] = v
		pcols := append(append([]Col(nil), jcols...), Col{Name: correlatedColumn, Type: v.Type(), Hidden: true})
		pcols[col].Name = "_scalar_count"
		node = &Project{Input: join, Exprs: pexprs, Cols: pcols}
		col = len(jcols)
	}
	if b.scalars == nil {
		b.scalars = map[*sql.SubqueryExpr]int{}
	}
	b.scalars[sq] = col
	return node, &scope{cols: node.Columns(), renamed: sc.renamed}, nil
}

// existsCount returns (SELECT count(*) FROM … WHERE …) for EXISTS (q): q's
// FROM and WHERE when it is a simple SELECT, else q as a whole.
func existsCount(e *sql.SubqueryExpr) *sql.SubqueryExpr {
	q := e.Query
	count := sql.SelectItem{Expr: &sql.FuncCall{Pos: e.Pos, Name: sql.Name{Pos: e.Pos, Value: "count"}, Star: true}}
	out := &sql.Select{Pos: q.Pos, Items: []sql.SelectItem{count}}
	if simpleSubquery(q) && len(q.From) > 0 {
		out.From, out.Where = q.From, q.Where
	} else {
		out.From = []sql.TableExpr{&sql.Subquery{Pos: q.Pos, Query: q, Alias: &sql.Name{Value: "_exists"}}}
	}
	return &sql.SubqueryExpr{Pos: e.Pos, Query: out}
}

// bindSubqueryExpr binds a subquery in an expression: a scalar subquery
// bindScalarSubqueries joined in, read from its column.
func (b *Binder) bindSubqueryExpr(ec *exprContext, e *sql.SubqueryExpr) (expr.Expr, error) {
	if i, ok := b.scalars[e]; ok && ec.agg == nil && i < len(ec.scope.cols) &&
		(ec.scope.cols[i].Name == scalarColumn || ec.scope.cols[i].Name == correlatedColumn) {
		c := ec.scope.cols[i]
		v := expr.Column(i, c.Name, c.Type)
		if !e.Exists {
			return v, nil
		}
		zero, err := expr.Constant(int64(0), c.Type)
		if err != nil {
			return nil, err
		}
		return expr.Binary(sql.OpGt, v, zero)
	}
	what := "a subquery"
	if e.Exists {
		what = "EXISTS"
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, e.Pos, "%s in this position of an expression is not supported", what).
		WithHint("In a SELECT, a subquery may be a condition of WHERE (EXISTS, IN, NOT IN, ANDed with the others), or a scalar subquery in WHERE or the select list (with aggregates: with GROUP BY, uncorrelated, also in HAVING).")
}
