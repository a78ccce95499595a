//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestOracleWindow checks per-group top-N views against DuckDB: a table
// with random columns and a primary key gets random inserts, updates and
// deletes, and after each FLUSH every view holds what DuckDB computes for
// its query over the same rows. Each view ranks the rows of a random
// partition (one or two columns, or none) by one or two random columns,
// each direction and NULL placement, with ROW_NUMBER, RANK or DENSE_RANK,
// and keeps the ranks a random filter bounds (rn <= n, rn < n, rn = n,
// BETWEEN m AND n), the rank selected or not; one is a deduplication (rn =
// 1 without the rank), one the same as SELECT DISTINCT ON, one of lag,
// lead and row_number over every row, one of aggregates over frames, and
// the views of moreWindowViews. weir's row_number breaks ties by the input's key,
// so DuckDB's orders by the sort keys, then the table's key; rank and
// dense_rank need no tie breaker. Views are created before, during and
// after the data; a view over a GROUP BY runs its aggregate at parallelism
// 1 to 4.
func TestOracleWindow(t *testing.T) {
	runOracleRounds(t, "TestOracleWindow", 20261207, 0xbb67ae8584caa73b, *oracleRounds, (*oracle).runWindowRound)
}

// windowViews returns the views of a round over table.
func windowViews(g *oracleGen, table string) []topNView {
	r := g.rng
	var out []topNView
	for range 3 {
		fn := []string{"row_number", "rank", "dense_rank"}[r.IntN(3)]
		order, duckOrder, cols := orderBy(g, "id")
		if fn != "row_number" {
			duckOrder = strings.TrimSuffix(duckOrder, ", id")
		}
		var parts []string
		for _, i := range r.Perm(len(g.cols))[:r.IntN(min(3, len(g.cols)+1))] {
			parts = append(parts, g.cols[i].name)
		}
		partition := ""
		if len(parts) > 0 {
			partition = "PARTITION BY " + strings.Join(parts, ", ") + " "
		}
		n := 1 + r.IntN(4)
		filter := []string{
			fmt.Sprintf("rn <= %d", n),
			fmt.Sprintf("rn < %d", n+1),
			fmt.Sprintf("rn = %d", n),
			fmt.Sprintf("rn BETWEEN %d AND %d", 1+r.IntN(2), n+1),
			fmt.Sprintf("%d >= rn", n),
		}[r.IntN(5)]
		selected := "id"
		seen := map[string]bool{}
		for _, c := range append(parts, cols...) {
			if !seen[c] {
				seen[c] = true
				selected += ", " + c
			}
		}
		outer := "*"
		if r.IntN(3) == 0 {
			outer = selected // the rank not selected
		}
		inner := func(o string) string {
			return fmt.Sprintf("SELECT %s FROM (SELECT %s, %s() OVER (%sORDER BY %s) AS rn FROM %s) AS x WHERE %s",
				outer, selected, fn, partition, o, table, filter)
		}
		out = append(out, topNView{inner(order), inner(duckOrder)})
	}
	// Deduplication: the first row of each partition, without its rank.
	k := g.cols[r.IntN(len(g.cols))].name
	order, duckOrder, _ := orderBy(g, "id")
	dedup := func(o string) string {
		return fmt.Sprintf("SELECT id, %s FROM (SELECT id, %s, row_number() OVER (PARTITION BY %s ORDER BY %s) AS rn FROM %s) AS x WHERE rn = 1",
			k, k, k, o, table)
	}
	out = append(out, topNView{dedup(order), dedup(duckOrder)})
	// lag, lead and row_number over every row, ordered to the key so that
	// neighbours are the same rows in both engines.
	arg := g.cols[r.IntN(len(g.cols))].name
	over := func(o string) string {
		return fmt.Sprintf("SELECT id, lag(%s) OVER w AS prev, lead(%s, 2) OVER w AS next, row_number() OVER w AS n FROM %s WINDOW w AS (PARTITION BY %s ORDER BY %s)",
			arg, arg, table, k, o)
	}
	out = append(out, topNView{over(order + ", id"), over(duckOrder)})
	// count, min and max over ROWS frames and the default frame, and sum
	// and avg of an integer column when there is one.
	frame := fmt.Sprintf("ROWS BETWEEN %d PRECEDING AND %d FOLLOWING", r.IntN(3), r.IntN(3))
	aggs := fmt.Sprintf("count(%s) OVER (w %s) AS c, min(%s) OVER (w %s) AS lo, max(%s) OVER w AS hi, count(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n",
		arg, frame, arg, frame, arg)
	for _, c := range g.cols {
		if c.kind == colInt || c.kind == colSmallint {
			aggs += fmt.Sprintf(", sum(%s) OVER (w %s) AS s, avg(%s) OVER w AS a", c.name, frame, c.name)
			break
		}
	}
	framed := func(o string) string {
		return fmt.Sprintf("SELECT id, %s FROM %s WINDOW w AS (PARTITION BY %s ORDER BY %s)", aggs, table, k, o)
	}
	out = append(out, topNView{framed(order + ", id"), framed(duckOrder)})
	out = append(out, moreWindowViews(g, table, k, arg, order, duckOrder)...)
	// The same as SELECT DISTINCT ON, whose ties weir breaks by the key too.
	return append(out, topNView{fmt.Sprintf("SELECT DISTINCT ON (%s) id, %s FROM %s ORDER BY %s, %s", k, k, table, k, order), dedup(duckOrder)})
}

