package planner

import (
	"reflect"
	"slices"
	"strconv"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// maxInlineDepth bounds how deeply SQL function calls nest once inlined
// (a function calling one calling one …). CREATE FUNCTION refuses
// recursion, so only a very long chain reaches it.
const maxInlineDepth = 100

// functionBinding is the binder's state of SQL function inlining.
type functionBinding struct {
	// depth counts the SQL function bodies being bound, one inside another.
	depth int
	// defining is the function CREATE FUNCTION is checking: a call that
	// resolves to its signature is recursion.
	defining *catalog.Function
	// called holds the signatures of the SQL functions inlined so far.
	called []string
}

// bindFunctionCall binds call when it names a SQL function that accepts
// its arguments: the function's body, with each parameter replaced by its
// argument cast to the parameter's type, cast to the result type (and NULL
// when the function is STRICT and an argument is NULL), bound in ec as if
// written in the call's place. This is Postgres' inlining of SQL
// functions, done always: a view's plan holds the body, not the call. ok
// is false when no SQL function takes the arguments (a built-in may).
func (b *Binder) bindFunctionCall(ec *exprContext, call *sql.FuncCall, hint types.T) (expr.Expr, bool, error) {
	if call.Star || call.Distinct || len(call.OrderBy) > 0 || call.Filter != nil || call.Over != nil {
		return nil, false, nil
	}
	fns := b.Catalog.Functions(call.Name.Value)
	if d := b.fn.defining; d != nil && d.Name == call.Name.Value {
		fns = slices.DeleteFunc(fns, func(f *catalog.Function) bool { return f.SameArgs(d.ArgTypes) })
		fns = append(fns, d)
	}
	if len(fns) == 0 {
		return nil, false, nil
	}
	argTypes := make([]types.T, len(call.Args))
	for i, a := range call.Args {
		if p, ok := a.(*sql.Param); ok && (p.Index > len(b.Params) || p.Index >= 1 && b.Params[p.Index-1] == types.UnknownType) {
			// A parameter not yet typed takes its parameter's type, as
			// an unknown literal does: the cast inlining writes types it.
			argTypes[i] = types.UnknownType
			continue
		}
		bound, err := b.bindExpr(ec, a, types.UnknownType)
		if err != nil {
			return nil, true, err
		}
		argTypes[i] = bound.Type()
	}
	f, err := resolveFunction(fns, call, argTypes)
	if f == nil || err != nil {
		return nil, err != nil, err
	}
	if hidden(f, argTypes) {
		return nil, false, nil
	}
	if f == b.fn.defining {
		return nil, true, sqlstate.ErrorfAt(sqlstate.InvalidFunctionDefinition, call.Pos,
			"SQL function \"%s\" cannot call itself", f.Name).
			WithHint("weir inlines SQL functions where they are called, so a function may not call itself, directly or through other functions.")
	}
	inlined, err := inlineCall(f, call.Pos, call.Args, argTypes, true)
	if err != nil {
		return nil, true, err
	}
	if b.fn.depth >= maxInlineDepth {
		return nil, true, sqlstate.ErrorfAt(sqlstate.StatementTooComplex, call.Pos, "stack depth limit exceeded").
			WithHint("SQL functions nest more than " + strconv.Itoa(maxInlineDepth) + " deep once inlined.")
	}
	b.fn.depth++
	out, err := b.bindExpr(ec, inlined, hint)
	b.fn.depth--
	if err != nil {
		return nil, true, err
	}
	if b.Inlined == nil {
		b.Inlined = map[*sql.FuncCall]sql.Expr{}
	}
	b.Inlined[call] = inlined
	if sig := f.Signature(); !slices.Contains(b.fn.called, sig) {
		b.fn.called = append(b.fn.called, sig)
	}
	return out, true, nil
}

// resolveFunction picks the function of fns a call with arguments of
// types args calls, as Postgres does: same number of arguments, each
// argument of the parameter's type or implicitly castable to it; the most
// exact matches win, then the most unknown arguments (literals) taken as
// text. No candidate is nil, nil; a tie is 42725.
func resolveFunction(fns []*catalog.Function, call *sql.FuncCall, args []types.T) (*catalog.Function, error) {
	var best []*catalog.Function
	bestExact, bestText := -1, -1
	for _, f := range fns {
		if len(f.ArgTypes) != len(args) {
			continue
		}
		exact, text, ok := 0, 0, true
		for i, t := range args {
			switch p := f.ArgTypes[i]; {
			case t == p:
				exact++
			case t.Family == types.Unknown:
				if p.Family == types.Text {
					text++
				}
			case !castsImplicitly(t, p):
				ok = false
			}
		}
		switch {
		case !ok:
		case exact > bestExact || exact == bestExact && text > bestText:
			best, bestExact, bestText = []*catalog.Function{f}, exact, text
		case exact == bestExact && text == bestText:
			best = append(best, f)
		}
	}
	switch len(best) {
	case 0:
		return nil, nil
	case 1:
		return best[0], nil
	}
	return nil, sqlstate.ErrorfAt(sqlstate.AmbiguousFunction, call.Pos, "function %s is not unique", catalog.Signature(call.Name.Value, args)).
		WithHint("Could not choose a best candidate function. You might need to add explicit type casts.")
}

// hidden reports whether a built-in function of f's name takes arguments
// of types args, and f does not take exactly those: the built-in one is
// called (as Postgres, whose pg_catalog comes first on the search path,
// calls it unless the user's function matches better).
func hidden(f *catalog.Function, args []types.T) bool {
	if f.SameArgs(args) {
		return false
	}
	nulls := make([]expr.Expr, len(args))
	for i, t := range args {
		nulls[i] = expr.Null(t)
	}
	_, err := expr.Func(f.Name, nulls)
	return err == nil
}

// castsImplicitly reports whether a value of type from is taken where to
// is expected without a cast: numbers widen (smallint < integer < bigint <
// numeric < real < double precision), date < timestamp < timestamptz, and
// a type is taken as itself whatever its modifiers.
func castsImplicitly(from, to types.T) bool {
	switch {
	case from.Family == types.Unknown || from == to:
		return true
	case from.Family == to.Family:
		return from.Family != types.Array || from.Elem == to.Elem
	case from.IsNumeric() && to.IsNumeric(), from.IsTemporal() && to.IsTemporal():
		common, err := expr.CommonType([]types.T{from, to})
		return err == nil && common.Family == to.Family
	}
	return false
}

// inlineCall returns the expression a call of f at pos with arguments args
// is inlined as: f's body, positioned at pos, with each parameter (by
// name, or $n) replaced by its argument, cast to the parameter's type
// unless argTypes says it has it; STRICT makes it NULL when an argument
// is; castResult casts it to f's result type.
func inlineCall(f *catalog.Function, pos sql.Pos, args []sql.Expr, argTypes []types.T, castResult bool) (sql.Expr, error) {
	body, err := sql.ParseExpr(f.Body)
	if err != nil {
		return nil, sqlstate.Errorf(sqlstate.Internal, "the body of SQL function %s does not parse: %v", f.Signature(), err)
	}
	placeAt(body, pos)
	arg := func(i int) sql.Expr {
		a := args[i]
		if i < len(argTypes) && argTypes[i] == f.ArgTypes[i] {
			return &sql.ParenExpr{Pos: pos, Expr: a}
		}
		return &sql.CastExpr{Pos: pos, Expr: &sql.ParenExpr{Pos: pos, Expr: a}, Type: sql.TypeName{Pos: pos, Type: f.ArgTypes[i]}}
	}
	holder := &sql.ParenExpr{Pos: pos, Expr: body}
	_, err = sql.RewriteExprs(holder, func(e sql.Expr) (sql.Expr, error) {
		switch e := e.(type) {
		case *sql.ColumnRef:
			if e.Table != nil && e.Table.Value != f.Name {
				return e, nil
			}
			if i := slices.Index(f.ArgNames, e.Name.Value); i >= 0 && e.Name.Value != "" {
				return arg(i), nil
			}
		case *sql.Param:
			if e.Index < 1 || e.Index > len(args) {
				return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, e.Pos, "there is no parameter $%d", e.Index)
			}
			return arg(e.Index - 1), nil
		}
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	out := holder.Expr
	if f.Strict && len(args) > 0 {
		var anyNull sql.Expr
		for i := range args {
			var isNull sql.Expr = &sql.IsNullExpr{Pos: pos, Expr: arg(i)}
			if anyNull != nil {
				isNull = &sql.BinaryExpr{Pos: pos, Op: sql.OpOr, Left: anyNull, Right: isNull}
			}
			anyNull = isNull
		}
		out = &sql.CaseExpr{Pos: pos, Whens: []sql.When{{Cond: anyNull, Result: &sql.Literal{Pos: pos, Kind: sql.LitNull}}}, Else: out}
	}
	if castResult {
		out = &sql.CastExpr{Pos: pos, Expr: &sql.ParenExpr{Pos: pos, Expr: out}, Type: sql.TypeName{Pos: pos, Type: f.Returns}}
	}
	return &sql.ParenExpr{Pos: pos, Expr: out}, nil
}

var posType = reflect.TypeFor[sql.Pos]()

// placeAt sets every position in the tree under n to pos: an inlined body
// is reported where the call is.
func placeAt(n sql.Node, pos sql.Pos) {
	var visit func(v reflect.Value)
	visit = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				visit(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Field(i)
				switch {
				case !v.Type().Field(i).IsExported():
				case f.Type() == posType && f.CanSet():
					f.SetInt(int64(pos))
				default:
					visit(f)
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				visit(v.Index(i))
			}
		}
	}
	visit(reflect.ValueOf(n))
}
