package expr

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// evalColumnOver evaluates name(column 0, consts...) over col (sliced from
// row 1, so that the arrays have an offset) and returns the result and
// the sliced input; the caller releases both.
func evalColumnOver(t *testing.T, mem memory.Allocator, col arrow.Array, name string, consts ...any) (arrow.Array, arrow.Array) {
	t.Helper()
	typ := map[arrow.Type]types.T{arrow.STRING: types.TextType, arrow.TIMESTAMP: types.TSType}[col.DataType().ID()]
	args := []Expr{Column(0, "c", typ)}
	for _, v := range consts {
		ct := types.TextType
		if _, ok := v.(int64); ok {
			ct = types.Int32Type
		}
		c, err := Constant(v, ct)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, c)
	}
	e, err := Func(name, args)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := e.(*funcExpr); !ok || f.columnar == nil {
		t.Fatalf("%s is not evaluated columnar", e)
	}
	sliced := array.NewSlice(col, 1, int64(col.Len()))
	schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: col.DataType(), Nullable: true}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{sliced}, int64(sliced.Len()))
	defer batch.Release()
	out, err := e.Eval(context.Background(), mem, batch)
	if err != nil {
		t.Fatal(err)
	}
	return out, sliced
}

// TestCivilTimeMatchesTime checks the calendar fields to_char writes
// against Go's time over random timestamps from 140000 BC to 140000 AD,
// and over consecutive days around leap days.
func TestCivilTimeMatchesTime(t *testing.T) {
	const span = 140_000 * 366 * microsPerDay
	r := rand.New(rand.NewPCG(1, 2))
	var f civilTime
	check := func(ts int64) {
		f.set(ts)
		tm := time.UnixMicro(ts).UTC()
		got := []int{f.year, f.month, f.day, f.yday, f.wday, f.hour, f.minute, f.second, f.micro}
		want := []int{tm.Year(), int(tm.Month()), tm.Day(), tm.YearDay(), int(tm.Weekday()), tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond() / 1000}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("timestamp %d (%s): fields %v, time says %v", ts, tm, got, want)
			}
		}
	}
	for range 200_000 {
		check(r.Int64N(2*span) - span)
	}
	for _, start := range []int64{-719_528 - 800, -800, 10_950, 11_000 + 365*30} {
		for d := start; d < start+1600; d++ {
			check(d*microsPerDay + r.Int64N(microsPerDay))
			check(d * microsPerDay)
			check(d*microsPerDay - 1)
		}
	}
}

// TestToCharColumnar checks to_char over whole arrays (with NULLs, an
// offset, years BC and past 9999) against Go's time formatting and the
// row-at-a-time path of a format that is not a constant.
func TestToCharColumnar(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(3, 4))
	b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
	defer b.Release()
	var vals []int64
	for i := range 5000 {
		var v int64
		switch {
		case i%97 == 5:
			b.AppendNull()
			vals = append(vals, 0)
			continue
		case i%10 == 0:
			v = r.Int64N(280_000*366*microsPerDay) - 140_000*366*microsPerDay
		default:
			v = r.Int64N(60*366*microsPerDay) - 10*366*microsPerDay
		}
		b.Append(arrow.Timestamp(v))
		vals = append(vals, v)
	}
	col := b.NewArray()
	defer col.Release()
	formats := []string{
		"YYYY-MM-DD", "HH:MI", "HH:mm", "YYYY-MM-DD HH24:MI:SS.US", "yyyy/mm/dd hh12:mi:ss.ms PM",
		"Day, DD Month YYYY", "FMDay, FMDD FMMonth FMYYYY", "DY dy Mon MON mon MONTH month", "YYY YY Y DDD D Q am",
		`"Year" YYYY "at" HH24\h`, "FMHH24:FMMI:FMSS FMUS FMMS FMDDD",
	}
	for _, format := range formats {
		out, sliced := evalColumnOver(t, mem, col, "to_char", format)
		got := out.(*array.String)
		for i := range sliced.Len() {
			v := vals[i+1]
			if sliced.IsNull(i) {
				if !got.IsNull(i) {
					t.Fatalf("to_char(NULL, %q) = %q", format, got.Value(i))
				}
				continue
			}
			if want := toChar(v, format); got.IsNull(i) || got.Value(i) != want {
				t.Fatalf("to_char(%d, %q) = %q, the row path says %q", v, format, got.Value(i), want)
			}
			tm := time.UnixMicro(v).UTC()
			if format == "YYYY-MM-DD HH24:MI:SS.US" && tm.Year() >= 1 && tm.Year() <= 9999 {
				if want := tm.Format("2006-01-02 15:04:05.000000"); got.Value(i) != want {
					t.Fatalf("to_char(%s, %q) = %q, want %q", tm, format, got.Value(i), want)
				}
			}
			if format == "FMDay, FMDD FMMonth FMYYYY" {
				if want := tm.Format("Monday, 2 January ") + strconv.Itoa(tm.Year()); got.Value(i) != want {
					t.Fatalf("to_char(%s, %q) = %q, want %q", tm, format, got.Value(i), want)
				}
			}
		}
		out.Release()
		sliced.Release()
	}
}

