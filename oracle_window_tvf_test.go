//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestOracleWindowTVF checks window aggregates over TUMBLE and HOP against
// DuckDB: a table with random columns and a TIMESTAMP column ts gets random
// inserts, updates and deletes, and after each FLUSH every view (run as 1
// to 4 instances in turn) holds what DuckDB computes with its own bucketing
// (time_bucket from the epoch plus the offset, HOP crossed with its
// copies' numbers), and the same query ad hoc agrees too. Sizes, slides and
// offsets are random; a row whose ts is NULL is in a NULL window of
// TUMBLE's and in no window of HOP's.
func TestOracleWindowTVF(t *testing.T) {
	runOracleRounds(t, "TestOracleWindowTVF", 20261206, 0x3c6ef372fe94f82b, *oracleRounds, (*oracle).runWindowTVFRound)
}

// windowTVFView is a window aggregate: weir's query and DuckDB's.
type windowTVFView struct{ sel, duck string }

// windowTVFViews returns the round's views over table.
func windowTVFViews(g *oracleGen, table string) []windowTVFView {
	r := g.rng
	var out []windowTVFView
	for range 2 + r.IntN(2) {
		hours := []int{1, 5, 24, 36, 24 * 7}[r.IntN(5)]
		slide, size := hours, hours
		hop := r.IntN(2) == 0
		if hop {
			size = slide * (2 + r.IntN(3))
		}
		offset := 0
		if r.IntN(3) == 0 {
			offset = r.IntN(slide * 60) // minutes
		}
		var keys []string
		if k, ok := exactKey(g); ok && r.IntN(2) == 0 && k != "ts" {
			keys = append(keys, k)
		}
		aggs := []string{"count(*)"}
		for _, i := range r.Perm(len(g.cols))[:1+r.IntN(2)] {
			c := g.cols[i]
			aggs = append(aggs, "count("+c.name+")", "min("+c.name+")", "max("+c.name+")")
			if c.isInteger() || c.kind == colNumeric {
				aggs = append(aggs, "sum("+c.name+")")
			}
			if c.isInteger() {
				aggs = append(aggs, "avg("+c.name+")")
			}
		}
		for i := range aggs {
			aggs[i] += fmt.Sprintf(" AS a%d", i)
		}
		group := strings.Join(append([]string{"window_start", "window_end"}, keys...), ", ")
		items := group + ", " + strings.Join(aggs, ", ")
		var from string
		iv := func(h int) string { return fmt.Sprintf("INTERVAL '%d hours'", h) }
		off := ""
		if offset != 0 {
			off = fmt.Sprintf(", INTERVAL '%d minutes'", offset)
		}
		if hop {
			from = fmt.Sprintf("HOP(%s, ts, %s, %s%s)", table, iv(slide), iv(size), off)
		} else {
			from = fmt.Sprintf("TUMBLE(%s, ts, %s%s)", table, iv(size), off)
		}
		sel := fmt.Sprintf("SELECT %s FROM %s GROUP BY %s", items, from, group)
		origin := fmt.Sprintf("TIMESTAMP '1970-01-01' + INTERVAL '%d minutes'", offset)
		bucket := fmt.Sprintf("time_bucket(%s, ts, %s)", iv(slide), origin)
		var duckFrom string
		if hop {
			duckFrom = fmt.Sprintf("(SELECT *, %s - k * %s AS window_start, %s - k * %s + %s AS window_end FROM %s, range(0, %d) AS r (k) WHERE ts IS NOT NULL) AS w",
				bucket, iv(slide), bucket, iv(slide), iv(size), table, size/slide)
		} else {
			duckFrom = fmt.Sprintf("(SELECT *, %s AS window_start, %s + %s AS window_end FROM %s) AS w", bucket, bucket, iv(size), table)
		}
		out = append(out, windowTVFView{sel, fmt.Sprintf("SELECT %s FROM %s GROUP BY %s", items, duckFrom, group)})
	}
	return out
}

// runWindowTVFRound runs one random round of TestOracleWindowTVF.
func (o *oracle) runWindowTVFRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("wt%d", g.round)
	ddl := g.table(table)
	// The time column: a few instants per window, some NULL.
	ts := oracleCol{name: "ts", kind: colTimestamp, nulls: []int{0, 10}[r.IntN(2)]}
	for range 6 + r.IntN(20) {
		ts.pool = append(ts.pool, g.fresh(ts))
	}
	g.cols = append(g.cols, ts)
	ddl = strings.TrimSuffix(ddl, ")") + ", ts TIMESTAMP)"
	o.both(ddl)
	defer o.dropTables(table)
	var names []string
	var views []windowTVFView
	create := func(v windowTVFView) {
		name := fmt.Sprintf("%s_v%d", table, len(names))
		o.createView(name, v.sel)
		names, views = append(names, name), append(views, v)
	}
	check := func() {
		o.weir("FLUSH")
		for i, name := range names {
			o.checkView(name, views[i].duck)
			o.compare("ad hoc "+views[i].sel, views[i].sel, views[i].duck)
		}
	}
	all := windowTVFViews(g, table)
	create(all[0])
	for range 2 + r.IntN(3) {
		o.both(g.insert(table, 5+r.IntN(40)))
	}
	for _, v := range all[1:] {
		create(v) // over rows already there
	}
	check()
	if o.t.Failed() {
		return
	}
	for i := range 6 + r.IntN(10) {
		g.live = o.liveKeys(table)
		if len(g.live) == 0 {
			o.both(g.insert(table, 10))
		} else {
			o.both(g.change(table))
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
