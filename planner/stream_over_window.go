package planner

import (
	"fmt"
	"slices"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// OverWindowFunc is one window function of a StreamOverWindow: a ranking
// function, or lag or lead of input column Arg by Offset rows, with
// input column Default where no row is that far (-1: NULL).
type OverWindowFunc struct {
	Name    string
	Arg     int
	Default int
	Offset  int64
	Col     Col
}

// overWindowFuncs are the window functions a StreamOverWindow computes.
var overWindowFuncs = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "lag": true, "lead": true}

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
				WithHint("A view maintains row_number(), rank(), dense_rank(), lag() and lead(); run other window functions ad hoc.")
		}
	}
	first := win.Funcs[0]
	n := &StreamOverWindow{PartitionBy: first.PartitionBy, Keys: first.OrderBy}
	for _, f := range win.Funcs {
		if !slices.Equal(f.PartitionBy, first.PartitionBy) || !slices.Equal(f.OrderBy, first.OrderBy) {
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "window functions over different windows in one SELECT are not supported in materialized views yet")
		}
		of := OverWindowFunc{Name: f.Name, Default: -1, Offset: 1, Col: Col{Name: f.Name, Type: f.Type}}
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
	return n, nil
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
