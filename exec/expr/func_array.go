package expr

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// arrayKind is what an arrayExpr computes.
type arrayKind string

// The kinds of arrayExpr, as they are encoded (docs/format/plan-expressions.md).
const (
	kindArray     arrayKind = "array"     // ARRAY[e, …]
	kindSubscript arrayKind = "subscript" // a[i]
	kindSlice     arrayKind = "slice"     // a[lo:hi], either bound optional
	kindAny       arrayKind = "any"       // x op ANY (a)
	kindAll       arrayKind = "all"       // x op ALL (a)
)

// arrayExpr is an array constructor, a subscript or slice of an array, or a
// comparison with ANY or ALL of an array's elements. Immutable.
type arrayExpr struct {
	kind arrayKind
	args []Expr
	t    types.T
	// op is the comparison of ANY and ALL.
	op BinaryOp
	// lo and hi say which bounds a slice has (its args after the array).
	lo, hi bool
	// group evaluates a subscript of a regexp_match call directly.
	group *regexpGroup
}

// ArrayConstructor returns ARRAY[elems…]: an array of the elements' common
// type (text for untyped literals). ARRAY[] without a type is 42P18, as in
// Postgres; an element that is itself an array is 0A000 (weir's arrays have
// one dimension).
func ArrayConstructor(elems []Expr) (Expr, error) {
	if len(elems) == 0 {
		return nil, sqlstate.Errorf(sqlstate.IndeterminateDatatype, "cannot determine type of empty array").
			WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].")
	}
	ts := make([]types.T, len(elems))
	for i, e := range elems {
		ts[i] = e.Type()
	}
	elem, err := CommonType(ts)
	if err != nil {
		return nil, err
	}
	if elem.Family == types.Unknown {
		elem = types.TextType
	}
	if elem.IsArray() {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "multidimensional arrays are not supported")
	}
	args := make([]Expr, len(elems))
	for i, e := range elems {
		if args[i], err = Coerce(e, elem); err != nil {
			return nil, err
		}
	}
	return &arrayExpr{kind: kindArray, args: args, t: types.ArrayOf(elem)}, nil
}

// notSubscriptable is 42804 for a subscript of something not an array.
func notSubscriptable(t types.T) error {
	return sqlstate.Errorf(sqlstate.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", t)
}

// subscriptIndex coerces a subscript to integer (42804 otherwise).
func subscriptIndex(e Expr) (Expr, error) {
	if t := e.Type(); t.Family != types.Unknown && !t.IsInteger() {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "array subscript must have type integer")
	}
	return Coerce(e, types.Int32Type)
}

// Subscript returns a[i]: the element at the 1-based position i, NULL when i
// is outside the array (or a or i is NULL).
func Subscript(a, i Expr) (Expr, error) {
	if !a.Type().IsArray() {
		return nil, notSubscriptable(a.Type())
	}
	i, err := subscriptIndex(i)
	if err != nil {
		return nil, err
	}
	return &arrayExpr{kind: kindSubscript, args: []Expr{a, i}, t: a.Type().ElemType(), group: newRegexpGroup(a, i)}, nil
}

// Slice returns a[lo:hi]: the elements from position lo to hi inclusive,
// clipped to the array; a missing bound (nil) is the array's end. An empty
// range is the empty array; a NULL bound gives NULL.
func Slice(a, lo, hi Expr) (Expr, error) {
	if !a.Type().IsArray() {
		return nil, notSubscriptable(a.Type())
	}
	n := &arrayExpr{kind: kindSlice, args: []Expr{a}, t: a.Type(), lo: lo != nil, hi: hi != nil}
	for _, b := range []Expr{lo, hi} {
		if b == nil {
			continue
		}
		c, err := subscriptIndex(b)
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, c)
	}
	return n, nil
}

// Quantified returns x op ANY (a) (all false: SOME is the same) or x op ALL
// (a), for a comparison op and an array a: with SQL's three-valued logic, ANY
// is true when a comparison with an element is true, else NULL when one was
// NULL, else false (false for an empty array); ALL the dual. x is coerced to
// the element type.
func Quantified(op BinaryOp, x, a Expr, all bool) (Expr, error) {
	word := "ANY/ALL"
	if !a.Type().IsArray() {
		if a.Type().Family != types.Unknown {
			return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "op %s (array) requires array on right side", word)
		}
		var err error
		if a, err = Coerce(a, types.ArrayOf(x.Type())); err != nil {
			return nil, err
		}
	}
	switch op {
	case sql.OpEq, sql.OpNe, sql.OpLt, sql.OpLe, sql.OpGt, sql.OpGe:
	default:
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "op %s %s (array) requires operator to yield boolean", opSymbol(op), word)
	}
	elem := a.Type().ElemType()
	ct, err := CommonType([]types.T{x.Type(), elem})
	if err != nil || !orderable(ct) {
		return nil, operatorError(opSymbol(op), x.Type(), elem)
	}
	if x, err = Coerce(x, ct); err != nil {
		return nil, err
	}
	if ct != elem {
		if a, err = Coerce(a, types.ArrayOf(ct)); err != nil {
			return nil, err
		}
	}
	kind := kindAny
	if all {
		kind = kindAll
	}
	return &arrayExpr{kind: kind, args: []Expr{x, a}, t: types.BoolType, op: op}, nil
}

