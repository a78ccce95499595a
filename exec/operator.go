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
	// NewIter returns an iterator over the keys in [lo, hi) (a nil end is
	// unbounded), for reads that seek and step (joins, top-N) rather than
	// visit a whole range. It reads the state as it is when NewIter is
	// called; the caller closes it.
	NewIter(lo, hi []byte) (StateIterator, error)
}

// StateIterator is a cursor over the keys of a range of state in key order,
// in Pebble's shape: it starts unpositioned, First and SeekGE position it and
// Next advances it, each reporting Valid. A use reads:
//
//	for ok := it.SeekGE(k); ok; ok = it.Next() { use(it.Key(), it.Value()) }
//	if err := it.Close(); err != nil { ... }
//
// It is an alias of an interface type literal, and statestore.Iterator of the
// same literal, so the two are one type: the state store implements
// StateReader without importing exec.
type StateIterator = interface {
	// First moves to the first key of the range.
	First() bool
	// SeekGE moves to the first key of the range at or after key.
	SeekGE(key []byte) bool
	// Next moves to the next key.
	Next() bool
	// Valid reports whether the iterator is at a key.
	Valid() bool
	// Key and Value return the current pair; they are valid until the next
	// call that moves the iterator, and only while Valid.
	Key() []byte
	Value() []byte
	// Error returns the error that ended the iteration early, if any.
	Error() error
	// Close releases the iterator and returns Error.
	Close() error
}

// StateWriter collects an operator's writes for one epoch. They become
// visible (and durable, with the state store's checkpoint) when the epoch commits.
// Set, Delete and DeleteRange copy their arguments: the caller may reuse
// its buffers as soon as a call returns.
type StateWriter interface {
	Set(key, value []byte) error
	Delete(key []byte) error
	// DeleteRange deletes every key in [lo, hi).
	DeleteRange(lo, hi []byte) error
}
