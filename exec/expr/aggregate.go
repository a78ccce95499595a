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
	}
	return "agg?"
}

// Aggregate is a resolved aggregate call: the function, its argument (nil for
// count(*)), its result type and whether it is DISTINCT. The hash aggregate
// operator implements it; this package only names and types it. Aggregate is
// an immutable value.
type Aggregate struct {
	Kind     AggKind
	Arg      Expr // nil for CountStar
	Type     types.T
	Distinct bool
}

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
	if len(args) != 1 {
		return Aggregate{}, funcError(name, args)
	}
	arg := args[0]
	if arg.Type().Family == types.Unknown {
		var err error
		if arg, err = Coerce(arg, types.TextType); err != nil {
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
	case "count", "sum", "avg", "min", "max":
		return true
	}
	return false
}

// String returns the call as SQL, e.g. "sum(amount)", "count(*)",
// "count(DISTINCT user_id)".
func (a Aggregate) String() string {
	if a.Kind == CountStar {
		return "count(*)"
	}
	arg := "?"
	if a.Arg != nil {
		arg = a.Arg.String()
	}
	if a.Distinct {
		arg = "DISTINCT " + arg
	}
	return a.Kind.String() + "(" + arg + ")"
}
