package jobs

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/weir-stream/weir/exec"
)

// Runnable is what a Manager holds: the engine's record of a job, which
// gives the Job it runs.
type Runnable interface {
	Dataflow() *Job
}

// Manager owns the running jobs of an engine, by name. It is safe for
// concurrent use; Start and Stop must be called with the coordinator paused,
// so that no epoch is in flight while the topology changes.
type Manager[R Runnable] struct {
	ctx   context.Context // the engine's: jobs run under it
	coord *exec.Coordinator

	mu     sync.Mutex
	byName map[string]R
}

// NewManager returns a manager whose jobs run until ctx ends and take part
// in coord's epochs.
func NewManager[R Runnable](ctx context.Context, coord *exec.Coordinator) *Manager[R] {
	return &Manager[R]{ctx: ctx, coord: coord, byName: map[string]R{}}
}

// Get returns the job called name.
func (m *Manager[R]) Get(name string) (R, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byName[name]
	return r, ok
}

// List returns every job, by name.
func (m *Manager[R]) List() []R {
	m.mu.Lock()
	out := make([]R, 0, len(m.byName))
	for _, r := range m.byName {
		out = append(out, r)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b R) int { return strings.Compare(a.Dataflow().Name, b.Dataflow().Name) })
	return out
}

// Put records r under its job's name without starting it: a stand-in for a
// dataflow that does not run.
func (m *Manager[R]) Put(r R) {
	if r.Dataflow().cancel == nil {
		r.Dataflow().cancel = func() {}
	}
	m.mu.Lock()
	m.byName[r.Dataflow().Name] = r
	m.mu.Unlock()
}

// Start runs r's job: its fragments' goroutines, registered with the
// coordinator (its Roots as roots), then its subscriptions to the jobs it
// reads (with backfill, their current rows first). When a fragment stops
// with an error, every fragment of the job stops, the job leaves the jobs
// it reads (so they never block on it), and failed is called. With
// register, r is then found by name (Get, List); a subscription is not.
func (m *Manager[R]) Start(ctx context.Context, r R, register, backfill bool, failed func(*exec.Fragment, error)) error {
	j := r.Dataflow()
	runCtx, cancel := context.WithCancel(m.ctx)
	j.cancel = cancel
	for _, f := range j.Fragments {
		go func() {
			if err := f.Run(runCtx); err != nil && runCtx.Err() == nil {
				failed(f, err)
				// One fragment of a job cannot go on without the others
				// (an exchange or union would block on its input): stop all.
				cancel()
				for _, in := range j.Inputs {
					m.Unsubscribe(in.From, in.Ch)
				}
			}
		}()
	}
	for _, f := range j.Roots {
		m.coord.AddRoot(f)
	}
	for _, f := range j.Fragments {
		m.coord.AddFragment(f)
	}
	for _, in := range j.Inputs {
		if err := in.From.subscribe(ctx, in.Ch, backfill); err != nil {
			m.stop(j)
			return err
		}
	}
	if runCtx.Err() != nil {
		// A fragment failed while the inputs were being subscribed: its
		// failure handler left the inputs subscribed before it ran, but not
		// those subscribed after. Nobody reads them: leave them too.
		for _, in := range j.Inputs {
			m.Unsubscribe(in.From, in.Ch)
		}
	}
	if register {
		m.mu.Lock()
		m.byName[j.Name] = r
		m.mu.Unlock()
	}
	return nil
}

// Stop ends r's job: it leaves the jobs it reads, its fragments are
// stopped and waited for, and it is no longer found by name.
func (m *Manager[R]) Stop(r R) {
	j := r.Dataflow()
	m.stop(j)
	m.mu.Lock()
	if cur, ok := m.byName[j.Name]; ok && cur.Dataflow() == j {
		delete(m.byName, j.Name)
	}
	m.mu.Unlock()
}

func (m *Manager[R]) stop(j *Job) {
	for _, in := range j.Inputs {
		in.From.removeOutput(m.ctx, in.Ch)
	}
	for _, f := range j.Fragments {
		m.coord.Remove(f)
	}
	if j.cancel != nil {
		j.cancel()
	}
	j.Wait()
}

// Unsubscribe removes ch (a failed job's input, or a subscription's) from
// the outputs of from, so that from (and every epoch, FLUSH and DML waiting
// on it) never blocks on a channel nobody reads. Until the removal has
// happened inside from's goroutine, what from sends is read and released
// here.
func (m *Manager[R]) Unsubscribe(from *Job, ch chan exec.Message) {
	if from == nil {
		return
	}
	removed := make(chan struct{})
	go func() {
		for {
			select {
			case msg := <-ch:
				msg.Chunk.Release()
			case <-removed:
				for {
					select {
					case msg := <-ch:
						msg.Chunk.Release()
					default:
						return
					}
				}
			}
		}
	}()
	from.removeOutput(m.ctx, ch)
	close(removed)
}

// WaitAll waits for every job's fragments to stop (after the engine's
// context was cancelled).
func (m *Manager[R]) WaitAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.byName {
		r.Dataflow().Wait()
	}
}
