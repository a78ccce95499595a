package dataflow

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/statestore"
)

// topN returns the operator of top-N n, its rows kept in table.
func topN(n *planner.StreamTopN, table statestore.TableID, mem memory.Allocator) *ops.TopN {
	spec := ops.TopNSpec{
		Schema:     schemaOf(n.Columns()),
		StreamKey:  n.StreamKey(),
		Limit:      n.Limit,
		Offset:     n.Offset,
		AppendOnly: n.InputAppendOnly,
		Table:      table,
	}
	for _, k := range n.Keys {
		spec.Keys = append(spec.Keys, ops.TopNKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	return ops.NewTopN(spec, mem)
}

// orderDoc is one sort key of a stored top-N.
type orderDoc struct {
	Column     int  `json:"column"`
	Desc       bool `json:"desc,omitempty"`
	NullsFirst bool `json:"nulls_first,omitempty"`
}

func marshalTopN(n *planner.StreamTopN) nodeDoc {
	d := nodeDoc{Op: "topn", Limit: n.Limit, Offset: n.Offset, InputAppendOnly: n.InputAppendOnly}
	for _, k := range n.Keys {
		d.Order = append(d.Order, orderDoc{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	return d
}

// unmarshalTopN reads a top-N over in.
func unmarshalTopN(d nodeDoc, in planner.StreamNode) (planner.StreamNode, error) {
	if d.Limit < 0 || d.Offset < 0 {
		return nil, fmt.Errorf("limit %d, offset %d", d.Limit, d.Offset)
	}
	n := &planner.StreamTopN{Input: in, Limit: d.Limit, Offset: d.Offset, InputAppendOnly: d.InputAppendOnly}
	cols := in.Columns()
	for _, k := range d.Order {
		if k.Column < 0 || k.Column >= len(cols) {
			return nil, fmt.Errorf("sort key column %d of %d", k.Column, len(cols))
		}
		n.Keys = append(n.Keys, planner.SortKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	if n.InputAppendOnly && !in.AppendOnly() {
		return nil, fmt.Errorf("%w: the input of a top-N planned as append-only retracts", ErrStalePlan)
	}
	return n, nil
}
