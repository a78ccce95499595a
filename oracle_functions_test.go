//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestOracleFunctions checks views over scalar functions against DuckDB: a
// table of random strings, delimiters, small integers (negative, zero,
// NULL) and timestamps gets random inserts, updates and deletes, and after
// each FLUSH every view holds what DuckDB computes for the same rows. Where
// DuckDB spells a function differently (~ is its regexp_matches, to_char
// its strftime) the DuckDB side is written its way. exp and ln are compared
// to the last bit with the C library's (DuckDB's, and Postgres').
func TestOracleFunctions(t *testing.T) {
	runOracleRounds(t, "TestOracleFunctions", 20261208, 0x2545f4914f6cdd1d, max(1, *oracleRounds/4), (*oracle).runFunctionsRound)
}

// functionViews are the views of a functions round over table t, each as
// weir's query and DuckDB's.
func functionViews(t string) [][2]string {
	same := func(q string) [2]string { return [2]string{q, q} }
	return [][2]string{
		{fmt.Sprintf("SELECT id, split_part(s, d, n) AS a, strpos(s, d) AS b, left(s, n) AS c, right(s, n) AS e, reverse(s) AS f, md5(s) AS g FROM %s WHERE n <> 0", t),
			fmt.Sprintf("SELECT id, CASE WHEN d = '' THEN CASE WHEN s IS NULL OR n IS NULL THEN NULL WHEN n IN (1, -1) THEN s ELSE '' END ELSE split_part(s, d, n) END AS a, strpos(s, d) AS b, left(s, n) AS c, right(s, n) AS e, reverse(s) AS f, md5(s) AS g FROM %s WHERE n <> 0", t)},
		same(fmt.Sprintf("SELECT id, lpad(s, n, 'xy') AS a, rpad(s, n, d) AS b, repeat(s, n) AS c, position(d IN s) AS e FROM %s WHERE d <> ''", t)),
		same(fmt.Sprintf("SELECT id, sign(n) AS a, gcd(n, 12) AS b, lcm(n, 6) AS c, exp(n / 10.0) AS e, ln(abs(n) + 1) AS f, exp(n * 7.3) AS h, ln(n * n + 0.37) AS i, trunc(n / 7.0, 2) AS g FROM %s", t)),
		{fmt.Sprintf("SELECT id, s ~ '^[a-z]' AS a, s ~* 'A' AS b, s !~ 'b$' AS c, regexp_replace(s, '[ab]', '#', 'g') AS e, regexp_replace(s, '(.)', '<\\1>') AS f FROM %s", t),
			fmt.Sprintf("SELECT id, regexp_matches(s, '^[a-z]', 's') AS a, regexp_matches(s, 'A', 'si') AS b, NOT regexp_matches(s, 'b$', 's') AS c, regexp_replace(s, '[ab]', '#', 'gs') AS e, regexp_replace(s, '(.)', '<\\1>', 's') AS f FROM %s", t)},
		{fmt.Sprintf("SELECT id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US') AS a, to_char(ts, 'FMDay FMDD Mon YY HH12 AM') AS b FROM %s", t),
			fmt.Sprintf("SELECT id, strftime(ts, '%%Y-%%m-%%d %%H:%%M:%%S.%%f') AS a, strftime(ts, '%%A %%-d %%b %%y %%I %%p') AS b FROM %s", t)},
		same(fmt.Sprintf("SELECT split_part(s, ' ', 1) AS k, count(*) AS c, max(strpos(s, d)) AS m FROM %s GROUP BY split_part(s, ' ', 1)", t)),
	}
}

// runFunctionsRound runs one random round of TestOracleFunctions.
func (o *oracle) runFunctionsRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("fn%d", g.round)
	g.cols = []oracleCol{
		{name: "s", kind: colVarchar, nulls: 10},
		{name: "d", kind: colVarchar, pool: []string{"','", "'a'", "''", "' '", "'b'"}, nulls: 10},
		{name: "n", kind: colSmallint, nulls: 10},
		{name: "ts", kind: colTimestamp, nulls: 10},
	}
	parts := []string{"id BIGINT PRIMARY KEY"}
	for _, c := range g.cols {
		parts = append(parts, c.name+" "+c.sqlType())
	}
	o.both("CREATE TABLE " + table + " (" + strings.Join(parts, ", ") + ")")
	defer func() {
		o.weir("DROP TABLE " + table + " CASCADE")
		o.duck("DROP TABLE " + table)
	}()
	views := functionViews(table)
	for i, v := range views {
		o.createView(fmt.Sprintf("%s_v%d", table, i), v[0])
	}
	check := func() {
		o.weir("FLUSH")
		for i, v := range views {
			o.compare(fmt.Sprintf("view %s_v%d AS %s", table, i, v[0]), fmt.Sprintf("SELECT * FROM %s_v%d", table, i), v[1])
		}
	}
	o.both(g.insert(table, 10+r.IntN(30)))
	check()
	for i := range 4 + r.IntN(8) {
		g.live = o.liveKeys(table)
		o.both(g.change(table))
		if i%3 == 2 {
			check()
		}
		if o.t.Failed() {
			return
		}
	}
	check()
}
