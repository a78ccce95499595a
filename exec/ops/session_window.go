package ops

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// SessionWindow is SESSION(rel [PARTITION BY key], ts, gap) in a view,
// over an append-only input with a watermark on ts. Per value of the
// partition columns, rows less than gap apart in time are one session,
// from its first row's time to its last row's time plus gap. A session is
// emitted once, when the watermark on ts reaches its end (its last time
// plus gap): no row to come can join it then. Its rows come out, as
// inserts, with window_start and window_end appended, and are freed; the
// watermark then rises on window_end. A row without a time is in no
// session and comes out at once with NULL windows. The output is
// append-only.
//
// State: each kept row under (partition, time, input key) in the rows
// table, and each open session under (partition, start) in the sessions
// table, whose value is the session's last time. A row that falls within
// gap of two sessions merges them: the later session's entry goes, the
// earlier's end moves, and no row is rewritten; a closing session's rows
// are one range, read once and deleted with one range delete. The
// sessions are also kept in memory, loaded at Open, with a heap of their
// ends that says which close at a watermark. One instance (vnode 0) runs
// per view; SessionWindow is driven by one fragment goroutine.
type SessionWindow struct {
	mem        memory.Allocator
	rowsTable  statestore.TableID
	sessTable  statestore.TableID
	out        types.Schema
	in         types.Schema
	timeCol    int
	part       []int
	partTypes  []types.T
	key        []int
	keyTypes   []types.T
	rowTypes   []types.T
	gap        int64
	state      exec.StateReader
	sessions   map[string]*partition
	ends       sessionEnds
	touched    []*partition
	sessDirty  map[string][]byte
	pending    int64
	hasPending bool
	closed     int64
	hasClosed  bool
	// Dropped counts rows below a watermark already applied, which no
	// source lets through (they are late there, in weir_late_rows).
	Dropped int64
}

// partition holds the open sessions of one value of the partition
// columns (part, encoded), by start; touched says it is in the barrier's
// list of partitions with changes.
type partition struct {
	part    string
	list    []*session
	touched bool
}

// session is an open session: the times of its first and last rows, the
// rows it gained this epoch, not written yet, and whether its entry in
// the sessions table is to be written.
type session struct {
	start, end int64
	fresh      []freshRow
	dirty      bool
}

// freshRow is a row of the epoch: its state key and encoded row.
type freshRow struct{ key, row []byte }

// sessionEnd is a heap entry: the session of part starting at start
// closes at closeAt, or later if its end has moved since (it is then
// pushed again with its new close). An entry whose session has since
// started earlier or merged into an earlier one is stale and skipped.
type sessionEnd struct {
	closeAt int64
	part    string
	start   int64
}

type sessionEnds []sessionEnd

func (h sessionEnds) Len() int           { return len(h) }
func (h sessionEnds) Less(i, j int) bool { return h[i].closeAt < h[j].closeAt }
func (h sessionEnds) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *sessionEnds) Push(x any)        { *h = append(*h, x.(sessionEnd)) }
func (h *sessionEnds) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// SessionWindowSpec configures a SessionWindow.
type SessionWindowSpec struct {
	// Output is the input's columns, then window_start and window_end (of
	// the time column's type).
	Output types.Schema
	// TimeCol is the input's time column (TIMESTAMP or TIMESTAMPTZ).
	TimeCol int
	// Partition are the input's partition columns; Key its stream key.
	Partition, Key []int
	// Gap is in microseconds.
	Gap int64
	// RowsTable and SessionsTable hold the kept rows and open sessions.
	RowsTable, SessionsTable statestore.TableID
}

// NewSessionWindow returns the session window operator spec describes.
func NewSessionWindow(mem memory.Allocator, spec SessionWindowSpec) *SessionWindow {
	in := spec.Output[:len(spec.Output)-2]
	s := &SessionWindow{
		mem: mem, rowsTable: spec.RowsTable, sessTable: spec.SessionsTable,
		out: spec.Output, in: in, timeCol: spec.TimeCol, gap: spec.Gap,
		// Never nil: AppendRow reads a nil column list as every column.
		part: append([]int{}, spec.Partition...), key: append([]int{}, spec.Key...),
		rowTypes: in.Types(), sessions: map[string]*partition{}, sessDirty: map[string][]byte{},
	}
	for _, c := range spec.Partition {
		s.partTypes = append(s.partTypes, in[c].Type)
	}
	for _, c := range spec.Key {
		s.keyTypes = append(s.keyTypes, in[c].Type)
	}
	return s
}

