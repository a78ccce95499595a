//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestOracleMultiJoin checks views joining three tables against DuckDB:
// tables a, b and c with the same random columns get random inserts, updates
// and deletes (every kind on every table), and after each FLUSH every view
// holds what DuckDB computes for its query over the same rows. The tables
// are joined on two columns with few distinct values and NULLs (many matches
// per key, NULL keys that never match): chains (a to b on one column, b to c
// on the other) and stars (a to b and a to c), with two and three joins of
// random kinds (inner, left, right, full, comma joins with the keys in WHERE
// and outer joins among their items, USING), residual conditions across the
// tables, null-safe keys, keys that are expressions and a key in every
// branch of an OR, joins nested in subqueries (as a join's inputs, inside
// EXISTS, NOT IN and a correlated scalar subquery), an aggregate over a
// three-way outer join and a grouped join with HAVING at parallelism 1 to 4,
// a join with a materialized aggregate view as its input, semi and anti
// joins (EXISTS, NOT EXISTS, IN, NOT IN with its NULL rules) over inner and
// outer joins, DISTINCT over a join, and joins without an equality between
// their sides (nested loops) in a chain, a comma join and a semi or anti
// join. The views are created before the rows, between the tables' first
// inserts, after them and amid the changes, so backfills meet every state.
func TestOracleMultiJoin(t *testing.T) {
	runOracleRounds(t, "TestOracleMultiJoin", 20261206, 0x4cf5ad432745937f, *oracleRounds, (*oracle).runMultiJoinRound)
}

// multiJoinKinds are the join kinds a view's joins are drawn from.
var multiJoinKinds = []string{"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"}

