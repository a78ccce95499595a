package systables

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// builtinProc is a row of pg_proc for a built-in function weir has: its
// name, kind (f a function, a an aggregate), argument and result type OIDs
// as Postgres declares them.
type builtinProc struct {
	name string
	kind string
	args []int64
	ret  int64
}

// Type OIDs of builtinProcs' signatures.
const (
	oidBool, oidInt4, oidInt8, oidFloat8, oidNumeric, oidText    = 16, 23, 20, 701, 1700, 25
	oidDate, oidTimestamp, oidTimestampTZ, oidInterval, oidBytea = 1082, 1114, 1184, 1186, 17
)

// builtinProcs are the built-in functions weir evaluates in views and
// queries alike (exec/expr; TestBuiltinProcsResolve checks each function's
// signature against it) and the aggregates it maintains, with Postgres'
// signatures. Syntax that is no function in Postgres (coalesce, nullif,
// greatest, least, extract, position) and variadic ones are not listed.
var builtinProcs = []builtinProc{
	{"abs", "f", []int64{oidInt4}, oidInt4}, {"abs", "f", []int64{oidInt8}, oidInt8},
	{"abs", "f", []int64{oidFloat8}, oidFloat8}, {"abs", "f", []int64{oidNumeric}, oidNumeric},
	{"round", "f", []int64{oidFloat8}, oidFloat8}, {"round", "f", []int64{oidNumeric}, oidNumeric},
	{"round", "f", []int64{oidNumeric, oidInt4}, oidNumeric},
	{"floor", "f", []int64{oidFloat8}, oidFloat8}, {"floor", "f", []int64{oidNumeric}, oidNumeric},
	{"ceil", "f", []int64{oidFloat8}, oidFloat8}, {"ceil", "f", []int64{oidNumeric}, oidNumeric},
	{"ceiling", "f", []int64{oidFloat8}, oidFloat8}, {"ceiling", "f", []int64{oidNumeric}, oidNumeric},
	{"sqrt", "f", []int64{oidFloat8}, oidFloat8}, {"power", "f", []int64{oidFloat8, oidFloat8}, oidFloat8},
	{"pow", "f", []int64{oidFloat8, oidFloat8}, oidFloat8},
	{"lower", "f", []int64{oidText}, oidText}, {"upper", "f", []int64{oidText}, oidText},
	{"length", "f", []int64{oidText}, oidInt4}, {"char_length", "f", []int64{oidText}, oidInt4},
	{"character_length", "f", []int64{oidText}, oidInt4},
	{"substr", "f", []int64{oidText, oidInt4}, oidText}, {"substr", "f", []int64{oidText, oidInt4, oidInt4}, oidText},
	{"substring", "f", []int64{oidText, oidInt4}, oidText}, {"substring", "f", []int64{oidText, oidInt4, oidInt4}, oidText},
	{"btrim", "f", []int64{oidText}, oidText}, {"btrim", "f", []int64{oidText, oidText}, oidText},
	{"ltrim", "f", []int64{oidText}, oidText}, {"ltrim", "f", []int64{oidText, oidText}, oidText},
	{"rtrim", "f", []int64{oidText}, oidText}, {"rtrim", "f", []int64{oidText, oidText}, oidText},
	{"replace", "f", []int64{oidText, oidText, oidText}, oidText},
	{"split_part", "f", []int64{oidText, oidText, oidInt4}, oidText}, {"strpos", "f", []int64{oidText, oidText}, oidInt4},
	{"left", "f", []int64{oidText, oidInt4}, oidText}, {"right", "f", []int64{oidText, oidInt4}, oidText},
	{"lpad", "f", []int64{oidText, oidInt4}, oidText}, {"lpad", "f", []int64{oidText, oidInt4, oidText}, oidText},
	{"rpad", "f", []int64{oidText, oidInt4}, oidText}, {"rpad", "f", []int64{oidText, oidInt4, oidText}, oidText},
	{"repeat", "f", []int64{oidText, oidInt4}, oidText}, {"reverse", "f", []int64{oidText}, oidText},
	{"initcap", "f", []int64{oidText}, oidText}, {"md5", "f", []int64{oidText}, oidText},
	{"date_trunc", "f", []int64{oidText, oidTimestamp}, oidTimestamp},
	{"date_trunc", "f", []int64{oidText, oidTimestampTZ}, oidTimestampTZ},
	{"date_part", "f", []int64{oidText, oidTimestamp}, oidFloat8}, {"date_part", "f", []int64{oidText, oidTimestampTZ}, oidFloat8},
	{"date_part", "f", []int64{oidText, oidInterval}, oidFloat8},
	{"now", "f", nil, oidTimestampTZ},
	{"count", "a", nil, oidInt8},
	{"sum", "a", []int64{oidInt4}, oidInt8}, {"sum", "a", []int64{oidInt8}, oidNumeric},
	{"sum", "a", []int64{oidNumeric}, oidNumeric}, {"sum", "a", []int64{oidFloat8}, oidFloat8},
	{"avg", "a", []int64{oidInt4}, oidNumeric}, {"avg", "a", []int64{oidInt8}, oidNumeric},
	{"avg", "a", []int64{oidNumeric}, oidNumeric}, {"avg", "a", []int64{oidFloat8}, oidFloat8},
	{"min", "a", []int64{oidInt4}, oidInt4}, {"min", "a", []int64{oidInt8}, oidInt8}, {"min", "a", []int64{oidNumeric}, oidNumeric},
	{"min", "a", []int64{oidFloat8}, oidFloat8}, {"min", "a", []int64{oidText}, oidText}, {"min", "a", []int64{oidDate}, oidDate},
	{"min", "a", []int64{oidTimestamp}, oidTimestamp}, {"min", "a", []int64{oidTimestampTZ}, oidTimestampTZ},
	{"max", "a", []int64{oidInt4}, oidInt4}, {"max", "a", []int64{oidInt8}, oidInt8}, {"max", "a", []int64{oidNumeric}, oidNumeric},
	{"max", "a", []int64{oidFloat8}, oidFloat8}, {"max", "a", []int64{oidText}, oidText}, {"max", "a", []int64{oidDate}, oidDate},
	{"max", "a", []int64{oidTimestamp}, oidTimestamp}, {"max", "a", []int64{oidTimestampTZ}, oidTimestampTZ},
	{"string_agg", "a", []int64{oidText, oidText}, oidText},
	{"bool_and", "a", []int64{oidBool}, oidBool}, {"bool_or", "a", []int64{oidBool}, oidBool}, {"every", "a", []int64{oidBool}, oidBool},
	{"stddev", "a", []int64{oidFloat8}, oidFloat8}, {"variance", "a", []int64{oidFloat8}, oidFloat8},
}

