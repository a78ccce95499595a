package expr

import (
	"context"
	"maps"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// funcExpr is a call of a scalar function. Immutable.
type funcExpr struct {
	name string
	args []Expr
	t    types.T
	def  *funcDef
	// strict functions return NULL when any argument is NULL without calling row.
	strict bool
	// volatile marks a call that reads the clock although its name's
	// other forms do not (age(ts), unlike age(ts, ts)).
	volatile bool
	row      func(vs []any) (any, error)
	// impl, when set, is an equivalent expression the call evaluates as
	// (coalesce and nullif are lazy CASEs).
	impl Expr
	// columnar, when set, evaluates the call over whole arrays instead of
	// row by row.
	columnar *columnarFunc
}

// funcDef describes one function name.
type funcDef struct {
	volatile bool
	resolve  func(name string, args []Expr) (*funcExpr, error)
}

var funcs map[string]*funcDef

func init() {
	funcs = map[string]*funcDef{
		"abs":               {resolve: resolveAbs},
		"round":             {resolve: resolveRound},
		"floor":             {resolve: resolveFloorCeil},
		"ceil":              {resolve: resolveFloorCeil},
		"ceiling":           {resolve: resolveFloorCeil},
		"sqrt":              {resolve: resolveFloat},
		"power":             {resolve: resolveFloat},
		"pow":               {resolve: resolveFloat},
		"lower":             {resolve: resolveText},
		"upper":             {resolve: resolveText},
		"length":            {resolve: resolveText},
		"char_length":       {resolve: resolveText},
		"character_length":  {resolve: resolveText},
		"substr":            {resolve: resolveText},
		"substring":         {resolve: resolveText},
		"trim":              {resolve: resolveText},
		"btrim":             {resolve: resolveText},
		"ltrim":             {resolve: resolveText},
		"rtrim":             {resolve: resolveText},
		"replace":           {resolve: resolveText},
		"concat":            {resolve: resolveConcat},
		"convert_from":      {resolve: resolveConvert},
		"convert_to":        {resolve: resolveConvert},
		"coalesce":          {resolve: resolveCoalesce},
		"nullif":            {resolve: resolveNullif},
		"greatest":          {resolve: resolveExtreme},
		"least":             {resolve: resolveExtreme},
		"date_trunc":        {resolve: resolveDateTrunc},
		"date_part":         {resolve: resolveDatePart},
		"extract":           {resolve: resolveDatePart},
		"now":               {volatile: true, resolve: resolveNow},
		"current_timestamp": {volatile: true, resolve: resolveNow},
	}
	maps.Copy(funcs, familyFuncs)
}

// Func returns the call name(args) of a scalar function (name in any case):
//
//	abs(x), round(x), round(x, n), floor(x), ceil(x), ceiling(x), sqrt(x),
//	power(x, y), pow(x, y), mod(x, y)
//	lower(s), upper(s), length(s), char_length(s), substr(s, from[, len]),
//	substring(s, from[, len]), trim(s[, chars]), btrim, ltrim, rtrim,
//	replace(s, from, to), concat(any...)
//	convert_from(bytes, 'UTF8') (bytea to text, checked), convert_to(s, 'UTF8')
//	coalesce(x...), nullif(x, y), greatest(x...), least(x...)
//	date_trunc('unit', ts), date_part('field', ts|date|interval), extract
//	now(), current_timestamp (volatile: see IsVolatile)
//
// Types follow Postgres: round/floor/ceil of an integer or float and sqrt and
// power return double precision; of numeric, numeric; round(x, n) is numeric;
// date_part returns double precision (Postgres' extract returns numeric).
// An unknown name or argument types is 42883 `function foo(integer) does not
// exist`.
func Func(name string, args []Expr) (Expr, error) {
	name = strings.ToLower(name)
	if name == "mod" {
		if len(args) != 2 {
			return nil, funcError(name, args)
		}
		e, err := Binary(sql.OpMod, args[0], args[1])
		if err != nil {
			return nil, funcError(name, args)
		}
		return e, nil
	}
	def, ok := funcs[name]
	if !ok {
		return nil, funcError(name, args)
	}
	f, err := def.resolve(name, args)
	if err != nil {
		return nil, err
	}
	f.name, f.def = name, def
	if f.args == nil {
		f.args = args
	}
	return f, nil
}

func (f *funcExpr) Type() types.T    { return f.t }
func (f *funcExpr) Children() []Expr { return f.args }
func (f *funcExpr) withChildren(c []Expr) Expr {
	g, err := Func(f.name, c)
	if err != nil {
		return f
	}
	return g
}
func (f *funcExpr) String() string {
	if f.name == "current_timestamp" || f.name == "current_date" {
		return strings.ToUpper(f.name)
	}
	if op, ok := regexOps[f.name]; ok && len(f.args) == 2 {
		return "(" + f.args[0].String() + " " + op.String() + " " + f.args[1].String() + ")"
	}
	parts := make([]string, len(f.args))
	for i, a := range f.args {
		parts[i] = a.String()
	}
	return f.name + "(" + strings.Join(parts, ", ") + ")"
}

func (f *funcExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	if f.impl != nil {
		return f.impl.Eval(ctx, mem, batch)
	}
	if f.columnar != nil {
		return f.evalColumnar(ctx, mem, batch)
	}
	args, err := evalAll(ctx, mem, batch, f.args)
	if err != nil {
		return nil, err
	}
	defer releaseAll(args)
	return rowwise(mem, f.t, int(batch.NumRows()), args, !f.strict, f.row)
}

// coerceArgs coerces args to ts (same length) or fails with funcError.
func coerceArgs(name string, args []Expr, ts ...types.T) ([]Expr, error) {
	if len(args) != len(ts) {
		return nil, funcError(name, args)
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		at := a.Type()
		if at.Family != types.Unknown && !(at == ts[i] || (at.IsNumeric() && ts[i].IsNumeric()) ||
			(at.IsTemporal() && ts[i].IsTemporal())) {
			return nil, funcError(name, args)
		}
		c, err := Coerce(a, ts[i])
		if err != nil {
			return nil, funcError(name, args)
		}
		out[i] = c
	}
	return out, nil
}

func strictFunc(t types.T, args []Expr, row func(vs []any) (any, error)) *funcExpr {
	return &funcExpr{t: t, args: args, strict: true, row: row}
}

func resolveAbs(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 1 {
		return nil, funcError(name, args)
	}
	t := args[0].Type()
	if t.Family == types.Unknown {
		t = types.Float64Type
	}
	if !t.IsNumeric() {
		return nil, funcError(name, args)
	}
	cargs, err := coerceArgs(name, args, t)
	if err != nil {
		return nil, err
	}
	return strictFunc(t, cargs, func(vs []any) (any, error) {
		switch v := vs[0].(type) {
		case int64:
			if v < 0 {
				if -v < 0 || checkIntRange(-v, t) != nil {
					return nil, outOfRange(t)
				}
				return -v, nil
			}
			return v, nil
		case float64:
			return math.Abs(v), nil
		case decimal128.Num:
			return v.Abs(), nil
		}
		return nil, nil
	}), nil
}

// floatOrNumeric picks the variant of a math function for an argument: the
// NUMERIC one for numeric, the double precision one otherwise.
func floatOrNumeric(t types.T) types.T {
	if t.Family == types.Numeric {
		return t
	}
	return types.Float64Type
}

func resolveRound(name string, args []Expr) (*funcExpr, error) {
	if len(args) == 1 {
		t := floatOrNumeric(args[0].Type())
		if !args[0].Type().IsNumeric() && args[0].Type().Family != types.Unknown {
			return nil, funcError(name, args)
		}
		cargs, err := coerceArgs(name, args, t)
		if err != nil {
			return nil, err
		}
		if t.Family == types.Numeric {
			rt := types.NumericType(types.NumericMaxPrecision, 0)
			return strictFunc(rt, cargs, func(vs []any) (any, error) {
				return numericFromBig(shiftRound(vs[0].(decimal128.Num).BigInt(), -int(t.Scale)), rt)
			}), nil
		}
		return strictFunc(t, cargs, func(vs []any) (any, error) { return math.RoundToEven(vs[0].(float64)), nil }), nil
	}
	if len(args) != 2 {
		return nil, funcError(name, args)
	}
	xt := args[0].Type()
	if xt.IsFloat() || !(xt.IsNumeric() || xt.Family == types.Unknown) {
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
		// Round to digits places, then express in rt's scale.
		drop := int64(xt.Scale) - digits
		if drop > 0 {
			v = shiftRound(v, -int(min(drop, 80)))
			v = shiftRound(v, int(min(drop, 80)))
		}
		return numericFromBig(shiftRound(v, int(rt.Scale-xt.Scale)), rt)
	}), nil
}

