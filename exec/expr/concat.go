package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// concatExpr is `l || r` on text or on bytea. Immutable.
type concatExpr struct {
	l, r Expr
	t    types.T
}

// newConcat types ||: text with anything (the other operand cast to text,
// as Postgres' anynonarray || text), unknown literals as text, bytea || bytea.
func newConcat(l, r Expr) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	if lt.Family == types.Bytea && rt.Family == types.Bytea {
		return &concatExpr{l: l, r: r, t: types.ByteaType}, nil
	}
	isText := func(t types.T) bool { return t.Family == types.Text || t.Family == types.Unknown }
	if !isText(lt) && !isText(rt) {
		return nil, operatorError(opSymbol(sql.OpConcat), lt, rt)
	}
	var err error
	if l, err = Cast(l, types.TextType); err != nil {
		return nil, err
	}
	if r, err = Cast(r, types.TextType); err != nil {
		return nil, err
	}
	return &concatExpr{l: l, r: r, t: types.TextType}, nil
}

func (e *concatExpr) Type() types.T              { return e.t }
func (e *concatExpr) Children() []Expr           { return []Expr{e.l, e.r} }
func (e *concatExpr) withChildren(c []Expr) Expr { return &concatExpr{l: c[0], r: c[1], t: e.t} }
func (e *concatExpr) String() string             { return fmt.Sprintf("(%s || %s)", e.l, e.r) }

func (e *concatExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	args, err := evalAll(ctx, mem, batch, []Expr{e.l, e.r})
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	n := int(batch.NumRows())
	if e.t.Family == types.Bytea {
		l, r := args[0].(*array.Binary), args[1].(*array.Binary)
		b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
		defer b.Release()
		b.Reserve(n)
		for i := range n {
			if l.IsNull(i) || r.IsNull(i) {
				b.AppendNull()
				continue
			}
			b.Append(append(append([]byte(nil), l.Value(i)...), r.Value(i)...))
		}
		return b.NewArray(), nil
	}
	l, r := args[0].(*array.String), args[1].(*array.String)
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	b.ReserveData(len(l.ValueBytes()) + len(r.ValueBytes()))
	for i := range n {
		if l.IsNull(i) || r.IsNull(i) {
			b.AppendNull()
			continue
		}
		b.Append(l.Value(i) + r.Value(i))
	}
	return b.NewArray(), nil
}
