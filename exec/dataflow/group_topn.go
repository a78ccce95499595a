package dataflow

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/statestore"
)

// rankKinds maps the planner's ranking functions to the operator's.
var rankKinds = map[planner.RankKind]ops.RankKind{
	planner.RankRowNumber: ops.RowNumber,
	planner.RankRank:      ops.Rank,
	planner.RankDenseRank: ops.DenseRank,
}

// groupTopN returns the operator of per-group top-N n, its rows kept in
// table.
func groupTopN(n *planner.StreamGroupTopN, table statestore.TableID, mem memory.Allocator) *ops.GroupTopN {
	spec := ops.GroupTopNSpec{
		Schema:      schemaOf(n.Input.Columns()),
		PartitionBy: n.PartitionBy,
		StreamKey:   n.StreamKey(),
		Rank:        rankKinds[n.Rank],
		Lo:          n.Lo,
		Hi:          n.Hi,
		AppendOnly:  n.InputAppendOnly,
		RankUnused:  n.RankUnused,
		Table:       table,
	}
	for _, k := range n.Keys {
		spec.Keys = append(spec.Keys, ops.TopNKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	return ops.NewGroupTopN(spec, mem)
}

func marshalGroupTopN(n *planner.StreamGroupTopN) nodeDoc {
	d := nodeDoc{Op: "grouptopn", Partition: n.PartitionBy, Rank: n.Rank.String(), Lo: n.Lo, Hi: n.Hi,
		InputAppendOnly: n.InputAppendOnly, Cols: colDocs([]planner.Col{n.RankCol}), RankUnused: n.RankUnused}
	for _, k := range n.Keys {
		d.Order = append(d.Order, orderDoc{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	return d
}

// unmarshalGroupTopN reads a per-group top-N over in.
func unmarshalGroupTopN(d nodeDoc, in planner.StreamNode) (planner.StreamNode, error) {
	n := &planner.StreamGroupTopN{Input: in, Lo: d.Lo, Hi: d.Hi, InputAppendOnly: d.InputAppendOnly, RankUnused: d.RankUnused}
	found := false
	for k := range rankKinds {
		if k.String() == d.Rank {
			n.Rank, found = k, true
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: unknown ranking function %q", ErrStalePlan, d.Rank)
	}
	cs, err := cols(d.Cols)
	if err != nil {
		return nil, err
	}
	if len(cs) != 1 {
		return nil, fmt.Errorf("%d rank columns", len(cs))
	}
	n.RankCol = cs[0]
	inCols := in.Columns()
	for _, p := range d.Partition {
		if p < 0 || p >= len(inCols) {
			return nil, fmt.Errorf("partition column %d of %d", p, len(inCols))
		}
	}
	n.PartitionBy = d.Partition
	for _, k := range d.Order {
		if k.Column < 0 || k.Column >= len(inCols) {
			return nil, fmt.Errorf("sort key column %d of %d", k.Column, len(inCols))
		}
		n.Keys = append(n.Keys, planner.SortKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	if n.InputAppendOnly && !in.AppendOnly() {
		return nil, fmt.Errorf("%w: the input of a per-group top-N planned as append-only retracts", ErrStalePlan)
	}
	return n, nil
}
