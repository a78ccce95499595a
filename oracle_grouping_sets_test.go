//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestOracleGroupingSets checks views with GROUPING SETS, ROLLUP and CUBE
// (and GROUPING(…)) against DuckDB: a random table gets random inserts,
// updates and deletes, and after each FLUSH every view, created before,
// during and after the data, holds what DuckDB
// computes for its query over the same rows.
func TestOracleGroupingSets(t *testing.T) {
	runOracleRounds(t, "TestOracleGroupingSets", 20261207, 0x2545f4914f6cdd1d, *oracleRounds, (*oracle).runGroupingSetsRound)
}

// groupingSetsView returns a random query over table grouped by grouping
// sets: GROUPING SETS with the empty set, ROLLUP, CUBE, or a plain key
// crossed with a ROLLUP, with aggregates and GROUPING of the keys.
func (g *oracleGen) groupingSetsView(table string) string {
	r := g.rng
	var keys, items []string
	for j, i := range r.Perm(len(g.cols))[:min(2+r.IntN(2), len(g.cols))] {
		k := g.groupKey(g.cols[i])
		keys = append(keys, k)
		items = append(items, fmt.Sprintf("%s AS k%d", k, j))
	}
	for range 1 + r.IntN(3) {
		c := g.cols[r.IntN(len(g.cols))]
		fns := []string{"count(*)", "count", "min", "max"}
		if c.isNumber() {
			fns = append(fns, "sum", "sum")
		}
		fn := fns[r.IntN(len(fns))]
		// The name starts with the function's: sums of floats compare
		// within a tolerance (kindOf).
		name := fmt.Sprintf("%s_%d", strings.TrimSuffix(fn, "(*)"), len(items))
		if fn != "count(*)" {
			fn += "(" + c.name + ")"
		}
		items = append(items, fn+" AS "+name)
	}
	args := append([]string(nil), keys...)
	r.Shuffle(len(args), func(i, j int) { args[i], args[j] = args[j], args[i] })
	items = append(items, "GROUPING("+strings.Join(args[:1+r.IntN(len(args))], ", ")+") AS g")
	var by string
	switch len(keys) {
	case 1:
		by = "ROLLUP (" + keys[0] + ")"
	default:
		switch r.IntN(4) {
		case 0:
			by = fmt.Sprintf("GROUPING SETS ((%s), (%s), ())", strings.Join(keys, ", "), keys[len(keys)-1])
		case 1:
			by = "ROLLUP (" + strings.Join(keys, ", ") + ")"
		case 2:
			by = "CUBE (" + strings.Join(keys, ", ") + ")"
		default:
			by = keys[0] + ", ROLLUP (" + strings.Join(keys[1:], ", ") + ")"
		}
	}
	// GROUPING of every key comes first: with the keys it tells the rows
	// apart, so the rows compare in the same order on both sides even when
	// float sums differ in their last bit.
	items = append([]string{"GROUPING(" + strings.Join(keys, ", ") + ") AS gs"}, items...)
	q := "SELECT " + strings.Join(items, ", ") + " FROM " + table
	if r.IntN(3) == 0 {
		q += " WHERE " + g.pred(1)
	}
	q += " GROUP BY " + by
	if r.IntN(5) == 0 {
		q += fmt.Sprintf(" HAVING count(*) > %d", r.IntN(3))
	}
	return q
}

// runGroupingSetsRound runs one random round of TestOracleGroupingSets.
func (o *oracle) runGroupingSetsRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("gs%d", g.round)
	o.both(g.table(table))
	defer o.dropTables(table)
	type view struct{ name, sel string }
	var views []view
	addView := func() {
		v := view{fmt.Sprintf("%s_v%d", table, len(views)), g.groupingSetsView(table)}
		// Parallelism splits one aggregation; a view of several grouping
		// sets has one per set, so it runs as one instance.
		o.weir("CREATE MATERIALIZED VIEW " + v.name + " AS " + v.sel)
		views = append(views, v)
	}
	check := func() {
		o.weir("FLUSH")
		for _, v := range views {
			o.checkView(v.name, v.sel)
		}
	}
	addView()
	o.both(g.insert(table, 5+r.IntN(40)))
	addView()
	check()
	if o.t.Failed() {
		return
	}
	addView()
	changes := 4 + r.IntN(10)
	for range changes {
		g.live = o.liveKeys(table)
		if len(g.live) == 0 {
			o.both(g.insert(table, 3))
		} else {
			o.both(g.change(table))
		}
		if r.IntN(4) == 0 {
			check()
		}
		if o.t.Failed() {
			return
		}
	}
	check()
}
