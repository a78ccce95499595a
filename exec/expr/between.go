package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// betweenExpr is e [NOT] BETWEEN lo AND hi, evaluated as
// (e >= lo AND e <= hi) with Kleene logic. Immutable.
type betweenExpr struct {
	e, lo, hi Expr
	not       bool
	impl      Expr
}

// Between returns e [NOT] BETWEEN lo AND hi. The three operands are
// compared in their CommonType (unknown literals take it); incomparable
// types are 42883 as for the comparison operators.
func Between(e, lo, hi Expr, not bool) (Expr, error) {
	ct, err := CommonType([]types.T{e.Type(), lo.Type(), hi.Type()})
	if err != nil {
		return nil, operatorError(">=", e.Type(), lo.Type())
	}
	for _, p := range []*Expr{&e, &lo, &hi} {
		if (*p).Type().Family == types.Unknown {
			if *p, err = Coerce(*p, ct); err != nil {
				return nil, err
			}
		}
	}
	ge, err := Binary(sql.OpGe, e, lo)
	if err != nil {
		return nil, err
	}
	le, err := Binary(sql.OpLe, e, hi)
	if err != nil {
		return nil, err
	}
	impl, err := Binary(sql.OpAnd, ge, le)
	if err != nil {
		return nil, err
	}
	if not {
		if impl, err = Not(impl); err != nil {
			return nil, err
		}
	}
	return &betweenExpr{e: e, lo: lo, hi: hi, not: not, impl: impl}, nil
}

func (b *betweenExpr) Type() types.T    { return types.BoolType }
func (b *betweenExpr) Children() []Expr { return []Expr{b.e, b.lo, b.hi} }
func (b *betweenExpr) withChildren(c []Expr) Expr {
	n, err := Between(c[0], c[1], c[2], b.not)
	if err != nil {
		// The children keep their types, so the rebuild cannot fail; keep
		// the old node rather than lose it.
		return b
	}
	return n
}
func (b *betweenExpr) String() string {
	kw := "BETWEEN"
	if b.not {
		kw = "NOT BETWEEN"
	}
	return fmt.Sprintf("(%s %s %s AND %s)", b.e, kw, b.lo, b.hi)
}
func (b *betweenExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	return b.impl.Eval(ctx, mem, batch)
}
