package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// StreamTemporalFilter is a WHERE condition that compares a row's time with
// now() in a view, RisingWave's temporal filter: `Time > Lower` and / or
// `Time < Upper`, whose bounds read the clock and no column (now() -
// INTERVAL '1 hour'). The view keeps the rows inside the window the bounds
// give at now(), the time of the last barrier; rows enter and leave as
// barriers move it (ops.TemporalFilter).
type StreamTemporalFilter struct {
	Input StreamNode
	// Time is the row's side, over Input's columns.
	Time expr.Expr
	// Lower and Upper are the bounds (nil when absent); the Inclusive
	// flags make them >= and <=.
	Lower, Upper                   expr.Expr
	LowerInclusive, UpperInclusive bool
}

// Inputs returns the filtered node.
func (n *StreamTemporalFilter) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns.
func (n *StreamTemporalFilter) Columns() []Col { return n.Input.Columns() }

// StreamKey returns the input's key.
func (n *StreamTemporalFilter) StreamKey() []int { return n.Input.StreamKey() }

// AppendOnly reports whether the input is append-only and rows never leave:
// a filter with only an upper bound lets rows in and never out.
func (n *StreamTemporalFilter) AppendOnly() bool { return n.Input.AppendOnly() && n.Lower == nil }

// watermarkColumns returns which columns carry a watermark: the input's,
// passed on unchanged, when the filter has no upper bound (rows then enter
// only as they arrive, above the watermark; they leave later as deletes,
// which a watermark does not bound). With one, rows enter at barriers
// below the input's watermark but at or above the upper bound, so only
// the time column, when Time is one, carries a watermark: the lower of
// the input's and the bound (ops.TemporalFilter).
func (n *StreamTemporalFilter) watermarkColumns() []bool {
	in := WatermarkColumns(n.Input)
	if n.Upper == nil {
		return in
	}
	out := make([]bool, len(in))
	if c, ok := n.Time.(*expr.ColumnRef); ok {
		out[c.Index()] = in[c.Index()]
	}
	return out
}

// State returns the table of the rows that may still enter or leave.
func (n *StreamTemporalFilter) State() []StateTable {
	return []StateTable{{Role: "rows", Key: "'now' | time | stream key", Value: "now() of the last barrier | the row"}}
}

func (n *StreamTemporalFilter) explain() string {
	s := "StreamTemporalFilter { time: " + n.Time.String()
	if n.Lower != nil {
		op := ">"
		if n.LowerInclusive {
			op = ">="
		}
		s += fmt.Sprintf(", lower: %s %s", op, n.Lower)
	}
	if n.Upper != nil {
		op := "<"
		if n.UpperInclusive {
			op = "<="
		}
		s += fmt.Sprintf(", upper: %s %s", op, n.Upper)
	}
	return s + " }"
}

// temporalBound is one conjunct `time op bound` of a temporal filter.
type temporalBound struct {
	time      expr.Expr
	bound     expr.Expr
	upper     bool
	inclusive bool
}

// splitTemporal divides the conjuncts of pred into the comparisons of a
// row's time with now() (BETWEEN's halves included) and the rest.
func splitTemporal(pred expr.Expr) (bounds []temporalBound, rest []expr.Expr) {
	for _, c := range expr.Conjuncts(pred) {
		if x, lo, hi, ok := expr.BetweenOperands(c); ok && (expr.ReadsOnlyClock(lo) || expr.ReadsOnlyClock(hi)) && !expr.IsVolatile(x) {
			for _, half := range []struct {
				b     expr.Expr
				upper bool
				op    sql.BinaryOp
			}{{lo, false, sql.OpGe}, {hi, true, sql.OpLe}} {
				if expr.ReadsOnlyClock(half.b) {
					bounds = append(bounds, temporalBound{time: x, bound: half.b, upper: half.upper, inclusive: true})
				} else if e, err := expr.Binary(half.op, x, half.b); err == nil {
					rest = append(rest, e)
				} else {
					rest = append(rest, c)
				}
			}
			continue
		}
		op, l, r, ok := expr.Comparison(c)
		if !ok {
			rest = append(rest, c)
			continue
		}
		if expr.ReadsOnlyClock(l) && !expr.IsVolatile(r) {
			l, r = r, l
			op = flipComparison(op)
		}
		if !expr.ReadsOnlyClock(r) || expr.IsVolatile(l) || !expr.WatermarkValue(l.Type()) || len(expr.Columns(l)) == 0 {
			rest = append(rest, c)
			continue
		}
		switch op {
		case sql.OpGt, sql.OpGe:
			bounds = append(bounds, temporalBound{time: l, bound: r, inclusive: op == sql.OpGe})
		case sql.OpLt, sql.OpLe:
			bounds = append(bounds, temporalBound{time: l, bound: r, upper: true, inclusive: op == sql.OpLe})
		default:
			rest = append(rest, c)
		}
	}
	return bounds, rest
}

// planTemporalFilter plans a Filter whose condition compares a row's time
// with now(): the other conjuncts as a filter, then one temporal filter per
// time expression (two when it has two lower or two upper bounds).
// ok is false when the condition has no such comparison.
func planTemporalFilter(n *Filter) (StreamNode, bool, error) {
	bounds, rest := splitTemporal(n.Pred)
	if len(bounds) == 0 {
		return nil, false, nil
	}
	var in Node = n.Input
	if len(rest) > 0 {
		in = &Filter{Input: n.Input, Pred: expr.And(rest)}
	}
	top, err := planNode(in)
	if err != nil {
		return nil, true, err
	}
	var filters []*StreamTemporalFilter
	for _, b := range bounds {
		var f *StreamTemporalFilter
		for _, g := range filters {
			if g.Time.String() == b.time.String() && (b.upper && g.Upper == nil || !b.upper && g.Lower == nil) {
				f = g
				break
			}
		}
		if f == nil {
			f = &StreamTemporalFilter{Time: b.time}
			filters = append(filters, f)
		}
		if b.upper {
			f.Upper, f.UpperInclusive = b.bound, b.inclusive
		} else {
			f.Lower, f.LowerInclusive = b.bound, b.inclusive
		}
	}
	for _, f := range filters {
		f.Input = top
		top = f
	}
	return top, true, nil
}

// refuseVolatile fails when a node of the plan under root computes now(),
// CURRENT_TIMESTAMP, CURRENT_DATE, proctime() or age(ts) other than as a
// temporal filter's bound: such a value would change with the moment a
// row is computed, so a view could never be maintained to equal its query.
// RisingWave refuses them the same way.
func refuseVolatile(root StreamNode) error {
	var exprs []expr.Expr
	switch n := root.(type) {
	case *StreamFilter:
		exprs = append(exprs, n.Pred)
	case *StreamProject:
		exprs = append(exprs, n.Exprs...)
	case *StreamHashJoin:
		if n.Residual != nil {
			exprs = append(exprs, n.Residual)
		}
	case *StreamHashAgg:
		for _, a := range n.Aggs {
			for _, e := range []expr.Expr{a.Arg, a.Filter, a.Sep} {
				if e != nil {
					exprs = append(exprs, e)
				}
			}
		}
	}
	for _, e := range exprs {
		if expr.IsVolatile(e) {
			return sqlstate.Errorf(sqlstate.FeatureNotSupported,
				"now() is only allowed in a materialized view as a bound of a temporal filter: %s", e).
				WithHint("Compare a column with now() in WHERE, as in WHERE ts > now() - INTERVAL '1 hour'.")
		}
	}
	for _, in := range root.Inputs() {
		if err := refuseVolatile(in); err != nil {
			return err
		}
	}
	return nil
}
