package expr

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// arithKind says which kernel an arithmetic node runs.
type arithKind uint8

const (
	arithInt         arithKind = iota // both operands of the result integer type
	arithFloat                        // both operands of the result float type
	arithNumeric                      // both NUMERIC, scales may differ
	arithTSInterval                   // timestamp ± interval (l timestamp, r interval)
	arithIntervalTS                   // interval + timestamp
	arithDateInt                      // date ± integer
	arithIntDate                      // integer + date
	arithDateDiff                     // date - date
	arithTSDiff                       // timestamp - timestamp
	arithInterval                     // interval ± interval
	arithIntervalNum                  // interval * / double precision
	arithNumInterval                  // double precision * interval
)

// arithExpr is + - * / % with checked Postgres semantics. Immutable.
type arithExpr struct {
	op   BinaryOp
	l, r Expr
	t    types.T
	kind arithKind
}

var errDivisionByZero = sqlstate.Errorf(sqlstate.DivisionByZero, "division by zero")

func newArith(op BinaryOp, l, r Expr) (Expr, error) {
	lu, ru := l.Type().Family == types.Unknown, r.Type().Family == types.Unknown
	if lu && ru {
		return nil, sqlstate.Errorf(sqlstate.UndefinedFunction, "operator is not unique: unknown %s unknown", opSymbol(op)).
			WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
	}
	if lu || ru {
		// An unknown literal first takes the other operand's type; if no
		// operator matches, the type that makes a temporal operator exist.
		known := l.Type()
		if lu {
			known = r.Type()
		}
		tries := []types.T{known}
		switch {
		case known.IsTemporal():
			tries = append(tries, types.IntervalT)
		case known.Family == types.Interval:
			tries = append(tries, types.TSType, types.Float64Type)
		}
		var firstErr error
		for _, t := range tries {
			ll, rr := l, r
			var err error
			if lu {
				ll, err = Coerce(l, t)
			} else {
				rr, err = Coerce(r, t)
			}
			if err == nil {
				var e Expr
				if e, err = newArith(op, ll, rr); err == nil {
					return e, nil
				}
			}
			if firstErr == nil {
				firstErr = err
			}
		}
		return nil, firstErr
	}
	lt, rt := l.Type(), r.Type()
	fail := func() (Expr, error) { return nil, operatorError(opSymbol(op), lt, rt) }
	cast2 := func(t types.T) error {
		var err error
		if l, err = Coerce(l, t); err != nil {
			return err
		}
		r, err = Coerce(r, t)
		return err
	}
	switch {
	case lt.IsNumeric() && rt.IsNumeric():
		switch {
		case lt.IsFloat() || rt.IsFloat():
			if op == sql.OpMod {
				return fail()
			}
			t := types.Float64Type
			if lt.Family == types.Float32 && rt.Family == types.Float32 {
				t = types.Float32Type
			}
			if err := cast2(t); err != nil {
				return nil, err
			}
			return &arithExpr{op: op, l: l, r: r, t: t, kind: arithFloat}, nil
		case lt.Family == types.Numeric || rt.Family == types.Numeric:
			var err error
			if lt.IsInteger() {
				lt = types.NumericType(types.NumericMaxPrecision, 0)
				if l, err = Coerce(l, lt); err != nil {
					return nil, err
				}
			}
			if rt.IsInteger() {
				rt = types.NumericType(types.NumericMaxPrecision, 0)
				if r, err = Coerce(r, rt); err != nil {
					return nil, err
				}
			}
			scale := max(lt.Scale, rt.Scale)
			switch op {
			case sql.OpMul:
				scale = min(lt.Scale+rt.Scale, types.NumericMaxPrecision)
			case sql.OpDiv:
				scale = max(scale, 6)
			}
			t := types.NumericType(types.NumericMaxPrecision, scale)
			return &arithExpr{op: op, l: l, r: r, t: t, kind: arithNumeric}, nil
		default:
			t := commonNumber(lt, rt)
			if err := cast2(t); err != nil {
				return nil, err
			}
			return &arithExpr{op: op, l: l, r: r, t: t, kind: arithInt}, nil
		}
	case (lt.Family == types.Timestamp || lt.Family == types.TimestampTZ || lt.Family == types.Date) && rt.Family == types.Interval:
		if op != sql.OpAdd && op != sql.OpSub {
			return fail()
		}
		t := lt
		if lt.Family == types.Date {
			t = types.TSType
			var err error
			if l, err = Coerce(l, t); err != nil {
				return nil, err
			}
		}
		return &arithExpr{op: op, l: l, r: r, t: t, kind: arithTSInterval}, nil
	case lt.Family == types.Interval && (rt.Family == types.Timestamp || rt.Family == types.TimestampTZ || rt.Family == types.Date):
		if op != sql.OpAdd {
			return fail()
		}
		t := rt
		if rt.Family == types.Date {
			t = types.TSType
			var err error
			if r, err = Coerce(r, t); err != nil {
				return nil, err
			}
		}
		return &arithExpr{op: op, l: l, r: r, t: t, kind: arithIntervalTS}, nil
	case lt.Family == types.Date && rt.IsInteger():
		if op != sql.OpAdd && op != sql.OpSub {
			return fail()
		}
		r, _ = Coerce(r, types.Int64Type)
		return &arithExpr{op: op, l: l, r: r, t: types.DateType, kind: arithDateInt}, nil
	case lt.IsInteger() && rt.Family == types.Date:
		if op != sql.OpAdd {
			return fail()
		}
		l, _ = Coerce(l, types.Int64Type)
		return &arithExpr{op: op, l: l, r: r, t: types.DateType, kind: arithIntDate}, nil
	case lt.Family == types.Date && rt.Family == types.Date:
		if op != sql.OpSub {
			return fail()
		}
		return &arithExpr{op: op, l: l, r: r, t: types.Int32Type, kind: arithDateDiff}, nil
	case lt.IsTemporal() && rt.IsTemporal():
		if op != sql.OpSub {
			return fail()
		}
		ct, _ := CommonType([]types.T{lt, rt})
		if ct.Family == types.Date {
			ct = types.TSType
		}
		if err := cast2(ct); err != nil {
			return nil, err
		}
		return &arithExpr{op: op, l: l, r: r, t: types.IntervalT, kind: arithTSDiff}, nil
	case lt.Family == types.Interval && rt.Family == types.Interval:
		if op != sql.OpAdd && op != sql.OpSub {
			return fail()
		}
		return &arithExpr{op: op, l: l, r: r, t: types.IntervalT, kind: arithInterval}, nil
	case lt.Family == types.Interval && rt.IsNumeric():
		if op != sql.OpMul && op != sql.OpDiv {
			return fail()
		}
		r, _ = Coerce(r, types.Float64Type)
		return &arithExpr{op: op, l: l, r: r, t: types.IntervalT, kind: arithIntervalNum}, nil
	case lt.IsNumeric() && rt.Family == types.Interval:
		if op != sql.OpMul {
			return fail()
		}
		l, _ = Coerce(l, types.Float64Type)
		return &arithExpr{op: op, l: l, r: r, t: types.IntervalT, kind: arithNumInterval}, nil
	}
	return fail()
}

