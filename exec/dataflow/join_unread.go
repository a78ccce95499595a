package dataflow

import (
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
)

// noteJoinReads records which columns projection p reads of its input when
// that is a hash join only p reads: the join need not keep or copy the
// others (ops.HashJoinSpec.Unread). It runs before p's input is built.
//
// A per-group top-N between them (Nexmark q9's ROW_NUMBER) passes the
// join's columns on as they are, and reads its partition and sort keys
// (and the input's key, part of the join's): the columns neither it nor p
// reads are not kept by the top-N either.
func (b *builder) noteJoinReads(p *planner.StreamProject) {
	in := p.Input
	var topn *planner.StreamGroupTopN
	if t, ok := in.(*planner.StreamGroupTopN); ok && b.uses[t] <= 1 {
		topn, in = t, t.Input
	}
	j, ok := in.(*planner.StreamHashJoin)
	if !ok || b.uses[j] > 1 {
		return
	}
	read := make([]bool, len(j.Columns()))
	mark := func(c int) {
		if c < len(read) {
			read[c] = true
		}
	}
	for _, e := range p.Exprs {
		for _, c := range expr.Columns(e) {
			mark(c)
		}
	}
	if topn != nil {
		for _, c := range topn.PartitionBy {
			mark(c)
		}
		for _, k := range topn.Keys {
			mark(k.Column)
		}
		for _, c := range j.StreamKey() {
			mark(c)
		}
	}
	if b.joinReads == nil {
		b.joinReads = map[*planner.StreamHashJoin][]bool{}
	}
	b.joinReads[j] = read
}

// unreadColumns returns the columns of join n no consumer reads (nil: it
// does not know, or every one is read).
func (b *builder) unreadColumns(n *planner.StreamHashJoin) []bool {
	read, ok := b.joinReads[n]
	if !ok {
		return nil
	}
	unread := make([]bool, len(read))
	some := false
	for i, r := range read {
		unread[i] = !r
		some = some || !r
	}
	if !some {
		return nil
	}
	return unread
}
