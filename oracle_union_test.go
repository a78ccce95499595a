//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestOracleUnion checks UNION ALL and UNION views against DuckDB: two
// tables with the same random columns get random inserts, updates and
// deletes, and after each FLUSH every view holds what DuckDB computes for
// its query over the same rows. The views union filtered rows, aggregates,
// and aggregate over a union (at parallelism 1 to 4), so retractions reach
// the union from both sides; and INTERSECT and EXCEPT [ALL] of the tables'
// filtered rows, whose counts move with every change on either side.
func TestOracleUnion(t *testing.T) {
	runOracleRounds(t, "TestOracleUnion", 20261206, 0x51ed270b27a3f1c9, *oracleRounds, (*oracle).runUnionRound)
}

// unionViews returns the view queries of a union round over tables a and b
// (with ga's columns): a union of the tables' filtered rows, with and
// without duplicates; a union of an aggregate of each; an aggregate over a
// union; and the intersection and difference of the filtered rows, with
// and without duplicates.
func unionViews(ga *oracleGen, a, b string) []string {
	r := ga.rng
	cols := make([]string, 0, len(ga.cols))
	for _, i := range r.Perm(len(ga.cols))[:1+r.IntN(len(ga.cols))] {
		cols = append(cols, ga.cols[i].name)
	}
	list := strings.Join(cols, ", ")
	where := func() string {
		if r.IntN(2) == 0 {
			return ""
		}
		return " WHERE " + ga.pred(1)
	}
	agg := ga.view(a)
	k := ga.cols[r.IntN(len(ga.cols))]
	return []string{
		fmt.Sprintf("SELECT id, %s FROM %s%s UNION ALL SELECT id, %s FROM %s%s", list, a, where(), list, b, where()),
		fmt.Sprintf("SELECT %s FROM %s%s UNION SELECT %s FROM %s%s", list, a, where(), list, b, where()),
		agg + " UNION ALL " + strings.Replace(agg, " FROM "+a, " FROM "+b, 1),
		fmt.Sprintf("SELECT gk AS k, count(*) AS n, count(%s) AS c FROM (SELECT %s AS gk, %s FROM %s UNION ALL SELECT %s, %s FROM %s%s) AS u GROUP BY gk",
			cols[0], k.name, list, a, k.name, list, b, where()),
		fmt.Sprintf("SELECT %s FROM %s%s INTERSECT SELECT %s FROM %s%s", list, a, where(), list, b, where()),
		fmt.Sprintf("SELECT %s FROM %s%s INTERSECT ALL SELECT %s FROM %s%s", list, a, where(), list, b, where()),
		fmt.Sprintf("SELECT %s FROM %s%s EXCEPT SELECT %s FROM %s%s", list, a, where(), list, b, where()),
		fmt.Sprintf("SELECT %s FROM %s%s EXCEPT ALL SELECT %s FROM %s%s", list, a, where(), list, b, where()),
	}
}

// runUnionRound runs one random round of TestOracleUnion.
func (o *oracle) runUnionRound(ga *oracleGen) {
	r := ga.rng
	o.log, o.logged = nil, false
	a, b := fmt.Sprintf("ua%d", ga.round), fmt.Sprintf("ub%d", ga.round)
	ddl := ga.table(a)
	gb := o.twinTables(ga, a, b, ddl)
	defer o.dropTables(a, b)
	gens := map[string]*oracleGen{a: ga, b: gb}
	type view struct{ name, sel string }
	var views []view
	for i, sel := range unionViews(ga, a, b) {
		name := fmt.Sprintf("%s_u%d", a, i)
		with := ""
		if i == 1 || i >= 3 {
			// The aggregates over a union (UNION, INTERSECT and EXCEPT are
			// ones) run as 1 to 4 instances.
			with = fmt.Sprintf(" WITH (parallelism = '%d')", 1+(ga.round+i)%4)
		}
		o.weir("CREATE MATERIALIZED VIEW " + name + with + " AS " + sel)
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
