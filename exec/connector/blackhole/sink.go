// Package blackhole is the sink that discards what it is given: for
// benchmarks, and for jobs run only for their side effects on state.
package blackhole

import (
	"context"
	"sync/atomic"

	"github.com/weir-stream/weir/exec"
)

// Sink is an exec.SinkWriter that counts records and bytes and keeps
// nothing. Its counters are safe to read from any goroutine.
type Sink struct {
	Records, Bytes atomic.Int64
	last           atomic.Uint64
}

// Recover implements exec.SinkWriter: nothing was ever delivered.
func (s *Sink) Recover(context.Context) (exec.Epoch, error) { return 0, nil }

// Prepare implements exec.SinkWriter: it counts the records.
func (s *Sink) Prepare(_ context.Context, _ exec.Epoch, records []exec.SinkRecord) error {
	var n int64
	for _, r := range records {
		n += int64(len(r.Key) + len(r.Value))
	}
	s.Records.Add(int64(len(records)))
	s.Bytes.Add(n)
	return nil
}

// Commit implements exec.SinkWriter.
func (s *Sink) Commit(_ context.Context, epoch exec.Epoch) error {
	s.last.Store(uint64(epoch))
	return nil
}

// Abort implements exec.SinkWriter.
func (s *Sink) Abort(context.Context) error { return nil }

// Close implements exec.SinkWriter.
func (s *Sink) Close() error { return nil }
