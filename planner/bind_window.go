package planner

import (
	"context"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// windowFuncs are Postgres' window functions that are not aggregates; every
// aggregate is a window function too when called with OVER.
var windowFuncs = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true,
	"cume_dist": true, "ntile": true, "lag": true, "lead": true,
	"first_value": true, "last_value": true, "nth_value": true,
}

// isWindowCall reports whether e is a window function call (has OVER).
func isWindowCall(e sql.Expr) bool {
	f, ok := e.(*sql.FuncCall)
	return ok && f.Over != nil
}

// windowCalls returns the window function calls of s's select list and
// ORDER BY, the clauses where Postgres allows them, outermost first; it
// does not look into subqueries, which are queries of their own.
func windowCalls(s *sql.Select) []*sql.FuncCall {
	var calls []*sql.FuncCall
	visit := func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.SubqueryExpr, *sql.Select:
			return false
		case *sql.FuncCall:
			if n.Over != nil {
				calls = append(calls, n)
			}
		}
		return true
	}
	for _, it := range s.Items {
		sql.Walk(it.Expr, visit)
	}
	for _, o := range s.OrderBy {
		sql.Walk(o.Expr, visit)
	}
	return calls
}

// checkWindowCalls checks s's window function calls and WINDOW clause as
// Postgres' parse analysis does: a named window exists and is defined once,
// a window refining another overrides neither its PARTITION BY nor its
// ORDER BY and copies no frame, calls are not nested, and DISTINCT, an
// argument ORDER BY and FILTER are refused where Postgres refuses them.
func checkWindowCalls(s *sql.Select) error {
	defs := map[string]*sql.WindowSpec{}
	for _, nw := range s.Windows {
		if _, dup := defs[nw.Name.Value]; dup {
			return sqlstate.ErrorfAt(sqlstate.WindowingError, nw.Name.Pos, "window \"%s\" is already defined", nw.Name.Value)
		}
		if err := checkWindowRef(nw.Spec, defs); err != nil {
			return err
		}
		defs[nw.Name.Value] = nw.Spec
	}
	for _, call := range windowCalls(s) {
		w := call.Over
		if w.Name != nil {
			if defs[w.Name.Value] == nil {
				return sqlstate.ErrorfAt(sqlstate.UndefinedObject, w.Name.Pos, "window \"%s\" does not exist", w.Name.Value)
			}
		} else if err := checkWindowRef(w, defs); err != nil {
			return err
		}
		if err := checkNotNested(call); err != nil {
			return err
		}
		name := call.Name.Value
		switch {
		case call.Distinct:
			return refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, call.Pos, "DISTINCT is not implemented for window functions")}
		case len(call.OrderBy) > 0:
			return refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, call.Pos, "aggregate ORDER BY is not implemented for window functions")}
		case call.Filter != nil && windowFuncs[name]:
			return refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, call.Pos, "FILTER is not implemented for non-aggregate window functions")}
		}
	}
	return nil
}

// checkWindowRef checks that the window w refines, if any, is defined in
// defs and that w may refine it.
func checkWindowRef(w *sql.WindowSpec, defs map[string]*sql.WindowSpec) error {
	if w.Ref == nil {
		return nil
	}
	ref := defs[w.Ref.Value]
	switch {
	case ref == nil:
		return sqlstate.ErrorfAt(sqlstate.UndefinedObject, w.Ref.Pos, "window \"%s\" does not exist", w.Ref.Value)
	case len(w.PartitionBy) > 0:
		return sqlstate.ErrorfAt(sqlstate.WindowingError, w.PartitionBy[0].Position(), "cannot override PARTITION BY clause of window \"%s\"", w.Ref.Value)
	case len(w.OrderBy) > 0 && len(ref.OrderBy) > 0:
		return sqlstate.ErrorfAt(sqlstate.WindowingError, w.OrderBy[0].Expr.Position(), "cannot override ORDER BY clause of window \"%s\"", w.Ref.Value)
	case ref.Frame != nil:
		return sqlstate.ErrorfAt(sqlstate.WindowingError, w.Ref.Pos, "cannot copy window \"%s\" because it has a frame clause", w.Ref.Value).
			WithHint("Omit the parentheses in this OVER clause.")
	}
	return nil
}

