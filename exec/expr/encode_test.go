package expr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// roundTrip encodes e, decodes it and checks that the copy prints, types and
// encodes as e does; the copy is what the harness then evaluates or folds.
func roundTrip(e Expr) (Expr, error) {
	data, err := Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	back, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("unmarshal %s: %w", data, err)
	}
	if back.String() != e.String() || back.Type() != e.Type() {
		return nil, fmt.Errorf("%s :: %s came back as %s :: %s", e, e.Type(), back, back.Type())
	}
	again, err := Marshal(back)
	if err != nil || !bytes.Equal(again, data) {
		return nil, fmt.Errorf("encodes as %s, then as %s (%v)", data, again, err)
	}
	return back, nil
}

func roundTripAgg(a Aggregate) (Aggregate, error) {
	data, err := MarshalAggregate(a)
	if err != nil {
		return Aggregate{}, fmt.Errorf("marshal: %w", err)
	}
	back, err := UnmarshalAggregate(data)
	if err != nil {
		return Aggregate{}, fmt.Errorf("unmarshal %s: %w", data, err)
	}
	if back.String() != a.String() || back.Type != a.Type || back.Kind != a.Kind || back.Distinct != a.Distinct {
		return Aggregate{}, fmt.Errorf("%s :: %s came back as %s :: %s", a, a.Type, back, back.Type)
	}
	return back, nil
}

// TestMarshalRoundTrip runs every file of testdata with each expression and
// aggregate replaced by its decoded encoding: every result, type, folding and
// runtime error must be what the file expects of the original.
func TestMarshalRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			continue // the fuzzer's corpus
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			runHarness(t, path, &harness{roundTrip: roundTrip, roundTripAgg: roundTripAgg})
		})
	}
}

func mustConst(t *testing.T, v any, typ types.T) Expr {
	t.Helper()
	c, err := Constant(v, typ)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMarshalConstants round-trips constants of every type, including the
// values whose text forms are easy to get wrong, and checks the value itself.
func TestMarshalConstants(t *testing.T) {
	d := func(s string) decimal128.Num {
		n, err := decimal128.FromString(s, 38, 4)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	consts := []Expr{
		Null(types.UnknownType), UnknownLiteral("it's"), UnknownLiteral(""),
		mustConst(t, true, types.BoolType), mustConst(t, false, types.BoolType),
		mustConst(t, int64(math.MinInt16), types.Int16Type), mustConst(t, int64(math.MaxInt32), types.Int32Type),
		mustConst(t, int64(math.MinInt64), types.Int64Type), mustConst(t, int64(math.MaxInt64), types.Int64Type),
		mustConst(t, 0.1, types.Float64Type), mustConst(t, math.Copysign(0, -1), types.Float64Type),
		mustConst(t, math.NaN(), types.Float64Type), mustConst(t, math.Inf(-1), types.Float64Type),
		mustConst(t, math.Inf(1), types.Float32Type), mustConst(t, 5e-324, types.Float64Type),
		mustConst(t, float64(float32(1.1)), types.Float32Type), mustConst(t, 1.1, types.Float32Type),
		mustConst(t, d("-0.0500"), types.NumericType(38, 4)), mustConst(t, d("12345678901234567890123456789012.3456"), types.NumericType(38, 4)),
		mustConst(t, "12.5", types.NumericType(3, 1)), mustConst(t, "0", types.NumericType(1, 0)),
		mustConst(t, "Wörld 'quoted' \\ \x01", types.TextType), mustConst(t, "", types.TextType),
		mustConst(t, `{"b": [1, 2.50], "a": null}`, types.JSONBType),
		mustConst(t, []byte{0, 1, 0xfe, 0xff}, types.ByteaType), mustConst(t, []byte{}, types.ByteaType),
		mustConst(t, "2024-02-29", types.DateType), mustConst(t, int32(-738000), types.DateType),
		mustConst(t, "2024-01-01 12:34:56.789012", types.TSType),
		mustConst(t, time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), types.TSTZType),
		mustConst(t, arrow.MonthDayNanoInterval{Months: -14, Days: 3, Nanoseconds: 1}, types.IntervalT),
		mustConst(t, 90*time.Second, types.IntervalT),
	}
	for _, typ := range []types.T{
		types.BoolType, types.Int16Type, types.Int32Type, types.Int64Type, types.Float32Type, types.Float64Type,
		types.DefaultNumeric, types.NumericType(5, 5), types.TextType, types.JSONBType, types.ByteaType,
		types.DateType, types.TSType, types.TSTZType, types.IntervalT,
	} {
		consts = append(consts, Null(typ))
	}
	for _, c := range consts {
		data, err := Marshal(c)
		if err != nil {
			t.Errorf("Marshal(%s :: %s): %v", c, c.Type(), err)
			continue
		}
		back, err := Unmarshal(data)
		if err != nil {
			t.Errorf("Unmarshal(%s): %v", data, err)
			continue
		}
		bc, ok := back.(*Const)
		if !ok {
			t.Errorf("%s came back as %T", data, back)
			continue
		}
		want, got := c.(*Const), bc
		if got.t != want.t || got.unknown != want.unknown || got.text != want.text || !sameValue(got.v, want.v) {
			t.Errorf("%s :: %s (%#v) came back as %s :: %s (%#v) via %s", c, c.Type(), want.v, back, back.Type(), got.v, data)
		}
	}
}

// sameValue compares canonical values bit for bit (NaN equals NaN, -0 is not 0).
func sameValue(a, b any) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && math.Float64bits(fa) == math.Float64bits(fb)
	}
	if ba, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && bytes.Equal(ba, bb)
	}
	return a == b
}

