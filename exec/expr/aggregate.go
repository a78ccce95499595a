package expr

import (
	"strings"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// AggKind is an aggregate function.
type AggKind uint8

// The aggregate functions weir maintains incrementally.
const (
	Count AggKind = iota
	CountStar
	Sum
	Avg
	Min
	Max
	StringAgg
	BoolAnd // also every
	BoolOr
	BitAnd
	BitOr
	BitXor
	StddevSamp // also stddev
	StddevPop
	VarSamp // also variance
	VarPop
	ArrayAgg
)

// String returns the function's SQL name.
func (k AggKind) String() string {
	switch k {
	case Count, CountStar:
		return "count"
	case Sum:
		return "sum"
	case Avg:
		return "avg"
	case Min:
		return "min"
	case Max:
		return "max"
	case StringAgg:
		return "string_agg"
	case BoolAnd:
		return "bool_and"
	case BoolOr:
		return "bool_or"
	case BitAnd:
		return "bit_and"
	case BitOr:
		return "bit_or"
	case BitXor:
		return "bit_xor"
	case StddevSamp:
		return "stddev_samp"
	case StddevPop:
		return "stddev_pop"
	case VarSamp:
		return "var_samp"
	case VarPop:
		return "var_pop"
	case ArrayAgg:
		return "array_agg"
	}
	return "agg?"
}

// Aggregate is a resolved aggregate call: the function, its argument (nil for
// count(*)), its result type, whether it is DISTINCT, its FILTER (WHERE …)
// condition and string_agg's delimiter. The hash aggregate operator
// implements it; this package only names and types it. Aggregate is an
// immutable value.
type Aggregate struct {
	Kind     AggKind
	Arg      Expr // nil for CountStar
	Type     types.T
	Distinct bool
	// Filter, when set, is the boolean FILTER (WHERE …) condition over the
	// same input as Arg: only rows where it is true are aggregated.
	Filter Expr
	// Sep is string_agg's delimiter (text), nil for the other kinds.
	Sep Expr
	// Order is the order string_agg joins its values in (its ORDER BY).
	Order AggOrder
	// OrderBy are string_agg's ORDER BY keys when Order is OrderByOther,
	// expressions over the same input as Arg.
	OrderBy []AggOrderKey
}

// AggOrderKey is one key of an aggregate's ORDER BY.
type AggOrderKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// AggOrder is the order in which string_agg joins its values.
type AggOrder uint8

// The orders of string_agg.
const (
	// OrderByValue joins the values in ascending order: string_agg without
	// ORDER BY (a view cannot keep its input's order) or ordered by its
	// argument.
	OrderByValue AggOrder = iota
	// OrderByValueDesc joins them in descending order: ORDER BY the
	// argument DESC.
	OrderByValueDesc
	// OrderByOther is an ORDER BY of other expressions (OrderBy), then of
	// the value.
	OrderByOther
)

// ResolveAggregate types the aggregate call name(args) (name lower case; star
// for count(*)). Result types follow Postgres except avg of integers and
// floats:
//
//	count(x), count(*)                      bigint
//	sum(smallint | integer)                 bigint
//	sum(bigint)                             numeric(38,0)
//	sum(numeric(p,s))                       numeric(38,s)
//	sum(real)                               real
//	sum(double precision)                   double precision
//	avg(smallint | integer | bigint)        double precision (Postgres: numeric)
//	avg(real | double precision)            double precision
//	avg(numeric(p,s))                       numeric(38, max(s,6))
//	min/max(x) for numbers, text, date, timestamps, interval, boolean, bytea:
//	                                        the type of x
//	string_agg(text, text)                  text
//	array_agg(x)                            an array of the type of x
//	bool_and, bool_or, every(boolean)       boolean
//	bit_and, bit_or, bit_xor(smallint | integer | bigint)
//	                                        the type of x
//	stddev, stddev_samp, stddev_pop, variance, var_samp, var_pop of any
//	number                                  double precision (Postgres: numeric
//	                                        for integers and numeric)
//
// An unknown literal argument is taken as TEXT (sum('1') is an error, as in
// Postgres for sum of text). sum/avg of a non-number is 42883
// `function sum(text) does not exist`. DISTINCT is recorded, not judged: the
// planner decides where a DISTINCT aggregate is allowed.
func ResolveAggregate(name string, args []Expr, star, distinct bool) (Aggregate, error) {
	name = strings.ToLower(name)
	if !IsAggregateName(name) {
		return Aggregate{}, funcError(name, args)
	}
	if star {
		if name != "count" {
			return Aggregate{}, sqlstate.Errorf(sqlstate.SyntaxError, "%s(*) is not allowed; only count(*) takes *", name)
		}
		if distinct {
			return Aggregate{}, sqlstate.Errorf(sqlstate.SyntaxError, "count(DISTINCT *) is not allowed")
		}
		return Aggregate{Kind: CountStar, Type: types.Int64Type}, nil
	}
	nargs := 1
	if name == "string_agg" {
		nargs = 2
	}
	if len(args) != nargs {
		return Aggregate{}, funcError(name, args)
	}
	arg := args[0]
	if arg.Type().Family == types.Unknown {
		to := types.TextType
		switch name {
		case "bool_and", "bool_or", "every":
			to = types.BoolType
		}
		var err error
		if arg, err = Coerce(arg, to); err != nil {
			return Aggregate{}, err
		}
	}
	at := arg.Type()
	a := Aggregate{Arg: arg, Distinct: distinct}
	switch name {
	case "count":
		a.Kind, a.Type = Count, types.Int64Type
	case "sum":
		a.Kind = Sum
		switch at.Family {
		case types.Int16, types.Int32:
			a.Type = types.Int64Type
		case types.Int64:
			a.Type = types.NumericType(types.NumericMaxPrecision, 0)
		case types.Numeric:
			a.Type = types.NumericType(types.NumericMaxPrecision, at.Scale)
		case types.Float32, types.Float64:
			a.Type = at
		default:
			return Aggregate{}, funcError(name, []Expr{arg})
		}
	case "avg":
		a.Kind = Avg
		switch at.Family {
		case types.Int16, types.Int32, types.Int64, types.Float32, types.Float64:
			a.Type = types.Float64Type
		case types.Numeric:
			a.Type = types.NumericType(types.NumericMaxPrecision, max(at.Scale, 6))
		default:
			return Aggregate{}, funcError(name, []Expr{arg})
		}
	case "min", "max":
		a.Kind = Min
		if name == "max" {
			a.Kind = Max
		}
		if !orderable(at) {
			return Aggregate{}, funcError(name, []Expr{arg})
		}
		a.Type = at
	case "string_agg":
		sep := args[1]
		if sep.Type().Family == types.Unknown {
			var err error
			if sep, err = Coerce(sep, types.TextType); err != nil {
				return Aggregate{}, err
			}
		}
		if at.Family != types.Text || sep.Type().Family != types.Text {
			return Aggregate{}, funcError(name, []Expr{arg, sep})
		}
		a.Kind, a.Type, a.Sep = StringAgg, types.TextType, sep
	case "array_agg":
		if at.IsArray() {
			return Aggregate{}, sqlstate.Errorf(sqlstate.FeatureNotSupported, "array_agg of arrays is not supported: weir's arrays have one dimension")
		}
		a.Kind, a.Type = ArrayAgg, types.ArrayOf(at)
	case "bool_and", "every", "bool_or":
		if at.Family != types.Bool {
			return Aggregate{}, funcError(name, []Expr{arg})
		}
		a.Kind, a.Type = BoolAnd, types.BoolType
		if name == "bool_or" {
			a.Kind = BoolOr
		}
	case "bit_and", "bit_or", "bit_xor":
		if !at.IsInteger() {
			return Aggregate{}, funcError(name, []Expr{arg})
		}
		a.Kind = map[string]AggKind{"bit_and": BitAnd, "bit_or": BitOr, "bit_xor": BitXor}[name]
		a.Type = at
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		if !at.IsInteger() && !at.IsFloat() && at.Family != types.Numeric {
			return Aggregate{}, funcError(name, []Expr{arg})
		}
		a.Kind = map[string]AggKind{"stddev": StddevSamp, "stddev_samp": StddevSamp, "stddev_pop": StddevPop,
			"variance": VarSamp, "var_samp": VarSamp, "var_pop": VarPop}[name]
		a.Type = types.Float64Type
	}
	return a, nil
}

// orderable reports whether values of t have a total order usable by
// min/max and comparisons.
func orderable(t types.T) bool {
	switch t.Family {
	case types.Unknown, types.JSONB:
		return false
	}
	return true
}

// IsAggregateName reports whether name (any case) is an aggregate function.
func IsAggregateName(name string) bool {
	switch strings.ToLower(name) {
	case "count", "sum", "avg", "min", "max", "string_agg", "array_agg", "bool_and", "bool_or", "every",
		"bit_and", "bit_or", "bit_xor", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		return true
	}
	return false
}

// String returns the call as SQL, e.g. "sum(amount)", "count(*)",
// "count(DISTINCT user_id)", "count(*) FILTER (WHERE ok)".
func (a Aggregate) String() string {
	filter := ""
	if a.Filter != nil {
		filter = " FILTER (WHERE " + a.Filter.String() + ")"
	}
	if a.Kind == CountStar {
		return "count(*)" + filter
	}
	arg := "?"
	if a.Arg != nil {
		arg = a.Arg.String()
	}
	if a.Distinct {
		arg = "DISTINCT " + arg
	}
	if a.Sep != nil {
		arg += ", " + a.Sep.String()
	}
	switch a.Order {
	case OrderByValueDesc:
		arg += " ORDER BY " + a.Arg.String() + " DESC"
	case OrderByOther:
		keys := make([]string, len(a.OrderBy))
		for i, k := range a.OrderBy {
			keys[i] = k.Expr.String()
			if k.Desc {
				keys[i] += " DESC"
			}
			if k.NullsFirst != k.Desc {
				keys[i] += map[bool]string{true: " NULLS FIRST", false: " NULLS LAST"}[k.NullsFirst]
			}
		}
		arg += " ORDER BY " + strings.Join(keys, ", ")
	}
	return a.Kind.String() + "(" + arg + ")" + filter
}