// Open loads the open sessions.
func (s *SessionWindow) Open(_ context.Context, oc exec.OpenContext) error {
	s.state = oc.State
	if s.state == nil {
		return nil
	}
	lo, hi := statestore.VnodeSpan(s.sessTable, 0)
	return s.state.Scan(lo, hi, func(key, value []byte) (bool, error) {
		rest := key[statestore.KeyPrefixLen:]
		if len(rest) < 9 {
			return false, fmt.Errorf("session window: bad session key %x: %w", key, statestore.ErrCorrupt)
		}
		part := string(rest[:len(rest)-9])
		start, null1, err1 := statestore.DecodeInt(rest[len(rest)-9:], types.Int64Type)
		end, null2, err2 := statestore.DecodeInt(value, types.Int64Type)
		if err1 != nil || err2 != nil || null1 || null2 {
			return false, fmt.Errorf("session window: bad session %x = %x: %w", key, value, statestore.ErrCorrupt)
		}
		// The scan is in key order: each partition's sessions by start.
		ps := s.sessions[part]
		if ps == nil {
			ps = &partition{part: part}
			s.sessions[part] = ps
		}
		ps.list = append(ps.list, &session{start: start, end: end})
		heap.Push(&s.ends, sessionEnd{closeAt: s.closeAt(end), part: part, start: start})
		return true, nil
	})
}

// closeAt returns the watermark that closes a session whose last time is end.
func (s *SessionWindow) closeAt(end int64) int64 {
	if end > math.MaxInt64-s.gap {
		return math.MaxInt64
	}
	return end + s.gap
}

// sessionKey returns the sessions table's key of part's session at start.
func (s *SessionWindow) sessionKey(part string, start int64) string {
	return string(statestore.AppendInt64(statestore.AppendKey(nil, s.sessTable, 0, []byte(part)), start))
}

// rowSpan returns the rows table's keys of part's rows from time start
// to time end, both included.
func (s *SessionWindow) rowSpan(part string, start, end int64) (lo, hi []byte) {
	p := statestore.AppendKey(nil, s.rowsTable, 0, []byte(part))
	lo = statestore.AppendInt64(append([]byte(nil), p...), start)
	if end == math.MaxInt64 {
		return lo, statestore.PrefixEnd(p)
	}
	return lo, statestore.AppendInt64(p, end+1)
}

// startSession records that part's session sess starts at a new time: it
// needs a heap entry under it, and its entry is written at the barrier.
func (s *SessionWindow) startSession(part string, sess *session) {
	sess.dirty = true
	heap.Push(&s.ends, sessionEnd{closeAt: s.closeAt(sess.end), part: part, start: sess.start})
}

// ProcessChunk adds c's rows to their sessions; a row without a time
// comes out at once.
func (s *SessionWindow) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	col := c.Batch.Column(s.timeCol)
	var partBuf []byte
	var untimed [][]byte
	// The chunk's rows and keys are slices of one buffer (each capped, so
	// that appends never overlap), freed when the last is written.
	slab := make([]byte, 0, 64*c.NumRows())
	for i := 0; i < c.NumRows(); i++ {
		if !c.OpAt(i).IsInsert() {
			return fmt.Errorf("session window: a %s in its append-only input", c.OpAt(i))
		}
		at := len(slab)
		slab = statestore.AppendRow(slab, s.rowTypes, c.Batch, nil, i)
		row := slab[at:len(slab):len(slab)]
		t, ok := expr.WatermarkAt(col, i)
		if !ok {
			untimed = append(untimed, row)
			continue
		}
		if s.hasClosed && t < s.closed {
			s.Dropped++
			continue
		}
		partBuf = statestore.AppendRow(partBuf[:0], s.partTypes, c.Batch, s.part, i)
		ps := s.sessions[string(partBuf)]
		if ps == nil {
			ps = &partition{part: string(partBuf)}
			s.sessions[ps.part] = ps
		}
		at = len(slab)
		slab = statestore.AppendInt64(statestore.AppendKey(slab, s.rowsTable, 0, partBuf), t)
		slab = statestore.AppendRow(slab, s.keyTypes, c.Batch, s.key, i)
		s.add(ps, t, freshRow{key: slab[at:len(slab):len(slab)], row: row})
	}
	if len(untimed) == 0 {
		return nil
	}
	return s.emit(ctx, out, untimed, nil, nil)
}

