package expr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// EncodingVersion is the version of the encoding Marshal and MarshalAggregate
// write (docs/format/plan-expressions.md). A document that embeds encoded
// expressions records it at its top level; a change that old readers would
// misread increments it.
const EncodingVersion = 1

// ErrStale is wrapped by the errors of Unmarshal and UnmarshalAggregate for an
// encoding that is well formed but no longer binds to the expression it was
// written from: a function or operator that no longer exists for the stored
// argument types, resolves to another result type, or would convert its
// arguments differently. The plan holding it must be made again from its text;
// it is never evaluated differently.
var ErrStale = errors.New("stored plan is stale")

// node is one encoded expression; docs/format/plan-expressions.md describes
// each op and the fields it uses.
type node struct {
	Op   string `json:"op"`
	Type string `json:"type"`
	// Args are the children, in the order of Expr.Children.
	Args []node `json:"args,omitempty"`
	// Index and Name: a column reference.
	Index *int   `json:"index,omitempty"`
	Name  string `json:"name,omitempty"`
	// Value (absent for NULL) and Text (an untyped literal): a constant.
	Value json.RawMessage `json:"value,omitempty"`
	Text  *string         `json:"text,omitempty"`
	// Explicit: a cast written by the user rather than implied.
	Explicit bool `json:"explicit,omitempty"`
	// Display: how a CASE prints (the simple form, with the user's operands).
	Display string `json:"display,omitempty"`
	// Length, Fixed and Truncate: a length_limit (VARCHAR(n), CHAR(n)).
	Length   int  `json:"length,omitempty"`
	Fixed    bool `json:"fixed,omitempty"`
	Truncate bool `json:"truncate,omitempty"`
}

// binaryOpNames are the ops of the binary operators.
var binaryOpNames = map[BinaryOp]string{
	sql.OpAdd: "+", sql.OpSub: "-", sql.OpMul: "*", sql.OpDiv: "/", sql.OpMod: "%",
	sql.OpEq: "=", sql.OpNe: "<>", sql.OpLt: "<", sql.OpLe: "<=", sql.OpGt: ">", sql.OpGe: ">=",
	sql.OpAnd: "and", sql.OpOr: "or", sql.OpConcat: "||",
	sql.OpIsDistinctFrom: "is_distinct_from", sql.OpIsNotDistinctFrom: "is_not_distinct_from",
}

// Marshal returns the encoding of e: JSON naming every node's op, result type
// and children, with constants' values written exactly (see
// docs/format/plan-expressions.md). Unmarshal reads it back without binding
// names again.
func Marshal(e Expr) (json.RawMessage, error) {
	n, err := encodeNode(e)
	if err != nil {
		return nil, err
	}
	return marshalJSON(n)
}

