package expr

import (
	"context"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// Const is a constant of a SQL type. A Const of type unknown is either the
// NULL literal (Null(types.UnknownType)) or an untyped string literal
// (UnknownLiteral): operators coerce it to the type of their other operand.
type Const struct {
	t       types.T
	v       any // canonical value (see value.go); nil is NULL
	unknown bool
	text    string // an unknown literal's text
}

// Constant returns a constant of type t. v is nil (NULL), or a Go value of
// t's family: bool; int, int16, int32, int64; float32, float64;
// decimal128.Num (already scaled to t's scale), int64 or float64 for NUMERIC;
// string (parsed with t's input rules when t is not TEXT); []byte;
// time.Time, arrow.Date32 or int32 days for DATE; time.Time,
// arrow.Timestamp or int64 microseconds for timestamps; arrow.MonthDayNanoInterval
// or time.Duration for INTERVAL.
func Constant(v any, t types.T) (Expr, error) {
	if t.Family == types.Unknown {
		if v == nil {
			return Null(t), nil
		}
		if s, ok := v.(string); ok {
			return UnknownLiteral(s), nil
		}
	}
	nv, err := normalizeValue(v, t)
	if err != nil {
		return nil, err
	}
	return &Const{t: t, v: nv}, nil
}

// ParseConstant returns the constant of type t written as text, with
// Postgres' input rules for t: `invalid input syntax for type integer: "abc"`
// (22P02), `value "99999" is out of range for type smallint` (22003), etc.
func ParseConstant(text string, t types.T) (Expr, error) {
	if t.Family == types.Unknown {
		return UnknownLiteral(text), nil
	}
	v, err := parseValue(text, t)
	if err != nil {
		return nil, err
	}
	return &Const{t: t, v: v}, nil
}

// UnknownLiteral returns a string literal of type unknown. Binary, In, Case,
// Between, Coerce and Func coerce it to the type the context requires (the
// other operand's type, the common type, or the parameter type); where no
// context gives a type it is TEXT: evaluating it directly yields a string array.
func UnknownLiteral(text string) Expr {
	return &Const{t: types.UnknownType, unknown: true, text: text}
}

// Null returns the NULL constant of type t; Null(types.UnknownType) is the
// untyped NULL literal.
func Null(t types.T) Expr { return &Const{t: t} }

// Type implements Expr.
func (c *Const) Type() types.T { return c.t }

// Children implements Expr.
func (c *Const) Children() []Expr { return nil }

// Value returns the constant's value in canonical Go form (nil for NULL):
// bool, int64 for every integer type, float64 for both float types,
// decimal128.Num, string, []byte, int32 days for DATE, int64 microseconds for
// timestamps, arrow.MonthDayNanoInterval; an unknown literal gives its text.
func (c *Const) Value() any {
	if c.unknown {
		return c.text
	}
	return c.v
}

// IsNull reports whether c is a NULL constant.
func (c *Const) IsNull() bool { return c.v == nil && !c.unknown }

// IsUnknownLiteral reports whether c is an untyped string literal.
func (c *Const) IsUnknownLiteral() bool { return c.unknown }

// String implements Expr.
func (c *Const) String() string {
	if c.unknown {
		return quote(c.text)
	}
	if c.v == nil {
		return "NULL"
	}
	s := formatValue(c.v, c.t)
	switch c.t.Family {
	case types.Int32, types.Int64, types.Numeric, types.Bool:
		if c.t.Family == types.Numeric && !strings.Contains(s, ".") {
			return s + "::" + c.t.String()
		}
		if len(s) > 0 && s[0] == '-' {
			return "(" + s + ")"
		}
		return s
	case types.Text:
		return quote(s)
	case types.Int16, types.Float32, types.Float64:
		if len(s) > 0 && s[0] == '-' {
			s = "(" + s + ")"
		}
		return s + "::" + c.t.String()
	}
	return quote(s) + "::" + c.t.String()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Eval implements Expr: it broadcasts the constant to batch's row count.
func (c *Const) Eval(_ context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	n := int(batch.NumRows())
	if c.unknown {
		return broadcast(mem, types.TextType, c.text, n), nil
	}
	if c.t.Family == types.Unknown {
		return array.NewNull(n), nil
	}
	return broadcast(mem, c.t, c.v, n), nil
}
