package planner

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// StreamSession is SESSION in a view (ops.SessionWindow): over an
// append-only input with a watermark on its time column, it keeps each
// row until the watermark passes its session's end (the session's last
// time plus Gap), then emits the session's rows once, as inserts, with
// window_start and window_end appended, and frees them. Sessions are
// emitted when they close, with or without EMIT ON WINDOW CLOSE, as
// RisingWave and Flink emit theirs; window_end carries a watermark, so an
// aggregate grouped by it frees its groups and EMIT ON WINDOW CLOSE over
// it closes them. Its key is the input's and window_end.
type StreamSession struct {
	Input     StreamNode
	TimeCol   int
	Partition []int
	Gap       int64
	Cols      []Col
}

// planSessionWindow returns the stream node of SESSION n, refusing an
// input that may retract rows or has no watermark on the time column.
func planSessionWindow(n *SessionWindow) (StreamNode, error) {
	in, err := planNode(n.Input)
	if err != nil {
		return nil, err
	}
	ts := in.Columns()[n.TimeCol].Name
	if !in.AppendOnly() {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
			"session windows in a view need an append-only input, and the input of this SESSION may update or delete rows").
			WithHint("Read a stream, or an append-only table or view; ad-hoc queries can read SESSION over any relation.")
	}
	if !WatermarkColumns(in)[n.TimeCol] {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
			"session windows in a view need a watermark on the time column \"%s\"", ts).
			WithHint(fmt.Sprintf("Declare WATERMARK FOR %s on the stream, so that sessions close.", ts))
	}
	if len(in.StreamKey()) == 0 {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "the input of this SESSION has no key")
	}
	return &StreamSession{Input: in, TimeCol: n.TimeCol, Partition: n.Partition, Gap: n.Gap, Cols: n.Cols}, nil
}

// Inputs returns the windowed node.
func (n *StreamSession) Inputs() []StreamNode { return []StreamNode{n.Input} }

// Columns returns the input's columns, then window_start and window_end.
func (n *StreamSession) Columns() []Col { return n.Cols }

// StreamKey returns the input's key and window_end, the column whose
// watermark EMIT ON WINDOW CLOSE closes by.
func (n *StreamSession) StreamKey() []int {
	return append(append([]int(nil), n.Input.StreamKey()...), len(n.Cols)-1)
}

// AppendOnly reports true: a session is emitted once, when it closes.
func (n *StreamSession) AppendOnly() bool { return true }

// State returns the kept rows and the open sessions.
func (n *StreamSession) State() []StateTable {
	return []StateTable{
		{Role: "rows", Key: "partition columns, time, the input's key (vnode 0)", Value: "the row"},
		{Role: "sessions", Key: "partition columns, the session's first time (vnode 0)", Value: "the session's last time"},
	}
}

func (n *StreamSession) explain() string {
	in := n.Input.Columns()
	s := fmt.Sprintf("StreamSession { time: %s, gap: %s", in[n.TimeCol].Name, micros(n.Gap))
	if len(n.Partition) > 0 {
		var part []string
		for _, i := range n.Partition {
			part = append(part, in[i].Name)
		}
		s += ", partition: [" + strings.Join(part, ", ") + "]"
	}
	return s + " }"
}

// pruneSessionInput returns in, when it is a session window, with its
// input projected to the columns exprs (a projection over it) read and
// those it needs itself (time, partition, key), and exprs over that
// session: the session keeps each row until its session closes, so
// columns nothing reads would be stored for nothing (Nexmark q11 reads
// two of a bid's nine). Any other in, or one whose columns are all read,
// comes back as it is.
func pruneSessionInput(in StreamNode, exprs []expr.Expr) (StreamNode, []expr.Expr) {
	s, ok := in.(*StreamSession)
	if !ok {
		return in, exprs
	}
	keep := append(append([]int{s.TimeCol}, s.Partition...), s.Input.StreamKey()...)
	p, pos, out, ok := pruneWindowInput(s.Input, s.Cols, exprs, keep)
	if !ok {
		return in, exprs
	}
	n := len(pos)
	sess := &StreamSession{Input: p, TimeCol: pos[s.TimeCol], Gap: s.Gap}
	for _, c := range s.Partition {
		sess.Partition = append(sess.Partition, pos[c])
	}
	sess.Cols = append(append([]Col(nil), p.Cols...), s.Cols[n:]...)
	return sess, out
}