// marshalJSON is json.Marshal without the escaping of <, > and & (operators
// read better as themselves).
func marshalJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func encodeNode(e Expr) (node, error) {
	n := node{Type: e.Type().TypName()}
	for _, c := range e.Children() {
		cn, err := encodeNode(c)
		if err != nil {
			return node{}, err
		}
		n.Args = append(n.Args, cn)
	}
	switch e := e.(type) {
	case *ColumnRef:
		index := e.index
		n.Op, n.Index, n.Name = "column", &index, e.name
	case *Const:
		n.Op = "const"
		switch {
		case e.unknown:
			if !utf8.ValidString(e.text) {
				return node{}, sqlstate.Errorf(sqlstate.Internal, "cannot encode a literal that is not valid UTF-8")
			}
			n.Text = &e.text
		case e.v != nil:
			v, err := encodeValue(e.v, e.t)
			if err != nil {
				return node{}, err
			}
			n.Value = v
		}
	case *castExpr:
		n.Op, n.Explicit = "cast", e.explicit
	case *logicExpr:
		n.Op = binaryOpNames[e.op]
	case *compareExpr:
		n.Op = binaryOpNames[e.op]
	case *distinctExpr:
		n.Op = binaryOpNames[e.op()]
	case *arithExpr:
		n.Op = binaryOpNames[e.op]
	case *concatExpr:
		n.Op = binaryOpNames[sql.OpConcat]
	case *notExpr:
		n.Op = "not"
	case *negExpr:
		n.Op = "neg"
	case *isNullExpr:
		n.Op = "is_" + negated(e.not, "null")
	case *isBoolExpr:
		n.Op = "is_" + negated(e.not, strconv.FormatBool(e.value))
	case *betweenExpr:
		n.Op = negated(e.not, "between")
	case *inExpr:
		n.Op = negated(e.not, "in")
	case *likeExpr:
		op := "like"
		if e.ci {
			op = "ilike"
		}
		n.Op = negated(e.not, op)
	case *caseExpr:
		n.Op, n.Display = "case", e.display
	case *funcExpr:
		n.Op, n.Name = "func", e.name
	case *charLength:
		n.Op, n.Length, n.Fixed, n.Truncate = "length_limit", e.n, e.fixed, e.truncate
	case *arrayExpr:
		n.Op, n.Name = string(e.kind), e.encodedName()
	default:
		return node{}, sqlstate.Errorf(sqlstate.Internal, "cannot encode expression %s (%T)", e, e)
	}
	return n, nil
}

// negated returns op, or not_op when not is set.
func negated(not bool, op string) string {
	if not {
		return "not_" + op
	}
	return op
}

// interval is the encoding of an INTERVAL value.
type interval struct {
	Months int32 `json:"months"`
	Days   int32 `json:"days"`
	Nanos  int64 `json:"nanos"`
}

// encodeValue returns the JSON of the canonical value v of type t.
func encodeValue(v any, t types.T) (json.RawMessage, error) {
	var out any
	switch t.Family {
	case types.Bool, types.Int16, types.Int32, types.Int64, types.Date, types.Timestamp, types.TimestampTZ:
		out = v
	case types.Text, types.JSONB:
		// JSON would replace invalid UTF-8 silently.
		if !utf8.ValidString(v.(string)) {
			return nil, sqlstate.Errorf(sqlstate.Internal, "cannot encode a constant of type %s that is not valid UTF-8", t)
		}
		out = v
	case types.Float32, types.Float64:
		f := v.(float64)
		switch {
		case math.IsNaN(f):
			out = "NaN"
		case math.IsInf(f, 1):
			out = "Infinity"
		case math.IsInf(f, -1):
			out = "-Infinity"
		default:
			out = strconv.FormatFloat(f, 'g', -1, 64)
		}
	case types.Numeric:
		out = formatDecimal(v.(decimal128.Num), t.Scale)
	case types.Bytea:
		out = hex.EncodeToString(v.([]byte))
	case types.Interval:
		iv := v.(arrow.MonthDayNanoInterval)
		out = interval{Months: iv.Months, Days: iv.Days, Nanos: iv.Nanoseconds}
	case types.Array:
		s := formatValue(v, t)
		if !utf8.ValidString(s) {
			return nil, sqlstate.Errorf(sqlstate.Internal, "cannot encode a constant of type %s that is not valid UTF-8", t)
		}
		out = s
	default:
		return nil, sqlstate.Errorf(sqlstate.Internal, "cannot encode a constant of type %s", t)
	}
	return json.Marshal(out)
}

// Unmarshal returns the expression Marshal encoded as data. Each node is built
// with the constructors the binder uses, from its already converted children,
// so an operator or function resolves its kernel for exactly the stored
// argument types. A node that then comes out with another result type, or
// whose constructor would convert its children again, is an error wrapping
// ErrStale (0A000); data that is not an encoding is XX000.
func Unmarshal(data json.RawMessage) (Expr, error) {
	var n node
	if err := decodeStrict(data, &n); err != nil {
		return nil, err
	}
	return n.build()
}

