package planner

import (
	"errors"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// exprContext is where an expression is bound: its scope, the clause (for
// error messages) and, in the select list, HAVING and ORDER BY of an
// aggregating query, the aggregation being built.
type exprContext struct {
	scope  *scope
	clause string
	agg    *aggregation
	// win holds the SELECT's window function calls, in the select list
	// and ORDER BY (bind_window.go).
	win *windowing
}

// aggregation collects the group keys and aggregate calls of one SELECT. The
// aggregate's output columns are the group keys, then the aggregates.
type aggregation struct {
	input     *scope
	groupSQL  []string
	groupExpr []expr.Expr
	groupCols []Col
	calls     []aggCall
	// distinctKeys reports that the group keys are the select list (SELECT
	// DISTINCT without GROUP BY or aggregates).
	distinctKeys bool
	// sets, for GROUPING SETS, ROLLUP and CUBE, holds each grouping set's
	// keys (indices into groupExpr); the last group key is then the set's
	// number (see bindGroupingSets).
	sets [][]int
}

type aggCall struct {
	key  string
	name string
	star bool
	dist bool
	arg  expr.Expr      // over the aggregation's input scope; nil for count(*)
	agg  expr.Aggregate // its Filter and a Sep that is not a constant are over the input scope too
}

// at gives err the position pos when it is a *sqlstate.Error without one.
func at(err error, pos sql.Pos) error {
	var se *sqlstate.Error
	if errors.As(err, &se) {
		return se.At(pos)
	}
	return err
}

// bindExpr binds e in ec. hint is the type the context expects (for $n
// parameters and unknown literals), or UnknownType.
func (b *Binder) bindExpr(ec *exprContext, e sql.Expr, hint types.T) (expr.Expr, error) {
	if ec.agg != nil {
		if bound, ok, err := b.bindGrouped(ec, e); ok || err != nil {
			return bound, err
		}
	}
	switch e := e.(type) {
	case *sql.ParenExpr:
		return b.bindExpr(ec, e.Expr, hint)
	case *sql.ColumnRef:
		if ec.agg != nil {
			idx, err := ec.agg.input.resolve(e)
			if err != nil {
				return nil, err
			}
			name := e.Name.Value
			if q := ec.agg.input.cols[idx].Table; q != "" {
				name = q + "." + name
			}
			return nil, sqlstate.ErrorfAt(sqlstate.GroupingError, e.Position(),
				"column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name)
		}
		i, err := ec.scope.resolve(e)
		if err != nil {
			return nil, err
		}
		c := ec.scope.cols[i]
		return expr.Column(i, c.Name, c.Type), nil
	case *sql.Literal:
		return b.bindLiteral(e)
	case *sql.Param:
		return b.bindParam(e, hint)
	case *sql.BinaryExpr:
		return b.bindBinary(ec, e)
	case *sql.UnaryExpr:
		operand, err := b.bindExpr(ec, e.Operand, hint)
		if err != nil {
			return nil, err
		}
		switch e.Op {
		case sql.OpNot:
			out, err := expr.Not(operand)
			return out, at(err, e.Pos)
		case sql.OpNeg:
			if lit, ok := e.Operand.(*sql.Literal); ok && (lit.Kind == sql.LitInteger || lit.Kind == sql.LitDecimal) {
				return b.bindLiteral(&sql.Literal{Pos: e.Pos, Kind: lit.Kind, Value: "-" + lit.Value})
			}
			out, err := expr.Neg(operand)
			return out, at(err, e.Pos)
		default:
			return operand, nil
		}
	case *sql.IsNullExpr:
		inner, err := b.bindExpr(ec, e.Expr, types.UnknownType)
		if err != nil {
			return nil, err
		}
		return expr.IsNull(inner, e.Not), nil
	case *sql.IsBoolExpr:
		inner, err := b.bindExpr(ec, e.Expr, types.BoolType)
		if err != nil {
			return nil, err
		}
		out, err := expr.IsBool(inner, e.Value, e.Not)
		return out, at(err, e.Pos)
	case *sql.BetweenExpr:
		v, err := b.bindExpr(ec, e.Expr, types.UnknownType)
		if err != nil {
			return nil, err
		}
		lo, err := b.bindExpr(ec, e.Lo, v.Type())
		if err != nil {
			return nil, err
		}
		hi, err := b.bindExpr(ec, e.Hi, v.Type())
		if err != nil {
			return nil, err
		}
		out, err := expr.Between(v, lo, hi, e.Not)
		return out, atLiteral(err, e.Pos, e.Expr, e.Lo, e.Hi)
	case *sql.InExpr:
		v, err := b.bindExpr(ec, e.Expr, types.UnknownType)
		if err != nil {
			return nil, err
		}
		list := make([]expr.Expr, len(e.List))
		for i, item := range e.List {
			if list[i], err = b.bindExpr(ec, item, v.Type()); err != nil {
				return nil, err
			}
		}
		out, err := expr.In(v, list, e.Not)
		return out, atLiteral(err, e.Pos, append([]sql.Expr{e.Expr}, e.List...)...)
	case *sql.LikeExpr:
		v, err := b.bindExpr(ec, e.Expr, types.TextType)
		if err != nil {
			return nil, err
		}
		p, err := b.bindExpr(ec, e.Pattern, types.TextType)
		if err != nil {
			return nil, err
		}
		out, err := expr.Like(v, p, e.Not, e.CaseInsensitive)
		return out, at(err, e.Pos)
	case *sql.CaseExpr:
		return b.bindCase(ec, e, hint)
	case *sql.CastExpr:
		inner, err := b.bindExpr(ec, e.Expr, e.Type.Type)
		if err != nil {
			return nil, err
		}
		out, err := expr.Cast(inner, e.Type.Type)
		if err == nil && e.Type.Length > 0 {
			out = expr.CharLength(out, int(e.Type.Length), e.Type.Fixed, true)
		}
		return out, atLiteral(err, e.Pos, e.Expr)
	case *sql.FuncCall:
		if col, ok := ec.win.column(e); ok {
			return col, nil
		}
		if err := windowCallError(ec, e); err != nil {
			return nil, err
		}
		if expr.IsAggregateName(e.Name.Value) {
			return nil, sqlstate.ErrorfAt(sqlstate.GroupingError, e.Pos,
				"aggregate functions are not allowed in %s", ec.clause)
		}
		if err := notAggregateCall(e); err != nil {
			return nil, err
		}
		if out, ok, err := b.bindFunctionCall(ec, e, hint); ok || err != nil {
			return out, err
		}
		args := make([]expr.Expr, len(e.Args))
		for i, a := range e.Args {
			var err error
			if args[i], err = b.bindExpr(ec, a, types.UnknownType); err != nil {
				return nil, err
			}
		}
		out, err := expr.Func(e.Name.Value, args)
		return out, atLiteral(err, e.Pos, e.Args...)
	case *sql.SubqueryExpr:
		return b.bindSubqueryExpr(ec, e)
	case *sql.ArrayExpr, *sql.SubscriptExpr, *sql.QuantifiedExpr:
		return b.bindArrayExpr(ec, e, hint)
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, e.Position(), "unsupported expression %s", sql.String(e))
}

// bindGrouped binds e when it is a group key or an aggregate call of the
// enclosing aggregation; ok is false when it is neither.
func (b *Binder) bindGrouped(ec *exprContext, e sql.Expr) (expr.Expr, bool, error) {
	if p, isParen := e.(*sql.ParenExpr); isParen {
		return b.bindGrouped(ec, p.Expr)
	}
	a := ec.agg
	if _, isLit := e.(*sql.Literal); !isLit {
		key := sql.String(e)
		for i, g := range a.groupSQL {
			if g == key {
				return expr.Column(i, a.groupCols[i].Name, a.groupCols[i].Type), true, nil
			}
		}
		// A bare column that is a group key under another spelling (t.x vs x).
		if ref, isRef := e.(*sql.ColumnRef); isRef {
			if idx, err := a.input.resolve(ref); err == nil {
				for i, g := range a.groupExpr {
					if c, ok := g.(interface{ Index() int }); ok && c.Index() == idx {
						return expr.Column(i, a.groupCols[i].Name, a.groupCols[i].Type), true, nil
					}
				}
			}
		}
	}
	call, isCall := e.(*sql.FuncCall)
	if isCall && isGroupingCall(call) {
		out, err := b.bindGroupingCall(ec, call)
		return out, true, err
	}
	if !isCall || !isPlainAggregate(call) {
		return nil, false, nil
	}
	key := sql.String(call)
	for j, c := range a.calls {
		if c.key == key {
			return expr.Column(len(a.groupSQL)+j, c.name, c.agg.Type), true, nil
		}
	}
	inner := &exprContext{scope: a.input, clause: "aggregate function calls"}
	var arg expr.Expr
	var args []expr.Expr
	for _, ca := range call.Args {
		bound, err := b.bindExpr(inner, ca, types.UnknownType)
		if err != nil {
			var se *sqlstate.Error
			if errors.As(err, &se) && se.Code == sqlstate.GroupingError && strings.HasPrefix(se.Message, "aggregate functions are not allowed") {
				return nil, true, sqlstate.ErrorfAt(sqlstate.GroupingError, ca.Position(), "aggregate function calls cannot be nested")
			}
			return nil, true, err
		}
		args = append(args, bound)
	}
	if len(args) > 0 {
		arg = args[0]
	}
	agg, err := expr.ResolveAggregate(call.Name.Value, args, call.Star, call.Distinct)
	if err != nil {
		return nil, true, at(err, call.Pos)
	}
	if agg.Arg != nil {
		arg = agg.Arg
	}
	if err := b.bindAggOrder(inner, call, &agg); err != nil {
		return nil, true, err
	}
	if call.Filter != nil {
		fc := &exprContext{scope: a.input, clause: "FILTER"}
		f, err := b.bindExpr(fc, call.Filter, types.BoolType)
		if err != nil {
			return nil, true, err
		}
		if f.Type().Family == types.Unknown {
			if f, err = expr.Coerce(f, types.BoolType); err != nil {
				return nil, true, at(err, call.Filter.Position())
			}
		}
		if f.Type().Family != types.Bool {
			return nil, true, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, call.Filter.Position(),
				"argument of FILTER must be type boolean, not type %s", f.Type())
		}
		agg.Filter = f
	}
	a.calls = append(a.calls, aggCall{key: key, name: call.Name.Value, star: call.Star, dist: call.Distinct, arg: arg, agg: agg})
	return expr.Column(len(a.groupSQL)+len(a.calls)-1, call.Name.Value, agg.Type), true, nil
}

func (b *Binder) bindBinary(ec *exprContext, e *sql.BinaryExpr) (expr.Expr, error) {
	op := e.Op
	hint := types.UnknownType
	if op == sql.OpAnd || op == sql.OpOr {
		hint = types.BoolType
	}
	// Bind the side that is not a parameter first, so a parameter takes the
	// other side's type.
	var l, r expr.Expr
	var err error
	if _, lp := e.Left.(*sql.Param); lp {
		if r, err = b.bindExpr(ec, e.Right, hint); err != nil {
			return nil, err
		}
		if l, err = b.bindExpr(ec, e.Left, r.Type()); err != nil {
			return nil, err
		}
	} else {
		if l, err = b.bindExpr(ec, e.Left, hint); err != nil {
			return nil, err
		}
		h := hint
		if h == types.UnknownType {
			h = l.Type()
		}
		if r, err = b.bindExpr(ec, e.Right, h); err != nil {
			return nil, err
		}
	}
	out, err := expr.Binary(op, l, r)
	return out, atLiteral(err, e.Pos, e.Left, e.Right)
}

func (b *Binder) bindCase(ec *exprContext, e *sql.CaseExpr, hint types.T) (expr.Expr, error) {
	var operand expr.Expr
	var err error
	if e.Operand != nil {
		if operand, err = b.bindExpr(ec, e.Operand, types.UnknownType); err != nil {
			return nil, err
		}
	}
	whens := make([][2]expr.Expr, len(e.Whens))
	for i, w := range e.Whens {
		condHint := types.BoolType
		if operand != nil {
			condHint = operand.Type()
		}
		if whens[i][0], err = b.bindExpr(ec, w.Cond, condHint); err != nil {
			return nil, err
		}
		if whens[i][1], err = b.bindExpr(ec, w.Result, hint); err != nil {
			return nil, err
		}
	}
	var els expr.Expr
	if e.Else != nil {
		if els, err = b.bindExpr(ec, e.Else, hint); err != nil {
			return nil, err
		}
	}
	out, err := expr.Case(operand, whens, els)
	operands := []sql.Expr{e.Operand, e.Else}
	for _, w := range e.Whens {
		operands = append(operands, w.Cond, w.Result)
	}
	return out, atLiteral(err, e.Pos, operands...)
}

func (b *Binder) bindLiteral(l *sql.Literal) (expr.Expr, error) {
	var out expr.Expr
	var err error
	switch l.Kind {
	case sql.LitNull:
		return expr.Null(types.UnknownType), nil
	case sql.LitBool:
		out, err = expr.Constant(l.Value == "true", types.BoolType)
	case sql.LitInteger:
		v, perr := strconv.ParseInt(l.Value, 10, 64)
		switch {
		case perr != nil:
			out, err = expr.ParseConstant(l.Value, types.NumericType(types.NumericMaxPrecision, 0))
		case v >= -1<<31 && v < 1<<31:
			out, err = expr.Constant(v, types.Int32Type)
		default:
			out, err = expr.Constant(v, types.Int64Type)
		}
	case sql.LitDecimal:
		if strings.ContainsAny(l.Value, "eE") {
			out, err = expr.ParseConstant(l.Value, types.Float64Type)
			break
		}
		scale := 0
		if dot := strings.IndexByte(l.Value, '.'); dot >= 0 {
			scale = len(l.Value) - dot - 1
		}
		if scale > types.NumericMaxPrecision {
			scale = types.NumericMaxPrecision
		}
		out, err = expr.ParseConstant(l.Value, types.NumericType(types.NumericMaxPrecision, int32(scale)))
	case sql.LitString:
		return expr.UnknownLiteral(l.Value), nil
	case sql.LitTyped:
		out, err = expr.ParseConstant(l.Value, l.Type.Type)
	default:
		return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, l.Pos, "unsupported literal")
	}
	return out, at(err, l.Pos)
}

