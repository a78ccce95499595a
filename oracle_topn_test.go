//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestOracleTopN checks top-N views against DuckDB: a table with random
// columns and a primary key gets random inserts, updates and deletes, and
// after each FLUSH every view holds what DuckDB computes for its query over
// the same rows. The views order by one or two random columns, each
// ascending or descending with NULLs first, last or where Postgres puts
// them, with a LIMIT and sometimes an OFFSET; sort columns outside the
// select list, a WHERE clause, LIMIT without ORDER BY, and the top groups of
// an aggregate (its instances 1 to 4). weir breaks ties by the input's key,
// so DuckDB's query orders by the sort keys, then the table's key (or the
// group key, NULL first): the two then agree row for row, and the views
// are compared as sets.
func TestOracleTopN(t *testing.T) {
	runOracleRounds(t, "TestOracleTopN", 20261206, 0x6a09e667f3bcc908, *oracleRounds, (*oracle).runTopNRound)
}

// topNView is a top-N view: its query on weir and the query DuckDB answers
// with the same rows.
type topNView struct{ sel, duck string }

// orderBy returns a random ORDER BY over one or two of g's columns, as weir
// runs it and as DuckDB must (every NULL placement spelled out, the tie
// breaker tie appended).
func orderBy(g *oracleGen, tie string) (string, string, []string) {
	r := g.rng
	var terms, duck, cols []string
	for _, i := range r.Perm(len(g.cols))[:1+r.IntN(min(2, len(g.cols)))] {
		c := g.cols[i].name
		cols = append(cols, c)
		desc := r.IntN(2) == 0
		nullsFirst := desc
		term := c
		if desc {
			term += " DESC"
		}
		switch r.IntN(3) {
		case 0:
			term += " NULLS FIRST"
			nullsFirst = true
		case 1:
			term += " NULLS LAST"
			nullsFirst = false
		}
		terms = append(terms, term)
		d := c
		if desc {
			d += " DESC"
		}
		if nullsFirst {
			d += " NULLS FIRST"
		} else {
			d += " NULLS LAST"
		}
		duck = append(duck, d)
	}
	return strings.Join(terms, ", "), strings.Join(append(duck, tie), ", "), cols
}

// limit returns a random LIMIT, with an OFFSET one time in three.
func limit(r *rand.Rand) string {
	s := fmt.Sprintf(" LIMIT %d", 1+r.IntN(8))
	if r.IntN(3) == 0 {
		s += fmt.Sprintf(" OFFSET %d", r.IntN(6))
	}
	return s
}

// topNViews returns the views of a round over table.
func topNViews(g *oracleGen, table string) []topNView {
	r := g.rng
	var out []topNView
	// The sort columns selected.
	order, duckOrder, cols := orderBy(g, "id")
	lim := limit(r)
	sel := fmt.Sprintf("SELECT id, %s FROM %s", strings.Join(cols, ", "), table)
	out = append(out, topNView{sel + " ORDER BY " + order + lim, sel + " ORDER BY " + duckOrder + lim})
	// A sort column outside the select list, over a WHERE clause.
	order, duckOrder, _ = orderBy(g, "id")
	lim = limit(r)
	other := g.cols[r.IntN(len(g.cols))].name
	sel = fmt.Sprintf("SELECT id, %s FROM %s WHERE %s", other, table, g.pred(1))
	out = append(out, topNView{sel + " ORDER BY " + order + lim, sel + " ORDER BY " + duckOrder + lim})
	// LIMIT without ORDER BY: the smallest keys.
	lim = limit(r)
	sel = fmt.Sprintf("SELECT id, %s FROM %s", other, table)
	out = append(out, topNView{sel + lim, sel + " ORDER BY id" + lim})
	// The top groups of an aggregate, ties by the group key.
	k := g.cols[r.IntN(len(g.cols))].name
	agg := []string{"count(*)", "count(" + other + ")", "min(id)", "max(id)", "sum(id)"}[r.IntN(5)]
	dir := []string{"", " DESC"}[r.IntN(2)]
	nulls := " NULLS LAST"
	if dir != "" {
		nulls = " NULLS FIRST"
	}
	lim = limit(r)
	sel = fmt.Sprintf("SELECT %s AS k, %s AS n FROM %s GROUP BY %s", k, agg, table, k)
	out = append(out, topNView{sel + " ORDER BY n" + dir + lim, sel + " ORDER BY n" + dir + nulls + ", k NULLS FIRST" + lim})
	return out
}

// runTopNRound runs one random round of TestOracleTopN.
func (o *oracle) runTopNRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("tn%d", g.round)
	ddl := g.table(table)
	if g.noKey {
		// Ties are broken by the key: DuckDB must know it.
		ddl = strings.Replace(ddl, "(id BIGINT,", "(id BIGINT PRIMARY KEY,", 1)
		g.noKey = false
	}
	o.both(ddl)
	defer func() {
		o.weir("DROP TABLE " + table + " CASCADE")
		o.duck("DROP TABLE " + table)
	}()
	type view struct {
		name string
		topNView
	}
	var views []view
	create := func(v topNView) {
		name := fmt.Sprintf("%s_v%d", table, len(views))
		with := ""
		if strings.Contains(v.sel, " GROUP BY ") {
			with = fmt.Sprintf(" WITH (parallelism = '%d')", 1+(g.round+len(views))%4)
		}
		o.weir("CREATE MATERIALIZED VIEW " + name + with + " AS " + v.sel)
		views = append(views, view{name, v})
	}
	check := func() {
		o.weir("FLUSH")
		for _, v := range views {
			o.compare("view "+v.name+" AS "+v.sel, "SELECT * FROM "+v.name, v.duck)
		}
	}
	first := topNViews(g, table)
	for _, v := range first[:2] {
		create(v)
	}
	for range 2 + r.IntN(3) {
		n := 5 + r.IntN(30)
		if r.IntN(4) == 0 {
			n = 60 + r.IntN(120) // more rows than a top-N's cache holds
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
	for _, v := range topNViews(g, table)[:2] {
		create(v)
	}
	changes := 6 + r.IntN(14)
	for i := range changes {
		g.live = o.liveKeys(table)
		if len(g.live) == 0 {
			o.both(g.insert(table, 10))
		} else {
			o.both(g.change(table))
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
