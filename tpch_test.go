//go:build duckdb_arrow

package weir_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// tpchUnsupported lists the TPC-H queries weir cannot maintain as views
// yet: the SQLSTATE and message CREATE MATERIALIZED VIEW fails with.
var tpchUnsupported = map[string]struct{ code, why string }{}

// tpchQ20Wide is Q20 with wider parameters, so that at the test's scale it
// has rows (Q20's own are empty there): parts whose name starts with f,
// suppliers of every nation, and 200 times the year's quantity, which about
// half the part's suppliers have in stock. Among the partsupp rows it
// reads are ones whose scalar subquery has no lineitem rows (NULL: the row
// is excluded), and ones on either side of the comparison.
const tpchQ20Wide = `SELECT s_name, s_address FROM supplier
WHERE s_suppkey IN (
    SELECT ps_suppkey FROM partsupp
    WHERE ps_partkey IN (SELECT p_partkey FROM part WHERE p_name LIKE 'f%')
      AND ps_availqty > (
        SELECT 200 * sum(l_quantity) FROM lineitem
        WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey
          AND l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1994-01-01' + INTERVAL '1' YEAR))`

// TestTPCH creates TPC-H's 22 queries (testdata/tpch) as materialized views
// over its eight tables loaded at a small scale (tpchGen), then changes the
// tables with inserts and deletes of orders, their lines and customers, and
// checks after each FLUSH that every view holds DuckDB's answer over the
// same tables. The queries weir cannot maintain yet must fail as
// tpchUnsupported says, so the list stays true.
func TestTPCH(t *testing.T) {
	o := newOracle(t)
	g := newTPCHGen(20261206, 0.002)
	for _, ddl := range tpchDDL {
		// DuckDB's index would refuse some delete-then-insert sequences
		// that Postgres accepts; weir checks the key itself (duckSQL).
		o.weir(ddl)
		o.duck(tpchPrimaryKey.ReplaceAllString(ddl, ""))
	}
	for _, st := range g.fixed() {
		o.both(st)
	}
	ords, lines := g.orders(10 * g.custs)
	for _, st := range append(inserts("orders", ords), inserts("lineitem", lines)...) {
		o.both(st)
	}
	files, err := filepath.Glob("testdata/tpch/q*.sql")
	if err != nil || len(files) != 22 {
		t.Fatalf("testdata/tpch: %d queries (%v), want 22", len(files), err)
	}
	type view struct{ name, sel string }
	var views []view
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		q := strings.TrimSuffix(filepath.Base(f), ".sql")
		var lines []string
		for _, l := range strings.Split(string(text), "\n") {
			if !strings.HasPrefix(l, "--") {
				lines = append(lines, l)
			}
		}
		sel := strings.TrimSpace(strings.Join(lines, "\n"))
		ctx, cancel := stmtContext()
		_, err = o.conn.Exec(ctx, "CREATE MATERIALIZED VIEW tpch_"+q+" AS "+sel, pgx.QueryExecModeSimpleProtocol)
		cancel()
		want, listed := tpchUnsupported[q]
		var pe *pgconn.PgError
		switch {
		case err == nil && listed:
			t.Errorf("%s: weir maintains it now; take it off tpchUnsupported", q)
		case err == nil:
			views = append(views, view{"tpch_" + q, sel})
		case !errors.As(err, &pe):
			t.Fatalf("%s: %v", q, err)
		case !listed || pe.Code != want.code || pe.Message != want.why:
			t.Errorf("%s: CREATE MATERIALIZED VIEW: %s %s (tpchUnsupported says %s %s)", q, pe.Code, pe.Message, want.code, want.why)
		}
	}
	o.weir("CREATE MATERIALIZED VIEW tpch_q20_wide AS " + tpchQ20Wide)
	views = append(views, view{"tpch_q20_wide", tpchQ20Wide})
	check := func(when string) {
		o.weir("FLUSH")
		for _, v := range views {
			o.compareTPCH(when+": "+v.name, v.name, v.sel)
		}
		if _, _, rows, err := o.weirRows("SELECT * FROM tpch_q20_wide"); err != nil || len(rows) == 0 {
			t.Errorf("%s: tpch_q20_wide has %d rows (%v): the check of Q20's form compares nothing", when, len(rows), err)
		}
	}
	check("loaded")
	for round := range 3 {
		// Delete a twentieth of the orders with their lines, add as many,
		// add customers (without orders) and delete some that have none.
		var keys []string
		for k := 1; k <= g.nextOrder; k++ {
			if g.rng.IntN(20) == 0 {
				keys = append(keys, fmt.Sprint(k))
			}
		}
		in := strings.Join(keys, ", ")
		o.both("DELETE FROM lineitem WHERE l_orderkey IN (" + in + ")")
		o.both("DELETE FROM orders WHERE o_orderkey IN (" + in + ")")
		ords, lines := g.orders(len(keys))
		for _, st := range append(inserts("orders", ords), inserts("lineitem", lines)...) {
			o.both(st)
		}
		var custs []string
		for range 5 {
			custs = append(custs, g.customer(g.nextCust))
			g.nextCust++
		}
		o.both(inserts("customer", custs)[0])
		o.both(fmt.Sprintf("DELETE FROM customer WHERE c_custkey %% 3 = 0 AND c_custkey %% 7 = %d", round))
		check(fmt.Sprintf("after changes %d", round+1))
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of 22 TPC-H queries maintained as views (and Q20 widened), %d comparisons over %d rows", len(views)-1, o.checks, o.rows)
}

// compareTPCH compares view name on weir with sel on DuckDB, numbers within
// a relative 1e-9 (DuckDB divides decimals in double precision, Postgres
// and weir in numeric).
func (o *oracle) compareTPCH(what, name, sel string) {
	o.t.Helper()
	names, oids, got, err := o.weirRows("SELECT * FROM " + name)
	if err != nil {
		o.fail("weir: %s: %v", name, err)
		return
	}
	want, err := o.duckRows(sel, len(names))
	if err != nil {
		o.fail("duckdb: %s: %v", sel, err)
		return
	}
	kinds := make([]valueKind, len(names))
	for i := range names {
		kinds[i] = kindOf(names[i], oids[i])
		if slices.Contains([]uint32{oidNumeric, oidFloat4, oidFloat8}, oids[i]) {
			kinds[i] = kindAvg
		}
	}
	canonAll(got, kinds)
	canonAll(want, kinds)
	sortRows(got, kinds)
	sortRows(want, kinds)
	o.checks++
	o.rows += len(want)
	if !rowsMatch(got, want, kinds) {
		o.t.Errorf("%s:\nweir (%s):\n%s\nduckdb:\n%s", what, strings.Join(names, ", "), renderRows(got), renderRows(want))
	}
}

// tpchPrimaryKey matches the primary keys of tpchDDL.
var tpchPrimaryKey = regexp.MustCompile(`,\s*PRIMARY KEY \([^)]*\)| PRIMARY KEY`)
