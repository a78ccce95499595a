package dataflow

import (
	"fmt"

	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql/types"
)

// sessionWindow returns the operator of SESSION n in a view.
func (b *builder) sessionWindow(n *planner.StreamSession) *ops.SessionWindow {
	return ops.NewSessionWindow(b.spec.Mem, ops.SessionWindowSpec{
		Output:    schemaOf(n.Cols),
		TimeCol:   n.TimeCol,
		Partition: n.Partition,
		Key:       n.Input.StreamKey(),
		Gap:       n.Gap,
		RowsTable: b.spec.Tables.Table(n, "rows"), SessionsTable: b.spec.Tables.Table(n, "sessions"),
	})
}

// unmarshalSession rebuilds a recorded SESSION over in, checking that in
// still has the recorded time and partition columns and that the gap is
// positive.
func unmarshalSession(d nodeDoc, in planner.StreamNode) (planner.StreamNode, error) {
	cs, err := cols(d.Cols)
	if err != nil {
		return nil, err
	}
	inCols := in.Columns()
	if len(cs) != len(inCols)+2 || !sameCols(cs[:len(inCols)], inCols) {
		return nil, fmt.Errorf("session: %d columns over an input of %d", len(cs), len(inCols))
	}
	if d.TimeCol < 0 || d.TimeCol >= len(inCols) {
		return nil, fmt.Errorf("session: time column %d", d.TimeCol)
	}
	t := inCols[d.TimeCol].Type
	if (t.Family != types.Timestamp && t.Family != types.TimestampTZ) || cs[len(inCols)].Type != t || cs[len(inCols)+1].Type != t {
		return nil, fmt.Errorf("session: time column %s is %s", inCols[d.TimeCol].Name, t)
	}
	for _, p := range d.Partition {
		if p < 0 || p >= len(inCols) {
			return nil, fmt.Errorf("session: partition column %d", p)
		}
	}
	if d.Gap <= 0 {
		return nil, fmt.Errorf("session: gap %d", d.Gap)
	}
	return &planner.StreamSession{Input: in, TimeCol: d.TimeCol, Partition: d.Partition, Gap: d.Gap, Cols: cs}, nil
}
