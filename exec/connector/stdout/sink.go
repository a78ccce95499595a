// Package stdout is the development sink: one readable line per change on
// the server's standard output (or any writer).
package stdout

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/weir-stream/weir/exec"
)

// Sink is an exec.SinkWriter that prints each record as a line: `name:
// value` for records without a key, `name: key = value` for keyed ones, and
// `name: key deleted` for tombstones. It cannot hide output until a commit,
// so after a crash the epochs after the checkpoint are printed again (at
// least once). Writers shared by several sinks are locked per epoch.
type Sink struct {
	name string
	w    io.Writer
	mu   *sync.Mutex
}

// outputs guards each writer shared by sinks, so their epochs' lines do
// not interleave.
var (
	outputsMu sync.Mutex
	outputs   = map[io.Writer]*sync.Mutex{}
)

// NewSink returns a sink named name that prints to w.
func NewSink(name string, w io.Writer) *Sink {
	outputsMu.Lock()
	mu := outputs[w]
	if mu == nil {
		mu = &sync.Mutex{}
		outputs[w] = mu
	}
	outputsMu.Unlock()
	return &Sink{name: name, w: w, mu: mu}
}

// Recover implements exec.SinkWriter: stdout keeps no record of epochs.
func (s *Sink) Recover(context.Context) (exec.Epoch, error) { return 0, nil }

// Prepare implements exec.SinkWriter: it prints the records.
func (s *Sink) Prepare(_ context.Context, _ exec.Epoch, records []exec.SinkRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	bw := bufio.NewWriter(s.w)
	for _, r := range records {
		switch {
		case r.Key == nil:
			fmt.Fprintf(bw, "%s: %s\n", s.name, r.Value)
		case r.Value == nil:
			fmt.Fprintf(bw, "%s: %s deleted\n", s.name, r.Key)
		default:
			fmt.Fprintf(bw, "%s: %s = %s\n", s.name, r.Key, r.Value)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("stdout sink %s: %w", s.name, err)
	}
	return nil
}

// Commit implements exec.SinkWriter: the lines are out already.
func (s *Sink) Commit(context.Context, exec.Epoch) error { return nil }

// Abort implements exec.SinkWriter: printed lines cannot be taken back.
func (s *Sink) Abort(context.Context) error { return nil }

// Close implements exec.SinkWriter.
func (s *Sink) Close() error { return nil }
