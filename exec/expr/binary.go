package expr

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// BinaryOp is a binary operator; it is the parser's operator type, so the
// binder passes sql.BinaryExpr.Op through unchanged (sql.OpAdd … sql.OpConcat).
type BinaryOp = sql.BinaryOp

// opSymbol returns the SQL spelling of op.
func opSymbol(op BinaryOp) string {
	switch op {
	case sql.OpAdd:
		return "+"
	case sql.OpSub:
		return "-"
	case sql.OpMul:
		return "*"
	case sql.OpDiv:
		return "/"
	case sql.OpMod:
		return "%"
	case sql.OpEq:
		return "="
	case sql.OpNe:
		return "<>"
	case sql.OpLt:
		return "<"
	case sql.OpLe:
		return "<="
	case sql.OpGt:
		return ">"
	case sql.OpGe:
		return ">="
	case sql.OpAnd:
		return "AND"
	case sql.OpOr:
		return "OR"
	case sql.OpConcat:
		return "||"
	case sql.OpIsDistinctFrom:
		return "IS DISTINCT FROM"
	case sql.OpIsNotDistinctFrom:
		return "IS NOT DISTINCT FROM"
	case sql.OpRegexMatch, sql.OpRegexIMatch, sql.OpNotRegexMatch, sql.OpNotRegexIMatch:
		return op.String()
	}
	return fmt.Sprintf("op(%d)", op)
}

// isComparison reports whether op is = <> < <= > >=.
func isComparison(op BinaryOp) bool { return op >= sql.OpEq && op <= sql.OpGe }

// Binary returns `l op r` typed with Postgres' operator resolution:
//
//   - AND, OR: boolean operands (42804 otherwise), Kleene three-valued logic.
//   - comparisons: operands of one category (numbers, text, date/timestamps,
//     boolean, interval, bytea) are cast to their CommonType; otherwise 42883.
//   - + - * / %: numbers promote along smallint < integer < bigint < numeric <
//     real < double precision (an integer with a float gives double precision,
//     an integer with numeric gives numeric); integer division truncates; %
//     exists for integers and numeric. Numeric results have precision 38 and
//     scale max(s1,s2) for + - %, s1+s2 for *, max(s1,s2,6) for /.
//     timestamp ± interval, date ± interval (timestamp), date ± integer,
//     date - date (integer), timestamp - timestamp (interval),
//     interval ± interval, interval * number, interval / number.
//   - ||: text concatenation; a non-text operand is cast to text; bytea || bytea.
//
// An unknown literal operand takes the other operand's type. No matching
// operator is 42883 `operator does not exist: integer + text`.
func Binary(op BinaryOp, l, r Expr) (Expr, error) {
	switch {
	case op == sql.OpAnd || op == sql.OpOr:
		return newLogic(op, l, r)
	case op == sql.OpConcat:
		return newConcat(l, r)
	case isComparison(op):
		return newCompare(op, l, r)
	case op == sql.OpIsDistinctFrom || op == sql.OpIsNotDistinctFrom:
		return newDistinct(op, l, r)
	case op >= sql.OpRegexMatch && op <= sql.OpNotRegexIMatch:
		return newRegexMatch(op, l, r)
	case op <= sql.OpMod:
		return newArith(op, l, r)
	}
	return nil, sqlstate.Errorf(sqlstate.Internal, "unknown binary operator %d", op)
}

// resolveUnknowns coerces an unknown-typed operand to the other operand's
// type; when both are unknown, both become fallback.
func resolveUnknowns(l, r Expr, fallback types.T) (Expr, Expr, error) {
	lu, ru := l.Type().Family == types.Unknown, r.Type().Family == types.Unknown
	var err error
	switch {
	case lu && ru:
		if l, err = Coerce(l, fallback); err != nil {
			return nil, nil, err
		}
		r, err = Coerce(r, fallback)
	case lu:
		l, err = Coerce(l, r.Type())
	case ru:
		r, err = Coerce(r, l.Type())
	}
	return l, r, err
}

// logicExpr is AND / OR with Kleene semantics.
type logicExpr struct {
	op   BinaryOp
	l, r Expr
}

func newLogic(op BinaryOp, l, r Expr) (Expr, error) {
	var err error
	if l, err = RequireBool(l, opSymbol(op)); err != nil {
		return nil, err
	}
	if r, err = RequireBool(r, opSymbol(op)); err != nil {
		return nil, err
	}
	return &logicExpr{op: op, l: l, r: r}, nil
}

func (e *logicExpr) Type() types.T              { return types.BoolType }
func (e *logicExpr) Children() []Expr           { return []Expr{e.l, e.r} }
func (e *logicExpr) withChildren(c []Expr) Expr { return &logicExpr{op: e.op, l: c[0], r: c[1]} }
func (e *logicExpr) String() string             { return fmt.Sprintf("(%s %s %s)", e.l, opSymbol(e.op), e.r) }
func (e *logicExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	name := "and_kleene"
	if e.op == sql.OpOr {
		name = "or_kleene"
	}
	return evalCompute(ctx, mem, batch, name, e.l, e.r)
}