// bindParam binds $n. While preparing, parameter values are unknown: $n binds
// as a typed NULL so that the statement can be typed and described; Execute
// substitutes the values into the statement and binds it again.
func (b *Binder) bindParam(p *sql.Param, hint types.T) (expr.Expr, error) {
	if p.Index < 1 || p.Index > 65535 {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, p.Pos, "there is no parameter $%d", p.Index)
	}
	for len(b.Params) < p.Index {
		b.Params = append(b.Params, types.UnknownType)
	}
	t := b.Params[p.Index-1]
	if t == types.UnknownType {
		t = hint
		if t == types.UnknownType {
			t = types.TextType
		}
		b.Params[p.Index-1] = t
	}
	return expr.Null(t), nil
}

// ColumnName returns the name Postgres gives a select item e without an
// alias (exec/adhoc names the columns of what DuckDB runs with it).
func ColumnName(e sql.Expr) string { return columnName(e) }

// columnName returns the name Postgres gives the output column of e.
func columnName(e sql.Expr) string {
	if name, ok := arrayColumnName(e); ok {
		return name
	}
	switch e := e.(type) {
	case *sql.ColumnRef:
		return e.Name.Value
	case *sql.FuncCall:
		return e.Name.Value
	case *sql.CastExpr:
		if n := columnName(e.Expr); n != "?column?" {
			return n
		}
		return typeColumnName(e.Type)
	case *sql.ParenExpr:
		return columnName(e.Expr)
	case *sql.CaseExpr:
		return "case"
	case *sql.SubqueryExpr:
		if e.Exists {
			return "exists"
		}
		if q := e.Query; q.Set == nil && len(q.Items) == 1 && !q.Items[0].Star {
			if q.Items[0].Alias != nil {
				return q.Items[0].Alias.Value
			}
			return columnName(q.Items[0].Expr)
		}
	case *sql.Literal:
		switch e.Kind {
		case sql.LitBool:
			return "bool"
		case sql.LitTyped:
			if e.Type != nil {
				return typeColumnName(*e.Type)
			}
		}
	}
	return "?column?"
}

