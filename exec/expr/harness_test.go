package expr

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// The test files use a small S-expression syntax instead of SQL (the parser
// is its own package):
//
//	42  9999999999  1.50  'text'  null  true  false   literals as in SQL
//	(col name)                 a column of the current batch
//	(:: e type)  (coerce e type)
//	(+ a b) (- a b) (* a b) (/ a b) (% a b) (= a b) (<> a b) (< a b) (<= a b)
//	(> a b) (>= a b) (and a b) (or a b) (|| a b)
//	(not e) (neg e) (is-null e) (is-not-null e) (is-true e) (is-not-true e)
//	(is-false e) (is-not-false e)
//	(between e lo hi) (not-between e lo hi) (in e a b ...) (not-in e a b ...)
//	(like e p) (not-like e p) (ilike e p) (not-ilike e p)
//	(case (when c r) ... (else e))  (case-of operand (when v r) ... (else e))
//	(fn name args...)  (typed 'text' type)  (null-of type)
//	(array e...) (subscript a i) (slice a lo hi) (_ for a missing bound)
//	(any op x a) (all op x a)                  x op ANY (a), x op ALL (a)
//
// Commands:
//
//	batch          declares the input: a header `name type | name type ...`
//	               then rows of `|`-separated values (NULL for null).
//	eval           evaluates each input line over the batch: the expression,
//	               its type and the values, or the error with its SQLSTATE.
//	fold           constant-folds each line and prints the result.
//	agg            resolves `name arg...` / `count *` / `name distinct arg`.

type harness struct {
	schema types.Schema
	batch  arrow.RecordBatch
	mem    *memory.CheckedAllocator
	// roundTrip, when set, runs every expression and aggregate through
	// Marshal and Unmarshal before it is used (see encode_test.go).
	roundTrip func(e Expr) (Expr, error)
	// roundTripAgg does the same for aggregates.
	roundTripAgg func(a Aggregate) (Aggregate, error)
}

func runExprTest(t *testing.T, path string) {
	runHarness(t, path, &harness{})
}

// runHarness runs the datadriven file at path with h.
func runHarness(t *testing.T, path string, h *harness) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	h.mem = mem
	defer h.release()
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "batch":
			if err := h.loadBatch(d.Input); err != nil {
				return "error: " + err.Error() + "\n"
			}
			return ""
		case "eval", "fold", "agg", "type":
			var out strings.Builder
			for _, line := range strings.Split(d.Input, "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				out.WriteString(h.run(d.Cmd, line))
			}
			return out.String()
		}
		t.Fatalf("unknown command %q", d.Cmd)
		return ""
	})
}

func (h *harness) release() {
	if h.batch != nil {
		h.batch.Release()
		h.batch = nil
	}
}

func (h *harness) loadBatch(input string) error {
	h.release()
	lines := strings.Split(strings.TrimSpace(input), "\n")
	h.schema = nil
	for _, col := range strings.Split(lines[0], "|") {
		f := strings.Fields(col)
		typ, err := parseTypeName(strings.Join(f[1:], " "))
		if err != nil {
			return err
		}
		h.schema = append(h.schema, types.Column{Name: f[0], Type: typ, Nullable: true})
	}
	bs := make([]array.Builder, len(h.schema))
	for i, c := range h.schema {
		bs[i] = newBuilder(h.mem, c.Type, 0)
		defer bs[i].Release()
	}
	for _, line := range lines[1:] {
		cells := strings.Split(line, "|")
		if len(cells) != len(h.schema) {
			return fmt.Errorf("row %q has %d cells, want %d", line, len(cells), len(h.schema))
		}
		for i, cell := range cells {
			cell = strings.TrimSpace(cell)
			if cell == "NULL" {
				bs[i].AppendNull()
				continue
			}
			v, err := parseValue(strings.Trim(cell, "'"), h.schema[i].Type)
			if err != nil {
				return err
			}
			appendValue(bs[i], v)
		}
	}
	cols := make([]arrow.Array, len(bs))
	for i, b := range bs {
		cols[i] = b.NewArray()
		defer cols[i].Release()
	}
	h.batch = array.NewRecordBatch(h.schema.Arrow(), cols, int64(len(lines)-1))
	return nil
}

