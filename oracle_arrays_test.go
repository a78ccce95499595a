//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestOracleArrayAgg checks views over array_agg against DuckDB: a table of
// random groups, strings and integers (NULLs among them) gets random
// inserts, updates and deletes, and after each FLUSH every view, and the
// query ad hoc, holds what DuckDB computes for the same rows. Without
// ORDER BY a view's elements come sorted (NULLs last), so DuckDB's side
// orders them so; ad hoc (DuckDB, where their order is arbitrary, as in
// Postgres) those calls get ORDER BY their argument. The arrays are
// compared through array_to_string with NULLs spelled out, their length and
// their first element.
func TestOracleArrayAgg(t *testing.T) {
	runOracleRounds(t, "TestOracleArrayAgg", 20261206, 0x6a09e667f3bcc909, max(1, *oracleRounds/4), (*oracle).runArrayAggRound)
}

// arrayAggViews are the views of an array_agg round over table t, each as
// weir's query and DuckDB's.
func arrayAggViews(t string) [][2]string {
	// spelled makes a DuckDB list's NULL elements '~', as array_to_string's
	// third argument does in weir.
	spelled := func(list string) string {
		return "array_to_string(list_transform(" + list + ", e -> coalesce(CAST(e AS VARCHAR), '~')), ',')"
	}
	return [][2]string{
		{fmt.Sprintf("SELECT k, array_to_string(array_agg(s), ',', '~') AS a, array_to_string(array_agg(n ORDER BY n DESC), ',', '~') AS b, "+
			"cardinality(array_agg(n)) AS c, array_to_string(array_agg(DISTINCT s), ',', '~') AS d FROM %s GROUP BY k", t),
			fmt.Sprintf("SELECT k, %s AS a, %s AS b, len(array_agg(n)) AS c, %s AS d FROM %s GROUP BY k",
				spelled("array_agg(s ORDER BY s NULLS LAST)"), spelled("array_agg(n ORDER BY n DESC NULLS FIRST)"),
				spelled("array_agg(DISTINCT s ORDER BY s NULLS LAST)"), t)},
		{fmt.Sprintf("SELECT k, (array_agg(s ORDER BY n, s))[1] AS a, array_to_string(array_agg(id ORDER BY id) FILTER (WHERE n > 0), ',') AS b, "+
			"array_to_string(array_agg(n ORDER BY s DESC, n), ',', '~') AS c FROM %s GROUP BY k", t),
			fmt.Sprintf("SELECT k, (array_agg(s ORDER BY n NULLS LAST, s NULLS LAST))[1] AS a, array_to_string(array_agg(id ORDER BY id) FILTER (WHERE n > 0), ',') AS b, "+
				"%s AS c FROM %s GROUP BY k", spelled("array_agg(n ORDER BY s DESC NULLS FIRST, n NULLS LAST)"), t)},
	}
}

// runArrayAggRound runs one random round of TestOracleArrayAgg.
func (o *oracle) runArrayAggRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("aa%d", g.round)
	g.cols = []oracleCol{
		{name: "k", kind: colSmallint, pool: []string{"1", "2", "3"}, nulls: 5},
		{name: "s", kind: colVarchar, nulls: 15},
		{name: "n", kind: colSmallint, nulls: 15},
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
	views := arrayAggViews(table)
	for i, v := range views {
		o.createView(fmt.Sprintf("%s_v%d", table, i), v[0])
	}
	check := func() {
		o.weir("FLUSH")
		for i, v := range views {
			o.compare(fmt.Sprintf("view %s_v%d AS %s", table, i, v[0]), fmt.Sprintf("SELECT * FROM %s_v%d", table, i), v[1])
			adHoc := strings.NewReplacer("array_agg(s)", "array_agg(s ORDER BY s)", "array_agg(DISTINCT s)", "array_agg(DISTINCT s ORDER BY s)").Replace(v[0])
			o.compare("ad hoc "+adHoc, adHoc, v[1])
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
