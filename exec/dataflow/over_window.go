package dataflow

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/statestore"
)

// overKinds maps the planner's window functions to the operator's.
var overKinds = map[string]ops.OverKind{
	"row_number":   ops.OverRowNumber,
	"rank":         ops.OverRank,
	"dense_rank":   ops.OverDenseRank,
	"lag":          ops.OverLag,
	"lead":         ops.OverLead,
	"ntile":        ops.OverNtile,
	"percent_rank": ops.OverPercentRank,
	"cume_dist":    ops.OverCumeDist,
	"first_value":  ops.OverFirstValue,
	"last_value":   ops.OverLastValue,
	"nth_value":    ops.OverNthValue,
	"var_samp":     ops.OverVarSamp,
	"variance":     ops.OverVarSamp,
	"var_pop":      ops.OverVarPop,
	"stddev_samp":  ops.OverStddevSamp,
	"stddev":       ops.OverStddevSamp,
	"stddev_pop":   ops.OverStddevPop,
	"bool_and":     ops.OverBoolAnd,
	"every":        ops.OverBoolAnd,
	"bool_or":      ops.OverBoolOr,
	"count":        ops.OverCount,
	"sum":          ops.OverSum,
	"avg":          ops.OverAvg,
	"min":          ops.OverMin,
	"max":          ops.OverMax,
}