// multiJoinViews returns the view queries of a round over tables a, b and
// c (aliased x, y and z; with g's columns) joined on columns k1 and k2,
// and over bv, the aggregate view of b by k1 (columns k, n, top).
func multiJoinViews(g *oracleGen, a, b, c, bv, k1, k2 string) []string {
	r := g.rng
	col := g.cols[r.IntN(len(g.cols))].name
	kind := func() string { return multiJoinKinds[r.IntN(len(multiJoinKinds))] }
	pick := func(opts ...string) string { return opts[r.IntN(len(opts))] }
	// residual is a condition across the tables for the second join's ON.
	residual := func() string {
		return pick("", " AND x.id % 3 <> z.id % 3", " AND y.id % 2 = z.id % 2", " AND x."+col+" IS NOT NULL",
			" AND coalesce(x.id, 0) % 4 <> 1", " AND (y.id IS NULL OR z.id % 5 <> y.id % 5)")
	}
	// own is a condition on c's rows inside a subquery.
	own := pick("", " WHERE z.id % 3 <> 0", " WHERE z."+k2+" IS NOT NULL", " WHERE z."+col+" IS NULL")
	and := strings.Replace(own, " WHERE ", " AND ", 1)
	return []string{
		// A chain of two joins.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid, z.%s AS zc FROM %s x %s %s y ON x.%s = y.%s %s %s z ON y.%s = z.%s%s",
			col, a, kind(), b, k1, k1, kind(), c, k2, k2, residual()),
		// A star: a joined to b and to c.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid FROM %s x %s %s y ON x.%s = y.%s%s %s %s z ON z.%s = x.%s%s",
			a, kind(), b, k1, k1, pick("", " AND x.id % 2 = 0", " AND y."+col+" IS NOT NULL"), kind(), c, k2, k2, residual()),
		// Comma joins with the keys in WHERE, a chain or a star.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.%s AS zc FROM %s x, %s y, %s z WHERE x.%s = y.%s AND %s.%s = z.%s%s",
			col, a, b, c, k1, k1, pick("x", "y"), k2, k2, pick("", " AND x.id % 3 <> z.id % 3", " AND y.id % 8 < z.id % 8")),
		// Comma joins with an outer join among their items, filtered on its
		// padded side.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid FROM %s x, %s y LEFT JOIN %s z ON y.%s = z.%s WHERE x.%s = y.%s AND %s",
			a, b, c, k2, k2, k1, k1, pick("z.id IS NULL", "z.id % 2 = 0", "(z.id IS NULL OR x.id % 2 = 0)")),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid, w.id AS wid FROM %s x, %s y %s %s z ON y.%s = z.%s, %s w WHERE x.%s = y.%s AND w.id = x.id + 1",
			a, b, pick("LEFT JOIN", "RIGHT JOIN", "FULL JOIN"), c, k2, k2, a, k1, k1),
		// Three joins, the last one back to a.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid, w.id AS wid FROM %s x %s %s y ON x.%s = y.%s %s %s z ON y.%s = z.%s %s %s w ON w.%s = z.%s AND w.id %% 4 = 0",
			a, kind(), b, k1, k1, kind(), c, k2, k2, kind(), a, k1, k1),
		// A join nested in a subquery, as the left input and as the right.
		fmt.Sprintf("SELECT s.xid, s.yk, z.id AS zid FROM (SELECT x.id AS xid, y.%s AS yk FROM %s x %s %s y ON x.%s = y.%s WHERE x.id %% 2 = 0 OR y.id IS NULL) s %s %s z ON s.yk = z.%s",
			k2, a, kind(), b, k1, k1, kind(), c, k2),
		fmt.Sprintf("SELECT z.id AS zid, s.xid, s.yid FROM %s z LEFT JOIN (SELECT x.id AS xid, y.id AS yid, x.%s AS xk FROM %s x %s %s y ON x.%s = y.%s) s ON s.xk = z.%s AND s.yid IS NOT NULL",
			c, k2, a, kind(), b, k1, k1, k2),
		// An aggregate over a three-way outer join (at parallelism N).
		fmt.Sprintf("SELECT x.%s AS k, count(*) AS n, count(y.id) AS ny, count(z.id) AS nz, max(z.id) AS top, sum(y.id) AS sy FROM %s x LEFT JOIN %s y ON x.%s = y.%s %s %s z ON y.%s = z.%s GROUP BY x.%s",
			k1, a, b, k1, k1, pick("FULL JOIN", "LEFT JOIN", "RIGHT JOIN"), c, k2, k2, k1),
		// A join whose input is a materialized aggregate view.
		fmt.Sprintf("SELECT x.id AS xid, v.n, v.top, z.id AS zid FROM %s x %s %s v ON x.%s = v.k %s %s z ON z.%s = x.%s",
			a, kind(), bv, k1, pick("JOIN", "LEFT JOIN"), c, k2, k2),
		// The same with the aggregate in a subquery (its view at
		// parallelism N: the join follows the aggregate's instances).
		fmt.Sprintf("SELECT x.id AS xid, s.n, s.top, z.id AS zid FROM %s x %s (SELECT %s AS k, count(*) AS n, max(id) AS top FROM %s GROUP BY %s) s ON x.%s = s.k %s %s z ON z.%s = x.%s",
			a, kind(), k1, b, k1, k1, pick("JOIN", "LEFT JOIN"), c, k2, k2),
		// Semi and anti joins over inner and outer joins.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x JOIN %s y ON x.%s = y.%s WHERE EXISTS (SELECT 1 FROM %s z WHERE z.%s = y.%s%s)",
			a, b, k1, k1, c, k2, k2, and),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x %s %s y ON x.%s = y.%s WHERE NOT EXISTS (SELECT 1 FROM %s z WHERE z.%s = x.%s%s)",
			a, pick("JOIN", "LEFT JOIN"), b, k1, k1, c, k2, k2, and),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x %s %s y ON x.%s = y.%s WHERE y.%s IN (SELECT z.%s FROM %s z%s)",
			a, kind(), b, k1, k1, k2, k2, c, own),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x %s %s y ON x.%s = y.%s WHERE x.%s NOT IN (SELECT z.%s FROM %s z%s)",
			a, kind(), b, k1, k1, k2, k2, c, own),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x LEFT JOIN %s y ON x.%s = y.%s WHERE y.%s NOT IN (SELECT z.%s FROM %s z WHERE z.%s = x.%s)",
			a, b, k1, k1, k2, k2, c, k1, k1),
		// A null-safe key (NULL matches NULL) and keys that are expressions.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid FROM %s x %s %s y ON x.%s IS NOT DISTINCT FROM y.%s %s %s z ON y.%s = z.%s",
			a, kind(), b, k1, k1, pick("JOIN", "LEFT JOIN"), c, k2, k2),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid FROM %s x %s %s y ON x.id %% 4 = y.id %% 4 AND x.%s = y.%s %s %s z ON z.id %% 3 = (x.id + y.id) %% 3",
			a, kind(), b, k1, k1, kind(), c),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x %s %s y ON x.%s = y.%s WHERE %sEXISTS (SELECT 1 FROM %s z WHERE z.%s = y.%s AND z.id %% 3 <> x.id %% 3)",
			a, pick("JOIN", "LEFT JOIN"), b, k1, k1, pick("", "NOT "), c, k2, k2),
		// A key every branch of an OR holds.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid FROM %s x %s %s y ON (x.%s = y.%s AND x.id %% 2 = 0) OR (x.%s = y.%s AND y.id %% 3 = 0) %s %s z ON y.%s = z.%s",
			a, kind(), b, k1, k1, k1, k1, kind(), c, k2, k2),
		// Joins inside subqueries: EXISTS, NOT IN, a correlated scalar
		// subquery, and a join of two joins.
		fmt.Sprintf("SELECT x.id AS xid FROM %s x WHERE EXISTS (SELECT 1 FROM %s y JOIN %s z ON y.%s = z.%s WHERE y.%s = x.%s%s)",
			a, b, c, k2, k2, k1, k1, and),
		fmt.Sprintf("SELECT x.id AS xid, x.%s AS xk FROM %s x WHERE x.%s NOT IN (SELECT z.%s FROM %s y %s %s z ON y.%s = z.%s)",
			k2, a, k2, k2, b, pick("JOIN", "LEFT JOIN"), c, k1, k1),
		fmt.Sprintf("SELECT x.id AS xid, (SELECT count(*) FROM %s y JOIN %s z ON y.%s = z.%s WHERE y.%s = x.%s) AS n FROM %s x",
			b, c, k2, k2, k1, k1, a),
		fmt.Sprintf("SELECT s.xid, s.yid, t.zid, t.wid FROM (SELECT x.id AS xid, y.id AS yid, y.%s AS yk FROM %s x JOIN %s y ON x.%s = y.%s) s %s (SELECT z.id AS zid, w.id AS wid, z.%s AS zk FROM %s z %s %s w ON z.%s = w.%s AND w.id %% 3 = 0) t ON s.yk = t.zk",
			k2, a, b, k1, k1, kind(), k2, c, pick("JOIN", "LEFT JOIN"), a, k1, k1),
		// USING, and a grouped join with HAVING.
		fmt.Sprintf("SELECT %s, x.id AS xid, y.id AS yid, z.id AS zid FROM %s x %s %s y USING (%s) %s (SELECT id, %s AS zk FROM %s) z ON z.zk = y.%s",
			k1, a, kind(), b, k1, pick("JOIN", "LEFT JOIN"), k2, c, k2),
		fmt.Sprintf("SELECT y.%s AS k, count(*) AS n, count(DISTINCT x.id) AS nx, min(z.id) AS low FROM %s x JOIN %s y ON x.%s = y.%s %s %s z ON y.%s = z.%s GROUP BY y.%s HAVING count(*) > 1",
			k2, a, b, k1, k1, pick("LEFT JOIN", "RIGHT JOIN"), c, k2, k2, k2),
		// DISTINCT over a join.
		fmt.Sprintf("SELECT DISTINCT x.%s AS k1, z.%s AS k2 FROM %s x %s %s y ON x.%s = y.%s LEFT JOIN %s z ON y.%s = z.%s",
			k1, k2, a, kind(), b, k1, k1, c, k2, k2),
		// Joins without an equality (nested loops): the second of a chain,
		// one item of a comma join, a semi or anti join's condition.
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid FROM %s x %s %s y ON x.%s = y.%s %s %s z ON z.id %% 5 < y.id %% 3",
			a, kind(), b, k1, k1, kind(), c),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid, z.id AS zid FROM %s x, %s y, %s z WHERE x.%s = y.%s AND z.%s <> x.%s",
			a, b, c, k1, k1, k2, k2),
		fmt.Sprintf("SELECT x.id AS xid, y.id AS yid FROM %s x %s %s y ON x.%s = y.%s WHERE %sEXISTS (SELECT 1 FROM %s z WHERE z.id %% 4 > x.id %% 4)",
			a, kind(), b, k1, k1, pick("", "NOT "), c),
	}
}

