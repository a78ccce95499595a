//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestOracleWindowSession checks ad-hoc session window aggregates against
// DuckDB: a table with random columns and a TIMESTAMP column ts gets
// random inserts, updates and deletes, and after each change SESSION(t
// [PARTITION BY k], ts, gap) grouped by its window (and key) equals what
// DuckDB computes without lag or running sums: a row starts a session
// when no row of its partition is less than gap before it, a row's
// window_start is the latest start at or before it, and window_end is the
// session's last time plus gap. A row whose ts is NULL is in a NULL window.
func TestOracleWindowSession(t *testing.T) {
	runOracleRounds(t, "TestOracleWindowSession", 20261206, 0x5e55104e9a7d3c21, *oracleRounds, (*oracle).runWindowSessionRound)
}

// windowSessionQueries returns the round's session aggregates over table:
// weir's query and DuckDB's.
func windowSessionQueries(g *oracleGen, table string) []windowTVFView {
	r := g.rng
	var out []windowTVFView
	for range 2 + r.IntN(2) {
		gap := []int{1, 5, 24, 36, 24 * 7}[r.IntN(5)]
		iv := fmt.Sprintf("INTERVAL '%d hours'", gap)
		key := ""
		if k, ok := exactKey(g); ok && r.IntN(3) > 0 && k != "ts" {
			key = k
		}
		aggs := []string{"count(*)"}
		for _, i := range r.Perm(len(g.cols))[:1+r.IntN(2)] {
			c := g.cols[i]
			aggs = append(aggs, "count("+c.name+")", "min("+c.name+")", "max("+c.name+")")
		}
		for i := range aggs {
			aggs[i] += fmt.Sprintf(" AS a%d", i)
		}
		group := "window_start, window_end"
		partition, same, partitionBy := "", func(a, b string) string { return "" }, ""
		if key != "" {
			group += ", " + key
			partition = " PARTITION BY " + key
			partitionBy = key + ", "
			same = func(a, b string) string {
				return fmt.Sprintf("%s.%s IS NOT DISTINCT FROM %s.%s AND ", a, key, b, key)
			}
		}
		items := group + ", " + strings.Join(aggs, ", ")
		sel := fmt.Sprintf("SELECT %s FROM SESSION(%s%s, ts, %s) GROUP BY %s", items, table, partition, iv, group)
		starts := fmt.Sprintf("SELECT max(s.ts) FROM %s s WHERE %ss.ts <= w0.ts AND NOT EXISTS (SELECT 1 FROM %s p WHERE %sp.ts < s.ts AND p.ts > s.ts - %s)",
			table, same("s", "w0"), table, same("p", "s"), iv)
		withStart := fmt.Sprintf("(SELECT *, CASE WHEN ts IS NOT NULL THEN (%s) END AS window_start FROM %s w0) AS w1", starts, table)
		duckFrom := fmt.Sprintf("(SELECT *, CASE WHEN ts IS NOT NULL THEN max(ts) OVER (PARTITION BY %swindow_start) + %s END AS window_end FROM %s) AS w",
			partitionBy, iv, withStart)
		out = append(out, windowTVFView{sel, fmt.Sprintf("SELECT %s FROM %s GROUP BY %s", items, duckFrom, group)})
	}
	return out
}

// runWindowSessionRound runs one random round of TestOracleWindowSession.
func (o *oracle) runWindowSessionRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("ws%d", g.round)
	ddl := g.table(table)
	// The time column: a few instants, some NULL, so that sessions merge
	// and split as rows come and go.
	ts := oracleCol{name: "ts", kind: colTimestamp, nulls: []int{0, 10}[r.IntN(2)]}
	for range 6 + r.IntN(20) {
		ts.pool = append(ts.pool, g.fresh(ts))
	}
	g.cols = append(g.cols, ts)
	ddl = strings.TrimSuffix(ddl, ")") + ", ts TIMESTAMP)"
	o.both(ddl)
	defer o.dropTables(table)
	queries := windowSessionQueries(g, table)
	check := func() {
		for _, q := range queries {
			o.compare("ad hoc "+q.sel, q.sel, q.duck)
		}
	}
	for range 2 + r.IntN(3) {
		o.both(g.insert(table, 5+r.IntN(40)))
	}
	check()
	for range 4 + r.IntN(6) {
		if o.t.Failed() {
			return
		}
		g.live = o.liveKeys(table)
		if len(g.live) == 0 {
			o.both(g.insert(table, 10))
		} else {
			o.both(g.change(table))
		}
		check()
	}
}
