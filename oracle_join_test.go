//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"testing"
)

// TestOracleJoin checks join views against DuckDB: two tables with the same
// random columns get random inserts, updates and deletes, and after each
// FLUSH every view holds what DuckDB computes for its query over the same
// rows. The views are inner, left, right and full joins on a column with few
// distinct values (many matches per key, NULL keys), with and without a
// residual condition, a comma join with its key in WHERE, and an aggregate
// over an outer join (at parallelism 1 to 4), so padding comes and goes and
// retractions reach the join from both sides; and joins without an
// equality (nested loops): a random kind of join on x.k <> y.k, an
// aggregate over one on a comparison, and a CROSS JOIN.
func TestOracleJoin(t *testing.T) {
	runOracleRounds(t, "TestOracleJoin", 20261207, 0x2545f4914f6cdd1d, *oracleRounds, (*oracle).runJoinRound)
}

// joinViews returns the view queries of a join round over tables a and b
// (with g's columns), joined on column k.
func joinViews(g *oracleGen, a, b, k string) []string {
	r := g.rng
	c := g.cols[r.IntN(len(g.cols))].name
	kinds := []string{"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"}
	kind := func() string { return kinds[r.IntN(len(kinds))] }
	residual := []string{"", " AND x.id % 3 <> y.id % 3", " AND x.id < y.id - 3", " AND x." + c + " IS NOT NULL"}[r.IntN(4)]
	where := ""
	if r.IntN(2) == 0 {
		where = " AND x.id % 2 = 0"
	}
	nonEqui := []string{"", " AND x.id % 3 < y.id % 4", " OR x." + c + " IS NULL"}[r.IntN(3)]
	return []string{
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, x.%s AS xk, y.%s AS yc FROM %s x %s %s y ON x.%s = y.%s%s", k, c, a, kind(), b, k, k, residual),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x %s %s y ON y.%s = x.%s", a, kind(), b, k, k),
		fmt.Sprintf("SELECT x.id AS xid, y.%s AS yc FROM %s x, %s y WHERE x.%s = y.%s%s", c, a, b, k, k, where),
		fmt.Sprintf("SELECT x.%s AS k, count(*) AS n, count(y.id) AS ny, max(y.id) AS top FROM %s x LEFT JOIN %s y ON x.%s = y.%s GROUP BY x.%s", k, a, b, k, k, k),
		// Without an equality between the sides: nested-loop joins.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, x.%s AS xk FROM %s x %s %s y ON x.%s <> y.%s%s", k, a, kind(), b, k, k, nonEqui),
		fmt.Sprintf("SELECT x.id AS xid, count(y.id) AS n, max(y.%s) AS top FROM %s x %s %s y ON x.id %% 7 < y.id %% 5 GROUP BY x.id", k, a, kind(), b),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x CROSS JOIN %s y WHERE x.id %% 3 = 0", a, b),
	}
}

// runJoinRound runs one random round of TestOracleJoin.
func (o *oracle) runJoinRound(ga *oracleGen) {
	r := ga.rng
	o.log, o.logged = nil, false
	a, b := fmt.Sprintf("ja%d", ga.round), fmt.Sprintf("jb%d", ga.round)
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
	create := func(i int, sel string) {
		name := fmt.Sprintf("%s_j%d", a, i)
		with := ""
		if i == 3 {
			with = fmt.Sprintf(" WITH (parallelism = '%d')", 1+ga.round%4)
		}
		o.weir("CREATE MATERIALIZED VIEW " + name + with + " AS " + sel)
		views = append(views, view{name, sel})
	}
	sels := joinViews(ga, a, b, k)
	for i, sel := range sels[:2] {
		create(i, sel)
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
	for i, sel := range sels[2:] {
		create(2+i, sel) // over rows already there
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