// decodeStrict decodes data into v, refusing unknown fields and trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return corrupt("%v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return corrupt("trailing data after the expression")
	}
	return nil
}

// corrupt returns the XX000 error for data that is not a valid encoding.
func corrupt(format string, args ...any) error {
	return sqlstate.Errorf(sqlstate.Internal, "invalid stored expression: "+format, args...)
}

// stale returns the 0A000 error for an encoding that no longer binds the same.
func stale(cause error) error {
	return sqlstate.Wrap(sqlstate.FeatureNotSupported, fmt.Errorf("%w: %w", ErrStale, cause), "cannot rebuild stored expression")
}

func (n *node) build() (Expr, error) {
	t, err := types.ParseTypName(n.Type)
	if err != nil {
		return nil, corrupt("op %q: %v", n.Op, err)
	}
	args := make([]Expr, len(n.Args))
	for i := range n.Args {
		if args[i], err = n.Args[i].build(); err != nil {
			return nil, err
		}
	}
	e, err := n.construct(t, args)
	if err != nil {
		var se *sqlstate.Error
		if errors.As(err, &se) && se.Code == sqlstate.Internal || errors.Is(err, ErrStale) {
			return nil, err
		}
		// The constructor refused the stored children: the operator or
		// function no longer exists for their types.
		return nil, stale(err)
	}
	if e.Type() != t {
		return nil, stale(fmt.Errorf("%s is now of type %s, the plan stored %s", e, e.Type(), t))
	}
	if _, leaf := e.(*Const); !leaf {
		got := e.Children()
		same := len(got) == len(args)
		for i := 0; same && i < len(got); i++ {
			same = got[i] == args[i]
		}
		if !same {
			return nil, stale(fmt.Errorf("%s now converts its arguments differently", e))
		}
	}
	return e, nil
}

// arity returns a corrupt error unless n has between lo and hi children
// (hi < 0: no upper bound).
func (n *node) arity(args []Expr, lo, hi int) error {
	if len(args) < lo || hi >= 0 && len(args) > hi {
		return corrupt("op %q with %d arguments", n.Op, len(args))
	}
	return nil
}

// construct builds the node of op n.Op of type t over args.
func (n *node) construct(t types.T, args []Expr) (Expr, error) {
	if op, ok := binaryOpByName(n.Op); ok {
		if err := n.arity(args, 2, 2); err != nil {
			return nil, err
		}
		return Binary(op, args[0], args[1])
	}
	switch n.Op {
	case "column":
		if err := n.arity(args, 0, 0); err != nil {
			return nil, err
		}
		if n.Index == nil || *n.Index < 0 {
			return nil, corrupt("column without a valid index")
		}
		return Column(*n.Index, n.Name, t), nil
	case "const":
		if err := n.arity(args, 0, 0); err != nil {
			return nil, err
		}
		return n.constant(t)
	case "cast":
		if err := n.arity(args, 1, 1); err != nil {
			return nil, err
		}
		// Built directly: newCast would fold a cast of a constant.
		from := args[0].Type()
		if from == t || t.Family == types.Unknown || !castAllowed(from, t, n.Explicit) {
			return nil, stale(fmt.Errorf("no cast from %s to %s", from, t))
		}
		return &castExpr{e: args[0], t: t, explicit: n.Explicit}, nil
	case "not", "neg", "is_null", "is_not_null", "is_true", "is_not_true", "is_false", "is_not_false":
		if err := n.arity(args, 1, 1); err != nil {
			return nil, err
		}
		switch n.Op {
		case "not":
			return Not(args[0])
		case "neg":
			return Neg(args[0])
		case "is_null", "is_not_null":
			return IsNull(args[0], n.Op == "is_not_null"), nil
		}
		return IsBool(args[0], strings.HasSuffix(n.Op, "true"), strings.HasPrefix(n.Op, "is_not_"))
	case "between", "not_between":
		if err := n.arity(args, 3, 3); err != nil {
			return nil, err
		}
		return Between(args[0], args[1], args[2], n.Op == "not_between")
	case "in", "not_in":
		if err := n.arity(args, 2, -1); err != nil {
			return nil, err
		}
		return In(args[0], args[1:], n.Op == "not_in")
	case "like", "not_like", "ilike", "not_ilike":
		if err := n.arity(args, 2, 2); err != nil {
			return nil, err
		}
		return Like(args[0], args[1], strings.HasPrefix(n.Op, "not_"), strings.HasSuffix(n.Op, "ilike"))
	case "case":
		return n.caseExpr(t, args)
	case "func":
		f, err := Func(n.Name, args)
		if err != nil {
			return nil, err
		}
		if _, ok := f.(*funcExpr); !ok {
			return nil, stale(fmt.Errorf("%s is no longer a function call", f))
		}
		return f, nil
	case string(kindArray), string(kindSubscript), string(kindSlice), string(kindAny), string(kindAll):
		return n.arrayExpr(args)
	case "length_limit":
		if err := n.arity(args, 1, 1); err != nil {
			return nil, err
		}
		if n.Length < 1 || args[0].Type().Family != types.Text {
			return nil, corrupt("length_limit %d of %s", n.Length, args[0].Type())
		}
		return CharLength(args[0], n.Length, n.Fixed, n.Truncate), nil
	}
	return nil, corrupt("unknown op %q", n.Op)
}