func (h *harness) run(cmd, line string) string {
	ctx := context.Background()
	if cmd == "agg" {
		return h.runAgg(line)
	}
	e, err := h.parse(line)
	if err != nil {
		return fmt.Sprintf("%s\n  %s\n", line, errString(err))
	}
	if h.roundTrip != nil {
		if e, err = h.roundTrip(e); err != nil {
			return fmt.Sprintf("%s\n  round trip: %v\n", line, err)
		}
	}
	switch cmd {
	case "type":
		return fmt.Sprintf("%s :: %s\n", e, e.Type())
	case "fold":
		f, err := Fold(ctx, h.mem, e)
		if err != nil {
			return fmt.Sprintf("%s\n  %s\n", e, errString(err))
		}
		if h.roundTrip != nil {
			// Plans hold folded expressions: those must round-trip too.
			if f, err = h.roundTrip(f); err != nil {
				return fmt.Sprintf("%s\n  round trip of the folded form: %v\n", e, err)
			}
		}
		return fmt.Sprintf("%s => %s :: %s\n", e, f, f.Type())
	}
	batch := h.batch
	if batch == nil {
		batch = array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
		defer batch.Release()
	}
	a, err := e.Eval(ctx, h.mem, batch)
	if err != nil {
		return fmt.Sprintf("%s :: %s\n  %s\n", e, e.Type(), errString(err))
	}
	defer a.Release()
	if a.Len() != int(batch.NumRows()) {
		return fmt.Sprintf("%s: length %d, want %d\n", e, a.Len(), batch.NumRows())
	}
	want := e.Type().ArrowType()
	if e.Type().Family == types.Unknown {
		want = a.DataType()
	}
	if !arrow.TypeEqual(a.DataType(), want) {
		return fmt.Sprintf("%s: Arrow type %s, want %s\n", e, a.DataType(), want)
	}
	vals := make([]string, a.Len())
	t := e.Type()
	if t.Family == types.Unknown && a.DataType().ID() == arrow.STRING {
		t = types.TextType
	}
	for i := range vals {
		v := valueAt(a, i)
		vals[i] = formatValue(v, t)
		if v != nil && (t.Family == types.Text || t.Family == types.Bytea) {
			vals[i] = quote(vals[i])
		}
	}
	return fmt.Sprintf("%s :: %s\n  [%s]\n", e, e.Type(), strings.Join(vals, ", "))
}

func (h *harness) runAgg(line string) string {
	toks, err := tokenize(line)
	if err != nil {
		return err.Error() + "\n"
	}
	name := toks[0]
	star, distinct := false, false
	var args []Expr
	for rest := toks[1:]; len(rest) > 0; {
		var s sexpr
		if s, rest, err = parseSexpr(rest); err != nil {
			return err.Error() + "\n"
		}
		switch {
		case !s.isList && s.atom == "*":
			star = true
		case !s.isList && s.atom == "distinct":
			distinct = true
		default:
			e, err := h.build(s)
			if err != nil {
				return errString(err) + "\n"
			}
			args = append(args, e)
		}
	}
	agg, err := ResolveAggregate(name, args, star, distinct)
	if err != nil {
		return fmt.Sprintf("%s\n  %s\n", line, errString(err))
	}
	if h.roundTripAgg != nil {
		if agg, err = h.roundTripAgg(agg); err != nil {
			return fmt.Sprintf("%s\n  round trip: %v\n", line, err)
		}
	}
	return fmt.Sprintf("%s :: %s\n", agg, agg.Type)
}

func errString(err error) string {
	var se *sqlstate.Error
	if errors.As(err, &se) {
		s := fmt.Sprintf("error %s: %s", se.Code, se.Message)
		if se.Hint != "" && se.Code == sqlstate.UndefinedFunction {
			s += " (hint)"
		}
		return s
	}
	return "error (no SQLSTATE): " + err.Error()
}

