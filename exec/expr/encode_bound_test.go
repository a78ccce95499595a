package expr_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// boundBatch is the rows of table t of TestMarshalBoundExpressions, with its
// hidden _row_id last, as the binder's column references number them.
const boundBatch = `i int | b bigint | s smallint | r real | d double | n numeric(10,2) | v text | vc text | ok bool | dt date | ts timestamp | tz timestamptz | iv interval | by bytea | j jsonb | _row_id bigint
1 | 10 | 3 | 1.5 | 2.25 | 12.34 | abc | ab | true | 2024-02-29 | 2024-02-29 12:34:56.5 | 2024-01-01 00:00:00+00 | 1 day 02:00:00 | \x6869 | {"a": 1} | 1
-7 | NULL | -2 | -0.5 | -1e10 | -0.05 | Hello World | NULL | false | 1999-12-31 | 1970-01-01 00:00:00 | 2000-06-15 12:00:00+02 | -3 months | \x | [1, "x"] | 2
NULL | 9223372036854775807 | 32767 | NULL | NaN | NULL | NULL | xyz | NULL | NULL | NULL | NULL | NULL | NULL | NULL | 3
0 | -5 | 0 | 0 | 0 | 0 | a_b%c | '' | true | 2000-01-01 | 2000-01-01 00:00:00 | 2000-01-01 00:00:00+00 | 0 | \x00ff | null | 4`

// boundQueries are bound by the planner; every expression of their plans
// must round-trip.
var boundQueries = []string{
	`SELECT i + b, i + s, s * s, b / 2, i % 3, -i, -n, n * 2, n / 3, r + d, i + 1.5, n * n, 2147483648 + 1, -2147483648 FROM t`,
	`SELECT dt + 1, 1 + dt, dt - dt, dt - 1, ts + iv, iv + ts, ts - ts, tz - iv, iv * 2, 2 * iv, iv / 2, dt + iv, iv + iv, -iv, ts - dt FROM t`,
	`SELECT v || 'x', v || i, by || by, 'a' || 'b', i || v, j::text || v FROM t`,
	`SELECT lower(v), upper(v), length(v), char_length(vc), substring(v, 2, 2), substr(v, 2), trim(v), ltrim(v, 'a'), rtrim(v, 'c'), btrim(v, 'a'), replace(v, 'l', 'L'), concat(v, i, 'x', NULL) FROM t`,
	`SELECT abs(i), abs(n), abs(d), round(d), round(n), round(n, 1), round(i, 1), floor(n), ceil(d), ceiling(r), sqrt(abs(d)), power(d, 2), pow(i, 0.5), mod(i, 2), mod(b, i) FROM t`,
	`SELECT coalesce(i, b, 0), coalesce(v, 'none'), nullif(i, 1), nullif(v, 'abc'), greatest(i, s, 5), least(n, 2), greatest(dt, ts), least(v, 'b') FROM t`,
	`SELECT date_trunc('day', ts), date_trunc('month', dt), date_trunc('hour', tz), date_part('hour', ts), extract(year from dt), extract(epoch from iv), extract(dow from tz) FROM t`,
	`SELECT CASE WHEN i > 0 THEN 'pos' WHEN i < 0 THEN 'neg' ELSE 'zero' END, CASE i WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, CASE WHEN ok THEN n ELSE i END, CASE WHEN i = 0 THEN 0 ELSE 10 / i END FROM t`,
	`SELECT i IN (1, 2, NULL), v NOT IN ('abc', v), i IN (s, b), iv IN ('1 day 02:00:00', iv), i BETWEEN 1 AND b, d NOT BETWEEN 0 AND 1, dt BETWEEN '2000-01-01' AND ts FROM t`,
	`SELECT v LIKE 'a%', v ILIKE '%W%', v NOT LIKE vc, v NOT ILIKE 'A_C', v LIKE 'a\_b\%c' FROM t`,
	`SELECT i IS NULL, v IS NOT NULL, ok IS TRUE, ok IS NOT TRUE, ok IS FALSE, ok IS NOT FALSE, NOT ok, ok AND i > 0, ok OR NULL, i = b, v <> 'abc', n < 1, dt <= ts, tz > ts, iv >= '1 hour', by = by, ok = true FROM t`,
	`SELECT CAST(i AS VARCHAR(2)), v::varchar(3), CAST(v AS CHAR(2)), i::text, d::int, n::int, r::numeric(5,1), '1'::int, v::int, j::text, '{"b": 2, "a": [1]}'::jsonb, by::text, convert_from(by, 'UTF8'), convert_to(v, 'UTF8') FROM t`,
	`SELECT i::bool, ok::int, ts::date, dt::timestamp, tz::timestamp, ts::timestamptz, '2024-01-01'::date, '1 day'::interval, 'x', NULL, NULL::int, 1.50, 1e3, TRUE, '\x00ff'::bytea FROM t`,
	`SELECT i, v FROM t WHERE i > 0 AND v LIKE 'a%' OR ok IS NULL`,
	`SELECT now(), current_timestamp, ts < now() FROM t`,
	`SELECT ok, sum(i), count(*), count(DISTINCT v), avg(n), avg(i), min(ts), max(v), sum(d), sum(b), min(iv), max(by), count(j) FROM t GROUP BY ok`,
	`SELECT v, sum(i + 1) FROM t WHERE d > 0 GROUP BY v HAVING sum(i) > 1 AND max(n) < 10`,
	`SELECT v, count(*) FILTER (WHERE i > 0), sum(DISTINCT i) FILTER (WHERE ok), string_agg(v, ', ' ORDER BY v DESC), string_agg(DISTINCT vc, '-'), string_agg(v, ';' ORDER BY i DESC NULLS LAST, ts), bool_and(ok), bool_or(i > 1), every(ok), bit_and(i), bit_or(s), bit_xor(b) FROM t GROUP BY v`,
	`SELECT stddev(i), stddev_samp(n), stddev_pop(d), variance(r), var_samp(b), var_pop(s), avg(DISTINCT n) FROM t`,
}