func binaryOpByName(name string) (BinaryOp, bool) {
	for op, s := range binaryOpNames {
		if s == name {
			return op, true
		}
	}
	return 0, false
}

// caseExpr builds a searched CASE from its conditions, results and ELSE arm,
// all as the binder left them (boolean conditions, results of type t).
func (n *node) caseExpr(t types.T, args []Expr) (Expr, error) {
	if len(args) < 3 || len(args)%2 == 0 {
		return nil, corrupt("case with %d arguments", len(args))
	}
	whens := make([][2]Expr, 0, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		whens = append(whens, [2]Expr{args[i], args[i+1]})
	}
	e, err := Case(nil, whens, args[len(args)-1])
	if err != nil {
		return nil, err
	}
	c := e.(*caseExpr)
	if n.Display != "" {
		c.display = n.Display
	}
	return c, nil
}

// constant decodes a Const of type t.
func (n *node) constant(t types.T) (Expr, error) {
	if t.Family == types.Unknown {
		if len(n.Value) > 0 && string(n.Value) != "null" {
			return nil, corrupt("a constant of type unknown has a value")
		}
		if n.Text != nil {
			return UnknownLiteral(*n.Text), nil
		}
		return Null(t), nil
	}
	if n.Text != nil {
		return nil, corrupt("a constant of type %s has a text", t)
	}
	if len(n.Value) == 0 || string(n.Value) == "null" {
		return Null(t), nil
	}
	v, err := decodeValue(n.Value, t)
	if err != nil {
		return nil, corrupt("constant of type %s: %v", t, err)
	}
	return &Const{t: t, v: v}, nil
}

// decodeValue returns the canonical value of type t encodeValue wrote as raw.
func decodeValue(raw json.RawMessage, t types.T) (any, error) {
	var s string
	switch t.Family {
	case types.Float32, types.Float64, types.Numeric, types.Text, types.JSONB, types.Bytea, types.Array:
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
	}
	if t.Family == types.Array {
		return parseArray(s, t.ElemType())
	}
	switch t.Family {
	case types.Bool:
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case types.Int16, types.Int32, types.Int64:
		var x int64
		if err := json.Unmarshal(raw, &x); err != nil {
			return nil, err
		}
		return x, checkIntRange(x, t)
	case types.Date:
		var d int32
		err := json.Unmarshal(raw, &d)
		return d, err
	case types.Timestamp, types.TimestampTZ:
		var us int64
		err := json.Unmarshal(raw, &us)
		return us, err
	case types.Float32, types.Float64:
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("bad float %q", s)
		}
		return f, nil
	case types.Numeric:
		return decodeDecimal(s, t)
	case types.Text:
		return s, nil
	case types.JSONB:
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("bad jsonb %q", s)
		}
		return s, nil
	case types.Bytea:
		return hex.DecodeString(s)
	case types.Interval:
		var iv interval
		if err := decodeStrict(raw, &iv); err != nil {
			return nil, err
		}
		return arrow.MonthDayNanoInterval{Months: iv.Months, Days: iv.Days, Nanoseconds: iv.Nanos}, nil
	}
	return nil, fmt.Errorf("no constants of type %s", t)
}

