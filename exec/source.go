package exec

import (
	"context"
	"errors"
)

// ErrNoData is returned by Source.Next when nothing is available right now;
// the runtime waits (for a barrier, or a short poll interval) and asks again.
var ErrNoData = errors.New("exec: no data available")

// Source produces the changes at the root of a dataflow: records read from a
// file or a Kafka topic, generated events, or rows written by DML. The runtime
// calls a Source from one goroutine at a time, and never concurrently with
// OnBarrier: a barrier is taken between two calls of Next, so the position a
// source records at a barrier is exactly after the last chunk it returned.
type Source interface {
	// Open restores the source's read position from its committed state.
	Open(ctx context.Context, oc OpenContext) error
	// Next returns the next chunk. It returns ErrNoData when nothing is
	// available now, and io.EOF when the source is finished for good (a
	// bounded source). It should return within a few milliseconds; it must not
	// block waiting for data.
	Next(ctx context.Context) (Chunk, error)
	// OnBarrier records the read position as of the barrier in w.
	OnBarrier(ctx context.Context, b Barrier, w StateWriter) error
	// Close releases the source's resources.
	Close() error
}