func (e *arithExpr) Type() types.T    { return e.t }
func (e *arithExpr) Children() []Expr { return []Expr{e.l, e.r} }
func (e *arithExpr) withChildren(c []Expr) Expr {
	d := *e
	d.l, d.r = c[0], c[1]
	return &d
}
func (e *arithExpr) String() string { return fmt.Sprintf("(%s %s %s)", e.l, opSymbol(e.op), e.r) }

func (e *arithExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	args, err := evalAll(ctx, mem, batch, []Expr{e.l, e.r})
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	l, r := args[0], args[1]
	dt := e.t.ArrowType()
	switch e.kind {
	case arithInt:
		switch l := l.(type) {
		case *array.Int16:
			return binaryFixed(mem, dt, l, r.(*array.Int16), intOp[int16](e.op, math.MinInt16, math.MaxInt16, e.t))
		case *array.Int32:
			return binaryFixed(mem, dt, l, r.(*array.Int32), intOp[int32](e.op, math.MinInt32, math.MaxInt32, e.t))
		case *array.Int64:
			if e.op == sql.OpAdd {
				return addInt64s(mem, l, r.(*array.Int64))
			}
			return binaryFixed(mem, dt, l, r.(*array.Int64), intOp[int64](e.op, math.MinInt64, math.MaxInt64, e.t))
		}
	case arithFloat:
		switch l := l.(type) {
		case *array.Float32:
			return binaryFixed(mem, dt, l, r.(*array.Float32), floatOp[float32](e.op, e.t))
		case *array.Float64:
			return binaryFixed(mem, dt, l, r.(*array.Float64), floatOp[float64](e.op, e.t))
		}
	case arithNumeric:
		f := numericOp(e.op, e.l.Type().Scale, e.r.Type().Scale, e.t)
		return binaryFixed(mem, dt, l.(*array.Decimal128), r.(*array.Decimal128), f)
	default:
		return rowwise(mem, e.t, l.Len(), args, false, func(vs []any) (any, error) {
			return temporalOp(e.kind, e.op, vs[0], vs[1])
		})
	}
	return nil, sqlstate.Errorf(sqlstate.Internal, "arithmetic on %s: unexpected Arrow type %s", e.t, l.DataType())
}

