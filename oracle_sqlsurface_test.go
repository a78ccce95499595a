//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"testing"
)

// TestOracleSQLSurface checks views written with JOIN … USING, NATURAL JOIN,
// IS NOT DISTINCT FROM as a join key and WITH queries against DuckDB, as
// TestOracleJoin does: two tables with the same random columns get random
// inserts, updates and deletes, and after each FLUSH every view holds what
// DuckDB computes for its query. The key has few distinct values and NULLs,
// so the merged USING column of outer joins, the null-safe key's NULL
// matches and a WITH query referenced twice are all exercised.
func TestOracleSQLSurface(t *testing.T) {
	runOracleRounds(t, "TestOracleSQLSurface", 20261208, 0x5bd1e9955bd1e995, *oracleRounds, (*oracle).runSQLSurfaceRound)
}

// sqlSurfaceViews returns the view queries of a round over tables a and b
// (with g's columns), joined on column k.
func sqlSurfaceViews(g *oracleGen, a, b, k string) []string {
	r := g.rng
	c := g.cols[r.IntN(len(g.cols))].name
	kinds := []string{"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"}
	kind := func() string { return kinds[r.IntN(len(kinds))] }
	return []string{
		fmt.Sprintf("SELECT %s, x.id AS xid, y.id AS yid, y.%s AS yc FROM %s x %s %s y USING (%s)", k, c, a, kind(), b, k),
		// The common column first on the left: DuckDB puts a NATURAL join's
		// where the left side has it, Postgres first.
		fmt.Sprintf("SELECT * FROM (SELECT %s, id AS xid, %s AS xc FROM %s) x NATURAL %s (SELECT id AS yid, %s FROM %s WHERE id %% 3 <> 0) y", k, c, a, kind(), k, b),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, x.%s AS xk FROM %s x %s %s y ON x.%s IS NOT DISTINCT FROM y.%s", k, a, kind(), b, k, k),
		fmt.Sprintf("WITH s AS (SELECT %s, count(*) AS n, max(id) AS top FROM %s GROUP BY %s) SELECT x.id AS xid, s.n, s.top FROM %s x LEFT JOIN s ON x.%s IS NOT DISTINCT FROM s.%s", k, b, k, a, k, k),
		fmt.Sprintf("WITH e AS (SELECT id, %s FROM %s WHERE id %% 2 = 0) SELECT %s, p.id AS pid, q.id AS qid FROM e p %s e q USING (%s)", k, a, k, kind(), k),
	}
}

// runSQLSurfaceRound runs one random round of TestOracleSQLSurface.
func (o *oracle) runSQLSurfaceRound(ga *oracleGen) {
	r := ga.rng
	o.log, o.logged = nil, false
	a, b := fmt.Sprintf("sa%d", ga.round), fmt.Sprintf("sb%d", ga.round)
	ddl := ga.table(a)
	k, ok := exactKey(ga)
	if !ok {
		return
	}
	gb := o.twinTables(ga, a, b, ddl)
	defer o.dropTables(a, b)
	gens := map[string]*oracleGen{a: ga, b: gb}
	type view struct{ name, sel string }
	var views []view
	sels := sqlSurfaceViews(ga, a, b, k)
	for i, sel := range sels {
		name := fmt.Sprintf("%s_v%d", a, i)
		o.weir("CREATE MATERIALIZED VIEW " + name + " AS " + sel)
		views = append(views, view{name, sel})
	}
	check := func() {
		o.weir("FLUSH")
		for _, v := range views {
			o.checkView(v.name, v.sel)
		}
	}
	for _, t := range []string{a, b} {
		o.both(gens[t].insert(t, 5+r.IntN(30)))
	}
	check()
	changes := 6 + r.IntN(12)
	for i := range changes {
		t := []string{a, b}[r.IntN(2)]
		g := gens[t]
		g.live = o.liveKeys(t)
		if len(g.ids) == 0 {
			o.both(g.insert(t, 3))
		} else {
			o.both(g.change(t))
		}
		if i%4 == 3 {
			check()
		}
		if o.t.Failed() {
			return
		}
	}
	check()
}