func (e *arrayExpr) Type() types.T    { return e.t }
func (e *arrayExpr) Children() []Expr { return e.args }

func (e *arrayExpr) withChildren(c []Expr) Expr {
	d := *e
	d.args = c
	if e.kind == kindSubscript {
		d.group = newRegexpGroup(c[0], c[1])
	}
	return &d
}

func (e *arrayExpr) String() string {
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = a.String()
	}
	switch e.kind {
	case kindArray:
		return "ARRAY[" + strings.Join(parts, ", ") + "]"
	case kindSubscript:
		return "(" + parts[0] + ")[" + parts[1] + "]"
	case kindSlice:
		lo, hi, rest := "", "", parts[1:]
		if e.lo {
			lo, rest = rest[0], rest[1:]
		}
		if e.hi {
			hi = rest[0]
		}
		return "(" + parts[0] + ")[" + lo + ":" + hi + "]"
	}
	return fmt.Sprintf("(%s %s %s (%s))", parts[0], opSymbol(e.op), strings.ToUpper(string(e.kind)), parts[1])
}

func (e *arrayExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	if e.group != nil {
		return e.group.eval(ctx, mem, batch)
	}
	args, err := evalAll(ctx, mem, batch, e.args)
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	n := int(batch.NumRows())
	switch e.kind {
	case kindArray:
		return rowwise(mem, e.t, n, args, true, func(vs []any) (any, error) {
			return append([]any(nil), vs...), nil
		})
	case kindSubscript:
		return rowwise(mem, e.t, n, args, false, func(vs []any) (any, error) {
			a, i := vs[0].([]any), vs[1].(int64)
			if i < 1 || i > int64(len(a)) {
				return nil, nil
			}
			return a[i-1], nil
		})
	case kindSlice:
		return rowwise(mem, e.t, n, args, false, func(vs []any) (any, error) {
			a, rest := vs[0].([]any), vs[1:]
			lo, hi := int64(1), int64(len(a))
			if e.lo {
				lo, rest = max(lo, rest[0].(int64)), rest[1:]
			}
			if e.hi {
				hi = min(hi, rest[0].(int64))
			}
			if lo > hi {
				return []any{}, nil
			}
			return append([]any(nil), a[lo-1:hi]...), nil
		})
	}
	elem := e.args[0].Type()
	all := e.kind == kindAll
	return rowwise(mem, e.t, n, args, true, func(vs []any) (any, error) {
		if vs[1] == nil {
			return nil, nil
		}
		sawNull := false
		for _, y := range vs[1].([]any) {
			if vs[0] == nil || y == nil {
				sawNull = true
				continue
			}
			if compareResult(e.op, compareValues(vs[0], y, elem)) != all {
				return !all, nil
			}
		}
		if sawNull {
			return nil, nil
		}
		return all, nil
	})
}

var _ = addFuncs(map[string]*funcDef{
	"array_length":    {resolve: resolveArrayFunc},
	"cardinality":     {resolve: resolveArrayFunc},
	"array_lower":     {resolve: resolveArrayFunc},
	"array_upper":     {resolve: resolveArrayFunc},
	"array_to_string": {resolve: resolveArrayFunc},
	"string_to_array": {resolve: resolveStringToArray},
	"unnest":          {resolve: resolveUnnest},
})

// resolveUnnest refuses unnest(a), a set-returning function, with 0A000:
// views cannot run it, and an ad-hoc query that calls it runs in DuckDB.
func resolveUnnest(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 1 || !args[0].Type().IsArray() && args[0].Type().Family != types.Unknown {
		return nil, funcError(name, args)
	}
	return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "unnest is not supported in materialized views")
}

