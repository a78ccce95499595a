package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// StreamWindowClose is EMIT ON WINDOW CLOSE over a view's plan: it keeps
// each row of its input's key in state, keyed by Window first, and emits
// the rows of a window once, as inserts, when a watermark on Window passes
// it (ops.WindowClose). Its output is append-only.
type StreamWindowClose struct {
	Input  StreamNode
	Window int
}

// Inputs returns the node whose windows close.
func (n *StreamWindowClose) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns.
func (n *StreamWindowClose) Columns() []Col { return n.Input.Columns() }

// StreamKey returns the input's key.
func (n *StreamWindowClose) StreamKey() []int { return n.Input.StreamKey() }

// AppendOnly reports true: a window is emitted once, when it closes.
func (n *StreamWindowClose) AppendOnly() bool { return true }

// State returns the buffer of the open windows' rows.
func (n *StreamWindowClose) State() []StateTable {
	return []StateTable{{Role: "buffer", Key: "window column, then the input's key (vnode 0)", Value: "the row"}}
}

func (n *StreamWindowClose) explain() string {
	return fmt.Sprintf("StreamWindowClose { window: %s }", n.Input.Columns()[n.Window].Name)
}

// EmitOnWindowClose returns p emitting each window once, when the
// watermark passes it: p's key must hold a column with a watermark (a
// window aggregate's window_start or window_end over a stream with
// WATERMARK FOR its time column), else 0A000.
func EmitOnWindowClose(p *StreamPlan) (*StreamPlan, error) {
	wm := WatermarkColumns(p.Root)
	cols := p.Root.Columns()
	for _, k := range p.Key {
		if wm[k] && windowCloseType(cols[k].Type) {
			return NewStreamPlan(&StreamWindowClose{Input: p.Root, Window: k}), nil
		}
	}
	return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
		"EMIT ON WINDOW CLOSE needs a watermark on a column of the view's key").
		WithHint("Declare WATERMARK FOR the stream's time column and group by window_start or window_end of a TUMBLE or HOP over it.")
}

// WindowGroupsClosed reports whether the groups of window aggregate a
// below the watermark of its first group column are closed, no later
// change reaching them (closedWatermarkColumns: over an append-only
// input), so that they may be freed. Over a table with WATERMARK FOR,
// whose updates and deletes are never late, they are not: its window
// aggregate keeps every group.
func WindowGroupsClosed(a *StreamHashAgg) bool {
	return a.NumGroup > 0 && closedWatermarkColumns(a.Input)[0]
}

// windowCloseType reports whether a column of type t can close windows.
func windowCloseType(t types.T) bool {
	return t.Family == types.Timestamp || t.Family == types.TimestampTZ || t.Family == types.Int64
}

// WatermarkColumns returns which output columns of n carry a watermark:
// a stream's or table's WATERMARK FOR column, a stream's processing-time
// column, and what follows from it through
// filters, projections non-decreasing in it (TUMBLE's window_start and
// window_end), HOP, an aggregate's group columns and an inner join's equality keys
// (StreamHashJoin.WatermarkKeys), a temporal join's left columns, and a
// temporal filter's input's when it has no upper bound. Unions and the
// other nodes carry none.
func WatermarkColumns(n StreamNode) []bool {
	out := make([]bool, len(n.Columns()))
	switch n := n.(type) {
	case *StreamScan:
		if o := n.Object; (o.Kind == catalog.Stream || o.Kind == catalog.Table) && o.Watermark != nil {
			if i := o.Watermark.ColumnIndex(o); i >= 0 {
				out[i] = true
			}
		}
		if o := n.Object; o.Kind == catalog.Stream {
			// A processing-time column's watermark is the epoch's time.
			for i, c := range o.Columns {
				if c.ProcTime {
					out[i] = true
				}
			}
		}
	case *StreamFilter:
		copy(out, WatermarkColumns(n.Input))
	case *StreamTemporalFilter:
		copy(out, n.watermarkColumns())
	case *StreamProject:
		in := WatermarkColumns(n.Input)
		for i, e := range n.Exprs {
			for c, ok := range in {
				if ok && expr.NonDecreasingIn(e, c) {
					out[i] = true
				}
			}
		}
	case *StreamHop:
		in := WatermarkColumns(n.Input)
		copy(out, in)
		if in[n.TimeCol] {
			out[len(out)-2], out[len(out)-1] = true, true
		}
	case *StreamHashAgg:
		in := WatermarkColumns(n.Input)
		copy(out[:n.NumGroup], in[:n.NumGroup])
	case *StreamWindowClose:
		out[n.Window] = true
	case *StreamSession:
		out[len(out)-1] = WatermarkColumns(n.Input)[n.TimeCol]
	case *StreamHashJoin:
		copy(out, joinWatermarkColumns(n))
	}
	return out
}
