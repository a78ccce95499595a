package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// distinctExpr is `l IS [NOT] DISTINCT FROM r`: l = r where two NULLs are
// equal and a NULL differs from every value; it is never NULL. Its
// operands are those of eq, converted to their common type as for =.
type distinctExpr struct {
	eq  *compareExpr
	not bool // IS NOT DISTINCT FROM
}

func newDistinct(op BinaryOp, l, r Expr) (Expr, error) {
	c, err := newCompare(sql.OpEq, l, r)
	if err != nil {
		return nil, err
	}
	return &distinctExpr{eq: c.(*compareExpr), not: op == sql.OpIsNotDistinctFrom}, nil
}

func (e *distinctExpr) op() BinaryOp {
	if e.not {
		return sql.OpIsNotDistinctFrom
	}
	return sql.OpIsDistinctFrom
}

func (e *distinctExpr) Type() types.T    { return types.BoolType }
func (e *distinctExpr) Children() []Expr { return []Expr{e.eq.l, e.eq.r} }
func (e *distinctExpr) withChildren(c []Expr) Expr {
	return &distinctExpr{eq: &compareExpr{op: sql.OpEq, l: c[0], r: c[1]}, not: e.not}
}
func (e *distinctExpr) String() string {
	return fmt.Sprintf("(%s %s %s)", e.eq.l, opSymbol(e.op()), e.eq.r)
}

func (e *distinctExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	eqa, err := e.eq.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer eqa.Release()
	eq, ok := eqa.(*array.Boolean)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "comparison returned %s", eqa.DataType())
	}
	args, err := evalAll(ctx, mem, batch, []Expr{e.eq.l, e.eq.r})
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	l, r := args[0], args[1]
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	n := int(batch.NumRows())
	b.Reserve(n)
	for i := range n {
		ln, rn := l.IsNull(i), r.IsNull(i)
		var same bool
		switch {
		case ln || rn:
			same = ln && rn
		default:
			same = eq.Value(i)
		}
		b.UnsafeAppend(same == e.not)
	}
	return b.NewArray(), nil
}

// NullSafeEquality returns the operands of e when e is `l IS NOT DISTINCT
// FROM r`, an equality under which NULL equals NULL (a join's null-safe key);
// they have one type.
func NullSafeEquality(e Expr) (l, r Expr, ok bool) {
	d, ok := e.(*distinctExpr)
	if !ok || !d.not {
		return nil, nil, false
	}
	return d.eq.l, d.eq.r, true
}