func parseTypeName(s string) (types.T, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if elem, ok := strings.CutSuffix(s, "[]"); ok {
		et, err := parseTypeName(elem)
		return types.ArrayOf(et), err
	}
	if strings.HasPrefix(s, "numeric(") {
		var p, sc int32
		if _, err := fmt.Sscanf(s, "numeric(%d,%d)", &p, &sc); err != nil {
			return types.T{}, err
		}
		return types.NumericType(p, sc), nil
	}
	switch s {
	case "bool", "boolean":
		return types.BoolType, nil
	case "int2", "smallint":
		return types.Int16Type, nil
	case "int", "int4", "integer":
		return types.Int32Type, nil
	case "int8", "bigint":
		return types.Int64Type, nil
	case "float4", "real":
		return types.Float32Type, nil
	case "float8", "double":
		return types.Float64Type, nil
	case "numeric":
		return types.DefaultNumeric, nil
	case "text", "varchar":
		return types.TextType, nil
	case "date":
		return types.DateType, nil
	case "timestamp":
		return types.TSType, nil
	case "timestamptz":
		return types.TSTZType, nil
	case "interval":
		return types.IntervalT, nil
	case "bytea":
		return types.ByteaType, nil
	case "jsonb":
		return types.JSONBType, nil
	case "unknown":
		return types.UnknownType, nil
	}
	return types.T{}, fmt.Errorf("unknown type %q", s)
}

