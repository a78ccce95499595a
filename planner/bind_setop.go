package planner

import (
	"errors"
	"strconv"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// columnOrigin is where an output column of a query is written: its entry
// in the select list of the (leftmost) SELECT, item nil for a column that
// * expanded to.
type columnOrigin struct {
	pos  sql.Pos
	item *sql.SelectItem
}

// bindSetQuery binds a set operation with its own ORDER BY, LIMIT and
// OFFSET, and returns, with its plan, where each output column is written
// (in the leftmost SELECT, whose names the columns take).
//
// Types resolve as in Postgres: at each operator, column by column, to the
// common type of the two sides (CommonType, as for CASE), an unknown-typed
// literal of a SELECT taking the type of the other side, a side whose type
// differs cast by a projection. Each side is a SELECT or a set operation
// again, so an unknown column meets the other side only at the innermost
// operator: SELECT NULL UNION SELECT NULL UNION SELECT 1 fails, as there.
func (b *Binder) bindSetQuery(q *sql.Select) (Node, []columnOrigin, error) {
	set := q.Set
	left, lorigins, err := b.bindQueryOperand(set.Left)
	if err != nil {
		return nil, nil, err
	}
	right, rorigins, err := b.bindQueryOperand(set.Right)
	if err != nil {
		return nil, nil, err
	}
	lcols, rcols := left.Columns(), right.Columns()
	if len(lcols) != len(rcols) {
		pos := set.Pos
		if len(rorigins) > 0 {
			pos = rorigins[0].pos
		}
		return nil, nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, pos, "each %s query must have the same number of columns", set.Op)
	}
	cols := make([]Col, len(lcols))
	for i := range lcols {
		t, err := expr.CommonType([]types.T{lcols[i].Type, rcols[i].Type})
		if err != nil {
			return nil, nil, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, rorigins[i].pos, "%s %s", set.Op, sqlstate.From(err).Message)
		}
		cols[i] = Col{Name: lcols[i].Name, Type: t}
	}
	if left, err = b.castColumns(left, cols, lorigins); err != nil {
		return nil, nil, err
	}
	if right, err = b.castColumns(right, cols, rorigins); err != nil {
		return nil, nil, err
	}
	var node Node
	switch {
	case set.Op == sql.SetUnion && set.All:
		node = &Union{Inputs: append(unionInputs(left, false), unionInputs(right, false)...), Cols: cols}
	case set.Op == sql.SetUnion:
		// The distinct rows of a union of distinct rows are those of the
		// union of their inputs: one aggregate serves a chain of UNIONs.
		union := &Union{Inputs: append(unionInputs(left, true), unionInputs(right, true)...), Cols: cols}
		node = &Aggregate{Input: union, NumGroup: len(cols), Cols: cols}
	default:
		node = &SetOp{Op: set.Op, All: set.All, Left: left, Right: right, Cols: cols}
	}
	if node, err = b.bindSetOptions(q, node); err != nil {
		return nil, nil, err
	}
	return node, lorigins, nil
}

// bindQueryOperand binds an operand of a set operation: a SELECT, whose
// unknown-typed columns stay so for the set operation to resolve, or a set
// operation. Its plan has only visible columns.
func (b *Binder) bindQueryOperand(q *sql.Select) (Node, []columnOrigin, error) {
	if q.Set != nil {
		return b.bindSetQuery(q)
	}
	n, origins, err := b.bindSelect(q, false)
	if err != nil {
		return nil, nil, err
	}
	return visibleOnly(n), origins, nil
}

// unionInputs returns the inputs n contributes to a union: n itself, or the
// inputs of n when n is a Union, or, when distinct (the union's rows are
// made distinct after), those of a UNION's distinct aggregate over a Union.
func unionInputs(n Node, distinct bool) []Node {
	if a, ok := n.(*Aggregate); ok && distinct && len(a.Aggs) == 0 && a.NumGroup == len(a.Cols) {
		if u, ok := a.Input.(*Union); ok {
			n = u
		}
	}
	u, ok := n.(*Union)
	if !ok {
		return []Node{n}
	}
	var out []Node
	for _, in := range u.Inputs {
		out = append(out, unionInputs(in, distinct)...)
	}
	return out
}