func resolveFloorCeil(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 1 || !(args[0].Type().IsNumeric() || args[0].Type().Family == types.Unknown) {
		return nil, funcError(name, args)
	}
	t := floatOrNumeric(args[0].Type())
	cargs, err := coerceArgs(name, args, t)
	if err != nil {
		return nil, err
	}
	up := name != "floor"
	if t.Family == types.Numeric {
		rt := types.NumericType(types.NumericMaxPrecision, 0)
		return strictFunc(rt, cargs, func(vs []any) (any, error) {
			d := vs[0].(decimal128.Num)
			q, r := d.Div(decimal128.GetScaleMultiplier(int(t.Scale)))
			if r.Sign() != 0 && (r.Sign() > 0) == up {
				if up {
					q = q.Add(decimal128.FromI64(1))
				} else {
					q = q.Sub(decimal128.FromI64(1))
				}
			}
			return q, nil
		}), nil
	}
	return strictFunc(t, cargs, func(vs []any) (any, error) {
		if up {
			return math.Ceil(vs[0].(float64)), nil
		}
		return math.Floor(vs[0].(float64)), nil
	}), nil
}

func resolveFloat(name string, args []Expr) (*funcExpr, error) {
	switch name {
	case "sqrt":
		cargs, err := coerceArgs(name, args, types.Float64Type)
		if err != nil {
			return nil, err
		}
		return strictFunc(types.Float64Type, cargs, func(vs []any) (any, error) {
			x := vs[0].(float64)
			if x < 0 {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "cannot take square root of a negative number")
			}
			return math.Sqrt(x), nil
		}), nil
	}
	cargs, err := coerceArgs(name, args, types.Float64Type, types.Float64Type)
	if err != nil {
		return nil, err
	}
	return strictFunc(types.Float64Type, cargs, func(vs []any) (any, error) {
		x, y := vs[0].(float64), vs[1].(float64)
		if x == 0 && y < 0 {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "zero raised to a negative power is undefined")
		}
		if x < 0 && y != math.Trunc(y) {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "a negative number raised to a non-integer power yields a complex result")
		}
		r := math.Pow(x, y)
		if math.IsInf(r, 0) {
			return nil, sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value out of range: overflow")
		}
		return r, nil
	}), nil
}

