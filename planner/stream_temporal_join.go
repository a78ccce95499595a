package planner

import (
	"slices"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// temporalRight returns the right item of join j to bind, and whether j is
// a temporal join: `s [LEFT] JOIN t FOR SYSTEM_TIME AS OF PROCTIME() ON …`,
// whose right item is then returned without the clause. The time must be
// PROCTIME() or now() (processing time: weir has no versions of a table's
// rows to read at an event time), and the join an inner or left one, as
// RisingWave requires.
func temporalRight(j *sql.JoinTableExpr) (sql.TableExpr, bool, error) {
	t, ok := j.Right.(*sql.TableName)
	if !ok || t.ForSystemTime == nil {
		return j.Right, false, nil
	}
	f, ok := t.ForSystemTime.(*sql.FuncCall)
	if !ok || len(f.Args) > 0 || f.Star || f.Over != nil || f.Name.Value != "proctime" && f.Name.Value != "now" {
		return nil, false, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, t.ForSystemTime.Position(),
			"FOR SYSTEM_TIME AS OF supports only PROCTIME() or now(), not %s", t.ForSystemTime)
	}
	if j.Kind != sql.JoinInner && j.Kind != sql.JoinLeft || j.Natural || len(j.Using) > 0 || j.On == nil {
		return nil, false, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, j.Pos,
			"a temporal join must be a JOIN or LEFT JOIN with an ON condition")
	}
	plain := *t
	plain.ForSystemTime = nil
	return &plain, true, nil
}

// planTemporalJoin returns temporal join j of left and right, the plans of
// its sides, with the keys and residual planJoin found. RisingWave's rules
// hold: Right is a table or materialized view whose whole primary key the
// equalities cover, each with one of its columns (so a row of Left meets
// at most one row of Right), and Left is append-only (the output is then
// append-only too: a change of Right changes no row already emitted).
func planTemporalJoin(j *Join, left, right StreamNode, lkeys, rkeys []expr.Expr, nullSafe []bool, residual []expr.Expr) (StreamNode, error) {
	scan, ok := right.(*StreamScan)
	if !ok || scan.Object.Kind != catalog.Table && scan.Object.Kind != catalog.View {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
			"the right side of a temporal join must be a table or a materialized view")
	}
	var covered []int
	for i, k := range rkeys {
		if c, ok := k.(*expr.ColumnRef); ok && !nullSafe[i] {
			covered = append(covered, c.Index())
		}
	}
	cols := scan.Columns()
	for _, k := range scan.StreamKey() {
		if cols[k].Hidden {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
				"the right side of a temporal join must have a primary key: %s has none", scan.Object.Name)
		}
		if !slices.Contains(covered, k) {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
				"the join condition of a temporal join must equate every primary key column of %s with the left side (missing %s)",
				scan.Object.Name, cols[k].Name).
				WithHint("A temporal join looks up at most one row of its right side for each row of its left side.")
		}
	}
	if !left.AppendOnly() {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
			"the left side of a temporal join must be append-only (a stream, or a query over one without aggregates)")
	}
	n := &StreamHashJoin{Kind: j.Kind, LeftWidth: len(j.Left.Columns()), RightWidth: len(j.Right.Columns()), Temporal: true}
	n.Left, n.LeftKeys = keyColumns(left, lkeys)
	n.Right, n.RightKeys = keyColumns(right, rkeys)
	if len(residual) > 0 {
		n.Residual = expr.And(residual)
	}
	return n, nil
}

// temporalJoinState is a temporal join's state: Right's rows, laid out as
// a hash join keeps a side's (degree 0), and nothing of Left.
func temporalJoinState() []StateTable {
	return []StateTable{{Role: "right", Key: "join key | right stream key", Value: "0 | row"}}
}

// StripSystemTime removes FOR SYSTEM_TIME AS OF from the tables of st, for
// DuckDB, which runs an ad-hoc temporal join as an ordinary join over the
// tables' current rows. It returns what puts st back.
func StripSystemTime(st *sql.Select) (undo func()) {
	var undos []func()
	sql.Walk(st, func(n sql.Node) bool {
		if t, ok := n.(*sql.TableName); ok && t.ForSystemTime != nil {
			e := t.ForSystemTime
			t.ForSystemTime = nil
			undos = append(undos, func() { t.ForSystemTime = e })
		}
		return true
	})
	return func() {
		for _, u := range undos {
			u()
		}
	}
}