// visibleOnly returns n without its hidden columns (those a SELECT's ORDER
// BY added), projected away.
func visibleOnly(n Node) Node {
	cols := n.Columns()
	var exprs []expr.Expr
	var out []Col
	for i, c := range cols {
		if !c.Hidden {
			exprs = append(exprs, expr.Column(i, c.Name, c.Type))
			out = append(out, c)
		}
	}
	if len(out) == len(cols) {
		return n
	}
	return &Project{Input: n, Exprs: exprs, Cols: out}
}

// castColumns returns n with its columns converted to the types of cols
// (assignment casts, as Postgres coerces a set operation's sides), origins
// saying where each is written. A projection takes the casts into its
// expressions, so that an unknown literal is read as the type, not cast
// from text (and is noted in ResolvedLiterals); a union and a limit pass
// them to their inputs.
func (b *Binder) castColumns(n Node, cols []Col, origins []columnOrigin) (Node, error) {
	have := n.Columns()
	same := true
	for i, c := range have {
		same = same && c.Type == cols[i].Type
	}
	if same {
		return n, nil
	}
	switch n := n.(type) {
	case *Project:
		exprs := make([]expr.Expr, len(n.Exprs))
		out := make([]Col, len(n.Cols))
		for i, e := range n.Exprs {
			c, err := expr.Coerce(e, cols[i].Type)
			if err != nil {
				return nil, atLiteral(err, origins[i].pos)
			}
			if e.Type().Family == types.Unknown && origins[i].item != nil {
				b.resolved(origins[i].item, cols[i].Type)
			}
			exprs[i] = c
			out[i] = n.Cols[i]
			out[i].Type = cols[i].Type
		}
		return &Project{Input: n.Input, Exprs: exprs, Cols: out}, nil
	case *Limit:
		in, err := b.castColumns(n.Input, cols, origins)
		if err != nil {
			return nil, err
		}
		return &Limit{Input: in, Count: n.Count, Offset: n.Offset}, nil
	case *Union:
		ins := make([]Node, len(n.Inputs))
		for i, in := range n.Inputs {
			var err error
			if ins[i], err = b.castColumns(in, cols, origins); err != nil {
				return nil, err
			}
		}
		out := make([]Col, len(cols))
		for i, c := range n.Cols {
			out[i] = Col{Name: c.Name, Type: cols[i].Type}
		}
		return &Union{Inputs: ins, Cols: out}, nil
	}
	exprs := make([]expr.Expr, len(have))
	out := make([]Col, len(have))
	for i, c := range have {
		e, err := expr.Coerce(expr.Column(i, c.Name, c.Type), cols[i].Type)
		if err != nil {
			return nil, at(err, origins[i].pos)
		}
		exprs[i] = e
		out[i] = Col{Table: c.Table, Name: c.Name, Type: cols[i].Type}
	}
	return &Project{Input: n, Exprs: exprs, Cols: out}, nil
}

// untypedParam reports whether e is a parameter $n whose type is not known
// yet; it makes sure Params has an entry for it.
func (b *Binder) untypedParam(e sql.Expr) bool {
	p, ok := e.(*sql.Param)
	if !ok || p.Index < 1 || p.Index > 65535 {
		return false
	}
	for len(b.Params) < p.Index {
		b.Params = append(b.Params, types.UnknownType)
	}
	return b.Params[p.Index-1] == types.UnknownType
}

// resolved notes that the select-list entry it, of no type of its own, is
// of type t: a parameter $n gets the type, unless the query gave it one
// elsewhere; a literal goes into ResolvedLiterals.
func (b *Binder) resolved(it *sql.SelectItem, t types.T) {
	if p, ok := it.Expr.(*sql.Param); ok {
		if b.Params[p.Index-1] == types.UnknownType {
			b.Params[p.Index-1] = t
		}
		return
	}
	if b.ResolvedLiterals == nil {
		b.ResolvedLiterals = map[*sql.SelectItem]types.T{}
	}
	b.ResolvedLiterals[it] = t
}