// decodeDecimal parses s, written by formatDecimal with t's scale, exactly.
func decodeDecimal(s string, t types.T) (any, error) {
	digits, neg := strings.CutPrefix(s, "-")
	intPart, frac, _ := strings.Cut(digits, ".")
	if int32(len(frac)) != t.Scale || intPart == "" || strings.Trim(intPart+frac, "0123456789") != "" {
		return nil, fmt.Errorf("bad numeric %q for scale %d", s, t.Scale)
	}
	b, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return nil, fmt.Errorf("bad numeric %q", s)
	}
	if neg {
		b.Neg(b)
	}
	if b.BitLen() > 127 {
		return nil, fmt.Errorf("numeric %q out of range", s)
	}
	n := decimal128.FromBigInt(b)
	if !n.FitsInPrecision(t.Precision) {
		return nil, fmt.Errorf("numeric %q does not fit %s", s, t)
	}
	return n, nil
}

// aggNode is one encoded aggregate call.
type aggNode struct {
	Fn       string `json:"fn"`
	Type     string `json:"type"`
	Arg      *node  `json:"arg,omitempty"`
	Distinct bool   `json:"distinct,omitempty"`
	// Sep is string_agg's delimiter.
	Sep *node `json:"sep,omitempty"`
	// Filter is the FILTER (WHERE …) condition.
	Filter *node `json:"filter,omitempty"`
	// Order "desc": string_agg joins its values in descending order.
	Order string `json:"order,omitempty"`
	// OrderBy are string_agg's ORDER BY keys other than its argument.
	OrderBy []aggOrderNode `json:"order_by,omitempty"`
}

// aggOrderNode is one key of an aggregate's ORDER BY.
type aggOrderNode struct {
	Expr       node `json:"expr"`
	Desc       bool `json:"desc,omitempty"`
	NullsFirst bool `json:"nulls_first,omitempty"`
}

// aggFnNames are the fns of the aggregate kinds.
var aggFnNames = map[AggKind]string{
	Count: "count", CountStar: "count_star", Sum: "sum", Avg: "avg", Min: "min", Max: "max",
	StringAgg: "string_agg", ArrayAgg: "array_agg", BoolAnd: "bool_and", BoolOr: "bool_or",
	BitAnd: "bit_and", BitOr: "bit_or", BitXor: "bit_xor",
	StddevSamp: "stddev_samp", StddevPop: "stddev_pop", VarSamp: "var_samp", VarPop: "var_pop",
}

// MarshalAggregate returns the encoding of a: its function, result type,
// DISTINCT and its argument encoded as by Marshal.
func MarshalAggregate(a Aggregate) (json.RawMessage, error) {
	fn, ok := aggFnNames[a.Kind]
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "cannot encode aggregate %s", a)
	}
	n := aggNode{Fn: fn, Type: a.Type.TypName(), Distinct: a.Distinct}
	switch a.Order {
	case OrderByValueDesc:
		n.Order = "desc"
	case OrderByOther:
		for _, k := range a.OrderBy {
			e, err := encodeNode(k.Expr)
			if err != nil {
				return nil, err
			}
			n.OrderBy = append(n.OrderBy, aggOrderNode{Expr: e, Desc: k.Desc, NullsFirst: k.NullsFirst})
		}
		if len(n.OrderBy) == 0 {
			return nil, sqlstate.Errorf(sqlstate.Internal, "cannot encode aggregate %s", a)
		}
	}
	if a.Arg != nil {
		arg, err := encodeNode(a.Arg)
		if err != nil {
			return nil, err
		}
		n.Arg = &arg
	}
	if a.Sep != nil {
		sep, err := encodeNode(a.Sep)
		if err != nil {
			return nil, err
		}
		n.Sep = &sep
	}
	if a.Filter != nil {
		f, err := encodeNode(a.Filter)
		if err != nil {
			return nil, err
		}
		n.Filter = &f
	}
	return marshalJSON(n)
}