// resolveConvert resolves convert_from(bytea, encoding) → text and
// convert_to(text, encoding) → bytea for the one encoding weir stores text
// in, UTF8. Bytes that are not UTF-8 are 22021, as in Postgres.
func resolveConvert(name string, args []Expr) (*funcExpr, error) {
	from, to := types.ByteaType, types.TextType
	if name == "convert_to" {
		from, to = to, from
	}
	cargs, err := coerceArgs(name, args, from, types.TextType)
	if err != nil {
		return nil, err
	}
	return strictFunc(to, cargs, func(vs []any) (any, error) {
		if enc := strings.ToUpper(strings.ReplaceAll(vs[1].(string), "-", "")); enc != "UTF8" {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid %s encoding name \"%s\" (weir supports UTF8)", map[bool]string{true: "source", false: "destination"}[name == "convert_from"], vs[1].(string))
		}
		switch v := vs[0].(type) {
		case []byte:
			// Not UTF-8, or a NUL: Postgres refuses both in text.
			if _, seq, bad := sql.InvalidText(string(v)); bad {
				return nil, sqlstate.Errorf(sqlstate.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": %s", seq)
			}
			return string(v), nil
		case string:
			return []byte(v), nil
		}
		return nil, sqlstate.Errorf(sqlstate.Internal, "%s: unexpected argument %T", name, vs[0])
	}), nil
}

