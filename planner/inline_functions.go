package planner

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// InlineFunctions writes every call of a SQL function in n as the
// expression it is inlined as, so that a query DuckDB runs holds no call
// of a function only weir knows: a call the binder bound is written as it
// inlined it (inlined: Binder.Inlined), so both choose the same function;
// another (in a part of the query the binder did not reach) resolves on
// the types of its arguments that are constants, the others matching any
// parameter type. A select item that is such a call without an alias keeps
// the function's name as its column's, as Postgres names it. It returns
// what puts n back.
func InlineFunctions(cat *catalog.Catalog, n sql.Node, inlined map[*sql.FuncCall]sql.Expr) (func(), error) {
	var undos []func()
	undo := func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	if len(cat.Functions("")) == 0 {
		return undo, nil
	}
	sql.Walk(n, func(n sql.Node) bool {
		sel, ok := n.(*sql.Select)
		if !ok {
			return true
		}
		for i := range sel.Items {
			it := &sel.Items[i]
			if call, ok := it.Expr.(*sql.FuncCall); ok && it.Alias == nil && len(cat.Functions(call.Name.Value)) > 0 {
				it.Alias = &sql.Name{Pos: call.Pos, Value: call.Name.Value, Quoted: true}
				undos = append(undos, func() { it.Alias = nil })
			}
		}
		return true
	})
	depth := 0
	var rewrite func(e sql.Expr) (sql.Expr, error)
	rewrite = func(e sql.Expr) (sql.Expr, error) {
		call, ok := e.(*sql.FuncCall)
		if !ok {
			return e, nil
		}
		out, ok := inlined[call]
		if !ok {
			if call.Star || call.Distinct || len(call.OrderBy) > 0 || call.Filter != nil || call.Over != nil {
				return e, nil
			}
			fns := cat.Functions(call.Name.Value)
			if len(fns) == 0 {
				return e, nil
			}
			argTypes := make([]types.T, len(call.Args))
			for i, a := range call.Args {
				argTypes[i] = constantType(cat, a)
			}
			f, err := resolveFunction(fns, call, argTypes)
			if err != nil || f == nil || hidden(f, argTypes) {
				return e, err
			}
			if out, err = inlineCall(f, call.Pos, call.Args, nil, true); err != nil {
				return nil, err
			}
		}
		if depth >= maxInlineDepth {
			return nil, sqlstate.ErrorfAt(sqlstate.StatementTooComplex, call.Pos, "stack depth limit exceeded")
		}
		// The calls in the body (and those of the arguments, which the
		// body holds as they were written).
		depth++
		holder := &sql.ParenExpr{Pos: call.Pos, Expr: out}
		u, err := sql.RewriteExprs(holder, rewrite)
		depth--
		if err != nil {
			return nil, err
		}
		undos = append(undos, u)
		return holder.Expr, nil
	}
	u, err := sql.RewriteExprs(n, rewrite)
	if err != nil {
		undo()
		return nil, err
	}
	undos = append(undos, u)
	return undo, nil
}

// constantType returns the type of e when it binds without columns (a
// literal, a cast, an expression of those), else UnknownType.
func constantType(cat *catalog.Catalog, e sql.Expr) types.T {
	found := false
	sql.Walk(e, func(n sql.Node) bool {
		switch n.(type) {
		case *sql.ColumnRef, *sql.Param, *sql.SubqueryExpr:
			found = true
		}
		return !found
	})
	if found {
		return types.UnknownType
	}
	bound, err := NewBinder(cat, nil).bindExpr(&exprContext{scope: &scope{}, clause: "a function argument"}, e, types.UnknownType)
	if err != nil {
		return types.UnknownType
	}
	return bound.Type()
}
