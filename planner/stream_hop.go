package planner

import "fmt"

// StreamHop is HOP in a view: each input row becomes one row per window
// holding its time (Size/Slide of them), with window_start and window_end
// appended. Its key is the input's and window_start. It keeps no state: an
// update is the delete of the old row's windows and the insert of the new
// row's (its key may change), as RisingWave's hop window does.
type StreamHop struct {
	Input   StreamNode
	TimeCol int
	Size    int64
	Slide   int64
	Offset  int64
	Cols    []Col
}

// planTimeWindow returns the stream node of TUMBLE or HOP: TUMBLE is a
// projection.
func planTimeWindow(n *TimeWindow) (StreamNode, error) {
	in, err := planNode(n.Input)
	if err != nil {
		return nil, err
	}
	if !n.Hop {
		exprs, err := n.TumbleExprs()
		if err != nil {
			return nil, err
		}
		return NewStreamProject(in, exprs, n.Cols), nil
	}
	return &StreamHop{Input: in, TimeCol: n.TimeCol, Size: n.Size, Slide: n.Slide, Offset: n.Offset, Cols: n.Cols}, nil
}

// Inputs returns the windowed node.
func (n *StreamHop) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns, then window_start and window_end.
func (n *StreamHop) Columns() []Col { return n.Cols }

// StreamKey returns the input's key and window_start.
func (n *StreamHop) StreamKey() []int {
	return append(append([]int(nil), n.Input.StreamKey()...), len(n.Cols)-2)
}

// AppendOnly reports whether the input is append-only.
func (n *StreamHop) AppendOnly() bool { return n.Input.AppendOnly() }

// State returns nothing: a hop is stateless.
func (n *StreamHop) State() []StateTable { return nil }

func (n *StreamHop) explain() string {
	s := fmt.Sprintf("StreamHop { time: %s, slide: %s, size: %s", n.Input.Columns()[n.TimeCol].Name, micros(n.Slide), micros(n.Size))
	if n.Offset != 0 {
		s += ", offset: " + micros(n.Offset)
	}
	return s + " }"
}