// addInt64s is bigint + bigint with overflow check, the hottest kernel: it
// adds every slot (NULL slots hold arbitrary values) and only then checks
// the overflowed slots against validity, so the loop has no branches.
func addInt64s(mem memory.Allocator, l, r *array.Int64) (arrow.Array, error) {
	n := l.Len()
	validity, nulls := andValidity(mem, n, l, r)
	out := newFixedOut[int64](mem, n)
	lv, rv, ov := l.Values(), r.Values(), out.vals
	var overflow int64
	for i := range ov {
		a, b := lv[i], rv[i]
		s := a + b
		ov[i] = s
		overflow |= (a ^ s) & (b ^ s)
	}
	if overflow < 0 {
		for i := range ov {
			a, b, s := lv[i], rv[i], ov[i]
			if (a^s)&(b^s) < 0 && (validity == nil || bitutil.BitIsSet(validity.Bytes(), i)) {
				out.buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, outOfRange(types.Int64Type)
			}
		}
	}
	return out.finish(arrow.PrimitiveTypes.Int64, validity, nulls), nil
}

type signedInt interface{ ~int16 | ~int32 | ~int64 }

// intOp returns the checked integer kernel for op on T (range [lo, hi]).
func intOp[T signedInt](op BinaryOp, lo, hi int64, t types.T) func(a, b T) (T, error) {
	minT := T(lo)
	switch op {
	case sql.OpAdd:
		return func(a, b T) (T, error) {
			s := a + b
			if (a^s)&(b^s) < 0 {
				return 0, outOfRange(t)
			}
			return s, nil
		}
	case sql.OpSub:
		return func(a, b T) (T, error) {
			s := a - b
			if (a^b)&(a^s) < 0 {
				return 0, outOfRange(t)
			}
			return s, nil
		}
	case sql.OpMul:
		return func(a, b T) (T, error) {
			p := a * b
			if a != 0 && (p/a != b || (a == -1 && b == minT)) {
				return 0, outOfRange(t)
			}
			return p, nil
		}
	case sql.OpDiv:
		return func(a, b T) (T, error) {
			if b == 0 {
				return 0, errDivisionByZero
			}
			if b == -1 && a == minT {
				return 0, outOfRange(t)
			}
			return a / b, nil
		}
	}
	return func(a, b T) (T, error) {
		if b == 0 {
			return 0, errDivisionByZero
		}
		if b == -1 {
			return 0, nil
		}
		return a % b, nil
	}
}

// floatOp returns the float kernel for op: division by zero is an error and
// a finite result that overflows to infinity is 22003, as in Postgres.
func floatOp[T float32 | float64](op BinaryOp, t types.T) func(a, b T) (T, error) {
	check := func(a, b, r T) (T, error) {
		if math.IsInf(float64(r), 0) && !math.IsInf(float64(a), 0) && !math.IsInf(float64(b), 0) {
			return 0, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value out of range: overflow")
		}
		return r, nil
	}
	switch op {
	case sql.OpAdd:
		return func(a, b T) (T, error) { return check(a, b, a+b) }
	case sql.OpSub:
		return func(a, b T) (T, error) { return check(a, b, a-b) }
	case sql.OpMul:
		return func(a, b T) (T, error) { return check(a, b, a*b) }
	}
	return func(a, b T) (T, error) {
		if b == 0 {
			return 0, errDivisionByZero
		}
		return check(a, b, a/b)
	}
}

