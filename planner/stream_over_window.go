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
// function, ntile(Offset), percent_rank, cume_dist, lag or lead of input
// column Arg by Offset rows, with input column Default where no row is that
// far (-1: NULL), or a framed function (an aggregate, first_value,
// last_value, nth_value of Arg, the Offset-th row) over its Frame.
type OverWindowFunc struct {
	Name    string
	Arg     int // -1: count(*)
	Default int
	Offset  int64
	Col     Col
	// Frame is a framed function's frame.
	Frame OverWindowFrame
}

// OverWindowFrame is the frame of a framed function of a StreamOverWindow:
// with Rows (Groups), from Start rows (peer groups) before the current one
// (negative: after) to End rows (groups) after it (negative: before);
// without either, a RANGE frame from the current row's first peer, or with
// StartOffset from the first row whose input column RangeCol is not before
// its input column StartCol in the window's order, to its last peer, or
// with EndOffset to the last row whose RangeCol is not after its EndCol
// (the node under the window computes the order key moved by the offsets
// into those columns). Either end may be Unbounded: the partition's first
// or last row.
type OverWindowFrame struct {
	Rows           bool
	Groups         bool
	StartUnbounded bool
	Start          int64
	EndUnbounded   bool
	End            int64
	StartOffset    bool
	EndOffset      bool
	StartCol       int
	EndCol         int
	RangeCol       int
	// Exclude is the frame's EXCLUDE clause.
	Exclude sql.FrameExclude
}

// excludeNames are the EXCLUDE clauses as SQL, after EXCLUDE.
var excludeNames = map[sql.FrameExclude]string{sql.ExcludeCurrentRow: "CURRENT ROW", sql.ExcludeGroup: "GROUP", sql.ExcludeTies: "TIES"}

// overWindowFuncs are the window functions a StreamOverWindow computes;
// framedFuncs those of them computed over a frame.
var (
	overWindowFuncs = map[string]bool{"row_number": true, "rank": true, "dense_rank": true, "lag": true, "lead": true,
		"ntile": true, "percent_rank": true, "cume_dist": true,
		"count": true, "sum": true, "avg": true, "min": true, "max": true,
		"first_value": true, "last_value": true, "nth_value": true,
		"stddev": true, "stddev_samp": true, "stddev_pop": true, "variance": true, "var_samp": true, "var_pop": true,
		"bool_and": true, "bool_or": true, "every": true}
	framedFuncs = map[string]bool{"count": true, "sum": true, "avg": true, "min": true, "max": true,
		"first_value": true, "last_value": true, "nth_value": true,
		"stddev": true, "stddev_samp": true, "stddev_pop": true, "variance": true, "var_samp": true, "var_pop": true,
		"bool_and": true, "bool_or": true, "every": true}
)

// StreamOverWindow maintains window functions over one window (PARTITION
// BY and ORDER BY; each function has its frame) without a filter to its
// top: every input row, then the value of each function (ops.OverWindow).
// Functions over several windows are a StreamOverWindow per window, each
// over the one before. It keeps every row in state by (partition key, sort
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
			fs[i] = "count(*) " + f.Frame.format(cols)
		case f.Name == "nth_value":
			fs[i] = fmt.Sprintf("%s(%s, %d) %s", f.Name, cols[f.Arg].Name, f.Offset, f.Frame.format(cols))
		case framedFuncs[f.Name]:
			fs[i] = fmt.Sprintf("%s(%s) %s", f.Name, cols[f.Arg].Name, f.Frame.format(cols))
		case f.Name == "ntile":
			fs[i] = fmt.Sprintf("ntile(%d)", f.Offset)
		case f.Name == "lag" || f.Name == "lead":
			fs[i] = fmt.Sprintf("%s(%s, %d", f.Name, cols[f.Arg].Name, f.Offset)
			if f.Default >= 0 {
				fs[i] += ", " + cols[f.Default].Name
			}
			fs[i] += ")"
		}
	}
	return fmt.Sprintf("StreamOverWindow { partition: [%s], order: [%s], funcs: [%s] }", join(parts), sortKeyList(n.Keys, cols), join(fs))
}