// runWindowRound runs one random round of TestOracleWindow.
func (o *oracle) runWindowRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("w%d", g.round)
	ddl := g.table(table)
	if g.noKey {
		// Ties are broken by the key: DuckDB must know it.
		ddl = strings.Replace(ddl, "(id BIGINT,", "(id BIGINT PRIMARY KEY,", 1)
		g.noKey = false
	}
	o.both(ddl)
	defer o.dropTables(table)
	var names, sels, ducks []string
	create := func(v topNView) {
		name := fmt.Sprintf("%s_v%d", table, len(names))
		with := ""
		if strings.Contains(v.sel, "GROUP BY") {
			// The aggregate under the windows runs as 1 to 4 instances.
			with = fmt.Sprintf(" WITH (parallelism = '%d')", 1+(g.round+len(names))%4)
		}
		o.weir("CREATE MATERIALIZED VIEW " + name + with + " AS " + v.sel)
		names, sels, ducks = append(names, name), append(sels, v.sel), append(ducks, v.duck)
	}
	check := func() {
		o.weir("FLUSH")
		for i, name := range names {
			o.compare("view "+name+" AS "+sels[i], "SELECT * FROM "+name, ducks[i])
		}
	}
	first := windowViews(g, table)
	// A random two before the data, most after it, and the last two
	// during the changes.
	r.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
	during := first[len(first)-2:]
	first = first[:len(first)-2]
	for _, v := range first[:2] {
		create(v)
	}
	for range 2 + r.IntN(3) {
		n := 5 + r.IntN(30)
		if r.IntN(4) == 0 {
			n = 60 + r.IntN(120) // more rows than a partition's cache holds
		}
		o.both(g.insert(table, n))
	}
	for _, v := range first[2:] {
		create(v) // over rows already there
	}
	check()
	if o.t.Failed() {
		return
	}
	changes := 6 + r.IntN(14)
	for i := range changes {
		g.live = o.liveKeys(table)
		if len(g.live) == 0 {
			o.both(g.insert(table, 10))
		} else {
			o.both(g.change(table))
		}
		if i == changes/2 {
			for _, v := range during {
				create(v)
			}
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

// moreWindowViews returns views of first_value, last_value, nth_value,
// ntile, percent_rank and cume_dist, of RANGE frames by offsets over a
// number, date or timestamp column, of GROUPS frames, and of functions over
// several windows, partitioned by k, reading arg, ordered by order (weir)
// or duckOrder (DuckDB, the key last). Functions whose value depends on the
// order of peers order by the key too; the others by order alone, so that
// peers are peers.
func moreWindowViews(g *oracleGen, table, k, arg, order, duckOrder string) []topNView {
	r := g.rng
	var out []topNView
	frame := []string{
		"",
		fmt.Sprintf(" ROWS BETWEEN %d PRECEDING AND %d FOLLOWING", r.IntN(3), r.IntN(3)),
		" ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
		fmt.Sprintf(" GROUPS BETWEEN %d PRECEDING AND CURRENT ROW", r.IntN(3)),
	}[r.IntN(4)]
	if frame != "" && r.IntN(2) == 0 {
		frame += []string{" EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES", " EXCLUDE NO OTHERS"}[r.IntN(4)]
	}
	nth, tiles := 1+r.IntN(3), 1+r.IntN(4)
	values := func(o, peers string) string {
		return fmt.Sprintf("SELECT id, first_value(%s) OVER (w%s) AS f, last_value(%s) OVER (w%s) AS l, nth_value(%s, %d) OVER (w%s) AS nv, "+
			"ntile(%d) OVER w AS t, percent_rank() OVER (PARTITION BY %s ORDER BY %s) AS pr, cume_dist() OVER (ORDER BY %s) AS cd, "+
			"count(*) OVER (PARTITION BY %s ORDER BY %s GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS g FROM %s WINDOW w AS (PARTITION BY %s ORDER BY %s)",
			arg, frame, arg, frame, arg, nth, frame, tiles, k, peers, peers, k, peers, table, k, o)
	}
	out = append(out, topNView{values(order+", id", order), values(duckOrder, strings.TrimSuffix(duckOrder, ", id"))})
	// RANGE frames by offsets over one column, each direction, with the
	// aggregates whose values peers share.
	var ranged []oracleCol
	for _, c := range g.cols {
		if c.isNumber() || c.kind == colDate || c.kind == colTimestamp {
			ranged = append(ranged, c)
		}
	}
	if len(ranged) > 0 {
		c := ranged[r.IntN(len(ranged))]
		offset := func() string {
			switch c.kind {
			case colSmallint:
				return strconv.Itoa(r.IntN(20))
			case colInt:
				return strconv.Itoa(r.IntN(300))
			case colBigint:
				return strconv.Itoa(r.IntN(300000))
			case colDouble:
				return fmt.Sprintf("%d.5", r.IntN(200))
			case colNumeric:
				return fmt.Sprintf("%d.25", r.IntN(100))
			case colDate:
				return fmt.Sprintf("INTERVAL '%d days'", r.IntN(20))
			}
			return fmt.Sprintf("INTERVAL '%d hours'", r.IntN(400))
		}
		// DuckDB counts an empty frame (a start after the end) as
		// negative: the start is never after the current row, the end
		// never before it.
		start := []string{"UNBOUNDED PRECEDING", offset() + " PRECEDING", offset() + " PRECEDING", "CURRENT ROW"}[r.IntN(4)]
		end := []string{"UNBOUNDED FOLLOWING", offset() + " FOLLOWING", offset() + " FOLLOWING", "CURRENT ROW"}[r.IntN(4)]
		exclude := []string{"", "", " EXCLUDE CURRENT ROW", " EXCLUDE GROUP", " EXCLUDE TIES"}[r.IntN(5)]
		dir := []string{"", " DESC", " NULLS FIRST", " DESC NULLS LAST"}[r.IntN(4)]
		duckDir := map[string]string{"": " NULLS LAST", " DESC": " DESC NULLS FIRST", " NULLS FIRST": " NULLS FIRST", " DESC NULLS LAST": " DESC NULLS LAST"}[dir]
		sums := ""
		for _, s := range g.cols {
			if s.isInteger() && sums == "" {
				sums = fmt.Sprintf(", sum(%s) OVER w AS s", s.name)
				if s.kind != colBigint {
					// DuckDB's variance of large bigints loses more
					// digits to cancellation than the check allows;
					// weir's is exact until rounded once.
					sums += fmt.Sprintf(", stddev_samp(%s) OVER w AS stddev_s, var_pop(%s) OVER w AS var_p", s.name, s.name)
				}
			}
			if s.kind == colBool {
				sums += fmt.Sprintf(", bool_and(%s) OVER w AS band, bool_or(%s) OVER w AS bor", s.name, s.name)
				break
			}
		}
		ranges := func(d string) string {
			return fmt.Sprintf("SELECT id, count(*) OVER w AS n, count(%s) OVER w AS nv, min(%s) OVER w AS lo, max(%s) OVER w AS hi%s FROM %s WINDOW w AS (PARTITION BY %s ORDER BY %s%s RANGE BETWEEN %s AND %s%s)",
				arg, c.name, c.name, sums, table, k, c.name, d, start, end, exclude)
		}
		out = append(out, topNView{ranges(dir), ranges(duckDir)})
	}
	// Window functions over a GROUP BY's groups, over several windows.
	grouped := func(nulls string) string {
		return fmt.Sprintf("SELECT %s AS g, count(*) AS n, rank() OVER (ORDER BY count(*) DESC) AS r, sum(count(*)) OVER (ORDER BY %s%s ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2, "+
			"lag(count(*)) OVER (ORDER BY %s%s) AS prev, max(count(%s)) OVER () AS m FROM %s GROUP BY %s", k, k, nulls, k, nulls, arg, table, k)
	}
	out = append(out, topNView{grouped(""), grouped(" NULLS LAST")})
	// Functions over several windows in one SELECT.
	several := func(o string) string {
		return fmt.Sprintf("SELECT id, rank() OVER (PARTITION BY %s ORDER BY %s) AS r, count(%s) OVER () AS n, lag(id) OVER (ORDER BY %s) AS prev, max(%s) OVER (PARTITION BY %s) AS m FROM %s",
			k, strings.TrimSuffix(o, ", id"), arg, o, arg, arg, table)
	}
	return append(out, topNView{several(order + ", id"), several(duckOrder)})
}
