package ops

import "github.com/weir-stream/weir/exec"

// sideWrites is the StateWriter the MinMaxTable multisets flush into at a
// barrier: it keeps their writes in one arena and applies them to the
// epoch's writer in key order (apply), so that Pebble inserts them into its
// memtable as an ascending run, a few comparisons each, rather than each at
// a random place in a skiplist of millions of keys (for Nexmark q16 that
// insertion was a fifth of the CPU). Writes to one key keep their order.
// Kept by its HashAgg across barriers, for its buffers.
type sideWrites struct {
	w      exec.StateWriter
	arena  []byte
	writes []stateWrite
	order  []writeKey // apply's buffer
}

// begin empties the buffer and makes w the writer apply writes to.
func (s *sideWrites) begin(w exec.StateWriter) {
	s.w, s.arena, s.writes = w, s.arena[:0], s.writes[:0]
}

func (s *sideWrites) Set(key, value []byte) error {
	off := len(s.arena)
	s.arena = append(append(s.arena, key...), value...)
	s.writes = append(s.writes, stateWrite{off: off, klen: int32(len(key)), vlen: int32(len(value))})
	return nil
}

func (s *sideWrites) Delete(key []byte) error {
	off := len(s.arena)
	s.arena = append(s.arena, key...)
	s.writes = append(s.writes, stateWrite{off: off, klen: int32(len(key)), del: true})
	return nil
}

// DeleteRange applies the writes so far, then the range deletion, so that
// it stays after them.
func (s *sideWrites) DeleteRange(lo, hi []byte) error {
	if err := s.apply(); err != nil {
		return err
	}
	return s.w.DeleteRange(lo, hi)
}

// apply writes the buffered writes to s.w in key order and empties the
// buffer.
func (s *sideWrites) apply() error {
	arena, writes := s.arena, s.writes
	for _, k := range sortStateWrites(arena, writes, &s.order) {
		o := writes[k.i]
		key := arena[o.off : o.off+int(o.klen)]
		var err error
		if o.del {
			err = s.w.Delete(key)
		} else {
			err = s.w.Set(key, arena[o.off+int(o.klen):o.off+int(o.klen)+int(o.vlen)])
		}
		if err != nil {
			return err
		}
	}
	s.arena, s.writes = arena[:0], writes[:0]
	return nil
}