// planOverWindow returns the stream nodes of win: one StreamOverWindow per
// distinct window (PARTITION BY and ORDER BY) of its functions, each over
// the one before, then a projection putting the functions' columns in
// win's order when they are not; under them, a projection computing the
// bounds of RANGE frames with offsets. What a view cannot maintain is
// feature_not_supported, naming it; bad arguments and offsets are
// Postgres' errors.
func planOverWindow(win *Window) (StreamNode, error) {
	for _, f := range win.Funcs {
		if !overWindowFuncs[f.Name] {
			what := "window function " + f.Name
			if f.Frame != nil {
				what += " over a " + f.Frame.Mode.String() + " frame"
			}
			return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "%s is not supported in materialized views yet", what).
				WithHint("A view maintains the ranking functions, ntile, percent_rank, cume_dist, lag, lead, first_value, last_value, nth_value, and count, sum, avg, min, max, the variances and standard deviations, bool_and and bool_or over frames; run other window functions ad hoc.")
		}
	}
	in, err := planNode(win.Input)
	if err != nil {
		return nil, err
	}
	b := &overWindowPlan{win: win, in: in, width: len(in.Columns())}
	funcs := make([]OverWindowFunc, len(win.Funcs))
	for i, f := range win.Funcs {
		if funcs[i], err = b.function(f); err != nil {
			return nil, err
		}
	}
	node := in
	if len(b.bounds) > 0 {
		exprs, cols := columnRefs(in.Columns())
		for i, e := range b.bounds {
			exprs = append(exprs, e)
			cols = append(cols, Col{Name: "_range" + strconv.Itoa(i), Type: e.Type(), Hidden: true})
		}
		node = NewStreamProject(in, exprs, cols)
	}
	// One node per window, in the order the windows first appear.
	var windows [][]int // each window's functions
	for i, f := range win.Funcs {
		w := slices.IndexFunc(windows, func(fs []int) bool {
			g := win.Funcs[fs[0]]
			return slices.Equal(g.PartitionBy, f.PartitionBy) && slices.Equal(g.OrderBy, f.OrderBy)
		})
		if w < 0 {
			windows = append(windows, nil)
			w = len(windows) - 1
		}
		windows[w] = append(windows[w], i)
	}
	where := make([]int, len(funcs)) // each function's column
	for _, fs := range windows {
		first := win.Funcs[fs[0]]
		ow := &StreamOverWindow{Input: node, PartitionBy: first.PartitionBy, Keys: first.OrderBy}
		for _, i := range fs {
			where[i] = len(node.Columns()) + len(ow.Funcs)
			ow.Funcs = append(ow.Funcs, funcs[i])
		}
		node = ow
	}
	if len(windows) == 1 && len(b.bounds) == 0 {
		return alignWindow(node, win), nil
	}
	// win's input's columns, then the functions', in win's order.
	all := node.Columns()
	logical := len(win.Input.Columns())
	exprs, cols := columnRefs(all[:logical])
	for _, c := range where {
		exprs = append(exprs, expr.Column(c, all[c].Name, all[c].Type))
		cols = append(cols, all[c])
	}
	return NewStreamProject(node, exprs, cols), nil
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

// columnRefs returns a reference to each of cols, and the columns.
func columnRefs(cols []Col) ([]expr.Expr, []Col) {
	exprs := make([]expr.Expr, len(cols))
	for i, c := range cols {
		exprs[i] = expr.Column(i, c.Name, c.Type)
	}
	return exprs, append([]Col(nil), cols...)
}

// overWindowPlan plans the functions of one Window: in is its input's
// stream node, of width columns; bounds the expressions of the RANGE
// frames' bounds, columns width, width+1, … of the node the windows read.
type overWindowPlan struct {
	win    *Window
	in     StreamNode
	width  int
	bounds []expr.Expr
}