// add puts a row of time t into ps's sessions: a session of its own, or
// the one it falls within gap of, or the two it bridges, merged.
func (s *SessionWindow) add(ps *partition, t int64, r freshRow) {
	if !ps.touched {
		ps.touched = true
		s.touched = append(s.touched, ps)
	}
	part, list := ps.part, ps.list
	i := sort.Search(len(list), func(i int) bool { return list[i].start > t })
	var prev, next *session
	if i > 0 && t-list[i-1].end < s.gap {
		prev = list[i-1]
	}
	if i < len(list) && list[i].start-t < s.gap {
		next = list[i]
	}
	switch {
	case prev != nil && next != nil:
		// prev's heap entry comes up no later than next's would, and is
		// pushed again with the merged end then.
		prev.end, prev.dirty = next.end, true
		prev.fresh = append(append(prev.fresh, r), next.fresh...)
		s.sessDirty[s.sessionKey(part, next.start)] = nil
		ps.list = append(list[:i], list[i+1:]...)
	case prev != nil:
		prev.fresh = append(prev.fresh, r)
		if t > prev.end {
			prev.end, prev.dirty = t, true
		}
	case next != nil:
		next.fresh = append(next.fresh, r)
		s.sessDirty[s.sessionKey(part, next.start)] = nil
		next.start = t
		s.startSession(part, next)
	default:
		sess := &session{start: t, end: t, fresh: []freshRow{r}}
		list = append(list, nil)
		copy(list[i+1:], list[i:])
		list[i] = sess
		ps.list = list
		s.startSession(part, sess)
	}
}

// OnWatermark keeps a watermark of the time column for the barrier.
func (s *SessionWindow) OnWatermark(_ context.Context, _ int, wm exec.Watermark, _ exec.Output) error {
	if wm.Column == s.timeCol && (!s.hasPending || wm.Value > s.pending) {
		s.pending, s.hasPending = wm.Value, true
	}
	return nil
}

// OnBarrier emits and frees the sessions the watermark closed, then
// writes the epoch's rows and sessions; a watermark on window_end follows
// the closed sessions' rows.
func (s *SessionWindow) OnBarrier(ctx context.Context, _ exec.Barrier, sw exec.StateWriter, out exec.Output) error {
	if s.hasPending && (!s.hasClosed || s.pending > s.closed) {
		if err := s.close(ctx, s.pending, sw, out); err != nil {
			return err
		}
		s.closed, s.hasClosed = s.pending, true
		wm := exec.Watermark{Column: len(s.out) - 1, Value: s.closed}
		if s.closed < math.MaxInt64 {
			// Every session to come ends after the watermark.
			wm.Value++
		}
		if err := exec.PushWatermark(ctx, out, wm); err != nil {
			return err
		}
	}
	n := len(s.sessDirty)
	for _, ps := range s.touched {
		for _, sess := range ps.list {
			n += len(sess.fresh)
			if sess.dirty {
				n++
			}
		}
	}
	writes := make([]freshRow, 0, n)
	for _, ps := range s.touched {
		part := ps.part
		ps.touched = false
		for _, sess := range ps.list {
			writes = append(writes, sess.fresh...)
			sess.fresh = nil
			if sess.dirty {
				// Written over a delete of the same key this epoch.
				s.sessDirty[s.sessionKey(part, sess.start)] = statestore.AppendInt64(nil, sess.end)
				sess.dirty = false
			}
		}
	}
	for k, v := range s.sessDirty {
		writes = append(writes, freshRow{key: []byte(k), row: v})
	}
	slices.SortFunc(writes, func(a, b freshRow) int { return bytes.Compare(a.key, b.key) })
	for _, w := range writes {
		var err error
		if w.row == nil {
			err = sw.Delete(w.key)
		} else {
			err = sw.Set(w.key, w.row)
		}
		if err != nil {
			return fmt.Errorf("session window: %w", err)
		}
	}
	clear(s.touched)
	s.touched = s.touched[:0]
	clear(s.sessDirty)
	return nil
}