// numericOp returns the NUMERIC kernel for op on operands of scales ls and
// rs, producing values of type t.
func numericOp(op BinaryOp, ls, rs int32, t types.T) func(a, b decimal128.Num) (decimal128.Num, error) {
	fromBig := func(n *big.Int) (decimal128.Num, error) {
		v, err := numericFromBig(n, t)
		if err != nil {
			return decimal128.Num{}, err
		}
		return v.(decimal128.Num), nil
	}
	switch op {
	case sql.OpAdd, sql.OpSub:
		if ls == rs && rs == t.Scale {
			return func(a, b decimal128.Num) (decimal128.Num, error) {
				if op == sql.OpSub {
					b = b.Negate()
				}
				s := a.Add(b)
				if (a.Sign() >= 0) == (b.Sign() >= 0) && (s.Sign() >= 0) != (a.Sign() >= 0) || !s.FitsInPrecision(t.Precision) {
					return decimal128.Num{}, numericOverflow(t)
				}
				return s, nil
			}
		}
		return func(a, b decimal128.Num) (decimal128.Num, error) {
			x := shiftRound(a.BigInt(), int(t.Scale-ls))
			y := shiftRound(b.BigInt(), int(t.Scale-rs))
			if op == sql.OpSub {
				return fromBig(x.Sub(x, y))
			}
			return fromBig(x.Add(x, y))
		}
	case sql.OpMul:
		exact := t.Scale == ls+rs
		return func(a, b decimal128.Num) (decimal128.Num, error) {
			// Operands of up to 63 bits whose product fits in 63 bits need
			// no big.Int (0.908 * price, quantities times prices).
			if exact && a.HighBits() == int64(a.LowBits())>>63 && b.HighBits() == int64(b.LowBits())>>63 {
				x, y := int64(a.LowBits()), int64(b.LowBits())
				if hi, lo := bits.Mul64(uint64(absInt64(x)), uint64(absInt64(y))); hi == 0 && lo <= math.MaxInt64 && x != math.MinInt64 && y != math.MinInt64 {
					p := int64(lo)
					if (x < 0) != (y < 0) {
						p = -p
					}
					v := decimal128.FromI64(p)
					if !v.FitsInPrecision(t.Precision) {
						return decimal128.Num{}, numericOverflow(t)
					}
					return v, nil
				}
			}
			p := new(big.Int).Mul(a.BigInt(), b.BigInt())
			return fromBig(shiftRound(p, int(t.Scale-(ls+rs))))
		}
	case sql.OpDiv:
		return func(a, b decimal128.Num) (decimal128.Num, error) {
			if b.Sign() == 0 {
				return decimal128.Num{}, errDivisionByZero
			}
			// a/10^ls / (b/10^rs) * 10^s = a * 10^(s+rs-ls+1) / b, then round the
			// extra digit away.
			x := shiftRound(a.BigInt(), int(t.Scale+rs-ls+1))
			q := x.Quo(x, b.BigInt())
			return fromBig(shiftRound(q, -1))
		}
	}
	return func(a, b decimal128.Num) (decimal128.Num, error) {
		if b.Sign() == 0 {
			return decimal128.Num{}, errDivisionByZero
		}
		x := shiftRound(a.BigInt(), int(t.Scale-ls))
		y := shiftRound(b.BigInt(), int(t.Scale-rs))
		return fromBig(x.Rem(x, y))
	}
}

