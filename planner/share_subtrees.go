package planner

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
)

// sameNodes finds, among the filters, projections, hops and aggregates of
// a plan whose scans are shared (shareScans), the ones that compute the
// same rows from the same input node, so that the plan runs each of them
// once and its readers share its output: Nexmark q5 writes its HOP count
// per auction and window twice, once to join back and once under the
// maximum, and would otherwise expand every bid into its windows and count
// it twice. Two nodes are the same when they are of one kind, read the
// same node and have the same parameters (expressions compared in their
// stored encoding, columns by name, type and hiddenness).
type sameNodes struct {
	seen map[string]StreamNode
}

// same returns the node already seen that computes what n does, or n,
// which is remembered.
func (s *sameNodes) same(n StreamNode) StreamNode {
	sig, ok := nodeSignature(n)
	if !ok {
		return n
	}
	if s.seen == nil {
		s.seen = map[string]StreamNode{}
	}
	if m, ok := s.seen[sig]; ok {
		return m
	}
	s.seen[sig] = n
	return n
}

// nodeSignature returns a string equal for two nodes exactly when they
// are of a kind sameNodes merges and compute the same rows from the same
// input; ok is false for the other kinds and for expressions that have no
// stored encoding.
func nodeSignature(n StreamNode) (string, bool) {
	var b strings.Builder
	writeExprs := func(es ...expr.Expr) bool {
		for _, e := range es {
			data, err := expr.Marshal(e)
			if err != nil {
				return false
			}
			b.Write(data)
			b.WriteByte(';')
		}
		return true
	}
	switch n := n.(type) {
	case *StreamFilter:
		fmt.Fprintf(&b, "filter %p ", n.Input)
		if !writeExprs(n.Pred) {
			return "", false
		}
	case *StreamProject:
		fmt.Fprintf(&b, "project %p %v ", n.Input, n.Key)
		if !writeExprs(n.Exprs...) {
			return "", false
		}
	case *StreamHop:
		fmt.Fprintf(&b, "hop %p %d %d %d %d ", n.Input, n.TimeCol, n.Size, n.Slide, n.Offset)
	case *StreamHashAgg:
		fmt.Fprintf(&b, "hashagg %p %d %v ", n.Input, n.NumGroup, n.InputAppendOnly)
		for _, a := range n.Aggs {
			data, err := expr.MarshalAggregate(a)
			if err != nil {
				return "", false
			}
			b.Write(data)
			b.WriteByte(';')
		}
	default:
		return "", false
	}
	for _, c := range n.Columns() {
		fmt.Fprintf(&b, "|%q %s %v", c.Name, c.Type, c.Hidden)
	}
	return b.String(), true
}
