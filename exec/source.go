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

// SourceProgress is how far a source has read, for the weir_sources system
// table and the logs.
type SourceProgress struct {
	// Rows counts the records emitted since the source opened.
	Rows int64
	// Errors counts the records that could not be decoded since it opened.
	Errors int64
	// Bytes counts the bytes of the records read since it opened (the
	// encoded records, before decoding); -1 for generators, which read none.
	Bytes int64
	// Position is where the next read starts, in the connector's terms (a
	// byte offset for a file, offsets per partition for Kafka).
	Position string
	// Lag is how much is known to be written but not read yet, in
	// LagUnit; -1 when unknown.
	Lag     int64
	LagUnit string
	// LagDetail is the lag of each part of the source, for those read in
	// parts: Kafka's is "p0:5,p1:0" (records per partition, where the high
	// watermark is known). Empty otherwise.
	LagDetail string
	// Status is SourceRunning, or SourceWaiting while the source cannot
	// read (its brokers or its topic are gone) and retries; empty means
	// running.
	Status string
	// LastError is why the source last could not read (kept after it
	// recovered, until it fails again); empty when it never failed.
	LastError string
}

// The statuses of SourceProgress.Status.
const (
	SourceRunning = "running"
	SourceWaiting = "waiting"
)

// ProgressReporter is implemented by sources that report their progress.
// Progress is safe to call from any goroutine, concurrently with the
// runtime's calls.
type ProgressReporter interface {
	Progress() SourceProgress
}