// checkNotNested fails when a window function call is inside call's
// arguments, FILTER or window.
func checkNotNested(call *sql.FuncCall) error {
	var inner *sql.FuncCall
	visit := func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.SubqueryExpr, *sql.Select:
			return false
		case *sql.FuncCall:
			if n.Over != nil && inner == nil {
				inner = n
			}
		}
		return inner == nil
	}
	for _, a := range call.Args {
		sql.Walk(a, visit)
	}
	sql.Walk(call.Filter, visit)
	if call.Over != nil {
		sql.Walk(call.Over, visit)
	}
	if inner != nil {
		return sqlstate.ErrorfAt(sqlstate.WindowingError, inner.Pos, "window function calls cannot be nested")
	}
	return nil
}

// windowCallError is the error for the call e, a window function call or a
// window function without OVER, met where the binder binds plain
// expressions: Postgres' error in the clauses that forbid window functions,
// and otherwise (the select list or ORDER BY of a query whose windows the
// binder does not plan) feature_not_supported, which an ad-hoc query
// answers in DuckDB. It returns nil for a call that is neither.
func windowCallError(ec *exprContext, e *sql.FuncCall) error {
	if e.Over == nil {
		if windowFuncs[e.Name.Value] {
			return sqlstate.ErrorfAt(sqlstate.WrongObjectType, e.Pos, "window function %s requires an OVER clause", e.Name.Value)
		}
		return nil
	}
	switch ec.clause {
	case "SELECT", "ORDER BY":
		return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, e.Pos, "window function %s is not supported in materialized views yet", e.Name.Value).
			WithHint("A view keeps ROW_NUMBER(), RANK() and DENSE_RANK() filtered to the top rows of each partition (WHERE rn <= n in the query around it).")
	case "aggregate function calls":
		return sqlstate.ErrorfAt(sqlstate.GroupingError, e.Pos, "aggregate function calls cannot contain window function calls")
	case "JOIN/ON":
		return sqlstate.ErrorfAt(sqlstate.WindowingError, e.Pos, "window functions are not allowed in JOIN conditions")
	}
	return sqlstate.ErrorfAt(sqlstate.WindowingError, e.Pos, "window functions are not allowed in %s", ec.clause)
}

// isPlainAggregate reports whether e calls an aggregate as an aggregate
// (without OVER).
func isPlainAggregate(e *sql.FuncCall) bool {
	return e.Over == nil && expr.IsAggregateName(e.Name.Value)
}

// windowPlaceholder is the first column index the select list's window
// function results bind to while the width of the Window's input is not
// known yet (an aggregate's output grows as its calls are found);
// windowing.plan moves them to their columns.
const windowPlaceholder = 1 << 24

// windowing collects the window function calls of one SELECT: the
// expressions they read, over the FROM clause or the aggregate's output,
// and the functions over those.
type windowing struct {
	keys   []string // each call's SQL, to find it again in the select list
	funcs  []WindowFunc
	inputs []expr.Expr
	names  []string
}

// bindWindows binds the window function calls of s (checked by
// checkWindowCalls) in ec, the select list's context.
func (b *Binder) bindWindows(s *sql.Select, ec *exprContext) (*windowing, error) {
	calls := windowCalls(s)
	if len(calls) == 0 {
		return nil, nil
	}
	defs := map[string]*sql.WindowSpec{}
	for _, nw := range s.Windows {
		defs[nw.Name.Value] = resolveWindow(nw.Spec, defs)
	}
	w := &windowing{}
	// input returns the input column of e, the same for the same
	// expression: a column by its index (an aggregate's count(*) and
	// count(x) are both named count), others by their SQL and type.
	input := func(e expr.Expr) int {
		if i := sameExpr(w.inputs, e); i >= 0 {
			return i
		}
		w.inputs = append(w.inputs, e)
		return len(w.inputs) - 1
	}
	for _, call := range calls {
		key := sql.String(call)
		if w.find(key) >= 0 {
			continue
		}
		spec := call.Over
		if spec.Name != nil {
			spec = defs[spec.Name.Value]
		} else {
			spec = resolveWindow(spec, defs)
		}
		f := WindowFunc{Name: call.Name.Value, Star: call.Star, Frame: spec.Frame}
		args := make([]expr.Expr, len(call.Args))
		for i, a := range call.Args {
			e, err := b.bindExpr(ec, a, types.UnknownType)
			if err != nil {
				return nil, err
			}
			if i == 2 && (f.Name == "lag" || f.Name == "lead") {
				// The default takes the value's type, as Postgres' anycompatible does.
				if e, err = expr.Cast(e, args[0].Type()); err != nil {
					return nil, at(err, a.Position())
				}
			}
			if e, err = resolveUnknown(e); err != nil {
				return nil, at(err, a.Position())
			}
			args[i] = e
		}
		t, err := windowFuncType(f.Name, args, call.Star)
		if err != nil {
			return nil, at(err, call.Pos)
		}
		if err := checkWindowArg(f.Name, args); err != nil {
			return nil, err
		}
		f.Type = t
		for _, a := range args {
			f.Args = append(f.Args, input(a))
		}
		for _, p := range spec.PartitionBy {
			e, err := b.bindExpr(ec, p, types.UnknownType)
			if err != nil {
				return nil, err
			}
			if e, err = resolveUnknown(e); err != nil {
				return nil, at(err, p.Position())
			}
			f.PartitionBy = append(f.PartitionBy, input(e))
		}
		for _, o := range spec.OrderBy {
			e, err := b.bindExpr(ec, o.Expr, types.UnknownType)
			if err != nil {
				return nil, err
			}
			if e, err = resolveUnknown(e); err != nil {
				return nil, at(err, o.Expr.Position())
			}
			nullsFirst := o.Desc
			if o.NullsFirst != nil {
				nullsFirst = *o.NullsFirst
			}
			f.OrderBy = append(f.OrderBy, SortKey{Column: input(e), Desc: o.Desc, NullsFirst: nullsFirst})
		}
		if fr := spec.Frame; fr != nil {
			if fr.Mode == sql.FrameGroups && len(spec.OrderBy) == 0 {
				return nil, sqlstate.ErrorfAt(sqlstate.WindowingError, fr.Pos, "GROUPS mode requires an ORDER BY clause")
			}
			if f.FrameStart, err = b.bindFrameOffset(ec, fr, fr.Start, true, f.OrderBy, w.inputs); err != nil {
				return nil, err
			}
			if fr.End != nil {
				if f.FrameEnd, err = b.bindFrameOffset(ec, fr, *fr.End, false, f.OrderBy, w.inputs); err != nil {
					return nil, err
				}
			}
		}
		w.keys = append(w.keys, key)
		w.funcs = append(w.funcs, f)
		w.names = append(w.names, call.Name.Value)
	}
	return w, nil
}