// typeColumnName returns the name Postgres gives a column computed by a cast
// to t or by a typed literal: the type's internal name (int4, float8, …).
func typeColumnName(t sql.TypeName) string {
	switch t.Type.Family {
	case types.Bool:
		return "bool"
	case types.Int16:
		return "int2"
	case types.Int32:
		return "int4"
	case types.Int64:
		return "int8"
	case types.Float32:
		return "float4"
	case types.Float64:
		return "float8"
	case types.Numeric:
		return "numeric"
	case types.Text:
		if strings.HasPrefix(t.Written, "TEXT") {
			return "text"
		}
		return "varchar"
	case types.Date:
		return "date"
	case types.Timestamp:
		return "timestamp"
	case types.TimestampTZ:
		return "timestamptz"
	case types.Interval:
		return "interval"
	case types.Bytea:
		return "bytea"
	case types.JSONB:
		return "jsonb"
	}
	return "?column?"
}

// atLiteral gives err, when it is a data error (class 22, e.g. a string that
// is not a valid integer) without a position, the position of the string
// literal among operands that caused it, as Postgres does; any other error
// gets the position pos.
func atLiteral(err error, pos sql.Pos, operands ...sql.Expr) error {
	var se *sqlstate.Error
	if err == nil || !errors.As(err, &se) || se.Position >= 0 || !strings.HasPrefix(se.Code, "22") {
		return at(err, pos)
	}
	var first *sql.Literal
	for _, o := range operands {
		for {
			p, ok := o.(*sql.ParenExpr)
			if !ok {
				break
			}
			o = p.Expr
		}
		lit, ok := o.(*sql.Literal)
		if !ok || lit.Kind != sql.LitString {
			continue
		}
		if strings.Contains(se.Message, "\""+lit.Value+"\"") {
			return se.At(lit.Pos)
		}
		if first == nil {
			first = lit
		}
	}
	if first != nil {
		return se.At(first.Pos)
	}
	return se.At(pos)
}
