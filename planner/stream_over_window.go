package planner

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// OverWindowFunc is one window function of a StreamOverWindow: a ranking
// function, or lag or lead of input column Arg by Offset rows, with
// input column Default where no row is that far (-1: NULL).
type OverWindowFunc struct {
	Name    string
	Arg     int // -1: count(*)
	Default int
	Offset  int64
	Col     Col
	// Frame is an aggregate's frame.
	Frame OverWindowFrame
}

// OverWindowFrame is the frame of an aggregate of a StreamOverWindow: with
// Rows, from Start rows before the current one (negative: after) to End
// rows after it (negative: before), either end possibly Unbounded; without,
// from the partition's first row (StartUnbounded) to the current row's last
// peer, or to the partition's last row (EndUnbounded).
type OverWindowFrame struct {
	Rows           bool
	StartUnbounded bool
	Start          int64
	EndUnbounded   bool
	End            int64
}

// overWindowFuncs are the window functions a StreamOverWindow computes.
var overWindowFuncs = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "lag": true, "lead": true,
	"count": true, "sum": true, "avg": true, "min": true, "max": true}

// StreamOverWindow maintains window functions over one window without a
// filter to its top: every input row, then the value of each function
// (ops.OverWindow). It keeps every row in state by (partition key, sort
// key, stream key) and, at a barrier, computes each touched partition
// again: a row entering or leaving updates the rows whose values it moves.
// Its columns are the input's, then the functions'; its stream key is the
// input's. It runs as one instance.
type StreamOverWindow struct {
	Input       StreamNode
	PartitionBy []int
	Keys        []SortKey
	Funcs       []OverWindowFunc
}

// Inputs returns the node the functions read.
func (n *StreamOverWindow) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns, then the functions'.
func (n *StreamOverWindow) Columns() []Col {
	cols := append([]Col(nil), n.Input.Columns()...)
	for _, f := range n.Funcs {
		cols = append(cols, f.Col)
	}
	return cols
}

// StreamKey returns the input's key.
func (n *StreamOverWindow) StreamKey() []int { return n.Input.StreamKey() }

// AppendOnly returns false: a row's values change as rows come and go.
func (n *StreamOverWindow) AppendOnly() bool { return false }

// State returns the table of the input's rows, by partition in order.
func (n *StreamOverWindow) State() []StateTable {
	return []StateTable{{Role: "rows", Key: "partition key | sort key | stream key", Value: "row"}}
}

func (n *StreamOverWindow) explain() string {
	cols := n.Input.Columns()
	parts := make([]string, len(n.PartitionBy))
	for i, p := range n.PartitionBy {
		parts[i] = cols[p].Name
	}
	fs := make([]string, len(n.Funcs))
	for i, f := range n.Funcs {
		fs[i] = f.Name + "()"
		switch {
		case f.Name == "count" && f.Arg < 0:
			fs[i] = "count(*) " + f.Frame.String()
		case !rankOrOffset(f.Name):
			fs[i] = fmt.Sprintf("%s(%s) %s", f.Name, cols[f.Arg].Name, f.Frame)
		}
		if f.Name == "lag" || f.Name == "lead" {
			fs[i] = fmt.Sprintf("%s(%s, %d", f.Name, cols[f.Arg].Name, f.Offset)
			if f.Default >= 0 {
				fs[i] += ", " + cols[f.Default].Name
			}
			fs[i] += ")"
		}
	}
	return fmt.Sprintf("StreamOverWindow { partition: [%s], order: [%s], funcs: [%s] }", join(parts), sortKeyList(n.Keys, cols), join(fs))
}

// planOverWindow returns the StreamOverWindow of win, or feature_not_supported
// naming what a view cannot maintain: a window function other than the
// ranking functions, lag and lead (an aggregate over a frame, first_value
// …), functions over different windows, or lag and lead by an offset that
// is not a constant.
func planOverWindow(win *Window) (StreamNode, error) {
	for _, f := range win.Funcs {
		if !overWindowFuncs[f.Name] {
			what := "window function " + f.Name
			if f.Frame != nil {
				what += " over a " + f.Frame.Mode.String() + " frame"
			}
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "%s is not supported in materialized views yet", what).
				WithHint("A view maintains row_number(), rank(), dense_rank(), lag(), lead(), and count, sum, avg, min and max over ROWS frames; run other window functions ad hoc.")
		}
	}
	first := win.Funcs[0]
	n := &StreamOverWindow{PartitionBy: first.PartitionBy, Keys: first.OrderBy}
	for _, f := range win.Funcs {
		if !slices.Equal(f.PartitionBy, first.PartitionBy) || !slices.Equal(f.OrderBy, first.OrderBy) {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "window functions over different windows in one SELECT are not supported in materialized views yet")
		}
		of := OverWindowFunc{Name: f.Name, Default: -1, Offset: 1, Col: Col{Name: f.Name, Type: f.Type}}
		if !rankOrOffset(f.Name) {
			if err := overAggregate(win, f, &of); err != nil {
				return nil, err
			}
		}
		if f.Name == "lag" || f.Name == "lead" {
			of.Arg = f.Args[0]
			if len(f.Args) > 1 {
				off, ok := inputConstInt(win, f.Args[1])
				if !ok {
					return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "%s by an offset that is not a constant is not supported in materialized views yet", f.Name)
				}
				of.Offset = off
			}
			if len(f.Args) > 2 {
				of.Default = f.Args[2]
			}
		}
		n.Funcs = append(n.Funcs, of)
	}
	in, err := planNode(win.Input)
	if err != nil {
		return nil, err
	}
	n.Input = in
	return alignWindow(n, win), nil
}