// appendBuiltinProcs appends builtinProcs to pg_proc, in pg_catalog, owned
// by the superuser what weir made has as owner (ownerOID), language
// internal (12), immutable but now() (stable); their OIDs are hashes of
// their signatures.
func appendBuiltinProcs(b *rowBuilder, e Engine) {
	owner := ownerOID(e, "")
	for _, p := range builtinProcs {
		b.int64(p.oid())
		b.text(p.name)
		b.int64(OIDPgCatalog)
		b.int64(owner)
		b.int64(12) // internal
		b.text(p.kind)
		b.bool(false)
		b.bool(p.kind == "f")
		volatility := "i"
		if p.name == "now" {
			volatility = "s"
		}
		b.text(volatility)
		b.next().(*array.Int16Builder).Append(int16(len(p.args)))
		b.int64(p.ret)
		lb := b.next().(*array.ListBuilder)
		lb.Append(true)
		for _, a := range p.args {
			lb.ValueBuilder().(*array.Int64Builder).Append(a)
		}
		b.null() // proargnames
		if p.kind == "a" {
			b.text("aggregate_dummy") // as Postgres' aggregates have
		} else {
			b.text(p.name)
		}
		b.text("s")
		b.null()
		b.bool(false)
		b.bool(false)
		b.end()
	}
}

// oid returns p's OID: a hash of its signature.
func (p builtinProc) oid() int64 {
	sig := "pg_catalog." + p.name + "("
	for i, a := range p.args {
		if i > 0 {
			sig += ","
		}
		if t, ok := typeOf(a); ok {
			sig += t.name
		}
	}
	return ObjectOID("p", sig+")")
}

// addBuiltinDefinitions adds to weir_pg_definitions what
// pg_get_function_result and pg_get_function_arguments answer for
// builtinProcs (psql's \df).
func addBuiltinDefinitions(add func(oid int64, what, def string)) {
	for _, p := range builtinProcs {
		ret, _ := typeOf(p.ret)
		add(p.oid(), "function_result", ret.sqlName)
		args := make([]string, len(p.args))
		for i, a := range p.args {
			t, _ := typeOf(a)
			args[i] = t.sqlName
		}
		add(p.oid(), "function_arguments", strings.Join(args, ", "))
	}
}
