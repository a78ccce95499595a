package exec

import "time"

// Epoch numbers the intervals between barriers. Epoch 0 is "before anything";
// the first barrier a source sees carries epoch 1.
type Epoch uint64

// BarrierKind says what a barrier asks of the operators it passes.
type BarrierKind uint8

// Barrier kinds.
const (
	// Checkpoint: flush dirty state for the epoch and forward.
	Checkpoint BarrierKind = iota
	// Stop: flush dirty state, forward, then end: the dataflow is shutting down
	// (clean stop of the server, or DROP of the job).
	Stop
)

// Barrier separates epoch Epoch from Epoch+1 in every stream: every change
// before it belongs to Epoch, every change after it to a later epoch.
// An operator with several inputs acts on a barrier only once every input has
// delivered it (the runtime aligns; see barrierAligner).
type Barrier struct {
	Epoch Epoch
	Kind  BarrierKind
	// Drain asks every root to read what its source has available now
	// (until ErrNoData, within drainBudget) before it takes the barrier.
	// FLUSH sets it, so that what was written to a file or topic before the
	// FLUSH belongs to the epoch the FLUSH waits for.
	Drain bool
	// Time is the wall-clock time the coordinator started the barrier at.
	// Every operator of the epoch sees the same Time, so state that expires
	// by processing time (a view's TTL) expires at the same barrier in all
	// of them. The zero Time (barriers made by tests) expires nothing.
	Time time.Time
}

// Message is what flows on a channel between operators: exactly one of
// Chunk (when Barrier and Watermark are nil), Barrier or Watermark.
type Message struct {
	Chunk     Chunk
	Barrier   *Barrier
	Watermark *Watermark
}