// alignWindow returns node, the stream node of win (its input's columns,
// then one per function), with its columns where the logical plan above
// win reads them: when the input's stream node has more columns than win's
// input (hidden copies of its key, which a projection keeps), those move
// after the functions' columns.
func alignWindow(node StreamNode, win *Window) StreamNode {
	logical := len(win.Input.Columns())
	cols := node.Columns()
	nfuncs := len(win.Cols) - logical
	extra := len(cols) - logical - nfuncs
	if extra == 0 {
		return node
	}
	var exprs []expr.Expr
	var out []Col
	for i := range logical {
		exprs = append(exprs, expr.Column(i, cols[i].Name, cols[i].Type))
		out = append(out, cols[i])
	}
	for i := logical + extra; i < len(cols); i++ {
		exprs = append(exprs, expr.Column(i, cols[i].Name, cols[i].Type))
		out = append(out, cols[i])
	}
	return NewStreamProject(node, exprs, out)
}

// inputConstInt returns the value of column c of win's input when the
// input computes it as a constant integer.
func inputConstInt(win *Window, c int) (int64, bool) {
	p, ok := win.Input.(*Project)
	if !ok {
		return 0, false
	}
	return constInt(p.Exprs[c])
}

// rankOrOffset reports whether name is a ranking function, lag or lead,
// which no frame changes.
func rankOrOffset(name string) bool {
	switch name {
	case "row_number", "rank", "dense_rank", "lag", "lead":
		return true
	}
	return false
}

// overAggregate fills in of, the aggregate f of win: its argument and its
// frame, or feature_not_supported naming what the operator lacks (sum and
// avg of what is not an integer or float, a RANGE frame with offsets, an
// offset that is not an integer literal).
func overAggregate(win *Window, f WindowFunc, of *OverWindowFunc) error {
	of.Arg = -1
	if !f.Star {
		of.Arg = f.Args[0]
		t := win.Input.Columns()[of.Arg].Type
		if f.Name == "sum" || f.Name == "avg" {
			switch t.Family {
			case types.Int16, types.Int32, types.Float32, types.Float64:
			case types.Int64:
				if f.Name == "sum" { // numeric
					return sqlstate.Errorf(sqlstate.FeatureNotSupported, "window function sum of %s is not supported in materialized views yet", t)
				}
			default:
				return sqlstate.Errorf(sqlstate.FeatureNotSupported, "window function %s of %s is not supported in materialized views yet", f.Name, t)
			}
		}
	}
	fr := f.Frame
	if fr == nil {
		// Without ORDER BY every row is a peer: the whole partition.
		of.Frame = OverWindowFrame{StartUnbounded: true, EndUnbounded: len(f.OrderBy) == 0}
		return nil
	}
	end := sql.FrameBound{Kind: sql.BoundCurrentRow}
	if fr.End != nil {
		end = *fr.End
	}
	if fr.Mode == sql.FrameRange {
		if fr.Start.Kind != sql.BoundUnboundedPreceding || end.Kind != sql.BoundCurrentRow && end.Kind != sql.BoundUnboundedFollowing {
			return sqlstate.Errorf(sqlstate.FeatureNotSupported, "window function %s over a RANGE frame with offsets is not supported in materialized views yet", f.Name)
		}
		of.Frame = OverWindowFrame{StartUnbounded: true, EndUnbounded: end.Kind == sql.BoundUnboundedFollowing}
		return nil
	}
	of.Frame.Rows = true
	var err error
	if of.Frame.StartUnbounded, of.Frame.Start, err = frameOffset(fr.Start, true); err != nil {
		return err
	}
	if of.Frame.EndUnbounded, of.Frame.End, err = frameOffset(end, false); err != nil {
		return err
	}
	return nil
}

// frameOffset returns the rows bound b reaches from the current row:
// before it for the start (preceding positive), after it for the end
// (following positive).
func frameOffset(b sql.FrameBound, start bool) (unbounded bool, n int64, err error) {
	switch b.Kind {
	case sql.BoundUnboundedPreceding, sql.BoundUnboundedFollowing:
		return true, 0, nil
	case sql.BoundCurrentRow:
		return false, 0, nil
	}
	lit, ok := b.Offset.(*sql.Literal)
	if !ok || lit.Kind != sql.LitInteger {
		return false, 0, sqlstate.Errorf(sqlstate.FeatureNotSupported, "a frame offset that is not an integer constant is not supported in materialized views yet")
	}
	n, err = strconv.ParseInt(lit.Value, 10, 64)
	if err != nil {
		return false, 0, sqlstate.Errorf(sqlstate.FeatureNotSupported, "frame offset %s is out of range", lit.Value)
	}
	if (b.Kind == sql.BoundPreceding) != start {
		n = -n
	}
	return false, n, nil
}

// String returns the frame as SQL.
func (f OverWindowFrame) String() string {
	if !f.Rows {
		if f.EndUnbounded {
			return "RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
		}
		return "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
	}
	bound := func(unbounded bool, n int64, before, after string) string {
		switch {
		case unbounded:
			return "UNBOUNDED " + before
		case n == 0:
			return "CURRENT ROW"
		case n < 0:
			return fmt.Sprintf("%d %s", -n, after)
		}
		return fmt.Sprintf("%d %s", n, before)
	}
	return "ROWS BETWEEN " + bound(f.StartUnbounded, f.Start, "PRECEDING", "FOLLOWING") + " AND " + bound(f.EndUnbounded, f.End, "FOLLOWING", "PRECEDING")
}