// sexpr is a parsed S-expression: an atom or a list.
type sexpr struct {
	atom   string
	list   []sexpr
	isList bool
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case unicode.IsSpace(rune(c)):
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '\'':
			j := i + 1
			for {
				if j >= len(s) {
					return nil, fmt.Errorf("unterminated string in %q", s)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && s[j] != '(' && s[j] != ')' {
				j++
			}
			if s[i:j] == "numeric" && j < len(s) && s[j] == '(' {
				// numeric(p,s) is one token.
				j += strings.IndexByte(s[j:], ')') + 1
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

func parseSexpr(toks []string) (sexpr, []string, error) {
	if len(toks) == 0 {
		return sexpr{}, nil, fmt.Errorf("unexpected end")
	}
	if toks[0] != "(" {
		return sexpr{atom: toks[0]}, toks[1:], nil
	}
	toks = toks[1:]
	var list []sexpr
	for {
		if len(toks) == 0 {
			return sexpr{}, nil, fmt.Errorf("missing )")
		}
		if toks[0] == ")" {
			return sexpr{list: list, isList: true}, toks[1:], nil
		}
		var e sexpr
		var err error
		if e, toks, err = parseSexpr(toks); err != nil {
			return sexpr{}, nil, err
		}
		list = append(list, e)
	}
}

func (h *harness) parse(line string) (Expr, error) {
	toks, err := tokenize(line)
	if err != nil {
		return nil, err
	}
	s, rest, err := parseSexpr(toks)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("trailing tokens %v", rest)
	}
	return h.build(s)
}

var binaryOps = map[string]BinaryOp{
	"+": sql.OpAdd, "-": sql.OpSub, "*": sql.OpMul, "/": sql.OpDiv, "%": sql.OpMod,
	"=": sql.OpEq, "<>": sql.OpNe, "<": sql.OpLt, "<=": sql.OpLe, ">": sql.OpGt, ">=": sql.OpGe,
	"is-distinct-from": sql.OpIsDistinctFrom, "is-not-distinct-from": sql.OpIsNotDistinctFrom,
	"and": sql.OpAnd, "or": sql.OpOr, "||": sql.OpConcat,
}

// literal types a SQL literal as Postgres does.
func literal(a string) (Expr, error) {
	switch strings.ToLower(a) {
	case "null":
		return Null(types.UnknownType), nil
	case "true":
		return Constant(true, types.BoolType)
	case "false":
		return Constant(false, types.BoolType)
	}
	if strings.HasPrefix(a, "'") {
		return UnknownLiteral(strings.ReplaceAll(a[1:len(a)-1], "''", "'")), nil
	}
	if x, err := strconv.ParseInt(a, 10, 64); err == nil {
		if x >= -1<<31 && x < 1<<31 {
			return Constant(x, types.Int32Type)
		}
		return Constant(x, types.Int64Type)
	}
	if strings.Trim(a, "-0123456789") == "" || strings.ContainsAny(a, ".eE") {
		digits := strings.TrimLeft(a, "-")
		scale := 0
		if i := strings.IndexByte(digits, '.'); i >= 0 {
			scale = len(digits) - i - 1
		}
		return ParseConstant(a, types.NumericType(types.NumericMaxPrecision, int32(scale)))
	}
	return nil, fmt.Errorf("bad literal %q", a)
}

func (h *harness) build(s sexpr) (Expr, error) {
	if !s.isList {
		return literal(s.atom)
	}
	if len(s.list) == 0 || s.list[0].isList {
		return nil, fmt.Errorf("bad list")
	}
	head := s.list[0].atom
	argS := s.list[1:]
	sub := func(i int) (Expr, error) {
		if i >= len(argS) {
			return nil, fmt.Errorf("%s: missing argument %d", head, i+1)
		}
		return h.build(argS[i])
	}
	all := func(from int) ([]Expr, error) {
		var out []Expr
		for i := from; i < len(argS); i++ {
			e, err := h.build(argS[i])
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
	if op, ok := binaryOps[head]; ok {
		l, err := sub(0)
		if err != nil {
			return nil, err
		}
		r, err := sub(1)
		if err != nil {
			return nil, err
		}
		return Binary(op, l, r)
	}
	switch head {
	case "col":
		name := argS[0].atom
		i := h.schema.Index(name)
		if i < 0 {
			return nil, fmt.Errorf("no column %q", name)
		}
		return Column(i, name, h.schema[i].Type), nil
	case "::", "coerce":
		e, err := sub(0)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, a := range argS[1:] {
			names = append(names, a.atom)
		}
		t, err := parseTypeName(strings.Join(names, " "))
		if err != nil {
			return nil, err
		}
		if head == "coerce" {
			return Coerce(e, t)
		}
		return Cast(e, t)
	case "typed":
		t, err := parseTypeName(argS[1].atom)
		if err != nil {
			return nil, err
		}
		a := argS[0].atom
		return ParseConstant(strings.ReplaceAll(a[1:len(a)-1], "''", "'"), t)
	case "null-of":
		t, err := parseTypeName(argS[0].atom)
		if err != nil {
			return nil, err
		}
		return Null(t), nil
	case "not", "neg", "is-null", "is-not-null", "is-true", "is-not-true", "is-false", "is-not-false":
		e, err := sub(0)
		if err != nil {
			return nil, err
		}
		switch head {
		case "not":
			return Not(e)
		case "neg":
			return Neg(e)
		case "is-null":
			return IsNull(e, false), nil
		case "is-not-null":
			return IsNull(e, true), nil
		case "is-true":
			return IsBool(e, true, false)
		case "is-not-true":
			return IsBool(e, true, true)
		case "is-false":
			return IsBool(e, false, false)
		}
		return IsBool(e, false, true)
	case "between", "not-between":
		es, err := all(0)
		if err != nil {
			return nil, err
		}
		return Between(es[0], es[1], es[2], head == "not-between")
	case "in", "not-in":
		es, err := all(0)
		if err != nil {
			return nil, err
		}
		return In(es[0], es[1:], head == "not-in")
	case "like", "not-like", "ilike", "not-ilike":
		es, err := all(0)
		if err != nil {
			return nil, err
		}
		return Like(es[0], es[1], strings.HasPrefix(head, "not-"), strings.HasSuffix(head, "ilike"))
	case "case", "case-of":
		var operand, els Expr
		var whens [][2]Expr
		rest := argS
		if head == "case-of" {
			var err error
			if operand, err = h.build(rest[0]); err != nil {
				return nil, err
			}
			rest = rest[1:]
		}
		for _, w := range rest {
			if !w.isList || len(w.list) == 0 {
				return nil, fmt.Errorf("bad case arm")
			}
			switch w.list[0].atom {
			case "when":
				c, err := h.build(w.list[1])
				if err != nil {
					return nil, err
				}
				r, err := h.build(w.list[2])
				if err != nil {
					return nil, err
				}
				whens = append(whens, [2]Expr{c, r})
			case "else":
				var err error
				if els, err = h.build(w.list[1]); err != nil {
					return nil, err
				}
			}
		}
		return Case(operand, whens, els)
	case "fn":
		es, err := all(1)
		if err != nil {
			return nil, err
		}
		return Func(argS[0].atom, es)
	case "array":
		es, err := all(0)
		if err != nil {
			return nil, err
		}
		return ArrayConstructor(es)
	case "subscript", "slice":
		var es []Expr
		for _, a := range argS {
			if !a.isList && a.atom == "_" {
				es = append(es, nil) // a slice bound left out
				continue
			}
			e, err := h.build(a)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		if head == "subscript" {
			return Subscript(es[0], es[1])
		}
		return Slice(es[0], es[1], es[2])
	case "any", "all":
		es, err := all(1)
		if err != nil {
			return nil, err
		}
		return Quantified(binaryOps[argS[0].atom], es[0], es[1], head == "all")
	}
	return nil, fmt.Errorf("unknown form %q", head)
}
