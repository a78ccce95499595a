package sql

import (
	"strings"
	"testing"
)

// TestWatermarkDefRoundTrip parses WATERMARK FOR in CREATE STREAM and
// CREATE TABLE and prints it back, and checks its errors' positions.
func TestWatermarkDefRoundTrip(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`create stream s (id int, ts timestamp, watermark for ts as ts - interval '5 seconds') with (connector = 'datagen')`,
			`CREATE STREAM s (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'datagen')`},
		{`CREATE STREAM bid (WATERMARK FOR date_time AS date_time) WITH (connector = 'nexmark')`,
			`CREATE STREAM bid (WATERMARK FOR date_time AS date_time) WITH (connector = 'nexmark')`},
		{`create table t (k int primary key, ts timestamptz, watermark for ts as ts - interval '1' minute)`,
			`CREATE TABLE t (k INT PRIMARY KEY, ts TIMESTAMPTZ, WATERMARK FOR ts AS ts - INTERVAL '1 minute')`},
		{`create table t (k int, ts timestamp, primary key (k), watermark for ts as ts)`,
			`CREATE TABLE t (k INT, ts TIMESTAMP, PRIMARY KEY (k), WATERMARK FOR ts AS ts)`},
	} {
		st, err := ParseOne(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		got := String(st)
		if got != c.want {
			t.Errorf("%s printed as\n%s, want\n%s", c.in, got, c.want)
		}
		if err := roundTrip(st); err != nil {
			t.Error(err)
		}
	}
	for _, c := range []struct{ in, msg string }{
		{`CREATE STREAM s (ts timestamp, WATERMARK FOR ts AS ts, WATERMARK FOR ts AS ts) WITH (connector = 'x')`, "only one WATERMARK clause is allowed"},
		{`CREATE STREAM s (ts timestamp, WATERMARK FOR ts ts) WITH (connector = 'x')`, "syntax error"},
	} {
		_, err := ParseOne(c.in)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want %q", c.in, err, c.msg)
		}
	}
}