func resolveText(name string, args []Expr) (*funcExpr, error) {
	text, i32 := types.TextType, types.Int32Type
	switch name {
	case "lower", "upper":
		cargs, err := coerceArgs(name, args, text)
		if err != nil {
			return nil, err
		}
		f := strings.ToLower
		if name == "upper" {
			f = strings.ToUpper
		}
		call := strictFunc(text, cargs, func(vs []any) (any, error) { return f(vs[0].(string)), nil })
		call.columnar = caseMapColumnar(name == "upper")
		return call, nil
	case "length", "char_length", "character_length":
		cargs, err := coerceArgs(name, args, text)
		if err != nil {
			return nil, err
		}
		call := strictFunc(i32, cargs, func(vs []any) (any, error) {
			return int64(utf8.RuneCountInString(vs[0].(string))), nil
		})
		call.columnar = lengthColumnar()
		return call, nil
	case "substr", "substring":
		var cargs []Expr
		var err error
		if len(args) == 2 {
			cargs, err = coerceArgs(name, args, text, i32)
		} else {
			cargs, err = coerceArgs(name, args, text, i32, i32)
		}
		if err != nil {
			return nil, err
		}
		return strictFunc(text, cargs, func(vs []any) (any, error) {
			rs := []rune(vs[0].(string))
			start := vs[1].(int64) // 1-based
			end := int64(len(rs)) + 1
			if len(vs) == 3 {
				l := vs[2].(int64)
				if l < 0 {
					return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "negative substring length not allowed")
				}
				end = start + l
			}
			start, end = max(start, 1), min(end, int64(len(rs))+1)
			if start >= end {
				return "", nil
			}
			return string(rs[start-1 : end-1]), nil
		}), nil
	case "trim", "btrim", "ltrim", "rtrim":
		var cargs []Expr
		var err error
		if len(args) == 1 {
			cargs, err = coerceArgs(name, args, text)
		} else {
			cargs, err = coerceArgs(name, args, text, text)
		}
		if err != nil {
			return nil, err
		}
		return strictFunc(text, cargs, func(vs []any) (any, error) {
			s, cut := vs[0].(string), " "
			if len(vs) == 2 {
				cut = vs[1].(string)
			}
			switch name {
			case "ltrim":
				return strings.TrimLeft(s, cut), nil
			case "rtrim":
				return strings.TrimRight(s, cut), nil
			}
			return strings.Trim(s, cut), nil
		}), nil
	}
	// replace
	cargs, err := coerceArgs(name, args, text, text, text)
	if err != nil {
		return nil, err
	}
	call := strictFunc(text, cargs, func(vs []any) (any, error) {
		if vs[1].(string) == "" {
			return vs[0], nil
		}
		return strings.ReplaceAll(vs[0].(string), vs[1].(string), vs[2].(string)), nil
	})
	if c, ok := constArgs(cargs, 1, 2); ok {
		call.columnar = replaceColumnar(c[0].(string), c[1].(string))
	}
	return call, nil
}

func resolveConcat(name string, args []Expr) (*funcExpr, error) {
	if len(args) == 0 {
		return nil, funcError(name, args)
	}
	cargs := make([]Expr, len(args))
	for i, a := range args {
		c, err := Cast(a, types.TextType)
		if err != nil {
			return nil, funcError(name, args)
		}
		cargs[i] = c
	}
	return &funcExpr{t: types.TextType, args: cargs, row: func(vs []any) (any, error) {
		var sb strings.Builder
		for _, v := range vs {
			if v != nil {
				sb.WriteString(v.(string))
			}
		}
		return sb.String(), nil
	}}, nil
}

