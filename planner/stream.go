package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Step is one operator of a view's streaming chain. Steps are immutable data;
// the engine instantiates the operators.
type Step interface {
	// Explain returns the step's EXPLAIN line.
	Explain() string
}

// FilterStep keeps the changes whose row satisfies Pred.
type FilterStep struct{ Pred expr.Expr }

// ProjectStep computes Exprs over each change's row.
type ProjectStep struct {
	Exprs []expr.Expr
	Cols  []Col
}

// AggregateStep maintains GROUP BY aggregates incrementally. Its output
// columns are the group keys (input columns 0..NumGroup-1) then the aggregates.
type AggregateStep struct {
	NumGroup   int
	KeyTypes   []types.T
	Aggs       []expr.Aggregate
	Cols       []Col
	AppendOnly bool // the input never retracts
}

// StreamPlan is how a materialized view is maintained: the changes of Input
// flow through Steps into the view's rows, keyed by Key.
type StreamPlan struct {
	Input      *catalog.Object
	Steps      []Step
	Cols       []Col
	Key        []int
	AppendOnly bool
}

// NumAggregates returns the number of aggregate steps (each owns its state
// tables).
func (p *StreamPlan) NumAggregates() int {
	n := 0
	for _, s := range p.Steps {
		if _, ok := s.(*AggregateStep); ok {
			n++
		}
	}
	return n
}

// Groups reports whether the plan has an aggregate with a GROUP BY, whose
// groups a TTL can expire.
func (p *StreamPlan) Groups() bool {
	for _, s := range p.Steps {
		if a, ok := s.(*AggregateStep); ok && a.NumGroup > 0 {
			return true
		}
	}
	return false
}

// PlanStream turns the logical plan of a view's query into a streaming plan.
func PlanStream(n Node) (*StreamPlan, error) {
	p := &StreamPlan{}
	if s, ok := n.(*Sort); ok {
		// The view's own ORDER BY goes, and with it the hidden columns the
		// binder added for its terms (a nested one may feed an outer query).
		n = s.Input
		if proj, ok := n.(*Project); ok {
			n = withoutHidden(proj)
		}
	}
	cols, key, appendOnly, err := p.build(n)
	if err != nil {
		return nil, err
	}
	p.Cols, p.Key, p.AppendOnly = cols, key, appendOnly
	return p, nil
}

func (p *StreamPlan) build(n Node) (cols []Col, key []int, appendOnly bool, err error) {
	switch n := n.(type) {
	case *Scan:
		p.Input = n.Object
		return n.Columns(), append([]int(nil), n.Object.Key...), n.Object.AppendOnly, nil
	case *Filter:
		if cols, key, appendOnly, err = p.build(n.Input); err != nil {
			return
		}
		p.Steps = append(p.Steps, &FilterStep{Pred: n.Pred})
		return cols, key, appendOnly, nil
	case *Project:
		var inCols []Col
		if inCols, key, appendOnly, err = p.build(n.Input); err != nil {
			return
		}
		exprs := append([]expr.Expr(nil), n.Exprs...)
		out := append([]Col(nil), n.Cols...)
		newKey := make([]int, len(key))
		for i, k := range key {
			newKey[i] = -1
			for j, e := range exprs {
				if c, ok := e.(*expr.ColumnRef); ok && c.Index() == k {
					newKey[i] = j
					break
				}
			}
			if newKey[i] < 0 {
				exprs = append(exprs, expr.Column(k, inCols[k].Name, inCols[k].Type))
				out = append(out, Col{Name: fmt.Sprintf("_key%d", i), Type: inCols[k].Type, Hidden: true})
				newKey[i] = len(exprs) - 1
			}
		}
		p.Steps = append(p.Steps, &ProjectStep{Exprs: exprs, Cols: out})
		return out, newKey, appendOnly, nil
	case *Aggregate:
		for _, a := range n.Aggs {
			if a.Distinct {
				return nil, nil, false, sqlstate.Errorf(sqlstate.FeatureNotSupported, "DISTINCT aggregates are not supported in materialized views yet").
					WithHint("Group by the value in one view and count the groups in a view over it.")
			}
		}
		var inCols []Col
		if inCols, _, appendOnly, err = p.build(n.Input); err != nil {
			return
		}
		kt := make([]types.T, n.NumGroup)
		key = make([]int, n.NumGroup)
		for i := range kt {
			kt[i] = inCols[i].Type
			key[i] = i
		}
		p.Steps = append(p.Steps, &AggregateStep{NumGroup: n.NumGroup, KeyTypes: kt, Aggs: n.Aggs, Cols: n.Cols, AppendOnly: appendOnly})
		return n.Cols, key, false, nil
	case *Sort:
		// A view is a set: ORDER BY orders queries over it, not the view.
		return p.build(n.Input)
	case *Limit:
		return nil, nil, false, sqlstate.Errorf(sqlstate.FeatureNotSupported, "LIMIT and OFFSET are not supported in materialized views yet")
	case *Values:
		return nil, nil, false, sqlstate.Errorf(sqlstate.FeatureNotSupported, "a materialized view must read from a stream, table or view")
	}
	return nil, nil, false, sqlstate.Errorf(sqlstate.Internal, "planner: unexpected node %T", n)
}

// Explain returns the EXPLAIN line of the step.
func (s *FilterStep) Explain() string { return fmt.Sprintf("StreamFilter { predicate: %s }", s.Pred) }

// Explain returns the EXPLAIN line of the step.
func (s *ProjectStep) Explain() string {
	return fmt.Sprintf("StreamProject { exprs: %s }", exprList(s.Exprs, s.Cols))
}

// Explain returns the EXPLAIN line of the step.
func (s *AggregateStep) Explain() string {
	aggs := make([]string, len(s.Aggs))
	for i, a := range s.Aggs {
		aggs[i] = a.String()
	}
	groups := make([]string, s.NumGroup)
	for i := range groups {
		groups[i] = s.Cols[i].Name
	}
	mode := ""
	if s.AppendOnly {
		mode = ", append_only: true"
	}
	return fmt.Sprintf("StreamHashAgg { group: [%s], aggs: [%s]%s }", join(groups), join(aggs), mode)
}

// withoutHidden returns proj without its hidden output columns.
func withoutHidden(proj *Project) *Project {
	out := &Project{Input: proj.Input}
	for i, c := range proj.Cols {
		if !c.Hidden {
			out.Exprs = append(out.Exprs, proj.Exprs[i])
			out.Cols = append(out.Cols, c)
		}
	}
	return out
}
