package expr

import (
	"context"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// notExpr is NOT e (Kleene: NOT NULL is NULL). Immutable.
type notExpr struct{ e Expr }

// Not returns NOT e; e must be boolean (42804 otherwise).
func Not(e Expr) (Expr, error) {
	e, err := RequireBool(e, "NOT")
	if err != nil {
		return nil, err
	}
	return &notExpr{e: e}, nil
}

func (n *notExpr) Type() types.T              { return types.BoolType }
func (n *notExpr) Children() []Expr           { return []Expr{n.e} }
func (n *notExpr) withChildren(c []Expr) Expr { return &notExpr{e: c[0]} }
func (n *notExpr) String() string             { return fmt.Sprintf("(NOT %s)", n.e) }
func (n *notExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := n.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	// arrow-go has no invert kernel: flip the bits, keep the validity.
	in := a.(*array.Boolean)
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(in.Len())
	for i := range in.Len() {
		if in.IsNull(i) {
			b.AppendNull()
			continue
		}
		b.UnsafeAppend(!in.Value(i))
	}
	return b.NewArray(), nil
}

// negExpr is -e. Immutable.
type negExpr struct{ e Expr }

// Neg returns -e for numbers and intervals (42883 otherwise). Negating the
// smallest integer of a type is 22003.
func Neg(e Expr) (Expr, error) {
	t := e.Type()
	if t.Family == types.Unknown {
		var err error
		if e, err = Coerce(e, types.Float64Type); err != nil {
			return nil, err
		}
		t = e.Type()
	}
	if !t.IsNumeric() && t.Family != types.Interval {
		return nil, prefixOperatorError("-", t)
	}
	return &negExpr{e: e}, nil
}

func (n *negExpr) Type() types.T              { return n.e.Type() }
func (n *negExpr) Children() []Expr           { return []Expr{n.e} }
func (n *negExpr) withChildren(c []Expr) Expr { return &negExpr{e: c[0]} }
func (n *negExpr) String() string             { return fmt.Sprintf("(- %s)", n.e) }
func (n *negExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := n.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	t := n.e.Type()
	dt := t.ArrowType()
	switch a := a.(type) {
	case *array.Int16:
		return unaryFixed(mem, dt, a, func(v int16) (int16, error) {
			if v == math.MinInt16 {
				return 0, outOfRange(t)
			}
			return -v, nil
		})
	case *array.Int32:
		return unaryFixed(mem, dt, a, func(v int32) (int32, error) {
			if v == math.MinInt32 {
				return 0, outOfRange(t)
			}
			return -v, nil
		})
	case *array.Int64:
		return unaryFixed(mem, dt, a, func(v int64) (int64, error) {
			if v == math.MinInt64 {
				return 0, outOfRange(t)
			}
			return -v, nil
		})
	case *array.Float32:
		return unaryFixed(mem, dt, a, func(v float32) (float32, error) { return -v, nil })
	case *array.Float64:
		return unaryFixed(mem, dt, a, func(v float64) (float64, error) { return -v, nil })
	case *array.Decimal128:
		return unaryFixed(mem, dt, a, func(v decimal128.Num) (decimal128.Num, error) { return v.Negate(), nil })
	}
	return rowwise(mem, t, a.Len(), []arrow.Array{a}, false, func(vs []any) (any, error) {
		return negInterval(vs[0].(arrow.MonthDayNanoInterval)), nil
	})
}

// isNullExpr is e IS [NOT] NULL. Immutable.
type isNullExpr struct {
	e   Expr
	not bool
}

// IsNull returns e IS NULL (not: e IS NOT NULL); its result is never NULL.
func IsNull(e Expr, not bool) Expr { return &isNullExpr{e: e, not: not} }

func (n *isNullExpr) Type() types.T              { return types.BoolType }
func (n *isNullExpr) Children() []Expr           { return []Expr{n.e} }
func (n *isNullExpr) withChildren(c []Expr) Expr { return &isNullExpr{e: c[0], not: n.not} }
func (n *isNullExpr) String() string {
	if n.not {
		return fmt.Sprintf("(%s IS NOT NULL)", n.e)
	}
	return fmt.Sprintf("(%s IS NULL)", n.e)
}
func (n *isNullExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := n.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	if a.DataType().ID() == arrow.NULL {
		return boolArray(mem, a.Len(), func(int) bool { return !n.not }), nil
	}
	if a.NullN() == 0 {
		return boolArray(mem, a.Len(), func(int) bool { return n.not }), nil
	}
	return boolArray(mem, a.Len(), func(i int) bool { return a.IsNull(i) != n.not }), nil
}

// boolArray returns a non-NULL boolean array with f(i) at row i.
func boolArray(mem memory.Allocator, n int, f func(i int) bool) arrow.Array {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := buf.Bytes()
	for i := range n {
		bitutil.SetBitTo(bits, i, f(i))
	}
	data := array.NewData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	buf.Release()
	defer data.Release()
	return array.MakeFromData(data)
}

// isBoolExpr is e IS [NOT] TRUE / FALSE. Immutable.
type isBoolExpr struct {
	e          Expr
	value, not bool
}

// IsBool returns e IS TRUE / IS FALSE (value), or IS NOT TRUE / IS NOT FALSE
// (not). The result is never NULL; e must be boolean.
func IsBool(e Expr, value, not bool) (Expr, error) {
	e, err := RequireBool(e, "IS")
	if err != nil {
		return nil, err
	}
	return &isBoolExpr{e: e, value: value, not: not}, nil
}

func (n *isBoolExpr) Type() types.T              { return types.BoolType }
func (n *isBoolExpr) Children() []Expr           { return []Expr{n.e} }
func (n *isBoolExpr) withChildren(c []Expr) Expr { d := *n; d.e = c[0]; return &d }
func (n *isBoolExpr) String() string {
	s := "TRUE"
	if !n.value {
		s = "FALSE"
	}
	if n.not {
		s = "NOT " + s
	}
	return fmt.Sprintf("(%s IS %s)", n.e, s)
}
func (n *isBoolExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := n.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	b, _ := a.(*array.Boolean)
	return boolArray(mem, a.Len(), func(i int) bool {
		match := b != nil && b.IsValid(i) && b.Value(i) == n.value
		return match != n.not
	}), nil
}