// TestMarshalBoundExpressions binds queries with the planner over a table of
// every type, round-trips every expression and aggregate of their plans, and
// evaluates each expression over the table's column batch both as bound and
// as decoded: the values (or the error) must be the same.
func TestMarshalBoundExpressions(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batch, err := expr.NewTestBatch(mem, boundBatch)
	if err != nil {
		t.Fatal(err)
	}
	defer batch.Release()
	cat := catalog.New()
	cols := []catalog.Column{
		{Name: "i", Type: types.Int32Type}, {Name: "b", Type: types.Int64Type}, {Name: "s", Type: types.Int16Type},
		{Name: "r", Type: types.Float32Type}, {Name: "d", Type: types.Float64Type}, {Name: "n", Type: types.NumericType(10, 2)},
		{Name: "v", Type: types.TextType}, {Name: "vc", Type: types.TextType, Length: 5}, {Name: "ok", Type: types.BoolType},
		{Name: "dt", Type: types.DateType}, {Name: "ts", Type: types.TSType}, {Name: "tz", Type: types.TSTZType},
		{Name: "iv", Type: types.IntervalT}, {Name: "by", Type: types.ByteaType}, {Name: "j", Type: types.JSONBType},
		{Name: "_row_id", Type: types.Int64Type, NotNull: true, Hidden: true},
	}
	if err := cat.Add(discard{}, &catalog.Object{Name: "t", Kind: catalog.Table, Columns: cols, Key: []int{len(cols) - 1}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var exprs, evaluated, aggs int
	for _, q := range boundQueries {
		stmts, err := sql.Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		plan, err := planner.NewBinder(cat, nil).BindSelect(stmts[0].(*sql.Select))
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		walkPlan(plan, func(e expr.Expr, overScan bool) {
			exprs++
			back := roundTripBound(t, e)
			if back == nil || !overScan || expr.IsVolatile(e) {
				return
			}
			evaluated++
			want, werr := e.Eval(ctx, mem, batch)
			got, gerr := back.Eval(ctx, mem, batch)
			defer func() {
				for _, a := range []arrow.Array{want, got} {
					if a != nil {
						a.Release()
					}
				}
			}()
			switch {
			case (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error():
				t.Errorf("%s: error %v, decoded %v", e, werr, gerr)
			case werr == nil && !array.ApproxEqual(want, got, array.WithNaNsEqual(true), array.WithAbsTolerance(0)):
				t.Errorf("%s: %v, decoded %v", e, want, got)
			}
		}, func(a expr.Aggregate) {
			aggs++
			data, err := expr.MarshalAggregate(a)
			if err != nil {
				t.Errorf("%s: %v", a, err)
				return
			}
			back, err := expr.UnmarshalAggregate(data)
			if err != nil || back.String() != a.String() || back.Type != a.Type || back.Kind != a.Kind {
				t.Errorf("%s :: %s came back as %s :: %s (%v)", a, a.Type, back, back.Type, err)
			}
		})
	}
	if exprs < 170 || evaluated < 150 || aggs < 15 {
		t.Errorf("round-tripped %d expressions (%d evaluated) and %d aggregates; the queries have more", exprs, evaluated, aggs)
	}
	t.Logf("round-tripped %d expressions (%d evaluated) and %d aggregates", exprs, evaluated, aggs)
}

// roundTripBound encodes and decodes e and checks the copy; nil on failure.
func roundTripBound(t *testing.T, e expr.Expr) expr.Expr {
	t.Helper()
	data, err := expr.Marshal(e)
	if err != nil {
		t.Errorf("Marshal(%s): %v", e, err)
		return nil
	}
	back, err := expr.Unmarshal(data)
	if err != nil {
		t.Errorf("Unmarshal(%s) of %s: %v", data, e, err)
		return nil
	}
	again, err := expr.Marshal(back)
	if back.String() != e.String() || back.Type() != e.Type() || err != nil || !bytes.Equal(again, data) {
		t.Errorf("%s :: %s came back as %s :: %s, encoded %s then %s", e, e.Type(), back, back.Type(), data, again)
		return nil
	}
	return back
}

// walkPlan calls fn for every expression of n's plan (overScan: it reads the
// scanned table's columns, directly or through filters) and agg for every
// aggregate.
func walkPlan(n planner.Node, fn func(e expr.Expr, overScan bool), agg func(expr.Aggregate)) {
	overScan := func(in planner.Node) bool {
		for {
			switch x := in.(type) {
			case *planner.Scan:
				return true
			case *planner.Filter:
				in = x.Input
			default:
				return false
			}
		}
	}
	switch x := n.(type) {
	case *planner.Filter:
		fn(x.Pred, overScan(x.Input))
	case *planner.Project:
		for _, e := range x.Exprs {
			fn(e, overScan(x.Input))
		}
	case *planner.Aggregate:
		for _, a := range x.Aggs {
			agg(a)
		}
	case *planner.Values:
		for _, row := range x.Rows {
			for _, e := range row {
				fn(e, false)
			}
		}
	}
	for _, c := range n.Children() {
		walkPlan(c, fn, agg)
	}
}

// discard is a StateWriter that drops the catalog's writes.
type discard struct{}

func (discard) Set(key, value []byte) error     { return nil }
func (discard) Delete(key []byte) error         { return nil }
func (discard) DeleteRange(lo, hi []byte) error { return nil }
