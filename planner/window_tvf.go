package planner

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// TimeWindow is a window table function in FROM: TUMBLE (Slide == Size)
// or HOP. Its columns are its input's, then window_start and window_end,
// of the time column's type. A row's windows are those [start, start +
// Size) holding its time, starts being Offset plus multiples of Slide from
// the epoch; TUMBLE gives each row one, HOP Size/Slide. Sizes are
// microseconds.
type TimeWindow struct {
	Input   Node
	Hop     bool
	TimeCol int
	Size    int64
	Slide   int64
	Offset  int64
	Cols    []Col
}

// Columns returns the input's columns, then window_start and window_end.
func (n *TimeWindow) Columns() []Col { return n.Cols }

// Children returns the input.
func (n *TimeWindow) Children() []Node { return []Node{n.Input} }

// explain returns the node's EXPLAIN line.
func (n *TimeWindow) explain() string {
	ts := n.Input.Columns()[n.TimeCol].Name
	if !n.Hop {
		return fmt.Sprintf("Tumble { time: %s, size: %s%s }", ts, micros(n.Size), n.offsetText())
	}
	return fmt.Sprintf("Hop { time: %s, slide: %s, size: %s%s }", ts, micros(n.Slide), micros(n.Size), n.offsetText())
}

func (n *TimeWindow) offsetText() string {
	if n.Offset == 0 {
		return ""
	}
	return ", offset: " + micros(n.Offset)
}

// micros prints a duration of us microseconds as Go does (10s, 1h0m0s).
func micros(us int64) string { return (time.Duration(us) * time.Microsecond).String() }

// WindowStart returns the expression of the start of the tumbling window
// of size that holds the value of column ts (date_bin from the epoch plus
// offset): TUMBLE's window_start over cols.
func WindowStart(cols []Col, ts int, size, offset int64) (expr.Expr, error) {
	t := cols[ts].Type
	stride, err := expr.Constant(time.Duration(size)*time.Microsecond, types.IntervalT)
	if err != nil {
		return nil, err
	}
	origin, err := expr.Constant(offset, t)
	if err != nil {
		return nil, err
	}
	return expr.Func("date_bin", []expr.Expr{stride, expr.Column(ts, cols[ts].Name, t), origin})
}

// TumbleExprs returns the projection TUMBLE n is: every input column, then
// window_start and window_end.
func (n *TimeWindow) TumbleExprs() ([]expr.Expr, error) {
	in := n.Input.Columns()
	exprs := make([]expr.Expr, 0, len(in)+2)
	for i, c := range in {
		exprs = append(exprs, expr.Column(i, c.Name, c.Type))
	}
	start, err := WindowStart(in, n.TimeCol, n.Size, n.Offset)
	if err != nil {
		return nil, err
	}
	size, err := expr.Constant(time.Duration(n.Size)*time.Microsecond, types.IntervalT)
	if err != nil {
		return nil, err
	}
	end, err := expr.Binary(sql.OpAdd, start, size)
	if err != nil {
		return nil, err
	}
	if end, err = expr.Cast(end, in[n.TimeCol].Type); err != nil {
		return nil, err
	}
	return append(exprs, start, end), nil
}

