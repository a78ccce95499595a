package planner

import (
	"fmt"

	"github.com/weir-stream/weir/sql/types"
)

// StreamReplicate emits each input row as many times as its column Count
// says (none when it is NULL or below 1), without that column and with the
// copy's ordinal (1…n) in a hidden column appended: the ALL forms of
// INTERSECT and EXCEPT in a view. Its key is the input's and the ordinal.
// It keeps no state: a row's delete carries the count it was inserted
// with, and an update whose other columns stay changes only the copies
// between its two counts.
type StreamReplicate struct {
	Input StreamNode
	Count int
}

// replicaOrdinalName names the hidden column of a copy's ordinal.
const replicaOrdinalName = "_copy"

// Inputs returns the replicated node.
func (n *StreamReplicate) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns without Count, then the ordinal.
func (n *StreamReplicate) Columns() []Col {
	in := n.Input.Columns()
	out := make([]Col, 0, len(in))
	out = append(out, in[:n.Count]...)
	out = append(out, in[n.Count+1:]...)
	return append(out, Col{Name: replicaOrdinalName, Type: types.Int64Type, Hidden: true})
}

// StreamKey returns the input's key (Count is never in it) and the
// ordinal.
func (n *StreamReplicate) StreamKey() []int {
	var key []int
	for _, k := range n.Input.StreamKey() {
		if k > n.Count {
			k--
		}
		key = append(key, k)
	}
	return append(key, len(n.Input.Columns())-1)
}

// AppendOnly reports whether the input is append-only.
func (n *StreamReplicate) AppendOnly() bool { return n.Input.AppendOnly() }

// State returns nothing: a replicate is stateless.
func (n *StreamReplicate) State() []StateTable { return nil }

func (n *StreamReplicate) explain() string {
	return fmt.Sprintf("StreamReplicate { copies: %s }", n.Input.Columns()[n.Count].Name)
}
