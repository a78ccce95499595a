package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// StreamTopN maintains `ORDER BY … LIMIT n OFFSET m` over its input: the
// rows ranked Offset to Offset+Limit-1 by Keys, ties broken by the input's
// stream key (ascending, so the result is deterministic; without Keys the
// rows with the smallest stream keys). It keeps every input row in state
// ordered by (sort key, stream key) and emits, at each barrier, the changes
// of that window: a row entering it pushes the last one out, a row leaving it
// pulls the next one in from state. With an append-only input a row pushed
// beyond the first Offset+Limit can never come back, so only those rows are
// kept.
//
// Its columns and stream key are its input's; it runs as one instance.
type StreamTopN struct {
	Input StreamNode
	// Keys are the sort keys, columns of Input.
	Keys   []SortKey
	Limit  int64
	Offset int64
	// InputAppendOnly reports that the input never retracts, so rows beyond
	// the first Offset+Limit are dropped from state.
	InputAppendOnly bool
}

// NewStreamTopN returns the top-N of in by keys.
func NewStreamTopN(in StreamNode, keys []SortKey, limit, offset int64) *StreamTopN {
	return &StreamTopN{Input: in, Keys: keys, Limit: limit, Offset: offset, InputAppendOnly: in.AppendOnly()}
}

// Inputs returns the ranked node.
func (n *StreamTopN) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns.
func (n *StreamTopN) Columns() []Col { return n.Input.Columns() }

// StreamKey returns the input's key.
func (n *StreamTopN) StreamKey() []int { return n.Input.StreamKey() }

// AppendOnly returns false: a row leaves the window when another enters.
func (n *StreamTopN) AppendOnly() bool { return false }

// State returns the table of the input's rows in rank order.
func (n *StreamTopN) State() []StateTable {
	return []StateTable{{Role: "rows", Key: "sort key | stream key", Value: "row"}}
}

func (n *StreamTopN) explain() string {
	cols := n.Input.Columns()
	keys := make([]string, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = cols[k.Column].Name
		if k.Desc {
			keys[i] += " DESC"
		}
		if k.NullsFirst != k.Desc {
			if k.NullsFirst {
				keys[i] += " NULLS FIRST"
			} else {
				keys[i] += " NULLS LAST"
			}
		}
	}
	s := fmt.Sprintf("StreamTopN { order: [%s], limit: %d, offset: %d", join(keys), n.Limit, n.Offset)
	if n.InputAppendOnly {
		s += ", append_only: true"
	}
	return s + " }"
}

// planLimit returns the stream node of a LIMIT / OFFSET, with the ORDER BY
// under it when there is one: a top-N. LIMIT ALL (or NULL) without OFFSET
// limits nothing. The hidden columns the binder added for ORDER BY terms
// outside the select list are projected away above the top-N.
func planLimit(n *Limit) (StreamNode, error) {
	offset := max(n.Offset, 0) // OFFSET NULL is no offset
	input := n.Input
	var keys []SortKey
	if s, ok := input.(*Sort); ok {
		input, keys = s.Input, s.Keys
	}
	if n.Count < 0 {
		if offset == 0 {
			if proj, ok := input.(*Project); ok && len(keys) > 0 {
				input = withoutHidden(proj)
			}
			return planNode(input)
		}
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "OFFSET without LIMIT is not supported in materialized views").
			WithHint("Add a LIMIT: a view keeps the rows of a bounded window of the order.")
	}
	in, err := planNode(input)
	if err != nil {
		return nil, err
	}
	var top StreamNode = NewStreamTopN(in, keys, n.Count, offset)
	if proj, ok := input.(*Project); ok {
		var exprs []expr.Expr
		var cols []Col
		for i, c := range proj.Cols {
			if !c.Hidden {
				exprs = append(exprs, expr.Column(i, c.Name, c.Type))
				cols = append(cols, c)
			}
		}
		if len(cols) < len(proj.Cols) {
			top = NewStreamProject(top, exprs, cols)
		}
	}
	return top, nil
}
