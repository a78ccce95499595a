package wire

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/weir-stream/weir/sql/types"
)

// TestTypesRoundTrip reads every type through pgx in each of its query
// modes: the simple protocol (text results) and the extended ones (binary
// results for the types pgx decodes in binary).
func TestTypesRoundTrip(t *testing.T) {
	ts := startServer(t, Options{})
	conn := ts.connect(t)
	modes := []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeDescribeExec,
		pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeExec}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			rows, err := conn.Query(testCtx(t), "types", mode)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			if !rows.Next() {
				t.Fatalf("no row: %v", rows.Err())
			}
			var (
				b      bool
				i2     int16
				i4     int32
				i8     int64
				f4     float32
				f8     float64
				n      pgtype.Numeric
				s      string
				d      time.Time
				tsv    time.Time
				tz     time.Time
				iv     pgtype.Interval
				by     []byte
				j      map[string]any
				nulls  [14]any
				nullPs = make([]any, 14)
			)
			if err := rows.Scan(&b, &i2, &i4, &i8, &f4, &f8, &n, &s, &d, &tsv, &tz, &iv, &by, &j); err != nil {
				t.Fatal(err)
			}
			got := []any{b, i2, i4, i8, f4, f8, n.Int.String(), n.Exp, s, d, tsv, tz.UTC(), iv, by, j}
			want := []any{true, int16(-2), int32(40000), int64(1 << 40), float32(1.5), 0.1, "1250", int32(-2), "héllo",
				time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), typesTS, typesTS,
				pgtype.Interval{Months: 14, Days: 3, Microseconds: (4*3600 + 5*60 + 6) * 1e6, Valid: true},
				[]byte{1, 2}, map[string]any{"a": float64(1)}}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("value %d: got %#v, want %#v", i, got[i], want[i])
				}
			}
			if !rows.Next() {
				t.Fatalf("no second row: %v", rows.Err())
			}
			for i := range nullPs {
				nullPs[i] = &nulls[i]
			}
			if err := rows.Scan(nullPs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range nulls {
				if v != nil {
					t.Errorf("null %d: got %#v", i, v)
				}
			}
			if rows.Next() {
				t.Fatal("extra row")
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if tag := rows.CommandTag().String(); tag != "SELECT 2" {
				t.Fatalf("tag %q", tag)
			}
		})
	}
}

// TestParams sends a parameter of each type in binary (as pgx encodes it)
// and in text, and reads back the text form the session received.
func TestParams(t *testing.T) {
	ts := startServer(t, Options{})
	conn := ts.connect(t)
	m := pgtype.NewMap()
	cases := []struct {
		t    types.T
		v    any
		want string
	}{
		{types.BoolType, true, "t"},
		{types.Int16Type, int16(-2), "-2"},
		{types.Int32Type, int32(40000), "40000"},
		{types.Int64Type, int64(-1 << 40), "-1099511627776"},
		{types.Float32Type, float32(1.5), "1.5"},
		{types.Float64Type, 0.1, "0.1"},
		{types.DefaultNumeric, pgtype.Numeric{Int: big.NewInt(1250), Exp: -2, Valid: true}, "12.50"},
		{types.DefaultNumeric, pgtype.Numeric{Int: big.NewInt(-5), Exp: -2, Valid: true}, "-0.05"},
		{types.DefaultNumeric, pgtype.Numeric{Int: big.NewInt(12), Exp: 6, Valid: true}, "12000000"},
		{types.TextType, "héllo", "héllo"},
		{types.DateType, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), "2024-01-02"},
		{types.TSType, typesTS, "2024-01-02 03:04:05.123456"},
		{types.TSTZType, typesTS, "2024-01-02 03:04:05.123456+00"},
		{types.IntervalT, pgtype.Interval{Months: 14, Days: 3, Microseconds: 14706e6, Valid: true}, "1 year 2 mons 3 days 04:05:06"},
		{types.ByteaType, []byte{1, 2}, `\x0102`},
		{types.JSONBType, map[string]any{"a": 1}, `{"a":1}`},
	}
	for _, c := range cases {
		oid := c.t.OID()
		bin, err := m.Encode(oid, pgtype.BinaryFormatCode, c.v, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.t, err)
		}
		for _, p := range []struct {
			format int16
			value  []byte
		}{{1, bin}, {0, []byte(c.want)}} {
			res := conn.PgConn().ExecParams(testCtx(t), "echo $1", [][]byte{p.value}, []uint32{oid}, []int16{p.format}, nil).Read()
			if res.Err != nil {
				t.Fatalf("%s format %d: %v", c.t, p.format, res.Err)
			}
			if got := string(res.Rows[0][0]); got != c.want {
				t.Errorf("%s format %d: got %q, want %q", c.t, p.format, got, c.want)
			}
		}
	}
	// A malformed binary value is the client's error.
	res := conn.PgConn().ExecParams(testCtx(t), "echo $1", [][]byte{{1, 2, 3}}, []uint32{types.OIDInt4}, []int16{1}, nil).Read()
	if res.Err == nil {
		t.Fatal("bad int4 accepted")
	}
	// Through pgx's own parameter handling, in every extended mode.
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeDescribeExec, pgx.QueryExecModeCacheStatement} {
		var got string
		if err := conn.QueryRow(testCtx(t), "echo $1", mode, "abc").Scan(&got); err != nil || got != "abc" {
			t.Fatalf("%v: got %q, %v", mode, got, err)
		}
	}
}
