package planner

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
)

// RankKind is the ranking function of a per-group top-N.
type RankKind uint8

// Ranking functions: row_number numbers the rows of a partition 1, 2, 3 …
// (ties in the ORDER BY broken by the input's stream key, ascending); rank
// gives peers the same rank and skips the ranks after them (1, 1, 3);
// dense_rank skips none (1, 1, 2).
const (
	RankRowNumber RankKind = iota
	RankRank
	RankDenseRank
)

// String returns the function's name.
func (k RankKind) String() string {
	switch k {
	case RankRank:
		return "rank"
	case RankDenseRank:
		return "dense_rank"
	}
	return "row_number"
}

// rankKinds are the ranking functions a view maintains, by name.
var rankKinds = map[string]RankKind{"row_number": RankRowNumber, "rank": RankRank, "dense_rank": RankDenseRank}

// StreamGroupTopN maintains the rows of each partition of its input whose
// rank, by Keys within the partition, lies in [Lo, Hi]: the plan of
// `WHERE rn <= n` over `ROW_NUMBER() | RANK() | DENSE_RANK() OVER
// (PARTITION BY … ORDER BY …) AS rn`, and of SELECT DISTINCT ON. It keeps
// every input row in state under (partition key, sort key, stream key); in
// memory, per partition it has touched, the first rows of that order and a
// spare, refilled from state when deletes empty it. At a barrier it emits
// the changes of each touched partition's kept rows, their ranks included:
// a change can shift the ranks of the rows after it, which are then
// updated. With an append-only input and row_number, a row pushed past Hi
// can never come back, so only the first Hi rows of a partition are kept.
//
// Its columns are its input's, then the rank (bigint); its stream key is
// its input's. It runs as one instance.
type StreamGroupTopN struct {
	Input       StreamNode
	PartitionBy []int
	Keys        []SortKey
	Rank        RankKind
	// Lo and Hi bound the ranks kept, counted from 1.
	Lo, Hi int64
	// InputAppendOnly reports that the input never retracts.
	InputAppendOnly bool
	// RankCol is the rank's output column.
	RankCol Col
	// RankUnused says nothing above reads the rank: the operator emits 0
	// for it, so a change that shifts the ranks of other rows changes no
	// row of the output.
	RankUnused bool
}

// NewStreamGroupTopN returns the per-group top-N of in.
func NewStreamGroupTopN(in StreamNode, partitionBy []int, keys []SortKey, rank RankKind, lo, hi int64, rankCol Col) *StreamGroupTopN {
	return &StreamGroupTopN{Input: in, PartitionBy: partitionBy, Keys: keys, Rank: rank, Lo: lo, Hi: hi,
		InputAppendOnly: in.AppendOnly(), RankCol: rankCol}
}

// Inputs returns the ranked node.
func (n *StreamGroupTopN) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns, then the rank.
func (n *StreamGroupTopN) Columns() []Col {
	return append(append([]Col(nil), n.Input.Columns()...), n.RankCol)
}

// StreamKey returns the input's key.
func (n *StreamGroupTopN) StreamKey() []int { return n.Input.StreamKey() }

// AppendOnly returns false: a row leaves its partition's top when another
// enters.
func (n *StreamGroupTopN) AppendOnly() bool { return false }

// State returns the table of the input's rows, by partition in rank order.
func (n *StreamGroupTopN) State() []StateTable {
	return []StateTable{{Role: "rows", Key: "partition key | sort key | stream key", Value: "row"}}
}

func (n *StreamGroupTopN) explain() string {
	cols := n.Input.Columns()
	parts := make([]string, len(n.PartitionBy))
	for i, p := range n.PartitionBy {
		parts[i] = cols[p].Name
	}
	s := fmt.Sprintf("StreamGroupTopN { partition: [%s], order: [%s], rank: %s, ranks: %d..%d",
		join(parts), sortKeyList(n.Keys, cols), n.Rank, n.Lo, n.Hi)
	if n.RankUnused {
		s += ", rank_unused: true"
	}
	if n.InputAppendOnly {
		s += ", append_only: true"
	}
	return s + " }"
}