// checkWindowArg fails, as Postgres does at a partition's first row, when
// the number of buckets of ntile or the position of nth_value is a
// constant that is not positive.
func checkWindowArg(name string, args []expr.Expr) error {
	switch {
	case name == "ntile" && len(args) == 1:
		if n, ok := constInt(args[0]); ok && n <= 0 {
			return sqlstate.Errorf(sqlstate.InvalidArgumentForNtile, "argument of ntile must be greater than zero")
		}
	case name == "nth_value" && len(args) == 2:
		if n, ok := constInt(args[1]); ok && n <= 0 {
			return sqlstate.Errorf(sqlstate.InvalidArgumentForNthValue, "argument of nth_value must be greater than zero")
		}
	}
	return nil
}

// bindFrameOffset binds the offset of bound, one end of the frame fr (its
// start or its end), or returns nil when it has none, typed as Postgres
// types it: a bigint for ROWS and GROUPS, and for RANGE what the only
// ORDER BY column (order, over inputs) moves by (rangeOffsetType). Its
// errors are Postgres', a NULL or negative offset's too (which Postgres
// raises at the first row).
func (b *Binder) bindFrameOffset(ec *exprContext, fr *sql.WindowFrame, bound sql.FrameBound, start bool, order []SortKey, inputs []expr.Expr) (expr.Expr, error) {
	if bound.Offset == nil {
		return nil, nil
	}
	mode := fr.Mode.String()
	pos := bound.Offset.Position()
	e, err := b.bindExpr(ec, bound.Offset, types.UnknownType)
	if err != nil {
		return nil, err
	}
	if !expr.IsConstant(e) {
		return nil, sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, pos, "argument of %s must not contain variables", mode)
	}
	if fr.Mode != sql.FrameRange {
		switch e.Type().Family {
		case types.Int16, types.Int32, types.Int64, types.Unknown:
		default:
			return nil, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, pos, "argument of %s must be type bigint, not type %s", mode, e.Type())
		}
		if e, err = expr.Cast(e, types.Int64Type); err != nil {
			return nil, at(err, pos)
		}
		return e, checkFrameOffset(fr, e, start)
	}
	if len(order) != 1 {
		return nil, sqlstate.ErrorfAt(sqlstate.WindowingError, fr.Pos, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	col := inputs[order[0].Column].Type()
	to, ok := rangeOffsetType(col, e.Type())
	if !ok {
		return nil, refusal{sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, pos, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", col, e.Type()).
			WithHint("Cast the offset value to an appropriate type.")}
	}
	if e, err = expr.Cast(e, to); err != nil {
		return nil, at(err, pos)
	}
	return e, checkFrameOffset(fr, e, start)
}

// checkFrameOffset fails with Postgres' error when off, the bound
// constant offset of the start or end of fr, is NULL or negative.
func checkFrameOffset(fr *sql.WindowFrame, off expr.Expr, start bool) error {
	which := "ending"
	if start {
		which = "starting"
	}
	if isNullConst(off) {
		return sqlstate.Errorf(sqlstate.NullValueNotAllowed, "frame %s offset must not be null", which)
	}
	negative, err := isNegative(off)
	switch {
	case err != nil || !negative:
		return err
	case fr.Mode == sql.FrameRange:
		return sqlstate.Errorf(sqlstate.InvalidPrecedingOrFollowingSize, "invalid preceding or following size in window function")
	}
	return sqlstate.Errorf(sqlstate.InvalidPrecedingOrFollowingSize, "frame %s offset must not be negative", which)
}

// rangeOffsetType returns the type an offset of type off of a RANGE frame
// over an ORDER BY column of type col takes, as Postgres' in_range
// functions and implicit casts allow: integers move integers (by a
// bigint), numbers floats (by a double), integers and numerics numerics,
// intervals dates and times. ok is false for the other pairs.
func rangeOffsetType(col, off types.T) (t types.T, ok bool) {
	unknown := off.Family == types.Unknown
	switch {
	case col.IsInteger() && (off.IsInteger() || unknown):
		return types.Int64Type, true
	case col.IsFloat() && (off.IsNumeric() || unknown):
		return types.Float64Type, true
	case col.Family == types.Numeric && off.Family == types.Numeric:
		return off, true
	case col.Family == types.Numeric && (off.IsInteger() || unknown):
		return types.DefaultNumeric, true
	}
	switch col.Family {
	case types.Date, types.Timestamp, types.TimestampTZ, types.Interval:
		if off.Family == types.Interval || unknown {
			return types.IntervalT, true
		}
	}
	return types.T{}, false
}

// resolveWindow returns w with the PARTITION BY and ORDER BY of the window
// it refines filled in (checkWindowCalls checked the refinement).
func resolveWindow(w *sql.WindowSpec, defs map[string]*sql.WindowSpec) *sql.WindowSpec {
	if w.Ref == nil {
		return w
	}
	ref := defs[w.Ref.Value]
	out := *w
	out.Ref = nil
	out.PartitionBy = ref.PartitionBy
	if len(out.OrderBy) == 0 {
		out.OrderBy = ref.OrderBy
	}
	return &out
}

// find returns the index of the call whose SQL is key, or -1.
func (w *windowing) find(key string) int {
	for i, k := range w.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// column returns the placeholder column of window function call e, when
// w holds it.
func (w *windowing) column(e *sql.FuncCall) (expr.Expr, bool) {
	if w == nil {
		return nil, false
	}
	i := w.find(sql.String(e))
	if i < 0 {
		return nil, false
	}
	return expr.Column(windowPlaceholder+i, w.names[i], w.funcs[i].Type), true
}

// plan returns the Window over base (the FROM clause, or the aggregate and
// HAVING over it) and exprs, the select list's expressions over base, with
// their window function results moved to the Window's columns: base's
// columns, then hidden columns for the other expressions the functions
// read, then the functions' results.
func (w *windowing) plan(base Node, exprs []expr.Expr) (Node, []expr.Expr, error) {
	baseCols := base.Columns()
	proj := &Project{Input: base}
	for i, c := range baseCols {
		proj.Exprs = append(proj.Exprs, expr.Column(i, c.Name, c.Type))
		proj.Cols = append(proj.Cols, c)
	}
	// where[i] is the column of input i: a column of base as it is, any
	// other expression a hidden column after base's.
	where := make([]int, len(w.inputs))
	for i, e := range w.inputs {
		if ref, ok := e.(*expr.ColumnRef); ok {
			where[i] = ref.Index()
			continue
		}
		proj.Exprs = append(proj.Exprs, e)
		proj.Cols = append(proj.Cols, Col{Name: "_w" + strconv.Itoa(i), Type: e.Type(), Hidden: true})
		where[i] = len(proj.Cols) - 1
	}
	win := &Window{Input: proj, Cols: append([]Col(nil), proj.Cols...)}
	if len(proj.Cols) == len(baseCols) {
		win.Input = base // the functions read base's columns only
	}
	for i, f := range w.funcs {
		f.Args = placeColumns(f.Args, where)
		f.PartitionBy = placeColumns(f.PartitionBy, where)
		keys := make([]SortKey, len(f.OrderBy))
		for j, k := range f.OrderBy {
			k.Column = where[k.Column]
			keys[j] = k
		}
		f.OrderBy = keys
		win.Funcs = append(win.Funcs, f)
		win.Cols = append(win.Cols, Col{Name: w.names[i], Type: f.Type})
	}
	first := len(proj.Cols)
	out := make([]expr.Expr, len(exprs))
	for i, e := range exprs {
		var err error
		out[i], err = expr.RemapColumns(e, func(c int) (int, bool) {
			if c >= windowPlaceholder {
				return first + c - windowPlaceholder, true
			}
			return c, true
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return win, out, nil
}

// placeColumns returns the columns where says inputs are.
func placeColumns(inputs []int, where []int) []int {
	out := make([]int, len(inputs))
	for i, c := range inputs {
		out[i] = where[c]
	}
	return out
}

// bindDistinctOn binds SELECT DISTINCT ON (…) as a Window of row_number()
// partitioned by its expressions and ordered by the ORDER BY keys after
// them, filtered to the first row (distinctOnFilter): a per-group top-1,
// which a view maintains. exprs are the select list's expressions (and the
// ORDER BY's hidden ones), keys the ORDER BY over them. As in Postgres, the
// ORDER BY must start with the DISTINCT ON expressions (42P10), each of
// which may name an output column as an ORDER BY item does. With window
// functions in the select list, this Window goes over theirs: DISTINCT ON
// picks among rows whose window functions saw every row.
func (b *Binder) bindDistinctOn(s *sql.Select, ec *exprContext, items []selectItem, cols []Col, exprs []expr.Expr, keys []SortKey) (*windowing, error) {
	w := &windowing{keys: []string{"DISTINCT ON"}, names: []string{"row_number"}}
	f := WindowFunc{Name: "row_number", Type: types.Int64Type}
	on := map[string]bool{}
	for _, e := range s.DistinctOn {
		idx, err := b.orderTarget(sql.OrderItem{Expr: e}, items, cols)
		if err != nil {
			return nil, err
		}
		var bound expr.Expr
		if idx >= 0 {
			bound = exprs[idx]
		} else if bound, err = b.bindExpr(ec, e, types.UnknownType); err != nil {
			return nil, err
		}
		if bound, err = resolveUnknown(bound); err != nil {
			return nil, at(err, e.Position())
		}
		on[bound.String()] = true
		w.inputs = append(w.inputs, bound)
		f.PartitionBy = append(f.PartitionBy, len(w.inputs)-1)
	}
	for i, k := range keys {
		e := exprs[k.Column]
		if i < len(s.DistinctOn) {
			if !on[e.String()] {
				return nil, sqlstate.ErrorfAt(sqlstate.InvalidColumnReference, s.DistinctOn[0].Position(),
					"SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
			}
			continue
		}
		w.inputs = append(w.inputs, e)
		f.OrderBy = append(f.OrderBy, SortKey{Column: len(w.inputs) - 1, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	w.funcs = []WindowFunc{f}
	return w, nil
}

// distinctOnFilter returns the filter that keeps the first row of each
// partition of win, the Window of a DISTINCT ON.
func distinctOnFilter(win Node) (Node, error) {
	cols := win.Columns()
	rn := len(cols) - 1
	one, err := expr.Constant(int64(1), types.Int64Type)
	if err != nil {
		return nil, err
	}
	pred, err := expr.Binary(sql.OpEq, expr.Column(rn, cols[rn].Name, cols[rn].Type), one)
	if err != nil {
		return nil, err
	}
	return &Filter{Input: win, Pred: pred}, nil
}

// isNullConst reports whether e is a constant whose value is NULL.
func isNullConst(e expr.Expr) bool {
	if !expr.IsConstant(e) {
		return false
	}
	a, err := expr.EvalConstant(context.Background(), memory.DefaultAllocator, e)
	if err != nil {
		return false
	}
	defer a.Release()
	return a.Len() == 1 && a.IsNull(0)
}

// isNegative reports whether the constant off is less than zero.
func isNegative(off expr.Expr) (bool, error) {
	zero := "0"
	if off.Type().Family == types.Interval {
		zero = "0 seconds"
	}
	z, err := expr.Constant(zero, types.UnknownType)
	if err == nil {
		z, err = expr.Cast(z, off.Type())
	}
	var lt expr.Expr
	if err == nil {
		lt, err = expr.Binary(sql.OpLt, off, z)
	}
	if err != nil {
		return false, err
	}
	a, err := expr.EvalConstant(context.Background(), memory.DefaultAllocator, lt)
	if err != nil {
		return false, err
	}
	defer a.Release()
	v, ok := a.(*array.Boolean)
	return ok && v.Len() == 1 && v.IsValid(0) && v.Value(0), nil
}
