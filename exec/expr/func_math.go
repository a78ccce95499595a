package expr

import (
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

var _ = addFuncs(map[string]*funcDef{
	"sign":  {resolve: resolveMath},
	"trunc": {resolve: resolveMath},
	"cbrt":  {resolve: resolveMath},
	"ln":    {resolve: resolveMath},
	"log":   {resolve: resolveMath},
	"log10": {resolve: resolveMath},
	"exp":   {resolve: resolveMath},
	"gcd":   {resolve: resolveGcdLcm},
	"lcm":   {resolve: resolveGcdLcm},
})

// resolveMath resolves the math functions of Postgres 15 over double
// precision (an integer argument is one), and sign and trunc over numeric:
//
//	sign(x), trunc(x), trunc(numeric, n), cbrt(x), ln(x), log(x) (base 10),
//	log10(x), exp(x)
//
// ln and log of zero or a negative number are 2201E; exp overflowing or
// underflowing double precision is 22003. ln, log, log10, exp and log(b, x)
// of numeric are double precision in weir (Postgres computes numeric, to a
// scale that depends on the value, which a weir type cannot).
func resolveMath(name string, args []Expr) (*funcExpr, error) {
	if len(args) == 0 || !(args[0].Type().IsNumeric() || args[0].Type().Family == types.Unknown) {
		return nil, funcError(name, args)
	}
	t := floatOrNumeric(args[0].Type())
	if name == "trunc" && len(args) == 2 {
		return resolveTruncScale(name, args)
	}
	if name == "log" && len(args) == 2 {
		return resolveLogBase(name, args)
	}
	if len(args) != 1 {
		return nil, funcError(name, args)
	}
	if t.Family == types.Numeric && name != "sign" && name != "trunc" {
		// weir computes ln, log and exp of numeric in double precision.
		t = types.Float64Type
	}
	cargs, err := coerceArgs(name, args, t)
	if err != nil {
		return nil, err
	}
	if t.Family == types.Numeric {
		rt := types.NumericType(types.NumericMaxPrecision, 0)
		return strictFunc(rt, cargs, func(vs []any) (any, error) {
			d := vs[0].(decimal128.Num)
			if name == "sign" {
				return decimal128.FromI64(int64(d.Sign())), nil
			}
			q, _ := d.Div(decimal128.GetScaleMultiplier(int(t.Scale)))
			return q, nil
		}), nil
	}
	var f func(x float64) (float64, error)
	switch name {
	case "sign":
		f = func(x float64) (float64, error) {
			switch {
			case x > 0:
				return 1, nil
			case x < 0:
				return -1, nil
			}
			return 0, nil
		}
	case "trunc":
		f = func(x float64) (float64, error) { return math.Trunc(x), nil }
	case "cbrt":
		f = func(x float64) (float64, error) { return math.Cbrt(x), nil }
	case "ln", "log", "log10":
		log := crLn
		if name != "ln" {
			log = math.Log10
		}
		f = func(x float64) (float64, error) {
			switch {
			case x == 0:
				return 0, sqlstate.Errorf(sqlstate.InvalidArgumentForLogarithm, "cannot take logarithm of zero")
			case x < 0:
				return 0, sqlstate.Errorf(sqlstate.InvalidArgumentForLogarithm, "cannot take logarithm of a negative number")
			case math.IsInf(x, 1) || math.IsNaN(x):
				return x, nil
			}
			return log(x), nil
		}
	case "exp":
		f = func(x float64) (float64, error) {
			r := math.Exp(x)
			switch {
			case math.IsInf(r, 1) && !math.IsInf(x, 1):
				return 0, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value out of range: overflow")
			case r == 0 && !math.IsInf(x, -1):
				return 0, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value out of range: underflow")
			case math.IsInf(x, 0) || math.IsNaN(x):
				return r, nil
			}
			return crExp(x), nil
		}
	}
	return strictFunc(t, cargs, func(vs []any) (any, error) { return f(vs[0].(float64)) }), nil
}

// resolveTruncScale resolves trunc(numeric, n): x cut (toward zero) to n
// decimal places, n negative cutting digits before the point. An integer x
// is numeric; double precision has no trunc(x, n) (42883), as in Postgres.
func resolveTruncScale(name string, args []Expr) (*funcExpr, error) {
	xt := args[0].Type()
	if xt.IsFloat() {
		return nil, funcError(name, args)
	}
	if xt.Family != types.Numeric {
		xt = types.NumericType(types.NumericMaxPrecision, 0)
		if args[0].Type().Family == types.Unknown {
			xt = types.DefaultNumeric
		}
	}
	cargs, err := coerceArgs(name, args, xt, types.Int32Type)
	if err != nil {
		return nil, err
	}
	rt := types.NumericType(types.NumericMaxPrecision, xt.Scale)
	if c, ok := cargs[1].(*Const); ok && c.v != nil {
		rt.Scale = int32(max(0, min(c.v.(int64), types.NumericMaxPrecision)))
	}
	return strictFunc(rt, cargs, func(vs []any) (any, error) {
		digits := vs[1].(int64)
		v := vs[0].(decimal128.Num).BigInt()
		if drop := int64(xt.Scale) - digits; drop > 0 {
			p := new(big.Int).Exp(big.NewInt(10), big.NewInt(min(drop, 80)), nil)
			v.Quo(v, p)
			v.Mul(v, p)
		}
		return numericFromBig(shiftRound(v, int(rt.Scale-xt.Scale)), rt)
	}), nil
}

// resolveGcdLcm resolves gcd(a, b) and lcm(a, b) over integer and bigint
// (a smallint is an integer). The results are not negative; one that does not
// fit the type is 22003, as gcd(-2147483648, 0) is.
func resolveGcdLcm(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 2 {
		return nil, funcError(name, args)
	}
	t := types.Int32Type
	for _, a := range args {
		switch a.Type().Family {
		case types.Int16, types.Int32, types.Unknown:
		case types.Int64:
			t = types.Int64Type
		default:
			return nil, funcError(name, args)
		}
	}
	cargs, err := coerceArgs(name, args, t, t)
	if err != nil {
		return nil, err
	}
	return strictFunc(t, cargs, func(vs []any) (any, error) {
		a, b := big.NewInt(vs[0].(int64)), big.NewInt(vs[1].(int64))
		g := new(big.Int).GCD(nil, nil, new(big.Int).Abs(a), new(big.Int).Abs(b))
		r := g
		if name == "lcm" {
			if a.Sign() == 0 || b.Sign() == 0 {
				return int64(0), nil
			}
			r = new(big.Int).Abs(new(big.Int).Mul(new(big.Int).Quo(a, g), b))
		}
		if !r.IsInt64() || checkIntRange(r.Int64(), t) != nil {
			return nil, outOfRange(t)
		}
		return r.Int64(), nil
	}), nil
}

// resolveLogBase resolves log(b, x), the logarithm of x to base b, in
// double precision (Postgres: numeric). Zero or a negative b or x is 2201E,
// base 1 is 22012.
func resolveLogBase(name string, args []Expr) (*funcExpr, error) {
	for _, a := range args {
		if !(a.Type().IsNumeric() || a.Type().Family == types.Unknown) {
			return nil, funcError(name, args)
		}
	}
	cargs, err := coerceArgs(name, args, types.Float64Type, types.Float64Type)
	if err != nil {
		return nil, err
	}
	return strictFunc(types.Float64Type, cargs, func(vs []any) (any, error) {
		b, x := vs[0].(float64), vs[1].(float64)
		for _, v := range []float64{b, x} {
			switch {
			case v == 0:
				return nil, sqlstate.Errorf(sqlstate.InvalidArgumentForLogarithm, "cannot take logarithm of zero")
			case v < 0:
				return nil, sqlstate.Errorf(sqlstate.InvalidArgumentForLogarithm, "cannot take logarithm of a negative number")
			}
		}
		if b == 1 {
			return nil, sqlstate.Errorf(sqlstate.DivisionByZero, "division by zero")
		}
		r := math.Log2(x) / math.Log2(b)
		// An exact power of b is that integer, as numeric's log gives it.
		if n := math.Round(r); math.Abs(r-n) < 1e-9 && math.Pow(b, n) == x {
			return n, nil
		}
		return r, nil
	}), nil
}
