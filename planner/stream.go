package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// StreamPlan is how a materialized view, sink, subscription or process is
// maintained: a graph of stream nodes whose Root produces the changes the
// object consumes. Cols, Key and AppendOnly are Root's, kept as fields for
// the callers that only need the output's shape. A plan is immutable.
type StreamPlan struct {
	Root       StreamNode
	Cols       []Col
	Key        []int
	AppendOnly bool
}

// PlanStream turns the logical plan of a view's query into a streaming plan.
func PlanStream(n Node) (*StreamPlan, error) {
	if s, ok := n.(*Sort); ok {
		// The view's own ORDER BY goes, and with it the hidden columns the
		// binder added for its terms (a nested one may feed an outer query).
		n = s.Input
		if proj, ok := n.(*Project); ok {
			n = withoutHidden(proj)
		}
	}
	root, err := planNode(n)
	if err != nil {
		return nil, err
	}
	if err := refuseVolatile(root); err != nil {
		return nil, err
	}
	return NewStreamPlan(shareScans(root)), nil
}

// NewStreamPlan returns the plan whose output is root's.
func NewStreamPlan(root StreamNode) *StreamPlan {
	return &StreamPlan{Root: root, Cols: root.Columns(), Key: root.StreamKey(), AppendOnly: root.AppendOnly()}
}

// Nodes returns every node of p once, inputs before the nodes that read
// them (a node read by two others comes once, before both).
func (p *StreamPlan) Nodes() []StreamNode {
	var out []StreamNode
	seen := map[StreamNode]bool{}
	var walk func(n StreamNode)
	walk = func(n StreamNode) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, in := range n.Inputs() {
			walk(in)
		}
		out = append(out, n)
	}
	walk(p.Root)
	return out
}

// Inputs returns the relations p reads (streams, tables, views), each once,
// in the order of its scans.
func (p *StreamPlan) Inputs() []*catalog.Object {
	var out []*catalog.Object
	seen := map[string]bool{}
	for _, n := range p.Nodes() {
		if s, ok := n.(*StreamScan); ok && !seen[s.Object.Name] {
			seen[s.Object.Name] = true
			out = append(out, s.Object)
		}
	}
	return out
}

// InputNames returns the names of the relations p reads (see Inputs).
func (p *StreamPlan) InputNames() []string {
	var out []string
	for _, o := range p.Inputs() {
		out = append(out, o.Name)
	}
	return out
}

// Aggregates returns p's aggregates, inputs first.
func (p *StreamPlan) Aggregates() []*StreamHashAgg {
	var out []*StreamHashAgg
	for _, n := range p.Nodes() {
		if a, ok := n.(*StreamHashAgg); ok {
			out = append(out, a)
		}
	}
	return out
}

// HasGroups reports whether p has an aggregate with a GROUP BY, whose groups
// a TTL can expire.
func (p *StreamPlan) HasGroups() bool {
	for _, a := range p.Aggregates() {
		if a.NumGroup > 0 {
			return true
		}
	}
	return false
}

// planNode returns the stream node that maintains logical node n.
func planNode(n Node) (StreamNode, error) {
	switch n := n.(type) {
	case *Scan:
		return NewStreamScan(n.Object), nil
	case *Filter:
		if top, ok, err := planTemporalFilter(n); ok || err != nil {
			return top, err
		}
		if pushed, ok := pushBelowLeftSide(n); ok {
			return planNode(pushed)
		}
		if j, ok := n.Input.(*Join); ok && j.Kind == InnerJoin {
			// An inner join's WHERE is part of its condition: it may hold
			// the keys (a comma join's always does).
			if ordered, ok := orderInnerJoins(j, n.Pred); ok {
				return planNode(ordered)
			}
			return planJoin(j, n.Pred)
		}
		if top, ok, err := planRankFilter(n, nil); ok || err != nil {
			return top, err
		}
		in, err := planNode(n.Input)
		if err != nil {
			return nil, err
		}
		return &StreamFilter{Input: in, Pred: n.Pred}, nil
	case *Project:
		if f, ok := n.Input.(*Filter); ok {
			if top, ok, err := planRankFilter(f, columnsOf(n.Exprs)); ok || err != nil {
				if err != nil {
					return nil, err
				}
				return NewStreamProject(top, n.Exprs, n.Cols), nil
			}
		}
		in, err := planNode(n.Input)
		if err != nil {
			return nil, err
		}
		in, exprs := pruneSessionInput(in, n.Exprs)
		in, exprs = pruneHopInput(in, exprs)
		in, exprs = pruneJoinInputs(in, exprs)
		return NewStreamProject(in, exprs, n.Cols), nil
	case *Aggregate:
		if err := checkStreamAggs(n.Aggs); err != nil {
			return nil, err
		}
		in, err := planNode(n.Input)
		if err != nil {
			return nil, err
		}
		return windowFirst(NewStreamHashAgg(in, n.NumGroup, n.Aggs, n.Cols)), nil
	case *Union:
		ins := make([]StreamNode, len(n.Inputs))
		for i, c := range n.Inputs {
			in, err := planNode(c)
			if err != nil {
				return nil, err
			}
			ins[i] = in
		}
		return NewStreamUnion(ins, n.Cols), nil
	case *Join:
		if ordered, ok := orderInnerJoins(n, nil); ok {
			return planNode(ordered)
		}
		return planJoin(n, nil)
	case joinedInOrder:
		return planJoin(n.Join, nil)
	case *SetOp:
		return planSetOp(n)
	case *Sort:
		// A view is a set: ORDER BY orders queries over it, not the view.
		return planNode(n.Input)
	case *Limit:
		return planLimit(n)
	case *Window:
		return planWindow(n)
	case *TimeWindow:
		return planTimeWindow(n)
	case *SessionWindow:
		return planSessionWindow(n)
	case *Values:
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "a materialized view must read from a stream, table or view")
	}
	return nil, sqlstate.Errorf(sqlstate.Internal, "planner: unexpected node %T", n)
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

// keyTypes returns the types of cols at key.
func keyTypes(cols []Col, key []int) []types.T {
	out := make([]types.T, len(key))
	for i, k := range key {
		out[i] = cols[k].Type
	}
	return out
}

// projectKeeping returns the projection exprs (named by cols) over in,
// extended with hidden columns for in's key columns that exprs do not
// select as they are, and the key's positions in the output.
func projectKeeping(in StreamNode, exprs []expr.Expr, cols []Col) ([]expr.Expr, []Col, []int) {
	inCols, key := in.Columns(), in.StreamKey()
	exprs = append([]expr.Expr(nil), exprs...)
	cols = append([]Col(nil), cols...)
	out := make([]int, len(key))
	for i, k := range key {
		out[i] = -1
		for j, e := range exprs {
			if c, ok := e.(*expr.ColumnRef); ok && c.Index() == k {
				out[i] = j
				break
			}
		}
		if out[i] < 0 {
			exprs = append(exprs, expr.Column(k, inCols[k].Name, inCols[k].Type))
			cols = append(cols, Col{Name: fmt.Sprintf("_key%d", i), Type: inCols[k].Type, Hidden: true})
			out[i] = len(exprs) - 1
		}
	}
	return exprs, cols, out
}