// function returns the OverWindowFunc of f.
func (b *overWindowPlan) function(f WindowFunc) (OverWindowFunc, error) {
	of := OverWindowFunc{Name: f.Name, Default: -1, Offset: 1, Col: Col{Name: f.Name, Type: f.Type}}
	switch f.Name {
	case "lag", "lead":
		of.Arg = f.Args[0]
		if len(f.Args) > 1 {
			off, ok := inputConstInt(b.win, f.Args[1])
			if !ok {
				return of, sqlstate.Errorf(sqlstate.FeatureNotSupported, "%s by an offset that is not a constant is not supported in materialized views yet", f.Name)
			}
			of.Offset = off
		}
		if len(f.Args) > 2 {
			of.Default = f.Args[2]
		}
	case "ntile":
		n, ok := inputConstInt(b.win, f.Args[0])
		if !ok {
			return of, sqlstate.Errorf(sqlstate.FeatureNotSupported, "ntile of a number of buckets that is not a constant is not supported in materialized views yet")
		}
		of.Offset = n // positive: checkWindowArg
	case "nth_value":
		n, ok := inputConstInt(b.win, f.Args[1])
		if !ok {
			return of, sqlstate.Errorf(sqlstate.FeatureNotSupported, "nth_value of a position that is not a constant is not supported in materialized views yet")
		}
		of.Offset = n // positive: checkWindowArg
	}
	if !framedFuncs[f.Name] {
		return of, nil
	}
	return of, b.framed(f, &of)
}

// framed fills in of, the framed function f: its argument and its frame,
// or feature_not_supported naming what the operator lacks (sum and avg of
// what is not a number).
func (b *overWindowPlan) framed(f WindowFunc, of *OverWindowFunc) error {
	of.Arg = -1
	if !f.Star {
		of.Arg = f.Args[0]
		t := b.win.Input.Columns()[of.Arg].Type
		if (f.Name == "sum" || f.Name == "avg") && !t.IsNumeric() {
			return sqlstate.Errorf(sqlstate.FeatureNotSupported, "window function %s of %s is not supported in materialized views yet", f.Name, t)
		}
	}
	fr := f.Frame
	if fr == nil {
		// Without ORDER BY every row is a peer: the whole partition.
		of.Frame = OverWindowFrame{StartUnbounded: true, EndUnbounded: len(f.OrderBy) == 0}
		return nil
	}
	of.Frame.Exclude = fr.Exclude
	end := sql.FrameBound{Kind: sql.BoundCurrentRow}
	if fr.End != nil {
		end = *fr.End
	}
	var err error
	switch fr.Mode {
	case sql.FrameRange:
		var value expr.Expr // what the bounds by offsets compare
		if f.FrameStart != nil || f.FrameEnd != nil {
			var scale int32
			for _, off := range []expr.Expr{f.FrameStart, f.FrameEnd} {
				if off != nil {
					scale = max(scale, off.Type().Scale)
				}
			}
			if value, err = b.rangeValue(f.OrderBy[0].Column, scale); err != nil {
				return err
			}
			of.Frame.RangeCol = b.boundColumn(value)
		}
		if of.Frame.StartUnbounded, of.Frame.StartOffset, of.Frame.StartCol, err = b.rangeBound(f, fr.Start, f.FrameStart, value); err != nil {
			return err
		}
		if of.Frame.EndUnbounded, of.Frame.EndOffset, of.Frame.EndCol, err = b.rangeBound(f, end, f.FrameEnd, value); err != nil {
			return err
		}
		return nil
	case sql.FrameGroups:
		of.Frame.Groups = true
	default:
		of.Frame.Rows = true
	}
	if of.Frame.StartUnbounded, of.Frame.Start, err = frameOffset(fr.Start, f.FrameStart, true); err != nil {
		return err
	}
	if of.Frame.EndUnbounded, of.Frame.End, err = frameOffset(end, f.FrameEnd, false); err != nil {
		return err
	}
	return nil
}

// frameOffset returns the rows or groups bound reaches from the current
// row, its offset off bound as a bigint (not NULL, not negative:
// checkFrameOffset): before it for the start (preceding positive), after
// it for the end (following positive).
func frameOffset(bound sql.FrameBound, off expr.Expr, start bool) (unbounded bool, n int64, err error) {
	switch bound.Kind {
	case sql.BoundUnboundedPreceding, sql.BoundUnboundedFollowing:
		return true, 0, nil
	case sql.BoundCurrentRow:
		return false, 0, nil
	}
	n, ok := constInt(off)
	if !ok {
		return false, 0, sqlstate.Errorf(sqlstate.FeatureNotSupported, "a frame offset that is not an integer constant is not supported in materialized views yet")
	}
	if (bound.Kind == sql.BoundPreceding) != start {
		n = -n
	}
	return false, n, nil
}