// commonArgs coerces args to their CommonType.
func commonArgs(name string, args []Expr) ([]Expr, types.T, error) {
	if len(args) == 0 {
		return nil, types.T{}, funcError(name, args)
	}
	ts := make([]types.T, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	t, err := CommonType(ts)
	if err != nil {
		return nil, types.T{}, sqlstate.Errorf(sqlstate.DatatypeMismatch, "%s %s", strings.ToUpper(name), err.Error())
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		if out[i], err = Coerce(a, t); err != nil {
			return nil, types.T{}, err
		}
	}
	return out, t, nil
}

func resolveCoalesce(name string, args []Expr) (*funcExpr, error) {
	cargs, t, err := commonArgs(name, args)
	if err != nil {
		return nil, err
	}
	whens := make([][2]Expr, 0, len(cargs)-1)
	for _, a := range cargs[:len(cargs)-1] {
		whens = append(whens, [2]Expr{IsNull(a, true), a})
	}
	impl := cargs[0]
	if len(whens) > 0 {
		if impl, err = Case(nil, whens, cargs[len(cargs)-1]); err != nil {
			return nil, err
		}
	}
	return &funcExpr{t: t, args: cargs, impl: impl}, nil
}

func resolveNullif(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 2 {
		return nil, funcError(name, args)
	}
	a := args[0]
	if a.Type().Family == types.Unknown {
		var err error
		if a, err = Coerce(a, types.TextType); err != nil {
			return nil, err
		}
	}
	eq, err := Binary(sql.OpEq, a, args[1])
	if err != nil {
		return nil, err
	}
	impl, err := Case(nil, [][2]Expr{{eq, Null(a.Type())}}, a)
	if err != nil {
		return nil, err
	}
	return &funcExpr{t: a.Type(), args: []Expr{a, args[1]}, impl: impl}, nil
}

func resolveExtreme(name string, args []Expr) (*funcExpr, error) {
	cargs, t, err := commonArgs(name, args)
	if err != nil {
		return nil, err
	}
	if !orderable(t) {
		return nil, funcError(name, args)
	}
	want := 1
	if name == "least" {
		want = -1
	}
	return &funcExpr{t: t, args: cargs, row: func(vs []any) (any, error) {
		var best any
		for _, v := range vs {
			if v != nil && (best == nil || compareValues(v, best, t) == want) {
				best = v
			}
		}
		return best, nil
	}}, nil
}

func resolveNow(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 0 {
		return nil, funcError(name, args)
	}
	return &funcExpr{t: types.TSTZType, row: func([]any) (any, error) {
		return time.Now().UnixMicro(), nil
	}}, nil
}

func resolveDateTrunc(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 2 {
		return nil, funcError(name, args)
	}
	t := args[1].Type()
	switch t.Family {
	case types.Timestamp, types.TimestampTZ:
	case types.Date, types.Unknown:
		t = types.TSType
	default:
		return nil, funcError(name, args)
	}
	cargs, err := coerceArgs(name, args, types.TextType, t)
	if err != nil {
		return nil, err
	}
	if c, ok := cargs[0].(*Const); ok && c.v != nil {
		if _, err := truncTime(time.Unix(0, 0).UTC(), c.v.(string)); err != nil {
			return nil, err
		}
	}
	return strictFunc(t, cargs, func(vs []any) (any, error) {
		tm, err := truncTime(time.UnixMicro(vs[1].(int64)).UTC(), vs[0].(string))
		if err != nil {
			return nil, err
		}
		return tm.UnixMicro(), nil
	}), nil
}

// truncTime truncates tm to the start of unit.
func truncTime(tm time.Time, unit string) (time.Time, error) {
	y, mo, d := tm.Date()
	switch strings.ToLower(unit) {
	case "microsecond", "microseconds":
		return tm.Truncate(time.Microsecond), nil
	case "millisecond", "milliseconds":
		return tm.Truncate(time.Millisecond), nil
	case "second", "seconds":
		return tm.Truncate(time.Second), nil
	case "minute", "minutes":
		return tm.Truncate(time.Minute), nil
	case "hour", "hours":
		return tm.Truncate(time.Hour), nil
	case "day", "days":
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), nil
	case "week", "weeks":
		wd := (int(tm.Weekday()) + 6) % 7 // Monday is 0
		return time.Date(y, mo, d-wd, 0, 0, 0, 0, time.UTC), nil
	case "month", "months":
		return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC), nil
	case "quarter":
		return time.Date(y, (mo-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC), nil
	case "year", "years":
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "decade":
		return time.Date(y-((y%10)+10)%10, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "century":
		return time.Date((y-1)/100*100+1, 1, 1, 0, 0, 0, 0, time.UTC), nil
	case "millennium":
		return time.Date((y-1)/1000*1000+1, 1, 1, 0, 0, 0, 0, time.UTC), nil
	}
	return tm, sqlstate.Errorf(sqlstate.InvalidParameterValue, "unit %q not recognized for type timestamp", unit)
}

func resolveDatePart(name string, args []Expr) (*funcExpr, error) {
	if len(args) != 2 {
		return nil, funcError(name, args)
	}
	t := args[1].Type()
	switch t.Family {
	case types.Timestamp, types.TimestampTZ, types.Interval:
	case types.Date, types.Unknown:
		t = types.TSType
	default:
		return nil, funcError(name, args)
	}
	var cargs []Expr
	var err error
	if t.Family == types.Interval {
		a0, err0 := Coerce(args[0], types.TextType)
		if err0 != nil || a0.Type().Family != types.Text {
			return nil, funcError(name, args)
		}
		cargs = []Expr{a0, args[1]}
	} else if cargs, err = coerceArgs(name, args, types.TextType, t); err != nil {
		return nil, err
	}
	part := func(field string, v any) (any, error) {
		if iv, ok := v.(arrow.MonthDayNanoInterval); ok {
			return intervalPart(field, iv)
		}
		return timePart(field, v.(int64))
	}
	if c, ok := cargs[0].(*Const); ok && c.v != nil {
		var probe any = int64(0)
		if t.Family == types.Interval {
			probe = arrow.MonthDayNanoInterval{}
		}
		if _, err := part(c.v.(string), probe); err != nil {
			return nil, err
		}
	}
	call := strictFunc(types.Float64Type, cargs, func(vs []any) (any, error) {
		return part(vs[0].(string), vs[1])
	})
	if c, ok := cargs[0].(*Const); ok && c.v != nil && t.Family != types.Interval {
		call.columnar = datePartColumnar(c.v.(string))
	}
	return call, nil
}

func timePart(field string, us int64) (any, error) {
	tm := time.UnixMicro(us).UTC()
	sec := float64(tm.Second()) + float64(tm.Nanosecond())/1e9
	switch strings.ToLower(field) {
	case "year", "years":
		return float64(tm.Year()), nil
	case "quarter":
		return float64((int(tm.Month())-1)/3 + 1), nil
	case "month", "months":
		return float64(tm.Month()), nil
	case "week":
		_, w := tm.ISOWeek()
		return float64(w), nil
	case "day", "days":
		return float64(tm.Day()), nil
	case "dow":
		return float64(tm.Weekday()), nil
	case "isodow":
		return float64((int(tm.Weekday())+6)%7 + 1), nil
	case "doy":
		return float64(tm.YearDay()), nil
	case "hour", "hours":
		return float64(tm.Hour()), nil
	case "minute", "minutes":
		return float64(tm.Minute()), nil
	case "second", "seconds":
		return sec, nil
	case "millisecond", "milliseconds":
		return sec * 1e3, nil
	case "microsecond", "microseconds":
		return float64(tm.Second()*1e6 + tm.Nanosecond()/1e3), nil
	case "epoch":
		return float64(us) / 1e6, nil
	case "decade":
		return math.Floor(float64(tm.Year()) / 10), nil
	case "century":
		return float64((tm.Year()-1)/100 + 1), nil
	case "millennium":
		return float64((tm.Year()-1)/1000 + 1), nil
	}
	return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "unit %q not recognized for type timestamp", field)
}

func intervalPart(field string, iv arrow.MonthDayNanoInterval) (any, error) {
	ns := iv.Nanoseconds
	switch strings.ToLower(field) {
	case "year", "years":
		return float64(iv.Months / 12), nil
	case "month", "months":
		return float64(iv.Months % 12), nil
	case "day", "days":
		return float64(iv.Days), nil
	case "hour", "hours":
		return float64(ns / 3600e9), nil
	case "minute", "minutes":
		return float64(ns / 60e9 % 60), nil
	case "second", "seconds":
		return float64(ns%60e9) / 1e9, nil
	case "epoch":
		return float64(iv.Months/12)*365.25*86400 + float64(iv.Months%12)*30*86400 +
			float64(iv.Days)*86400 + float64(ns)/1e9, nil
	}
	return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "unit %q not recognized for type interval", field)
}
