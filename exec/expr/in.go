package expr

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// inExpr is e [NOT] IN (list) with SQL three-valued logic: TRUE if e equals
// an element, else NULL if e or any element is NULL, else FALSE. A list of
// constants is hashed once at construction. Immutable.
type inExpr struct {
	e       Expr
	list    []Expr
	not     bool
	set     map[any]struct{} // when every element is a constant
	setNull bool             // a constant element is NULL
}

// In returns e [NOT] IN (list). e and the elements are compared in their
// CommonType (42883 when they have none).
func In(e Expr, list []Expr, not bool) (Expr, error) {
	ts := []types.T{e.Type()}
	for _, x := range list {
		ts = append(ts, x.Type())
	}
	ct, err := CommonType(ts)
	if err != nil {
		for _, x := range list {
			if category(x.Type()) != category(e.Type()) && x.Type().Family != types.Unknown {
				return nil, operatorError(opSymbol(sql.OpEq), e.Type(), x.Type())
			}
		}
		return nil, err
	}
	if !orderable(ct) {
		return nil, operatorError(opSymbol(sql.OpEq), ct, ct)
	}
	if e, err = Coerce(e, ct); err != nil {
		return nil, err
	}
	n := &inExpr{e: e, not: not, list: make([]Expr, len(list))}
	allConst := true
	for i, x := range list {
		if n.list[i], err = Coerce(x, ct); err != nil {
			return nil, err
		}
		if _, ok := n.list[i].(*Const); !ok {
			allConst = false
		}
	}
	if allConst {
		n.set = make(map[any]struct{}, len(list))
		for _, x := range n.list {
			v := x.(*Const).v
			if v == nil {
				n.setNull = true
				continue
			}
			n.set[hashKey(v, ct)] = struct{}{}
		}
	}
	return n, nil
}

// hashKey returns a comparable key equal for values that compare equal.
func hashKey(v any, t types.T) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case float64:
		if x == 0 {
			return 0.0 // -0 = 0
		}
		if math.IsNaN(x) {
			return "NaN"
		}
	case arrow.MonthDayNanoInterval:
		d, ns := intervalKey(x)
		return [2]int64{d, ns}
	case []any:
		return arrayKey{formatArray(x, t.ElemType())}
	}
	return v
}

func (n *inExpr) Type() types.T    { return types.BoolType }
func (n *inExpr) Children() []Expr { return append([]Expr{n.e}, n.list...) }
func (n *inExpr) withChildren(c []Expr) Expr {
	m, err := In(c[0], c[1:], n.not)
	if err != nil {
		return n
	}
	return m
}
func (n *inExpr) String() string {
	parts := make([]string, len(n.list))
	for i, x := range n.list {
		parts[i] = x.String()
	}
	kw := "IN"
	if n.not {
		kw = "NOT IN"
	}
	return fmt.Sprintf("(%s %s (%s))", n.e, kw, strings.Join(parts, ", "))
}

func (n *inExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	a, err := n.e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	defer a.Release()
	t := n.e.Type()
	rows := a.Len()
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(rows)
	if n.set != nil {
		for i := range rows {
			v := valueAt(a, i)
			switch {
			case v == nil:
				b.AppendNull()
			case hasKey(n.set, hashKey(v, t)):
				b.UnsafeAppend(!n.not)
			case n.setNull:
				b.AppendNull()
			default:
				b.UnsafeAppend(n.not)
			}
		}
		return b.NewArray(), nil
	}
	items, err := evalAll(ctx, mem, batch, n.list)
	if err != nil {
		return nil, err
	}
	defer releaseAll(items)
	for i := range rows {
		v := valueAt(a, i)
		if v == nil {
			b.AppendNull()
			continue
		}
		found, sawNull := false, false
		for _, it := range items {
			w := valueAt(it, i)
			if w == nil {
				sawNull = true
				continue
			}
			if compareValues(v, w, t) == 0 {
				found = true
				break
			}
		}
		switch {
		case found:
			b.UnsafeAppend(!n.not)
		case sawNull:
			b.AppendNull()
		default:
			b.UnsafeAppend(n.not)
		}
	}
	return b.NewArray(), nil
}

func hasKey(set map[any]struct{}, k any) bool {
	_, ok := set[k]
	return ok
}
