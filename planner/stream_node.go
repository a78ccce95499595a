package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// StreamNode is a node of a streaming plan: one operator of the dataflow
// that maintains a view, described as data. Nodes are immutable and never
// execute; the builder (exec/dataflow) turns them into operators.
//
// Every node says what it emits — its output columns, the stream key that
// identifies a row across the changes to it, whether it only ever inserts —
// and declares the state tables it owns by role, so that state ids are
// handed out from the declaration rather than by position.
type StreamNode interface {
	// Inputs returns the nodes whose changes the node consumes, in input
	// order (none for a scan).
	Inputs() []StreamNode
	// Columns returns the node's output columns.
	Columns() []Col
	// StreamKey returns the output columns that identify a row: every
	// change to a row carries the same key values.
	StreamKey() []int
	// AppendOnly reports that the node's output never retracts a row.
	AppendOnly() bool
	// State returns the state tables the node owns, in a fixed order.
	State() []StateTable
	// explain returns the node's EXPLAIN line, without its state.
	explain() string
}

// StateTable is a state table a stream node declares: what it holds (Role),
// how its keys are made and what its values are. The builder binds each
// declared table to a table id of the catalog object.
type StateTable struct {
	// Role names the table's purpose within its node ("source", "result",
	// "minmax", "expiry").
	Role string
	// Key describes the table's key after the table id and vnode.
	Key string
	// Value describes the table's values.
	Value string
}

// StreamScan reads a relation: the records of a stream, through its
// connector (the scan owns the source's position), or the changes of a
// table or view, from the dataflow that maintains it.
type StreamScan struct {
	Object *catalog.Object
}

// NewStreamScan returns the scan of o.
func NewStreamScan(o *catalog.Object) *StreamScan { return &StreamScan{Object: o} }

// Inputs returns nothing: a scan reads outside the plan.
func (n *StreamScan) Inputs() []StreamNode { return nil }

// Columns returns every column of the relation, hidden ones included.
func (n *StreamScan) Columns() []Col {
	return (&Scan{Object: n.Object}).Columns()
}

// StreamKey returns the relation's key.
func (n *StreamScan) StreamKey() []int { return append([]int(nil), n.Object.Key...) }

// AppendOnly reports whether the relation never retracts.
func (n *StreamScan) AppendOnly() bool { return n.Object.AppendOnly }

// State returns the source's position for a stream, nothing otherwise.
func (n *StreamScan) State() []StateTable {
	if n.Object.Kind != catalog.Stream {
		return nil
	}
	return []StateTable{{Role: "source", Key: "'offset' | 'dlq/' sequence", Value: "the connector's position | a dead letter"}}
}

func (n *StreamScan) explain() string {
	kind := n.Object.Kind.String()
	if n.Object.Kind == catalog.View {
		kind = "view"
	}
	return fmt.Sprintf("StreamScan { %s: %s }", kind, n.Object.Name)
}

// StreamFilter keeps the changes whose row satisfies Pred.
type StreamFilter struct {
	Input StreamNode
	Pred  expr.Expr
}

// Inputs returns the filtered node.
func (n *StreamFilter) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns.
func (n *StreamFilter) Columns() []Col { return n.Input.Columns() }

// StreamKey returns the input's key.
func (n *StreamFilter) StreamKey() []int { return n.Input.StreamKey() }

// AppendOnly reports whether the input is append-only.
func (n *StreamFilter) AppendOnly() bool { return n.Input.AppendOnly() }

// State returns nothing: a filter is stateless.
func (n *StreamFilter) State() []StateTable { return nil }

func (n *StreamFilter) explain() string {
	return fmt.Sprintf("StreamFilter { predicate: %s }", n.Pred)
}

// StreamProject computes Exprs over each change's row. Its columns end with
// hidden copies of the input's key columns the query did not select, so a
// row keeps its identity through the projection.
type StreamProject struct {
	Input StreamNode
	Exprs []expr.Expr
	Cols  []Col
	Key   []int
}