// bindSetOptions binds the ORDER BY, LIMIT and OFFSET of a set operation
// over its plan n. As in Postgres, an ORDER BY term can only name an output
// column, by name or position (or as an expression that is just one);
// anything else is 0A000.
func (b *Binder) bindSetOptions(q *sql.Select, n Node) (Node, error) {
	sc := &scope{cols: n.Columns()}
	var keys []SortKey
	for _, o := range q.OrderBy {
		idx, err := b.setOrderTarget(sc, o.Expr)
		if err != nil {
			return nil, err
		}
		nullsFirst := o.Desc
		if o.NullsFirst != nil {
			nullsFirst = *o.NullsFirst
		}
		keys = append(keys, SortKey{Column: idx, Desc: o.Desc, NullsFirst: nullsFirst})
	}
	if len(keys) > 0 {
		n = &Sort{Input: n, Keys: keys}
	}
	if q.Limit == nil && q.Offset == nil {
		return n, nil
	}
	// No column is in scope of a set operation's LIMIT and OFFSET.
	lim := &Limit{Input: n, Count: -1}
	var err error
	if q.Limit != nil {
		if lim.Count, err = b.constInt(&scope{}, q.Limit, "LIMIT"); err != nil {
			return nil, err
		}
	}
	if q.Offset != nil {
		if lim.Offset, err = b.constInt(&scope{}, q.Offset, "OFFSET"); err != nil {
			return nil, err
		}
	}
	return lim, nil
}

// setOrderTarget returns the output column of a set operation that the
// ORDER BY term e names.
func (b *Binder) setOrderTarget(sc *scope, e sql.Expr) (int, error) {
	if lit, ok := e.(*sql.Literal); ok && lit.Kind == sql.LitInteger {
		n, err := strconv.Atoi(lit.Value)
		if err != nil || n < 1 || n > len(sc.cols) {
			return 0, sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, lit.Pos, "ORDER BY position %s is not in select list", lit.Value)
		}
		return n - 1, nil
	}
	if ref, ok := e.(*sql.ColumnRef); ok && ref.Table == nil {
		found := -1
		for i, c := range sc.cols {
			if c.Name != ref.Name.Value {
				continue
			}
			if found >= 0 {
				return 0, sqlstate.ErrorfAt(sqlstate.AmbiguousColumn, ref.Position(), "ORDER BY \"%s\" is ambiguous", ref.Name.Value)
			}
			found = i
		}
		if found >= 0 {
			return found, nil
		}
	}
	bound, err := b.bindExpr(&exprContext{scope: sc, clause: "ORDER BY"}, e, types.UnknownType)
	if err != nil {
		return 0, err
	}
	if ref, ok := bound.(*expr.ColumnRef); ok {
		return ref.Index(), nil
	}
	return 0, refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, exprStart(e), "invalid UNION/INTERSECT/EXCEPT ORDER BY clause").
		WithDetail("Only result column names can be used, not expressions or functions.").
		WithHint("Add the expression/function to every SELECT, or move the UNION into a FROM clause.")}
}

// refusal is an error of the binder's that Postgres gives too, with the
// code (0A000) of the shapes weir's binder leaves to DuckDB: see Refused.
type refusal struct{ err *sqlstate.Error }

func (r refusal) Error() string { return r.err.Error() }

func (r refusal) Unwrap() error { return r.err }

// Refused reports whether err, though a feature_not_supported error, is
// Postgres' answer to the query, which no other engine may then run.
func Refused(err error) bool {
	var r refusal
	return errors.As(err, &r)
}

// exprStart returns where e's text starts: an operator's node is at the
// operator, but Postgres points at an expression's leftmost operand.
func exprStart(e sql.Expr) sql.Pos {
	for {
		switch x := e.(type) {
		case *sql.BinaryExpr:
			e = x.Left
		case *sql.IsNullExpr:
			e = x.Expr
		case *sql.IsBoolExpr:
			e = x.Expr
		case *sql.BetweenExpr:
			e = x.Expr
		case *sql.InExpr:
			e = x.Expr
		case *sql.LikeExpr:
			e = x.Expr
		case *sql.CastExpr:
			if !x.DoubleColon {
				return x.Pos
			}
			e = x.Expr
		default:
			return e.Position()
		}
	}
}
