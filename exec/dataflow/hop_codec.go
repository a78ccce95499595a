package dataflow

import (
	"slices"

	"fmt"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql/types"
)

// unmarshalHop rebuilds a recorded HOP over in, checking that in still has
// the recorded time column and that the windows are well formed.
func unmarshalHop(d nodeDoc, in planner.StreamNode) (planner.StreamNode, error) {
	cs, err := cols(d.Cols)
	if err != nil {
		return nil, err
	}
	inCols := in.Columns()
	if len(cs) != len(inCols)+2 || !sameCols(cs[:len(inCols)], inCols) {
		return nil, fmt.Errorf("hop: %d columns over an input of %d", len(cs), len(inCols))
	}
	if d.TimeCol < 0 || d.TimeCol >= len(inCols) {
		return nil, fmt.Errorf("hop: time column %d", d.TimeCol)
	}
	t := inCols[d.TimeCol].Type
	if (t.Family != types.Timestamp && t.Family != types.TimestampTZ) || cs[len(inCols)].Type != t || cs[len(inCols)+1].Type != t {
		return nil, fmt.Errorf("hop: time column %s is %s", inCols[d.TimeCol].Name, t)
	}
	if d.Slide <= 0 || d.Size <= 0 || d.Size%d.Slide != 0 {
		return nil, fmt.Errorf("hop: size %d and slide %d", d.Size, d.Slide)
	}
	return &planner.StreamHop{Input: in, TimeCol: d.TimeCol, Size: d.Size, Slide: d.Slide, Offset: d.WindowOffset, Cols: cs}, nil
}

// unmarshalWindowClose rebuilds a recorded EMIT ON WINDOW CLOSE over in,
// checking that its window column can still close windows.
func unmarshalWindowClose(d nodeDoc, in planner.StreamNode) (planner.StreamNode, error) {
	cols := in.Columns()
	if d.Window < 0 || d.Window >= len(cols) || !slices.Contains(in.StreamKey(), d.Window) {
		return nil, fmt.Errorf("windowclose: window column %d", d.Window)
	}
	return &planner.StreamWindowClose{Input: in, Window: d.Window}, nil
}