// temporalOp evaluates the date/time arithmetic kinds on canonical values.
func temporalOp(kind arithKind, op BinaryOp, a, b any) (any, error) {
	switch kind {
	case arithTSInterval:
		iv := b.(arrow.MonthDayNanoInterval)
		if op == sql.OpSub {
			iv = negInterval(iv)
		}
		return addInterval(a.(int64), iv)
	case arithIntervalTS:
		return addInterval(b.(int64), a.(arrow.MonthDayNanoInterval))
	case arithDateInt:
		d := int64(a.(int32))
		if op == sql.OpSub {
			d -= b.(int64)
		} else {
			d += b.(int64)
		}
		if d < math.MinInt32 || d > math.MaxInt32 {
			return nil, outOfRange(types.DateType)
		}
		return int32(d), nil
	case arithIntDate:
		d := int64(b.(int32)) + a.(int64)
		if d < math.MinInt32 || d > math.MaxInt32 {
			return nil, outOfRange(types.DateType)
		}
		return int32(d), nil
	case arithDateDiff:
		return int64(a.(int32)) - int64(b.(int32)), nil
	case arithTSDiff:
		diff := a.(int64) - b.(int64)
		days := diff / 86400e6
		return arrow.MonthDayNanoInterval{Days: int32(days), Nanoseconds: (diff - days*86400e6) * 1000}, nil
	case arithInterval:
		x, y := a.(arrow.MonthDayNanoInterval), b.(arrow.MonthDayNanoInterval)
		if op == sql.OpSub {
			y = negInterval(y)
		}
		m, d, ns := int64(x.Months)+int64(y.Months), int64(x.Days)+int64(y.Days), x.Nanoseconds+y.Nanoseconds
		if m != int64(int32(m)) || d != int64(int32(d)) || (x.Nanoseconds^ns)&(y.Nanoseconds^ns) < 0 {
			return nil, outOfRange(types.IntervalT)
		}
		return arrow.MonthDayNanoInterval{Months: int32(m), Days: int32(d), Nanoseconds: ns}, nil
	case arithIntervalNum, arithNumInterval:
		iv, f := a, b
		if kind == arithNumInterval {
			iv, f = b, a
		}
		factor := f.(float64)
		if op == sql.OpDiv {
			if factor == 0 {
				return nil, errDivisionByZero
			}
			factor = 1 / factor
		}
		return scaleInterval(iv.(arrow.MonthDayNanoInterval), factor)
	}
	return nil, sqlstate.Errorf(sqlstate.Internal, "unexpected temporal arithmetic")
}

func negInterval(iv arrow.MonthDayNanoInterval) arrow.MonthDayNanoInterval {
	return arrow.MonthDayNanoInterval{Months: -iv.Months, Days: -iv.Days, Nanoseconds: -iv.Nanoseconds}
}

// addInterval adds iv to the timestamp us as Postgres does: months first
// (clamping the day to the month's end), then days, then the time part.
func addInterval(us int64, iv arrow.MonthDayNanoInterval) (any, error) {
	tm := time.UnixMicro(us).UTC()
	if iv.Months != 0 {
		y, m, d := tm.Date()
		total := int(y)*12 + int(m) - 1 + int(iv.Months)
		ny, nm := total/12, time.Month(total%12+1)
		if total%12 < 0 {
			ny, nm = (total-11)/12, time.Month(total%12+13)
		}
		last := time.Date(ny, nm+1, 0, 0, 0, 0, 0, time.UTC).Day()
		tm = time.Date(ny, nm, min(d, last), tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond(), time.UTC)
	}
	out := tm.UnixMicro() + int64(iv.Days)*86400e6 + iv.Nanoseconds/1000
	if y := time.UnixMicro(out).UTC().Year(); y < -4713 || y > 294276 {
		return nil, outOfRange(types.TSType)
	}
	return out, nil
}

// scaleInterval multiplies iv by f, spilling fractional months into days (30
// per month) and fractional days into time, as Postgres does.
func scaleInterval(iv arrow.MonthDayNanoInterval, f float64) (any, error) {
	months := float64(iv.Months) * f
	days := float64(iv.Days) * f
	ns := float64(iv.Nanoseconds) * f
	wm := math.Trunc(months)
	days += (months - wm) * 30
	wd := math.Trunc(days)
	ns += (days - wd) * 86400e9
	if math.IsNaN(ns) || math.Abs(wm) > math.MaxInt32 || math.Abs(wd) > math.MaxInt32 || math.Abs(ns) > 9e18 {
		return nil, outOfRange(types.IntervalT)
	}
	return arrow.MonthDayNanoInterval{Months: int32(wm), Days: int32(wd), Nanoseconds: int64(math.Round(ns/1e3)) * 1e3}, nil
}

// absInt64 returns |x| (math.MinInt64 stays itself; callers exclude it).
func absInt64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