// evalCompute evaluates args and calls the compute function name on them.
// Constant arguments are passed as scalars, unless all are constant (a
// scalar-only call would return a scalar).
func evalCompute(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, name string, args ...Expr) (arrow.Array, error) {
	allConst := true
	for _, a := range args {
		if _, ok := a.(*Const); !ok {
			allConst = false
		}
	}
	datums := make([]compute.Datum, 0, len(args))
	defer func() {
		for _, d := range datums {
			d.Release()
		}
	}()
	for _, a := range args {
		if allConst {
			arr, err := a.Eval(ctx, mem, batch)
			if err != nil {
				return nil, err
			}
			datums = append(datums, compute.NewDatum(arr))
			arr.Release()
			continue
		}
		d, err := evalDatum(ctx, mem, batch, a)
		if err != nil {
			return nil, err
		}
		datums = append(datums, d)
	}
	return callCompute(ctx, mem, name, datums...)
}

// compareExpr is = <> < <= > >= over operands of one type.
type compareExpr struct {
	op   BinaryOp
	l, r Expr
}

func newCompare(op BinaryOp, l, r Expr) (Expr, error) {
	l, r, err := resolveUnknowns(l, r, types.TextType)
	if err != nil {
		return nil, err
	}
	lt, rt := l.Type(), r.Type()
	if category(lt) != category(rt) || !orderable(lt) {
		return nil, operatorError(opSymbol(op), lt, rt)
	}
	ct, err := CommonType([]types.T{lt, rt})
	if err != nil {
		return nil, operatorError(opSymbol(op), lt, rt)
	}
	if l, err = Coerce(l, ct); err != nil {
		return nil, err
	}
	if r, err = Coerce(r, ct); err != nil {
		return nil, err
	}
	return &compareExpr{op: op, l: l, r: r}, nil
}

func (e *compareExpr) Type() types.T              { return types.BoolType }
func (e *compareExpr) Children() []Expr           { return []Expr{e.l, e.r} }
func (e *compareExpr) withChildren(c []Expr) Expr { return &compareExpr{op: e.op, l: c[0], r: c[1]} }
func (e *compareExpr) String() string             { return fmt.Sprintf("(%s %s %s)", e.l, opSymbol(e.op), e.r) }

var compareFuncs = map[BinaryOp]string{
	sql.OpEq: "equal", sql.OpNe: "not_equal", sql.OpLt: "less",
	sql.OpLe: "less_equal", sql.OpGt: "greater", sql.OpGe: "greater_equal",
}

func (e *compareExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	switch e.l.Type().Family {
	case types.Interval, types.Bool, types.Array:
		return e.evalRows(ctx, mem, batch)
	case types.Float32, types.Float64:
		return e.evalFloats(ctx, mem, batch)
	}
	return evalCompute(ctx, mem, batch, compareFuncs[e.op], e.l, e.r)
}

// evalFloats compares floats with Postgres' NaN rule (NaN equals NaN and is
// greater than every number), which IEEE comparison kernels do not follow.
func (e *compareExpr) evalFloats(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	args, err := evalAll(ctx, mem, batch, []Expr{e.l, e.r})
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	switch l := args[0].(type) {
	case *array.Float64:
		return compareFloats(mem, e.op, l, args[1].(*array.Float64)), nil
	case *array.Float32:
		return compareFloats(mem, e.op, l, args[1].(*array.Float32)), nil
	}
	return nil, sqlstate.Errorf(sqlstate.Internal, "float comparison on %s", args[0].DataType())
}

func compareFloats[T float32 | float64](mem memory.Allocator, op BinaryOp, l, r fixedArray[T]) arrow.Array {
	n := l.Len()
	lv, rv := l.Values(), r.Values()
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	nulls := l.NullN() > 0 || r.NullN() > 0
	for i := range n {
		if nulls && (l.IsNull(i) || r.IsNull(i)) {
			b.AppendNull()
			continue
		}
		x, y := float64(lv[i]), float64(rv[i])
		var c int
		switch {
		case x < y:
			c = -1
		case x > y:
			c = 1
		case x == y:
			c = 0
		default:
			c = cmpFloat(x, y)
		}
		b.UnsafeAppend(compareResult(op, c))
	}
	return b.NewArray()
}

// evalRows compares row by row (interval, which compute does not order).
func (e *compareExpr) evalRows(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	args, err := evalAll(ctx, mem, batch, []Expr{e.l, e.r})
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	t := e.l.Type()
	return rowwise(mem, types.BoolType, int(batch.NumRows()), args, false, func(vs []any) (any, error) {
		return compareResult(e.op, compareValues(vs[0], vs[1], t)), nil
	})
}

// compareResult turns a three-way comparison into op's boolean.
func compareResult(op BinaryOp, c int) bool {
	switch op {
	case sql.OpEq:
		return c == 0
	case sql.OpNe:
		return c != 0
	case sql.OpLt:
		return c < 0
	case sql.OpLe:
		return c <= 0
	case sql.OpGt:
		return c > 0
	}
	return c >= 0
}