// TestStringColumnar checks split_part, strpos, position, lower, upper,
// length and replace over whole arrays (with NULLs, an offset, text that
// is not ASCII and delimiters that overlap) against the strings package.
func TestStringColumnar(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "B", "c", "/", "//", "aa", "Ä", "ö", "ß", "İ", "x", "", "https://www.nexmark.com/"}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	var vals []string
	for i := range 3000 {
		if i%31 == 7 {
			b.AppendNull()
			vals = append(vals, "")
			continue
		}
		var sb strings.Builder
		for range r.IntN(10) {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		b.Append(sb.String())
		vals = append(vals, sb.String())
	}
	col := b.NewArray()
	defer col.Release()
	splitPartRef := func(s, delim string, n int64) string {
		if s == "" || delim == "" {
			if s != "" && (n == 1 || n == -1) {
				return s
			}
			return ""
		}
		parts := strings.Split(s, delim)
		if n < 0 {
			n += int64(len(parts)) + 1
		}
		if n < 1 || n > int64(len(parts)) {
			return ""
		}
		return parts[n-1]
	}
	strposRef := func(s, sub string) string {
		k := strings.Index(s, sub)
		if k < 0 {
			return "0"
		}
		return strconv.Itoa(utf8.RuneCountInString(s[:k]) + 1)
	}
	cases := []struct {
		name   string
		consts []any
		want   func(s string) string
	}{
		{"lower", nil, strings.ToLower},
		{"upper", nil, strings.ToUpper},
		{"length", nil, func(s string) string { return strconv.Itoa(utf8.RuneCountInString(s)) }},
		{"char_length", nil, func(s string) string { return strconv.Itoa(utf8.RuneCountInString(s)) }},
		{"replace", []any{"a", ""}, func(s string) string { return strings.ReplaceAll(s, "a", "") }},
		{"replace", []any{"aa", "Xyz"}, func(s string) string { return strings.ReplaceAll(s, "aa", "Xyz") }},
		{"replace", []any{"", "z"}, func(s string) string { return s }},
		{"strpos", []any{"/"}, func(s string) string { return strposRef(s, "/") }},
		{"position", []any{"ö"}, func(s string) string { return strposRef(s, "ö") }},
		{"strpos", []any{""}, func(s string) string { return strposRef(s, "") }},
	}
	for _, delim := range []string{"/", "aa", "", "//"} {
		for _, n := range []int64{1, 2, 4, 6, -1, -2, -5} {
			cases = append(cases, struct {
				name   string
				consts []any
				want   func(s string) string
			}{"split_part", []any{delim, n}, func(s string) string { return splitPartRef(s, delim, n) }})
		}
	}
	for _, c := range cases {
		out, sliced := evalColumnOver(t, mem, col, c.name, c.consts...)
		for i := range sliced.Len() {
			if sliced.IsNull(i) {
				if !out.IsNull(i) {
					t.Fatalf("%s(NULL, %v) is not NULL", c.name, c.consts)
				}
				continue
			}
			var got string
			switch o := out.(type) {
			case *array.String:
				got = o.Value(i)
			case *array.Int32:
				got = strconv.Itoa(int(o.Value(i)))
			}
			if want := c.want(vals[i+1]); out.IsNull(i) || got != want {
				t.Fatalf("%s(%q, %v) = %q, want %q", c.name, vals[i+1], c.consts, got, want)
			}
		}
		out.Release()
		sliced.Release()
	}
}