// overWindow returns the operator of over-window n, its rows kept in table.
func overWindow(n *planner.StreamOverWindow, table statestore.TableID, mem memory.Allocator) *ops.OverWindow {
	spec := ops.OverWindowSpec{
		Schema:      schemaOf(n.Input.Columns()),
		PartitionBy: n.PartitionBy,
		StreamKey:   n.StreamKey(),
		Table:       table,
	}
	for _, k := range n.Keys {
		spec.Keys = append(spec.Keys, ops.TopNKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	for _, f := range n.Funcs {
		fr := f.Frame
		spec.Funcs = append(spec.Funcs, ops.OverFunc{Kind: overKinds[f.Name], Arg: f.Arg, Default: f.Default, Offset: f.Offset,
			Frame: ops.OverFrame{Rows: fr.Rows, Groups: fr.Groups, StartUnbounded: fr.StartUnbounded, Start: fr.Start, EndUnbounded: fr.EndUnbounded, End: fr.End,
				StartOffset: fr.StartOffset, EndOffset: fr.EndOffset, StartCol: fr.StartCol, EndCol: fr.EndCol, RangeCol: fr.RangeCol,
				Exclude: overExcludes[fr.Exclude]}})
		spec.Types = append(spec.Types, f.Col.Type)
	}
	return ops.NewOverWindow(spec, mem)
}

// overExcludes maps a frame's EXCLUDE clause to the operator's.
var overExcludes = map[sql.FrameExclude]ops.OverExclude{
	sql.ExcludeNoOthers:   ops.ExcludeNone,
	sql.ExcludeCurrentRow: ops.ExcludeCurrentRow,
	sql.ExcludeGroup:      ops.ExcludeGroup,
	sql.ExcludeTies:       ops.ExcludeTies,
}

// excludeDocs are the stored names of the EXCLUDE clauses.
var excludeDocs = map[sql.FrameExclude]string{sql.ExcludeCurrentRow: "current_row", sql.ExcludeGroup: "group", sql.ExcludeTies: "ties"}

// overFuncDoc is one window function of a stored over-window.
type overFuncDoc struct {
	Name    string    `json:"name"`
	Arg     int       `json:"arg"`
	Default int       `json:"default"`
	Offset  int64     `json:"offset"`
	Frame   *frameDoc `json:"frame,omitempty"`
}

// frameDoc is a framed function's frame in a stored over-window: a RANGE
// end by an offset is the input column holding each row's bound (StartCol,
// EndCol), compared with RangeCol.
type frameDoc struct {
	Rows           bool  `json:"rows,omitempty"`
	Groups         bool  `json:"groups,omitempty"`
	StartUnbounded bool  `json:"start_unbounded,omitempty"`
	Start          int64 `json:"start,omitempty"`
	EndUnbounded   bool  `json:"end_unbounded,omitempty"`
	End            int64 `json:"end,omitempty"`
	StartCol       *int  `json:"start_col,omitempty"`
	EndCol         *int  `json:"end_col,omitempty"`
	RangeCol       *int  `json:"range_col,omitempty"`
	// Exclude is the EXCLUDE clause: current_row, group or ties.
	Exclude string `json:"exclude,omitempty"`
}

// frameOf returns the stored frame of fr.
func frameOf(fr planner.OverWindowFrame) *frameDoc {
	d := &frameDoc{Rows: fr.Rows, Groups: fr.Groups, StartUnbounded: fr.StartUnbounded, Start: fr.Start, EndUnbounded: fr.EndUnbounded, End: fr.End,
		Exclude: excludeDocs[fr.Exclude]}
	if fr.StartOffset {
		d.StartCol = &fr.StartCol
	}
	if fr.EndOffset {
		d.EndCol = &fr.EndCol
	}
	if fr.StartOffset || fr.EndOffset {
		d.RangeCol = &fr.RangeCol
	}
	return d
}

// frame returns the frame d stores, or an error when it reads a column
// valid says is not one.
func (d *frameDoc) frame(valid func(int) bool) (planner.OverWindowFrame, error) {
	fr := planner.OverWindowFrame{Rows: d.Rows, Groups: d.Groups, StartUnbounded: d.StartUnbounded, Start: d.Start, EndUnbounded: d.EndUnbounded, End: d.End}
	if (d.StartCol != nil || d.EndCol != nil) != (d.RangeCol != nil) {
		return fr, fmt.Errorf("a RANGE frame's bounds without the column they bound")
	}
	for _, c := range []*int{d.StartCol, d.EndCol, d.RangeCol} {
		if c != nil && !valid(*c) {
			return fr, fmt.Errorf("a RANGE frame reads column %d", *c)
		}
	}
	if d.StartCol != nil {
		fr.StartOffset, fr.StartCol = true, *d.StartCol
	}
	if d.EndCol != nil {
		fr.EndOffset, fr.EndCol = true, *d.EndCol
	}
	if d.RangeCol != nil {
		fr.RangeCol = *d.RangeCol
	}
	if d.Exclude != "" {
		for e, name := range excludeDocs {
			if name == d.Exclude {
				fr.Exclude = e
			}
		}
		if fr.Exclude == sql.ExcludeNoOthers {
			return fr, fmt.Errorf("EXCLUDE %q", d.Exclude)
		}
	}
	return fr, nil
}

func marshalOverWindow(n *planner.StreamOverWindow) nodeDoc {
	d := nodeDoc{Op: "overwindow", Partition: n.PartitionBy}
	for _, k := range n.Keys {
		d.Order = append(d.Order, orderDoc{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	var cols []planner.Col
	for _, f := range n.Funcs {
		fd := overFuncDoc{Name: f.Name, Arg: f.Arg, Default: f.Default, Offset: f.Offset}
		if overKinds[f.Name] >= ops.OverCount {
			fd.Frame = frameOf(f.Frame)
		}
		d.OverFuncs = append(d.OverFuncs, fd)
		cols = append(cols, f.Col)
	}
	d.Cols = colDocs(cols)
	return d
}

// unmarshalOverWindow reads an over-window over in.
func unmarshalOverWindow(d nodeDoc, in planner.StreamNode) (planner.StreamNode, error) {
	inCols := in.Columns()
	valid := func(c int) bool { return c >= 0 && c < len(inCols) }
	n := &planner.StreamOverWindow{Input: in}
	for _, p := range d.Partition {
		if !valid(p) {
			return nil, fmt.Errorf("partition column %d of %d", p, len(inCols))
		}
	}
	n.PartitionBy = d.Partition
	for _, k := range d.Order {
		if !valid(k.Column) {
			return nil, fmt.Errorf("sort key column %d of %d", k.Column, len(inCols))
		}
		n.Keys = append(n.Keys, planner.SortKey{Column: k.Column, Desc: k.Desc, NullsFirst: k.NullsFirst})
	}
	cs, err := cols(d.Cols)
	if err != nil {
		return nil, err
	}
	if len(cs) != len(d.OverFuncs) || len(cs) == 0 {
		return nil, fmt.Errorf("%d columns for %d window functions", len(cs), len(d.OverFuncs))
	}
	for i, f := range d.OverFuncs {
		if _, ok := overKinds[f.Name]; !ok {
			return nil, fmt.Errorf("%w: unknown window function %q", ErrStalePlan, f.Name)
		}
		aggregate := overKinds[f.Name] >= ops.OverCount
		if !valid(f.Arg) && !(aggregate && f.Arg == -1) || f.Default != -1 && !valid(f.Default) {
			return nil, fmt.Errorf("window function %s reads column %d or %d of %d", f.Name, f.Arg, f.Default, len(inCols))
		}
		if aggregate != (f.Frame != nil) {
			return nil, fmt.Errorf("window function %s with a frame %t", f.Name, f.Frame != nil)
		}
		of := planner.OverWindowFunc{Name: f.Name, Arg: f.Arg, Default: f.Default, Offset: f.Offset, Col: cs[i]}
		if f.Frame != nil {
			if of.Frame, err = f.Frame.frame(valid); err != nil {
				return nil, fmt.Errorf("window function %s: %w", f.Name, err)
			}
		}
		n.Funcs = append(n.Funcs, of)
	}
	return n, nil
}