// close emits the rows of every session that closes at watermark wm and
// frees them. The closing sessions' committed rows are read with one
// iterator, seeking from session to session in key order.
func (s *SessionWindow) close(ctx context.Context, wm int64, sw exec.StateWriter, out exec.Output) error {
	type closing struct {
		lo, hi []byte
		sess   *session
		end    int64
	}
	var todo []closing
	for s.ends.Len() > 0 && s.ends[0].closeAt <= wm {
		e := heap.Pop(&s.ends).(sessionEnd)
		ps := s.sessions[e.part]
		if ps == nil {
			continue // stale: the partition's sessions all closed
		}
		list := ps.list
		i := sort.Search(len(list), func(i int) bool { return list[i].start >= e.start })
		if i == len(list) || list[i].start != e.start {
			continue // stale: the session started earlier or merged since
		}
		sess := list[i]
		if at := s.closeAt(sess.end); at != e.closeAt {
			// Its end moved: it closes later.
			heap.Push(&s.ends, sessionEnd{closeAt: at, part: e.part, start: e.start})
			continue
		}
		lo, hi := s.rowSpan(e.part, sess.start, sess.end)
		todo = append(todo, closing{lo: lo, hi: hi, sess: sess, end: e.closeAt})
		if err := sw.DeleteRange(lo, hi); err != nil {
			return fmt.Errorf("session window: %w", err)
		}
		key := s.sessionKey(e.part, sess.start)
		if err := sw.Delete([]byte(key)); err != nil {
			return fmt.Errorf("session window: %w", err)
		}
		delete(s.sessDirty, key)
		ps.list = append(list[:i], list[i+1:]...)
		if len(ps.list) == 0 {
			delete(s.sessions, e.part)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	slices.SortFunc(todo, func(a, b closing) int { return bytes.Compare(a.lo, b.lo) })
	var it exec.StateIterator
	if s.state != nil {
		lo, hi := statestore.VnodeSpan(s.rowsTable, 0)
		var err error
		if it, err = s.state.NewIter(lo, hi); err != nil {
			return fmt.Errorf("session window: %w", err)
		}
	}
	var rows [][]byte
	var starts, ends []int64
	for _, c := range todo {
		n := len(rows)
		if it != nil {
			for ok := it.SeekGE(c.lo); ok && bytes.Compare(it.Key(), c.hi) < 0; ok = it.Next() {
				rows = append(rows, append([]byte(nil), it.Value()...))
			}
		}
		for _, r := range c.sess.fresh {
			rows = append(rows, r.row)
		}
		for range len(rows) - n {
			starts, ends = append(starts, c.sess.start), append(ends, c.end)
		}
	}
	if it != nil {
		if err := it.Close(); err != nil {
			return fmt.Errorf("session window: %w", err)
		}
	}
	return s.emit(ctx, out, rows, starts, ends)
}

// emit pushes rows (encoded input rows) as inserts with window_start and
// window_end from starts and ends (NULL when those are nil).
func (s *SessionWindow) emit(ctx context.Context, out exec.Output, rows [][]byte, starts, ends []int64) error {
	const maxRows = 4096
	for len(rows) > 0 {
		n := min(len(rows), maxRows)
		dec := statestore.NewRowDecoder(s.mem, s.in)
		for _, r := range rows[:n] {
			if err := dec.Append(r); err != nil {
				dec.Release()
				return fmt.Errorf("session window: %w", err)
			}
		}
		in := dec.NewBatch()
		dec.Release()
		tt := s.out[len(s.out)-1].Type.ArrowType().(*arrow.TimestampType)
		sb, eb := array.NewTimestampBuilder(s.mem, tt), array.NewTimestampBuilder(s.mem, tt)
		for k := range n {
			if starts == nil {
				sb.AppendNull()
				eb.AppendNull()
				continue
			}
			sb.Append(arrow.Timestamp(starts[k]))
			eb.Append(arrow.Timestamp(ends[k]))
		}
		cols := append(append([]arrow.Array(nil), in.Columns()...), sb.NewArray(), eb.NewArray())
		batch := array.NewRecordBatch(s.out.Arrow(), cols, int64(n))
		in.Release()
		cols[len(cols)-2].Release()
		cols[len(cols)-1].Release()
		sb.Release()
		eb.Release()
		if err := out.Push(ctx, exec.Chunk{Batch: batch}); err != nil {
			return err
		}
		rows = rows[n:]
		if starts != nil {
			starts, ends = starts[n:], ends[n:]
		}
	}
	return nil
}