// TestIntsToNumeric checks the cast of integers to numeric without boxing
// against big.Int arithmetic, and its overflow error against the row path.
func TestIntsToNumeric(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(9, 10))
	b := array.NewInt64Builder(mem)
	defer b.Release()
	var vals []int64
	for i := range 2000 {
		if i%13 == 3 {
			b.AppendNull()
			vals = append(vals, 0)
			continue
		}
		v := r.Int64() >> r.IntN(64)
		if i%2 == 0 {
			v = -v
		}
		if i < 4 {
			v = []int64{math.MaxInt64, math.MinInt64, 0, -1}[i]
		}
		b.Append(v)
		vals = append(vals, v)
	}
	col := b.NewArray()
	defer col.Release()
	for _, to := range []types.T{types.NumericType(19, 0), types.NumericType(38, 18), types.NumericType(30, 5), types.NumericType(10, 2)} {
		out, err := castArray(mem, col, types.Int64Type, to)
		if to.Precision == 10 {
			if err == nil || !strings.Contains(err.Error(), "numeric field overflow") {
				t.Fatalf("CAST(%d AS %s): error %v, want numeric field overflow", vals[0], to, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got := out.(*array.Decimal128)
		for i, v := range vals {
			if col.IsNull(i) != got.IsNull(i) {
				t.Fatalf("CAST(row %d AS %s): NULL %v, want %v", i, to, got.IsNull(i), col.IsNull(i))
			}
			if col.IsNull(i) {
				continue
			}
			want := new(big.Int).Mul(big.NewInt(v), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(to.Scale)), nil))
			if got.Value(i).BigInt().Cmp(want) != 0 {
				t.Fatalf("CAST(%d AS %s) = %s, want %s", v, to, got.Value(i).BigInt(), want)
			}
		}
		out.Release()
	}
}

// TestDatePartColumnar checks date_part of the calendar and clock fields
// over whole arrays against the row path's timePart.
func TestDatePartColumnar(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(11, 12))
	b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
	defer b.Release()
	var vals []int64
	for i := range 3000 {
		if i%17 == 2 {
			b.AppendNull()
			vals = append(vals, 0)
			continue
		}
		v := r.Int64N(8000*366*microsPerDay) - 6000*366*microsPerDay
		b.Append(arrow.Timestamp(v))
		vals = append(vals, v)
	}
	col := b.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "ts", Type: col.DataType(), Nullable: true}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	defer batch.Release()
	for _, field := range []string{"year", "Quarter", "month", "day", "dow", "isodow", "doy", "HOUR", "minutes"} {
		c, _ := Constant(field, types.TextType)
		e, err := Func("date_part", []Expr{c, Column(0, "ts", types.TSType)})
		if err != nil {
			t.Fatal(err)
		}
		if e.(*funcExpr).columnar == nil {
			t.Fatalf("%s is not evaluated columnar", e)
		}
		out, err := e.Eval(context.Background(), mem, batch)
		if err != nil {
			t.Fatal(err)
		}
		got := out.(*array.Float64)
		for i, v := range vals {
			if col.IsNull(i) {
				if !got.IsNull(i) {
					t.Fatalf("date_part(%q, NULL) is not NULL", field)
				}
				continue
			}
			want, err := timePart(field, v)
			if err != nil {
				t.Fatal(err)
			}
			if got.IsNull(i) || got.Value(i) != want.(float64) {
				t.Fatalf("date_part(%q, %s) = %v, want %v", field, time.UnixMicro(v).UTC(), got.Value(i), want)
			}
		}
		out.Release()
	}
}

// TestColumnarEmptyBatch evaluates the columnar calls over a batch of no
// rows.
func TestColumnarEmptyBatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ts := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond})
	ts.AppendNull()
	tsCol := ts.NewArray()
	ts.Release()
	defer tsCol.Release()
	s := array.NewStringBuilder(mem)
	s.Append("a/b")
	sCol := s.NewArray()
	s.Release()
	defer sCol.Release()
	for _, c := range []struct {
		col    arrow.Array
		name   string
		consts []any
	}{
		{tsCol, "to_char", []any{"YYYY-MM-DD"}},
		{sCol, "split_part", []any{"/", int64(2)}},
		{sCol, "lower", nil},
		{sCol, "strpos", []any{"/"}},
	} {
		// evalColumnOver slices from row 1: no rows are left.
		out, sliced := evalColumnOver(t, mem, c.col, c.name, c.consts...)
		if out.Len() != 0 {
			t.Fatalf("%s over no rows: %d rows", c.name, out.Len())
		}
		out.Release()
		sliced.Release()
	}
}
