// Package jobs runs dataflows. Its Manager owns an engine's running jobs
// behind one lock: it starts a job (its fragments' goroutines, their
// registration with the coordinator, its subscriptions to the jobs it
// reads, with a backfill of their current rows), stops it, finds it by
// name, and stops the whole job when one of its fragments fails.
//
// A job is built by exec/dataflow (or, for a table, by the engine) and
// started here; the engine keeps what it needs beside each job (its sources,
// its sink, its table's write-log position) in its own type, which gives the
// manager the Job it holds (Runnable).
package jobs

import (
	"context"
	"errors"

	"github.com/weir-stream/weir/exec"
)

// Job is a dataflow: its fragments, and the jobs it reads.
type Job struct {
	// Name names the job: the object it maintains, or a subscription.
	Name string
	// Fragments are all the job's fragments; the last one's Broadcast
	// carries the job's output to the jobs that read it. A job without
	// fragments stands in for a dataflow that does not run (a failed view
	// at a restart).
	Fragments []*exec.Fragment
	// Roots are the fragments the coordinator injects barriers into: those
	// that read a source, and a table's (fed by DML).
	Roots []*exec.Fragment
	// Inputs are the job's subscriptions to the jobs it reads.
	Inputs []Input
	// Snapshot, if set, emits the job's current rows as inserts, for a new
	// reader's backfill; a job without it cannot be backfilled from.
	Snapshot func(ctx context.Context, emit func(exec.Chunk) error) error

	cancel context.CancelFunc
}

// Input is a job's subscription to a job it reads: From's output is sent to
// Ch, which a fragment of the job reads.
type Input struct {
	From *Job
	Ch   chan exec.Message
}

// Output returns the job's last fragment (nil for a stand-in).
func (j *Job) Output() *exec.Fragment {
	if len(j.Fragments) == 0 {
		return nil
	}
	return j.Fragments[len(j.Fragments)-1]
}

// Wait returns once every fragment of j has stopped.
func (j *Job) Wait() {
	for _, f := range j.Fragments {
		<-f.Done()
	}
}

// Stopped reports whether every fragment of j has stopped (then its
// failure is final: a fragment stores its error before it reports done).
func (j *Job) Stopped() bool {
	for _, f := range j.Fragments {
		select {
		case <-f.Done():
		default:
			return false
		}
	}
	return true
}

// Failure returns the error a fragment of j stopped with (nil while they
// run, or after a clean stop).
func (j *Job) Failure() error {
	for _, f := range j.Fragments {
		select {
		case <-f.Done():
			if err := f.Err(); err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
		default:
		}
	}
	return nil
}

// subscribe adds ch to the outputs of j: with backfill, j's current rows
// first (as inserts), then every later change, with no gap: both happen
// inside j's last fragment's goroutine, between two of its messages.
func (j *Job) subscribe(ctx context.Context, ch chan exec.Message, backfill bool) error {
	out := j.Output()
	if out == nil {
		return ErrNotRunning
	}
	return out.Do(ctx, func(ctx context.Context, _ exec.Output) error {
		if backfill && j.Snapshot != nil {
			if err := j.Snapshot(ctx, func(c exec.Chunk) error {
				select {
				case ch <- exec.Message{Chunk: c}:
					return nil
				case <-ctx.Done():
					c.Release()
					return ctx.Err()
				}
			}); err != nil {
				return err
			}
		}
		out.Output().Add(ch)
		return nil
	})
}

// removeOutput removes ch from the outputs of j, inside j's goroutine.
func (j *Job) removeOutput(ctx context.Context, ch chan exec.Message) {
	out := j.Output()
	if out == nil {
		return
	}
	_ = out.Do(ctx, func(context.Context, exec.Output) error {
		out.Output().Remove(ch)
		return nil
	})
}

// ErrNotRunning is returned when a job reads a job that has no running
// dataflow.
var ErrNotRunning = errors.New("jobs: the job read is not running")