// planRankFilter plans a filter over projections of a Window of one ranking
// function whose conjuncts bound the rank from above (rn <= n, rn < n,
// rn = n, rn BETWEEN m AND n, and the same with the constant first): a
// per-group top-N, the projections over it, and the filter's other
// conjuncts. used are the filter's output columns the node above reads
// (nil: all of them). ok is false when n is no filter over a Window.
func planRankFilter(n *Filter, used []int) (node StreamNode, ok bool, err error) {
	var projs []*Project // top first
	in := n.Input
	for {
		p, isProj := in.(*Project)
		if !isProj {
			break
		}
		projs = append(projs, p)
		in = p.Input
	}
	win, isWin := in.(*Window)
	if !isWin {
		return nil, false, nil
	}
	if len(win.Funcs) != 1 || !isRankFunc(win.Funcs[0].Name) {
		return nil, false, nil // a StreamOverWindow, or refused (planWindow)
	}
	f := win.Funcs[0]
	rankCol := len(win.Cols) - 1
	// isRank reports whether e is the rank, passed up through projs.
	isRank := func(e expr.Expr) bool {
		ref, isRef := e.(*expr.ColumnRef)
		if !isRef {
			return false
		}
		c := ref.Index()
		for _, p := range projs {
			r, isRef := p.Exprs[c].(*expr.ColumnRef)
			if !isRef {
				return false
			}
			c = r.Index()
		}
		return c == rankCol
	}
	lo, hi := int64(1), int64(-1)
	bound := func(isHi bool, v int64) {
		if isHi && (hi < 0 || v < hi) {
			hi = v
		}
		if !isHi && v > lo {
			lo = v
		}
	}
	var rest []expr.Expr
	for _, c := range expr.Conjuncts(n.Pred) {
		if x, l, h, isBetween := expr.BetweenOperands(c); isBetween && isRank(x) {
			lv, lok := constInt(l)
			hv, hok := constInt(h)
			if lok && hok {
				bound(false, lv)
				bound(true, hv)
				continue
			}
		}
		op, l, r, isCmp := expr.Comparison(c)
		if isCmp && isRank(r) {
			l, r, op = r, l, flipComparison(op)
		}
		if isCmp && isRank(l) {
			if v, isConst := constInt(r); isConst {
				switch op {
				case sql.OpLe:
					bound(true, v)
					continue
				case sql.OpLt:
					bound(true, v-1)
					continue
				case sql.OpEq:
					bound(false, v)
					bound(true, v)
					continue
				case sql.OpGe:
					bound(false, v)
					continue
				case sql.OpGt:
					bound(false, v+1)
					continue
				}
			}
		}
		rest = append(rest, c)
	}
	if hi < 0 {
		return nil, false, nil // every rank: a StreamOverWindow under the filter
	}
	winIn, err := planNode(win.Input)
	if err != nil {
		return nil, true, err
	}
	if hi < lo {
		hi = lo - 1 // an empty range keeps nothing
	}
	gt := NewStreamGroupTopN(winIn, f.PartitionBy, f.OrderBy, rankKinds[f.Name], lo, hi, win.Cols[rankCol])
	gt.RankUnused = used != nil && !readsColumn(projs, append(columnsOf(rest), used...), rankCol)
	top := alignWindow(gt, win)
	for i := len(projs) - 1; i >= 0; i-- {
		top = NewStreamProject(top, projs[i].Exprs, projs[i].Cols)
	}
	if len(rest) > 0 {
		top = &StreamFilter{Input: top, Pred: expr.And(rest)}
	}
	return top, true, nil
}

// isRankFunc reports whether name is a ranking function a per-group
// top-N keeps.
func isRankFunc(name string) bool {
	_, ok := rankKinds[name]
	return ok
}

// planWindow returns the stream node of a Window no rank filter bounds: a
// StreamOverWindow, or what planOverWindow refuses.
func planWindow(win *Window) (StreamNode, error) { return planOverWindow(win) }

// readsColumn reports whether the columns cols of the top of projs (top
// first) read column c of the node under them.
func readsColumn(projs []*Project, cols []int, c int) bool {
	for _, p := range projs {
		var next []int
		for _, col := range cols {
			next = append(next, expr.Columns(p.Exprs[col])...)
		}
		cols = next
	}
	return slices.Contains(cols, c)
}

// columnsOf returns the columns es read.
func columnsOf(es []expr.Expr) []int {
	var out []int
	for _, e := range es {
		out = append(out, expr.Columns(e)...)
	}
	return out
}

// flipComparison returns the operator that compares r with l as op
// compares l with r.
func flipComparison(op sql.BinaryOp) sql.BinaryOp {
	switch op {
	case sql.OpLt:
		return sql.OpGt
	case sql.OpLe:
		return sql.OpGe
	case sql.OpGt:
		return sql.OpLt
	case sql.OpGe:
		return sql.OpLe
	}
	return op
}

// constInt returns the value of e when e is a constant integer that is not
// NULL.
func constInt(e expr.Expr) (int64, bool) {
	if !expr.IsConstant(e) {
		return 0, false
	}
	a, err := expr.EvalConstant(context.Background(), memory.DefaultAllocator, e)
	if err != nil {
		return 0, false
	}
	defer a.Release()
	if a.Len() != 1 || a.IsNull(0) {
		return 0, false
	}
	switch a := a.(type) {
	case *array.Int64:
		return a.Value(0), true
	case *array.Int32:
		return int64(a.Value(0)), true
	case *array.Int16:
		return int64(a.Value(0)), true
	}
	return 0, false
}
