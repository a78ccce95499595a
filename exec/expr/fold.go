package expr

import (
	"context"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// IsConstant reports whether e references no column and calls no volatile
// function, so that it has the same value for every row.
func IsConstant(e Expr) bool {
	if _, ok := e.(*ColumnRef); ok {
		return false
	}
	if IsVolatile(e) {
		return false
	}
	for _, c := range e.Children() {
		if !IsConstant(c) {
			return false
		}
	}
	return true
}

// IsVolatile reports whether e calls a volatile function (now(),
// current_timestamp) anywhere: its value changes between evaluations, so the
// planner refuses it in materialized views.
func IsVolatile(e Expr) bool {
	if f, ok := e.(*funcExpr); ok && (f.def.volatile || f.volatile) {
		return true
	}
	for _, c := range e.Children() {
		if IsVolatile(c) {
			return true
		}
	}
	return false
}

// EvalConstant evaluates the constant expression e to a 1-row array (the
// caller releases it). A non-constant e is an internal error.
func EvalConstant(ctx context.Context, mem memory.Allocator, e Expr) (arrow.Array, error) {
	if _, ok := e.(*ColumnRef); ok || hasColumn(e) {
		return nil, sqlstate.Errorf(sqlstate.Internal, "EvalConstant of non-constant expression %s", e)
	}
	batch := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer batch.Release()
	return e.Eval(ctx, mem, batch)
}

func hasColumn(e Expr) bool {
	if _, ok := e.(*ColumnRef); ok {
		return true
	}
	for _, c := range e.Children() {
		if hasColumn(c) {
			return true
		}
	}
	return false
}

// Fold returns e with every constant subtree evaluated once and replaced by
// its value (a *Const). Errors a constant subtree raises (division by zero,
// bad casts) are returned, as Postgres raises them at plan time. Subtrees
// under CASE arms are not folded into errors: an arm that fails stays as it
// is, since it may never be taken.
func Fold(ctx context.Context, mem memory.Allocator, e Expr) (Expr, error) {
	return fold(ctx, mem, e, false)
}

func fold(ctx context.Context, mem memory.Allocator, e Expr, lazy bool) (Expr, error) {
	if _, ok := e.(*Const); ok {
		return e, nil
	}
	kids := e.Children()
	if len(kids) > 0 {
		_, isCase := e.(*caseExpr)
		newKids := make([]Expr, len(kids))
		changed := false
		for i, k := range kids {
			f, err := fold(ctx, mem, k, lazy || isCase)
			if err != nil {
				return nil, err
			}
			newKids[i] = f
			changed = changed || f != k
		}
		if changed {
			if rb, ok := e.(rebuilder); ok {
				e = rb.withChildren(newKids)
			}
		}
	}
	if !IsConstant(e) {
		return e, nil
	}
	a, err := EvalConstant(ctx, mem, e)
	if err != nil {
		if lazy {
			return e, nil
		}
		return nil, err
	}
	defer a.Release()
	if e.Type().Family == 0 && a.DataType().ID() == arrow.STRING {
		return e, nil // an unknown literal stays unknown
	}
	return &Const{t: e.Type(), v: valueAt(a, 0)}, nil
}

// RemapColumns returns e with every column index i replaced by mapping(i);
// a column mapping rejects (ok false) is an internal error.
func RemapColumns(e Expr, mapping func(index int) (newIndex int, ok bool)) (Expr, error) {
	if c, ok := e.(*ColumnRef); ok {
		ni, ok := mapping(c.index)
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.Internal, "column %s (index %d) is not available", c, c.index)
		}
		if ni == c.index {
			return c, nil
		}
		return &ColumnRef{index: ni, name: c.name, t: c.t}, nil
	}
	kids := e.Children()
	if len(kids) == 0 {
		return e, nil
	}
	newKids := make([]Expr, len(kids))
	changed := false
	for i, k := range kids {
		nk, err := RemapColumns(k, mapping)
		if err != nil {
			return nil, err
		}
		newKids[i] = nk
		changed = changed || nk != k
	}
	if !changed {
		return e, nil
	}
	rb, ok := e.(rebuilder)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "expression %T cannot be rebuilt", e)
	}
	return rb.withChildren(newKids), nil
}

// Columns returns the input column indexes e references, ascending and
// without duplicates.
func Columns(e Expr) []int {
	var out []int
	var walk func(Expr)
	walk = func(e Expr) {
		if c, ok := e.(*ColumnRef); ok {
			out = append(out, c.index)
		}
		for _, k := range e.Children() {
			walk(k)
		}
	}
	walk(e)
	slices.Sort(out)
	return slices.Compact(out)
}
