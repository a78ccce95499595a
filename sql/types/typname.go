package types

import (
	"fmt"
	"strconv"
	"strings"
)

// typNames are the stable text forms of the families without modifiers: the
// Postgres pg_type.typname of the OID each is sent as.
var typNames = map[Family]string{
	Unknown:     "unknown",
	Bool:        "bool",
	Int16:       "int2",
	Int32:       "int4",
	Int64:       "int8",
	Float32:     "float4",
	Float64:     "float8",
	Text:        "varchar",
	Date:        "date",
	Timestamp:   "timestamp",
	TimestampTZ: "timestamptz",
	Interval:    "interval",
	Bytea:       "bytea",
	JSONB:       "jsonb",
}

// TypName returns t's stable text form, the one stored plans record types in:
// the Postgres pg_type.typname of its OID ("int4", "varchar",
// "timestamptz", ...), and for NUMERIC always with its precision and scale
// ("numeric(38,10)", also for a NUMERIC declared without them), an array
// its element's with a leading underscore ("_int4", "_numeric(10,2)"), so that the
// form does not depend on defaults or on the order of the Family constants.
// ParseTypName reads it back.
func (t T) TypName() string {
	if t.Family == Array {
		return "_" + t.ElemType().TypName()
	}
	if t.Family == Numeric {
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	}
	if name, ok := typNames[t.Family]; ok {
		return name
	}
	return fmt.Sprintf("family(%d)", t.Family)
}

// ParseTypName returns the type whose TypName is s. Anything else, including
// a NUMERIC whose precision is not between 1 and NumericMaxPrecision or whose
// scale is not between 0 and its precision, is an error.
func ParseTypName(s string) (T, error) {
	if elem, ok := strings.CutPrefix(s, "_"); ok {
		if et, err := ParseTypName(elem); err == nil && ValidArrayElem(et) {
			return ArrayOf(et), nil
		}
		return T{}, fmt.Errorf("types: unknown type name %q", s)
	}
	for f, name := range typNames {
		if s == name {
			return T{Family: f}, nil
		}
	}
	if mods, ok := strings.CutPrefix(s, "numeric("); ok {
		if mods, ok = strings.CutSuffix(mods, ")"); ok {
			ps, ss, ok := strings.Cut(mods, ",")
			p, perr := strconv.ParseInt(ps, 10, 32)
			sc, serr := strconv.ParseInt(ss, 10, 32)
			if ok && perr == nil && serr == nil && p >= 1 && p <= NumericMaxPrecision && sc >= 0 && sc <= p &&
				strconv.FormatInt(p, 10) == ps && strconv.FormatInt(sc, 10) == ss {
				return NumericType(int32(p), int32(sc)), nil
			}
		}
	}
	return T{}, fmt.Errorf("types: unknown type name %q", s)
}