// resolveArrayFunc resolves the functions of an array argument:
//
//	array_length(a, dim), array_lower(a, dim), array_upper(a, dim): of
//	  dimension 1 (NULL for another dimension or an empty array)
//	cardinality(a): the number of elements
//	array_to_string(a, sep[, null_text]): the elements' text joined by sep,
//	  NULL elements left out, or written as null_text
func resolveArrayFunc(name string, args []Expr) (*funcExpr, error) {
	if len(args) == 0 || !args[0].Type().IsArray() {
		return nil, funcError(name, args)
	}
	at := args[0].Type()
	switch name {
	case "cardinality":
		if len(args) != 1 {
			return nil, funcError(name, args)
		}
		return strictFunc(types.Int32Type, args, func(vs []any) (any, error) {
			return int64(len(vs[0].([]any))), nil
		}), nil
	case "array_to_string":
		if len(args) != 2 && len(args) != 3 {
			return nil, funcError(name, args)
		}
		rest, err := coerceArgs(name, args[1:], types.TextType, types.TextType)
		if len(args) == 2 {
			rest, err = coerceArgs(name, args[1:], types.TextType)
		}
		if err != nil {
			return nil, err
		}
		cargs := append([]Expr{args[0]}, rest...)
		elem := at.ElemType()
		f := &funcExpr{t: types.TextType, args: cargs, row: func(vs []any) (any, error) {
			if vs[0] == nil || vs[1] == nil {
				return nil, nil
			}
			var sb strings.Builder
			first := true
			for _, x := range vs[0].([]any) {
				s := ""
				switch {
				case x != nil:
					s = formatValue(x, elem)
					if elem.Family == types.Bool {
						s = s[:1]
					}
				case len(vs) == 3 && vs[2] != nil:
					s = vs[2].(string)
				default:
					continue
				}
				if !first {
					sb.WriteString(vs[1].(string))
				}
				first = false
				sb.WriteString(s)
			}
			return sb.String(), nil
		}}
		return f, nil
	}
	// array_length, array_lower, array_upper
	rest, err := coerceArgs(name, args[1:], types.Int32Type)
	if err != nil {
		return nil, err
	}
	return strictFunc(types.Int32Type, append([]Expr{args[0]}, rest...), func(vs []any) (any, error) {
		n := int64(len(vs[0].([]any)))
		if vs[1].(int64) != 1 || n == 0 {
			return nil, nil
		}
		switch name {
		case "array_lower":
			return int64(1), nil
		}
		return n, nil
	}), nil
}

// resolveStringToArray resolves string_to_array(s, sep[, null_text]): s cut
// at each sep into a text[] ({} for an empty s; each character for a NULL
// sep; s whole for an empty sep), elements equal to null_text NULL.
func resolveStringToArray(name string, args []Expr) (*funcExpr, error) {
	ts := []types.T{types.TextType, types.TextType}
	if len(args) == 3 {
		ts = append(ts, types.TextType)
	}
	cargs, err := coerceArgs(name, args, ts...)
	if err != nil {
		return nil, err
	}
	return &funcExpr{t: types.ArrayOf(types.TextType), args: cargs, row: func(vs []any) (any, error) {
		if vs[0] == nil {
			return nil, nil
		}
		s := vs[0].(string)
		if s == "" {
			return []any{}, nil
		}
		var parts []string
		switch {
		case vs[1] == nil:
			for _, r := range s {
				parts = append(parts, string(r))
			}
		case vs[1].(string) == "":
			parts = []string{s}
		default:
			parts = strings.Split(s, vs[1].(string))
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			if len(vs) == 3 && vs[2] != nil && p == vs[2].(string) {
				continue
			}
			out[i] = p
		}
		return out, nil
	}}, nil
}

// encodedName is the name field of e's encoding: the comparison of ANY and
// ALL, which bounds a slice has ("lo", "hi", "lo:hi" or "").
func (e *arrayExpr) encodedName() string {
	switch e.kind {
	case kindAny, kindAll:
		return binaryOpNames[e.op]
	case kindSlice:
		switch {
		case e.lo && e.hi:
			return "lo:hi"
		case e.lo:
			return "lo"
		case e.hi:
			return "hi"
		}
	}
	return ""
}

// arrayExpr rebuilds an arrayExpr from its encoding.
func (n *node) arrayExpr(args []Expr) (Expr, error) {
	switch arrayKind(n.Op) {
	case kindArray:
		if err := n.arity(args, 1, -1); err != nil {
			return nil, err
		}
		return ArrayConstructor(args)
	case kindSubscript:
		if err := n.arity(args, 2, 2); err != nil {
			return nil, err
		}
		return Subscript(args[0], args[1])
	case kindSlice:
		lo, hi := n.Name == "lo" || n.Name == "lo:hi", n.Name == "hi" || n.Name == "lo:hi"
		want := 1
		if lo {
			want++
		}
		if hi {
			want++
		}
		if err := n.arity(args, want, want); err != nil {
			return nil, err
		}
		var l, h Expr
		rest := args[1:]
		if lo {
			l, rest = rest[0], rest[1:]
		}
		if hi {
			h = rest[0]
		}
		return Slice(args[0], l, h)
	}
	if err := n.arity(args, 2, 2); err != nil {
		return nil, err
	}
	op, ok := binaryOpByName(n.Name)
	if !ok {
		return nil, corrupt("%s with comparison %q", n.Op, n.Name)
	}
	return Quantified(op, args[0], args[1], arrayKind(n.Op) == kindAll)
}