// TestMarshalNodes round-trips the nodes the datadriven files cannot build
// (a VARCHAR(n) limit, a cast the binder leaves over an unknown expression, a
// simple CASE's display), then evaluates original and copy on one batch.
func TestMarshalNodes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := Column(0, "s", types.TextType)
	n := Column(1, "n", types.Int32Type)
	limited := CharLength(s, 3, false, true)
	fixed := CharLength(s, 5, true, false)
	simple, err := Case(n, [][2]Expr{{UnknownLiteral("1"), UnknownLiteral("one")}, {mustConst(t, int64(2), types.Int32Type), s}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	unknownCase, err := Case(nil, [][2]Expr{{IsNull(n, false), Null(types.UnknownType)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	castUnknown, err := Cast(unknownCase, types.Int64Type)
	if err != nil {
		t.Fatal(err)
	}
	concat, err := Func("concat", []Expr{s, n, UnknownLiteral("!")})
	if err != nil {
		t.Fatal(err)
	}
	sb := array.NewStringBuilder(mem)
	sb.AppendValues([]string{"abcdef", "ab", ""}, []bool{true, true, false})
	ib := array.NewInt32Builder(mem)
	ib.AppendValues([]int32{1, 2, 0}, []bool{true, true, false})
	cols := []arrow.Array{sb.NewArray(), ib.NewArray()}
	sb.Release()
	ib.Release()
	schema := types.Schema{{Name: "s", Type: types.TextType, Nullable: true}, {Name: "n", Type: types.Int32Type, Nullable: true}}
	batch := array.NewRecordBatch(schema.Arrow(), cols, 3)
	releaseAll(cols)
	defer batch.Release()
	for _, e := range []Expr{limited, fixed, simple, castUnknown, concat} {
		back, err := roundTrip(e)
		if err != nil {
			t.Errorf("%s: %v", e, err)
			continue
		}
		want, werr := e.Eval(context.Background(), mem, batch)
		got, gerr := back.Eval(context.Background(), mem, batch)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Errorf("%s: error %v, copy %v", e, werr, gerr)
		}
		if werr == nil && gerr == nil && !array.Equal(want, got) {
			t.Errorf("%s: %v, copy %v", e, want, got)
		}
		for _, a := range []arrow.Array{want, got} {
			if a != nil {
				a.Release()
			}
		}
	}
	// A fixed CHAR(5) assignment refuses 'abcdef' in the copy as well.
	back, _ := roundTrip(fixed)
	if _, err := back.Eval(context.Background(), mem, batch); err == nil || sqlstate.From(err).Code != sqlstate.StringDataRightTruncation {
		t.Errorf("copy of %s: %v, want 22001", fixed, err)
	}
}

// TestUnmarshalErrors checks that what is not an encoding is XX000 and that an
// encoding that no longer binds the same (a stale plan) wraps ErrStale.
func TestUnmarshalErrors(t *testing.T) {
	col := `{"op":"column","type":"int4","index":0,"name":"a"}`
	text := `{"op":"column","type":"varchar","index":1,"name":"s"}`
	corrupt := []string{
		``, `null`, `[]`, `{"op":"column","type":"int4","index":0} x`,
		`{"op":"frobnicate","type":"int4"}`,
		`{"op":"column","type":"int42","index":0}`,
		`{"op":"column","type":"numeric(39,0)","index":0}`,
		`{"op":"column","type":"numeric(5,6)","index":0}`,
		`{"op":"column","type":"int4"}`,
		`{"op":"column","type":"int4","index":-1}`,
		`{"op":"column","type":"int4","index":0,"colour":"red"}`,
		`{"op":"const","type":"int2","value":40000}`,
		`{"op":"const","type":"int4","value":1.5}`,
		`{"op":"const","type":"int4","value":"1"}`,
		`{"op":"const","type":"numeric(5,2)","value":"1.5"}`,
		`{"op":"const","type":"numeric(3,0)","value":"1000"}`,
		`{"op":"const","type":"float8","value":"1e999"}`,
		`{"op":"const","type":"jsonb","value":"{"}`,
		`{"op":"const","type":"bytea","value":"zz"}`,
		`{"op":"const","type":"interval","value":{"months":1,"weeks":2}}`,
		`{"op":"const","type":"unknown","value":1}`,
		`{"op":"const","type":"int4","text":"1"}`,
		`{"op":"+","type":"int4","args":[` + col + `]}`,
		`{"op":"case","type":"int4","args":[` + col + `,` + col + `]}`,
		`{"op":"in","type":"bool","args":[` + col + `]}`,
		`{"op":"length_limit","type":"varchar","length":0,"args":[` + text + `]}`,
		`{"op":"length_limit","type":"int4","length":3,"args":[` + col + `]}`,
	}
	for _, in := range corrupt {
		e, err := Unmarshal(json.RawMessage(in))
		if err == nil {
			t.Errorf("Unmarshal(%s) = %s, want an error", in, e)
			continue
		}
		if code := sqlstate.From(err).Code; code != sqlstate.Internal || errors.Is(err, ErrStale) {
			t.Errorf("Unmarshal(%s): %v (%s), want XX000", in, err, code)
		}
	}
	stale := []string{
		// round(double precision) returns double precision, not numeric.
		`{"op":"func","name":"round","type":"numeric(38,0)","args":[{"op":"column","type":"float8","index":0}]}`,
		// A function that does not exist (any more).
		`{"op":"func","name":"frobnicate","type":"int4","args":[` + col + `]}`,
		// lower(integer): resolution would now need a conversion of the argument.
		`{"op":"func","name":"lower","type":"varchar","args":[` + col + `]}`,
		// integer + integer is integer.
		`{"op":"+","type":"int8","args":[` + col + `,` + col + `]}`,
		// integer = bigint would need a cast the plan does not have.
		`{"op":"=","type":"bool","args":[` + col + `,{"op":"column","type":"int8","index":1}]}`,
		// No operator.
		`{"op":"+","type":"int4","args":[` + col + `,` + text + `]}`,
		`{"op":"cast","type":"bytea","explicit":true,"args":[` + col + `]}`,
		`{"op":"like","type":"bool","args":[` + col + `,` + text + `]}`,
		`{"op":"not","type":"bool","args":[` + col + `]}`,
	}
	for _, in := range stale {
		e, err := Unmarshal(json.RawMessage(in))
		if err == nil {
			t.Errorf("Unmarshal(%s) = %s, want a stale plan", in, e)
			continue
		}
		if !errors.Is(err, ErrStale) || sqlstate.From(err).Code != sqlstate.FeatureNotSupported {
			t.Errorf("Unmarshal(%s): %v (%s), want ErrStale with 0A000", in, err, sqlstate.From(err).Code)
		}
	}
	// The message says what changed.
	_, err := Unmarshal(json.RawMessage(stale[0]))
	if want := "round($0) is now of type double precision, the plan stored numeric(38,0)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("stale round: %v, want it to say %q", err, want)
	}
	for _, in := range []string{
		`{"fn":"sum","type":"int8","arg":{"op":"column","type":"int8","index":0}}`,
		`{"fn":"sum","type":"int8","arg":{"op":"column","type":"varchar","index":0}}`,
	} {
		if _, err := UnmarshalAggregate(json.RawMessage(in)); !errors.Is(err, ErrStale) {
			t.Errorf("UnmarshalAggregate(%s): %v, want a stale plan", in, err)
		}
	}
	for _, in := range []string{
		`{"fn":"median","type":"int8","arg":` + col + `}`,
		`{"fn":"count_star","type":"int8","arg":` + col + `}`,
		`{"fn":"count","type":"int8"}`,
		`{"fn":"count","type":"int8","arg":` + col + `,"filter":true}`,
	} {
		if _, err := UnmarshalAggregate(json.RawMessage(in)); err == nil || errors.Is(err, ErrStale) || sqlstate.From(err).Code != sqlstate.Internal {
			t.Errorf("UnmarshalAggregate(%s): %v, want XX000", in, err)
		}
	}
}

// TestMarshalFormat pins the encoding of a few expressions: changing what is
// written changes what stored plans mean (docs/format/plan-expressions.md).
func TestMarshalFormat(t *testing.T) {
	a := Column(0, "a", types.Int32Type)
	gt, err := Binary(sql.OpGt, a, mustConst(t, int64(0), types.Int32Type))
	if err != nil {
		t.Fatal(err)
	}
	round, err := Func("round", []Expr{a, mustConst(t, int64(2), types.Int32Type)})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ResolveAggregate("sum", []Expr{a}, false, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		e    any
		want string
	}{
		{gt, `{"op":">","type":"bool","args":[{"op":"column","type":"int4","index":0,"name":"a"},{"op":"const","type":"int4","value":0}]}`},
		{round, `{"op":"func","type":"numeric(38,2)","args":[{"op":"cast","type":"numeric(38,0)","args":[{"op":"column","type":"int4","index":0,"name":"a"}]},{"op":"const","type":"int4","value":2}],"name":"round"}`},
		{mustConst(t, arrow.MonthDayNanoInterval{Months: 1, Days: 2, Nanoseconds: 3000}, types.IntervalT), `{"op":"const","type":"interval","value":{"months":1,"days":2,"nanos":3000}}`},
		{mustConst(t, "1.50", types.NumericType(10, 2)), `{"op":"const","type":"numeric(10,2)","value":"1.50"}`},
		{mustConst(t, []byte("hi"), types.ByteaType), `{"op":"const","type":"bytea","value":"6869"}`},
		{UnknownLiteral("x"), `{"op":"const","type":"unknown","text":"x"}`},
		{Null(types.DateType), `{"op":"const","type":"date"}`},
		{sum, `{"fn":"sum","type":"int8","arg":{"op":"column","type":"int4","index":0,"name":"a"},"distinct":true}`},
		{Aggregate{Kind: CountStar, Type: types.Int64Type}, `{"fn":"count_star","type":"int8"}`},
	} {
		var data json.RawMessage
		if agg, ok := c.e.(Aggregate); ok {
			data, err = MarshalAggregate(agg)
		} else {
			data, err = Marshal(c.e.(Expr))
		}
		if err != nil || string(data) != c.want {
			t.Errorf("%v encodes as\n  %s (%v), want\n  %s", c.e, data, err, c.want)
		}
	}
}

// FuzzUnmarshal checks that no input makes Unmarshal or UnmarshalAggregate
// panic, and that what decodes encodes again and decodes to the same text.
func FuzzUnmarshal(f *testing.F) {
	f.Add(`{"op":">","type":"bool","args":[{"op":"column","type":"int4","index":0,"name":"a"},{"op":"const","type":"int4","value":0}]}`)
	f.Add(`{"op":"case","type":"varchar","display":"CASE","args":[{"op":"const","type":"bool","value":true},{"op":"const","type":"varchar","value":"x"},{"op":"const","type":"varchar"}]}`)
	f.Add(`{"op":"func","name":"coalesce","type":"int4","args":[{"op":"column","type":"int4","index":0},{"op":"const","type":"int4","value":1}]}`)
	f.Add(`{"op":"in","type":"bool","args":[{"op":"column","type":"interval","index":0},{"op":"const","type":"interval","value":{"months":1,"days":0,"nanos":0}}]}`)
	f.Add(`{"fn":"avg","type":"numeric(38,6)","arg":{"op":"column","type":"numeric(10,2)","index":0}}`)
	f.Fuzz(func(t *testing.T, in string) {
		if e, err := Unmarshal(json.RawMessage(in)); err == nil {
			if _, err := roundTrip(e); err != nil {
				t.Fatalf("%s decodes to %s, which does not round-trip: %v", in, e, err)
			}
		}
		_, _ = UnmarshalAggregate(json.RawMessage(in))
	})
}