// bindWindowTVF binds TUMBLE, HOP or SESSION in FROM.
func (b *Binder) bindWindowTVF(f *sql.WindowTVF) (Node, error) {
	kind := f.Func.Value
	if kind == "session" {
		s, err := b.bindSessionTVF(f)
		if err != nil {
			return nil, err
		}
		if len(f.Columns) > 0 {
			return renameColumns(s, f.Alias, f.Columns)
		}
		return s, nil
	}
	in, qual, ts, err := b.bindWindowInput(f)
	if err != nil {
		return nil, err
	}
	inCols := in.Columns()
	tt := inCols[ts].Type
	want := 1
	if kind == "hop" {
		want = 2
	}
	if len(f.Args) < want || len(f.Args) > want+1 {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedFunction, f.Func.Pos,
			"function %s takes a relation, a time column and %d interval arguments, the last an optional offset", kind, want)
	}
	ivs := make([]int64, len(f.Args))
	for i, a := range f.Args {
		if ivs[i], err = b.windowInterval(a); err != nil {
			return nil, err
		}
	}
	n := &TimeWindow{Input: in, TimeCol: ts, Size: ivs[0], Slide: ivs[0]}
	if kind == "hop" {
		n.Hop, n.Slide, n.Size = true, ivs[0], ivs[1]
		if n.Slide <= 0 || n.Size <= 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, f.Args[0].Position(),
				"window_size %s and window_slide %s must be positive", micros(n.Size), micros(n.Slide))
		}
		if n.Size%n.Slide != 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, f.Args[1].Position(),
				"Invalid arguments for HOP window function: window_size %s cannot be divided by window_slide %s",
				micros(n.Size), micros(n.Slide))
		}
	} else if n.Size <= 0 {
		return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, f.Args[0].Position(),
			"window_size %s must be positive", micros(n.Size))
	}
	if len(f.Args) == want+1 {
		n.Offset = ivs[want]
	}
	for i, c := range inCols {
		c.Table = qual
		inCols[i] = c
	}
	n.Cols = append(inCols,
		Col{Table: qual, Name: "window_start", Type: tt},
		Col{Table: qual, Name: "window_end", Type: tt})
	if len(f.Columns) > 0 {
		return renameColumns(requalify(n, qual), f.Alias, f.Columns)
	}
	return n, nil
}

// bindWindowInput binds the relation of window table function f and
// finds its time column: it returns the relation, the name that qualifies
// the function's columns and the time column's index.
func (b *Binder) bindWindowInput(f *sql.WindowTVF) (Node, string, int, error) {
	in, err := b.bindTableItem(f.Input)
	if err != nil {
		return nil, "", 0, err
	}
	qual := ""
	switch r := f.Input.(type) {
	case *sql.TableName:
		qual = r.Name.Last().Value
	case *sql.Subquery:
		if r.Alias != nil {
			qual = r.Alias.Value
		}
	}
	if qual == "" {
		qual = f.Func.Value
	}
	if f.Alias != nil {
		qual = f.Alias.Value
	}
	ts := -1
	for i, c := range in.Columns() {
		if c.Hidden {
			continue
		}
		if c.Name == "window_start" || c.Name == "window_end" {
			return nil, "", 0, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, f.Input.Position(),
				"column names window_start and window_end are not allowed in the input of a window table function")
		}
		if c.Name == f.TimeCol.Value && ts < 0 {
			ts = i
		}
	}
	if ts < 0 {
		return nil, "", 0, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, f.TimeCol.Pos, "column \"%s\" does not exist", f.TimeCol.Value)
	}
	tt := in.Columns()[ts].Type
	if tt.Family != types.Timestamp && tt.Family != types.TimestampTZ {
		return nil, "", 0, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, f.TimeCol.Pos,
			"the time column of a window table function must be of type timestamp or timestamp with time zone, not %s", tt)
	}
	return in, qual, ts, nil
}

// windowInterval returns the microseconds of a window table function's
// size, slide or offset: a constant interval without months.
func (b *Binder) windowInterval(a sql.Expr) (int64, error) {
	e, err := b.bindExpr(&exprContext{scope: &scope{}, clause: "window table function"}, a, types.IntervalT)
	if err == nil && e.Type().Family == types.Unknown {
		e, err = expr.Cast(e, types.IntervalT)
	}
	if err != nil || e.Type().Family != types.Interval || !expr.IsConstant(e) {
		return 0, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, a.Position(),
			"the size arg of window table function should be an interval literal")
	}
	arr, err := expr.EvalConstant(context.Background(), memory.DefaultAllocator, e)
	if err != nil {
		return 0, at(err, a.Position())
	}
	defer arr.Release()
	if arr.IsNull(0) {
		return 0, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, a.Position(),
			"the size arg of window table function must not be null")
	}
	v := arr.(*array.MonthDayNanoInterval).Value(0)
	if v.Months != 0 {
		return 0, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, a.Position(),
			"window intervals containing months or years are not supported")
	}
	return int64(v.Days)*86400e6 + v.Nanoseconds/1000, nil
}