// rangeBound returns one end, bound, of f's RANGE frame: unbounded, the
// current row's peers (neither unbounded nor offset), or by the offset
// off, whose bound each row holds in column col (added to b.bounds):
// value, the ORDER BY column as rangeValue makes it, moved by off towards
// the preceding or following rows.
func (b *overWindowPlan) rangeBound(f WindowFunc, bound sql.FrameBound, off expr.Expr, value expr.Expr) (unbounded, offset bool, col int, err error) {
	switch bound.Kind {
	case sql.BoundUnboundedPreceding, sql.BoundUnboundedFollowing:
		return true, false, 0, nil
	case sql.BoundCurrentRow:
		return false, false, 0, nil
	}
	key := f.OrderBy[0] // off is neither NULL nor negative: checkFrameOffset
	op := sql.OpAdd
	if (bound.Kind == sql.BoundPreceding) != key.Desc {
		op = sql.OpSub
	}
	e, err := expr.Binary(op, value, off)
	if err == nil {
		e, err = expr.Cast(e, value.Type())
	}
	if err != nil {
		return false, false, 0, err
	}
	return false, true, b.boundColumn(e), nil
}

// rangeValue returns the value of input column c that RANGE frames over it
// compare with their bounds, moved by offsets of scale scale: the column
// as a numeric (an integer's, of scale 0, or a numeric's, of the larger
// scale), a double, or a timestamp (for a date, as Postgres moves dates by
// intervals).
func (b *overWindowPlan) rangeValue(c int, scale int32) (expr.Expr, error) {
	col := b.in.Columns()[c]
	var e expr.Expr = expr.Column(c, col.Name, col.Type)
	t := col.Type
	switch {
	case t.IsInteger():
		// A numeric, so that a bound past the integers' range is no
		// error: it takes every row in, as Postgres' in_range does.
		t = types.NumericType(types.NumericMaxPrecision, 0)
	case t.IsFloat():
		t = types.Float64Type
	case t.Family == types.Numeric:
		t = types.NumericType(types.NumericMaxPrecision, max(t.Scale, scale))
	case t.Family == types.Date:
		t = types.TSType
	case t.Family == types.Timestamp, t.Family == types.TimestampTZ:
	default:
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "RANGE frames with offsets over %s are not supported in materialized views yet", t)
	}
	if t == col.Type {
		return e, nil
	}
	return expr.Cast(e, t)
}

// boundColumn returns the column of the node the windows read that holds
// e, adding it to b.bounds unless it is there or a column of the input.
func (b *overWindowPlan) boundColumn(e expr.Expr) int {
	if ref, ok := e.(*expr.ColumnRef); ok {
		return ref.Index()
	}
	for i, x := range b.bounds {
		if x.String() == e.String() {
			return b.width + i
		}
	}
	b.bounds = append(b.bounds, e)
	return b.width + len(b.bounds) - 1
}

// format returns the frame as SQL over the node's input columns cols; a
// RANGE bound by an offset names the column of its bound (RANGE BETWEEN
// _range1 AND CURRENT ROW).
func (f OverWindowFrame) format(cols []Col) string {
	if f.Exclude != sql.ExcludeNoOthers {
		g := f
		g.Exclude = sql.ExcludeNoOthers
		return g.format(cols) + " EXCLUDE " + excludeNames[f.Exclude]
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
	if f.Rows || f.Groups {
		mode := "ROWS"
		if f.Groups {
			mode = "GROUPS"
		}
		return mode + " BETWEEN " + bound(f.StartUnbounded, f.Start, "PRECEDING", "FOLLOWING") + " AND " + bound(f.EndUnbounded, f.End, "FOLLOWING", "PRECEDING")
	}
	rangeBound := func(unbounded, offset bool, col int, dir string) string {
		switch {
		case unbounded:
			return "UNBOUNDED " + dir
		case offset:
			return cols[col].Name
		}
		return "CURRENT ROW"
	}
	return "RANGE BETWEEN " + rangeBound(f.StartUnbounded, f.StartOffset, f.StartCol, "PRECEDING") + " AND " + rangeBound(f.EndUnbounded, f.EndOffset, f.EndCol, "FOLLOWING")
}
