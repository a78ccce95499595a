package exec

import (
	"context"
)

// Output receives the chunks an operator emits. Push hands over the chunk's
// reference. Push may block (backpressure) and returns an error only when the
// dataflow is being torn down; an operator returns that error unchanged.
type Output interface {
	Push(ctx context.Context, c Chunk) error
}

// Operator is a step of a dataflow. Its one required method is ProcessChunk;
// optional behaviour comes through the interfaces below (BarrierHandler,
// Opener, Closer), so simple operators stay simple (Arroyo's shape).
//
// The runtime calls an operator from one goroutine at a time; an operator
// needs no locks for its own fields.
type Operator interface {
	// ProcessChunk handles one chunk from input number input (0 for
	// single-input operators). The chunk is borrowed: see Chunk.
	ProcessChunk(ctx context.Context, input int, c Chunk, out Output) error
}

// BarrierHandler is implemented by operators that hold state. OnBarrier is
// called once per barrier, after alignment (every input has delivered it) and
// before the runtime forwards the barrier downstream. A stateful operator emits
// what the epoch changed, then writes its dirty state to w.
type BarrierHandler interface {
	OnBarrier(ctx context.Context, b Barrier, w StateWriter, out Output) error
}

// Opener is implemented by operators that load state or resources before the
// first chunk.
type Opener interface {
	Open(ctx context.Context, oc OpenContext) error
}

// Closer is implemented by operators that release resources when the dataflow ends.
type Closer interface {
	Close() error
}

// OpenContext is what an operator gets when it opens: where its state lives.
type OpenContext struct {
	// State reads the operator's committed state (a view of the state store).
	State StateReader
}

// StateReader reads committed state. Get returns (nil, false, nil) for a
// missing key. The returned value is the caller's to keep.
type StateReader interface {
	Get(key []byte) (value []byte, ok bool, err error)
	// Scan calls fn for every key in [lo, hi) in key order until fn returns
	// false or an error. key and value are valid only during the call.
	Scan(lo, hi []byte, fn func(key, value []byte) (bool, error)) error
}

// StateWriter collects an operator's writes for one epoch. They become
// visible (and durable, with the state store's checkpoint) when the epoch commits.
type StateWriter interface {
	Set(key, value []byte) error
	Delete(key []byte) error
	// DeleteRange deletes every key in [lo, hi).
	DeleteRange(lo, hi []byte) error
}