// UnmarshalAggregate returns the aggregate MarshalAggregate encoded as data,
// resolved again for its stored argument: a result type that differs from the
// stored one is an error wrapping ErrStale, as in Unmarshal.
func UnmarshalAggregate(data json.RawMessage) (Aggregate, error) {
	var n aggNode
	if err := decodeStrict(data, &n); err != nil {
		return Aggregate{}, err
	}
	t, err := types.ParseTypName(n.Type)
	if err != nil {
		return Aggregate{}, corrupt("aggregate %q: %v", n.Fn, err)
	}
	var kind AggKind
	found := false
	for k, name := range aggFnNames {
		if name == n.Fn {
			kind, found = k, true
		}
	}
	star := kind == CountStar
	switch {
	case !found:
		return Aggregate{}, corrupt("unknown aggregate %q", n.Fn)
	case star != (n.Arg == nil):
		return Aggregate{}, corrupt("aggregate %q with the wrong number of arguments", n.Fn)
	}
	var args []Expr
	if n.Arg != nil {
		arg, err := n.Arg.build()
		if err != nil {
			return Aggregate{}, err
		}
		args = []Expr{arg}
	}
	if n.Sep != nil {
		sep, err := n.Sep.build()
		if err != nil {
			return Aggregate{}, err
		}
		args = append(args, sep)
	}
	a, err := ResolveAggregate(kind.String(), args, star, n.Distinct)
	if err != nil {
		return Aggregate{}, stale(err)
	}
	if a.Kind != kind {
		return Aggregate{}, corrupt("aggregate %q resolves to %s", n.Fn, a.Kind)
	}
	if a.Type != t {
		return Aggregate{}, stale(fmt.Errorf("%s now returns %s, the plan stored %s", a, a.Type, t))
	}
	if !star && a.Arg != args[0] {
		return Aggregate{}, stale(fmt.Errorf("%s now converts its argument differently", a))
	}
	if n.Sep != nil && a.Sep != args[1] {
		return Aggregate{}, stale(fmt.Errorf("%s now converts its delimiter differently", a))
	}
	if n.Filter != nil {
		f, err := n.Filter.build()
		if err != nil {
			return Aggregate{}, err
		}
		if f.Type().Family != types.Bool {
			return Aggregate{}, corrupt("aggregate %q: FILTER of type %s", n.Fn, f.Type())
		}
		a.Filter = f
	}
	switch n.Order {
	case "":
	case "desc":
		if !a.Kind.Ordered() {
			return Aggregate{}, corrupt("aggregate %q with an order", n.Fn)
		}
		a.Order = OrderByValueDesc
	default:
		return Aggregate{}, corrupt("aggregate %q: unknown order %q", n.Fn, n.Order)
	}
	if len(n.OrderBy) > 0 {
		if !a.Kind.Ordered() || a.Order != OrderByValue {
			return Aggregate{}, corrupt("aggregate %q with ORDER BY keys", n.Fn)
		}
		a.Order = OrderByOther
		for i := range n.OrderBy {
			k := &n.OrderBy[i]
			e, err := k.Expr.build()
			if err != nil {
				return Aggregate{}, err
			}
			a.OrderBy = append(a.OrderBy, AggOrderKey{Expr: e, Desc: k.Desc, NullsFirst: k.NullsFirst})
		}
	}
	return a, nil
}