// NewStreamProject returns the projection of exprs (named by cols) over
// in, keeping in's key.
func NewStreamProject(in StreamNode, exprs []expr.Expr, cols []Col) *StreamProject {
	exprs, cols, key := projectKeeping(in, exprs, cols)
	return mergeProjects(&StreamProject{Input: in, Exprs: exprs, Cols: cols, Key: key})
}

// mergeProjects returns p with the projections under it merged into it, so
// that one operator computes what they did (substituteProjection).
func mergeProjects(p *StreamProject) *StreamProject {
	in, ok := p.Input.(*StreamProject)
	if !ok {
		return p
	}
	exprs, ok := substituteProjection(p.Exprs, in.Exprs)
	if !ok {
		return p
	}
	return mergeProjects(&StreamProject{Input: in.Input, Exprs: exprs, Cols: p.Cols, Key: p.Key})
}

// Inputs returns the projected node.
func (n *StreamProject) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the projected columns.
func (n *StreamProject) Columns() []Col { return n.Cols }

// StreamKey returns where the input's key columns are in the output.
func (n *StreamProject) StreamKey() []int { return n.Key }

// AppendOnly reports whether the input is append-only.
func (n *StreamProject) AppendOnly() bool { return n.Input.AppendOnly() }

// State returns nothing: a projection is stateless.
func (n *StreamProject) State() []StateTable { return nil }

func (n *StreamProject) explain() string {
	return fmt.Sprintf("StreamProject { exprs: %s }", exprList(n.Exprs, n.Cols))
}

// StreamHashAgg maintains GROUP BY aggregates incrementally. It groups by
// its input's first NumGroup columns; its output is the group columns, then
// one column per aggregate, keyed by the group.
type StreamHashAgg struct {
	Input    StreamNode
	NumGroup int
	KeyTypes []types.T
	Aggs     []expr.Aggregate
	Cols     []Col
	// InputAppendOnly reports that the input never retracts, so min and max
	// need no multiset of values.
	InputAppendOnly bool
}

// NewStreamHashAgg returns the aggregate of aggs over in grouped by its
// first numGroup columns, with output columns cols.
func NewStreamHashAgg(in StreamNode, numGroup int, aggs []expr.Aggregate, cols []Col) *StreamHashAgg {
	inCols := in.Columns()
	kt := make([]types.T, numGroup)
	for i := range kt {
		kt[i] = inCols[i].Type
	}
	return &StreamHashAgg{Input: in, NumGroup: numGroup, KeyTypes: kt, Aggs: aggs, Cols: cols, InputAppendOnly: in.AppendOnly()}
}

// Inputs returns the aggregated node.
func (n *StreamHashAgg) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the group columns, then the aggregates.
func (n *StreamHashAgg) Columns() []Col { return n.Cols }

// StreamKey returns the group columns.
func (n *StreamHashAgg) StreamKey() []int { return seq(n.NumGroup) }

// AppendOnly returns false: a group's row is updated as rows arrive.
func (n *StreamHashAgg) AppendOnly() bool { return false }

// State returns the aggregate's tables: its groups' results, the value
// multisets of min and max, and the expiry of groups under a TTL.
func (n *StreamHashAgg) State() []StateTable {
	return []StateTable{
		{Role: "result", Key: "group key", Value: "row count and aggregate states"},
		{Role: "minmax", Key: "group key | aggregate | value", Value: "count of the value"},
		{Role: "expiry", Key: "deadline | group key", Value: "empty"},
	}
}

func (n *StreamHashAgg) explain() string {
	aggs := make([]string, len(n.Aggs))
	for i, a := range n.Aggs {
		aggs[i] = a.String()
	}
	groups := make([]string, n.NumGroup)
	for i := range groups {
		groups[i] = n.Cols[i].Name
	}
	mode := ""
	if n.InputAppendOnly {
		mode = ", append_only: true"
	}
	return fmt.Sprintf("StreamHashAgg { group: [%s], aggs: [%s]%s }", join(groups), join(aggs), mode)
}

// seq returns 0, 1, …, n-1.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
