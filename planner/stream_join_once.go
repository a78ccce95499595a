package planner

import (
	"slices"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
)

// OnePerKey reports whether side (0: Left, 1: Right) of an inner join never
// retracts and never has two rows with one join key — an append-only input
// unique on its keys (Nexmark's auctions joined by id, q4's and q9's). A row
// of the other side then pairs with the key's row once, when the later of
// the two comes, and the join keeps none of the other side's rows of a key
// whose row came (ops.HashJoinSpec.RightOnePerKey): q4's bids, but those
// that come before their auction, are never kept. Outer, semi, anti,
// temporal and nested-loop joins, and null-safe keys (NULL may repeat),
// keep their rows.
//
// It is derived from the plan each time (a stored plan has no field for
// it), from what the catalog says of the streams read (uniqueOn).
func (n *StreamHashJoin) OnePerKey(side int) bool {
	if n.Kind != InnerJoin || n.Temporal || n.NestedLoop() || slices.Contains(n.NullSafe, true) {
		return false
	}
	in, keys := n.Left, n.LeftKeys
	if side == 1 {
		in, keys = n.Right, n.RightKeys
	}
	return in.AppendOnly() && uniqueOn(in, keys)
}

// uniqueOn reports whether no two rows n ever emits agree on the columns
// cols, none NULL: a stream's unique columns (catalog.Object.Unique, which
// its connector declares) carried through filters and through projections
// that pass them on as they are.
func uniqueOn(n StreamNode, cols []int) bool {
	switch n := n.(type) {
	case *StreamScan:
		for _, u := range n.Object.Unique {
			if len(u) > 0 && isSubset(u, cols) {
				return true
			}
		}
	case *StreamFilter:
		return uniqueOn(n.Input, cols)
	case *StreamProject:
		var in []int
		for _, c := range cols {
			if c < len(n.Exprs) {
				if ref, ok := n.Exprs[c].(*expr.ColumnRef); ok {
					in = append(in, ref.Index())
				}
			}
		}
		return len(in) > 0 && uniqueOn(n.Input, in)
	}
	return false
}

// isSubset reports whether every element of sub is in set.
func isSubset(sub, set []int) bool {
	for _, c := range sub {
		if !slices.Contains(set, c) {
			return false
		}
	}
	return true
}

// explainOnePerKey returns what EXPLAIN adds for the sides with one row per
// key: the other side's rows of such a key are not kept.
func (n *StreamHashJoin) explainOnePerKey() string {
	var sides []string
	for i, name := range []string{"left", "right"} {
		if n.OnePerKey(i) {
			sides = append(sides, name)
		}
	}
	if len(sides) == 0 {
		return ""
	}
	return ", one row per key: " + strings.Join(sides, " and ")
}