// keyColumn makes the values of column name of g's tables few (a pool of
// two to four, when the column had none) and sometimes NULL, so that joins
// on it have many matches per key and NULL keys.
func keyColumn(g *oracleGen, name string) {
	for i := range g.cols {
		c := &g.cols[i]
		if c.name != name {
			continue
		}
		if c.pool == nil {
			for range 2 + g.rng.IntN(3) {
				c.pool = append(c.pool, g.fresh(*c))
			}
		}
		c.nulls = max(c.nulls, 10)
	}
}

// runMultiJoinRound runs one random round of TestOracleMultiJoin.
func (o *oracle) runMultiJoinRound(ga *oracleGen) {
	r := ga.rng
	o.log, o.logged = nil, false
	a, b, c := fmt.Sprintf("ma%d", ga.round), fmt.Sprintf("mb%d", ga.round), fmt.Sprintf("mc%d", ga.round)
	ddl := ga.table(a)
	k1, ok := exactKey(ga)
	if !ok {
		return
	}
	k2, _ := exactKey(ga)
	keyColumn(ga, k1)
	keyColumn(ga, k2)
	gb := o.twinTables(ga, a, b, ddl)
	o.both(strings.Replace(ddl, "CREATE TABLE "+a+" ", "CREATE TABLE "+c+" ", 1))
	gc := &oracleGen{rng: ga.rng, round: ga.round, cols: ga.cols, noKey: ga.noKey, next: 2 << 20}
	gens := map[string]*oracleGen{a: ga, b: gb, c: gc}
	tables := []string{a, b, c}

	type view struct{ name, sel string }
	var views []view
	bv := b + "_agg"
	defer func() {
		for i := len(views) - 1; i >= 0; i-- {
			o.weir("DROP MATERIALIZED VIEW " + views[i].name)
		}
		o.duck("DROP VIEW IF EXISTS " + bv)
		o.dropTables(tables...)
	}()
	// bv, an aggregate view read by a join view, is a view on both sides.
	bvSel := fmt.Sprintf("SELECT %s AS k, count(*) AS n, max(id) AS top FROM %s GROUP BY %s", k1, b, k1)
	o.weir(fmt.Sprintf("CREATE MATERIALIZED VIEW %s WITH (parallelism = '%d') AS %s", bv, 1+ga.round%3, bvSel))
	o.duck("CREATE VIEW " + bv + " AS " + bvSel)
	views = append(views, view{bv, bvSel})

	sels := multiJoinViews(ga, a, b, c, bv, k1, k2)
	r.Shuffle(len(sels), func(i, j int) { sels[i], sels[j] = sels[j], sels[i] })
	create := func(sel string) {
		name := fmt.Sprintf("%s_m%d", a, len(views))
		with := ""
		if strings.Contains(sel, " GROUP BY ") || strings.HasPrefix(sel, "SELECT DISTINCT ") {
			with = fmt.Sprintf(" WITH (parallelism = '%d')", 1+(ga.round+len(views))%4)
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
	// A third of the views before the rows, a third between the tables'
	// first inserts (a backfill over rows not yet flushed), the rest after.
	third := len(sels) / 3
	for _, sel := range sels[:third] {
		create(sel)
	}
	for i, t := range tables {
		o.both(gens[t].insert(t, 3+r.IntN(13)))
		if i == 1 {
			for _, sel := range sels[third : 2*third] {
				create(sel)
			}
		}
	}
	check()
	for _, sel := range sels[2*third:] {
		create(sel) // over committed rows
	}
	if o.t.Failed() {
		return
	}
	// Every kind of change on every table, then random ones.
	var changes []string
	for _, t := range tables {
		for _, verb := range []string{"INSERT", "UPDATE", "DELETE"} {
			changes = append(changes, t+" "+verb)
		}
	}
	for range 3 + r.IntN(9) {
		changes = append(changes, tables[r.IntN(3)]+" ")
	}
	changes = append(changes, tables[r.IntN(3)]+" EMPTY") // every row deleted: NOT IN over nothing
	r.Shuffle(len(changes), func(i, j int) { changes[i], changes[j] = changes[j], changes[i] })
	for i, ch := range changes {
		t, verb, _ := strings.Cut(ch, " ")
		g := gens[t]
		g.live = o.liveKeys(t)
		stmt := g.insert(t, 1+r.IntN(4))
		switch {
		case verb == "EMPTY":
			stmt = "DELETE FROM " + t
		case len(g.ids) > 0 && verb != "INSERT":
			for stmt = g.change(t); !strings.HasPrefix(stmt, verb); stmt = g.change(t) {
			}
		}
		o.both(stmt)
		if i == len(changes)/2 {
			create(sels[r.IntN(len(sels))]) // a backfill amid unflushed changes
		}
		if i%3 == 2 {
			check()
		}
		if o.t.Failed() {
			return
		}
	}
	check()
}
