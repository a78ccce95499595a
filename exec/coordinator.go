package exec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// ErrCoordinatorStopped is returned by Flush and Pause once the coordinator
// has stopped.
var ErrCoordinatorStopped = errors.New("exec: coordinator stopped")

// CoordinatorOptions configure a Coordinator.
type CoordinatorOptions struct {
	// Interval is the time between two checkpoint barriers (1s when zero).
	Interval time.Duration
	// Commit is called, from the coordinator goroutine, once every
	// registered fragment has acknowledged an epoch: the engine records the
	// epoch and publishes a read snapshot. An error is logged and Commit is
	// retried for the same epoch on the next tick.
	Commit func(ctx context.Context, e Epoch) error
	// Logger receives the coordinator's errors (slog.Default when nil).
	Logger *slog.Logger
	// OnBarrierAligned, when set, is called with the alignment time of
	// every barrier in every registered fragment that has two inputs or
	// more: the time from its first input delivering the barrier until all
	// had. It is called from the fragments' goroutines, concurrently, and
	// must be cheap (it is on the data path once per barrier).
	OnBarrierAligned func(d time.Duration)
	// OnEpochCommitted, when set, is called from the coordinator goroutine
	// after each successful Commit with the epoch and the time from
	// injecting its barrier to the end of its Commit.
	OnEpochCommitted func(e Epoch, d time.Duration)
	// Now is the clock barriers take their Time from (time.Now when nil).
	Now func() time.Time
}

// Coordinator drives epochs: every Interval (and on Flush) it injects barrier
// E+1 into every root fragment, waits for every registered fragment to
// acknowledge it, calls Commit(E+1), then wakes the Flush waiters. It never
// injects E+2 before E+1 is committed. All methods are safe for concurrent
// use; the epoch loop runs in a goroutine started by Start.
type Coordinator struct {
	opts CoordinatorOptions
	log  *slog.Logger
	wake chan struct{}

	mu        sync.Mutex
	roots     map[*Fragment]struct{}
	frags     map[*Fragment]struct{}
	committed Epoch
	inflight  *epochState
	// flushTarget is the epoch Flush callers wait for.
	flushTarget Epoch
	paused      int
	stopReq     bool
	// stopped is set when the loop has exited; stopErr says why (nil after
	// a committed Stop epoch).
	stopped bool
	stopErr error
	// changed is closed (and replaced) whenever committed, inflight or
	// stopped changes.
	changed chan struct{}
	loopEnd chan struct{}
	started bool
}

// epochState is the epoch in flight.
type epochState struct {
	barrier   Barrier
	pending   map[*Fragment]struct{}
	commitErr error // the last failed Commit: retried on the next tick
}

// NewCoordinator returns a coordinator; Start starts its loop.
func NewCoordinator(opts CoordinatorOptions) *Coordinator {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Coordinator{
		opts:    opts,
		log:     log,
		wake:    make(chan struct{}, 1),
		roots:   map[*Fragment]struct{}{},
		frags:   map[*Fragment]struct{}{},
		changed: make(chan struct{}),
		loopEnd: make(chan struct{}),
	}
}

// Start starts the epoch loop; the first epoch it injects is
// lastCommitted+1. The loop ends after Stop, or when ctx is done.
func (c *Coordinator) Start(ctx context.Context, lastCommitted Epoch) {
	c.mu.Lock()
	if c.started {
		c.mu.Unlock()
		return
	}
	c.started = true
	c.committed = lastCommitted
	c.mu.Unlock()
	go c.loop(ctx)
}

// AddRoot registers a root fragment: it receives barriers and acknowledges
// them (AddRoot implies AddFragment).
func (c *Coordinator) AddRoot(f *Fragment) {
	c.mu.Lock()
	c.roots[f] = struct{}{}
	c.mu.Unlock()
	c.AddFragment(f)
}

// AddFragment registers f: from the next epoch on, an epoch commits only
// once f has acknowledged it. Register fragments while paused (or before
// Start) so that they join at an epoch boundary. A fragment that ends is
// removed; if it ended with an error, the error is logged.
func (c *Coordinator) AddFragment(f *Fragment) {
	c.mu.Lock()
	if _, ok := c.frags[f]; ok {
		c.mu.Unlock()
		return
	}
	c.frags[f] = struct{}{}
	c.mu.Unlock()
	f.addEpochListener(func(b Barrier) { c.ack(f, b) })
	if fn := c.opts.OnBarrierAligned; fn != nil {
		f.addAlignListener(fn)
	}
	go func() {
		<-f.Done()
		c.mu.Lock()
		_, registered := c.frags[f]
		c.mu.Unlock()
		if !registered {
			return
		}
		if err := f.Err(); err != nil && !errors.Is(err, context.Canceled) {
			c.log.Error("fragment ended with an error; epochs proceed without it", "fragment", f.Name(), "err", err)
		}
		c.Remove(f)
	}()
}

// Remove unregisters f: epochs no longer wait for it.
func (c *Coordinator) Remove(f *Fragment) {
	c.mu.Lock()
	delete(c.roots, f)
	delete(c.frags, f)
	if c.inflight != nil {
		delete(c.inflight.pending, f)
	}
	c.mu.Unlock()
	c.poke()
}

// ack records that f has handled b.
func (c *Coordinator) ack(f *Fragment, b Barrier) {
	c.mu.Lock()
	if c.inflight != nil && c.inflight.barrier.Epoch == b.Epoch {
		delete(c.inflight.pending, f)
	}
	c.mu.Unlock()
	c.poke()
}

// poke wakes the loop.
func (c *Coordinator) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Committed returns the last committed epoch.
func (c *Coordinator) Committed() Epoch {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.committed
}

// notifyLocked wakes every goroutine waiting for a change.
func (c *Coordinator) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// waitFor blocks until cond (called with c.mu held) is true, the
// coordinator stops, or ctx is done.
func (c *Coordinator) waitFor(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		if cond() {
			c.mu.Unlock()
			return nil
		}
		if c.stopped {
			err := c.stopErr
			c.mu.Unlock()
			if err == nil {
				return ErrCoordinatorStopped
			}
			return fmt.Errorf("%w: %w", ErrCoordinatorStopped, err)
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Flush injects a barrier now (or, when an epoch is in flight, as soon as it
// has committed) and returns the committed epoch once an epoch that started
// after the call has committed. Concurrent Flush calls share epochs.
func (c *Coordinator) Flush(ctx context.Context) (Epoch, error) {
	c.mu.Lock()
	target := c.committed + 1
	if c.inflight != nil {
		target = c.inflight.barrier.Epoch + 1
	}
	if target > c.flushTarget {
		c.flushTarget = target
	}
	c.mu.Unlock()
	c.poke()
	var e Epoch
	err := c.waitFor(ctx, func() bool { e = c.committed; return c.committed >= target })
	return e, err
}

// Pause waits for the epoch in flight to commit and holds the next barrier
// until resume is called: topology changes (adding fragments, subscribers)
// happen between the two. Pauses nest; resume is idempotent.
func (c *Coordinator) Pause(ctx context.Context) (resume func(), err error) {
	c.mu.Lock()
	c.paused++
	c.mu.Unlock()
	var once sync.Once
	resume = func() {
		once.Do(func() {
			c.mu.Lock()
			c.paused--
			c.mu.Unlock()
			c.poke()
		})
	}
	if err := c.waitFor(ctx, func() bool { return c.inflight == nil }); err != nil {
		resume()
		return nil, err
	}
	return resume, nil
}

// Stop sends a Stop barrier through every root, waits for it to commit and
// for every fragment registered at the time of the call to end.
func (c *Coordinator) Stop(ctx context.Context) error {
	c.mu.Lock()
	if !c.started {
		c.mu.Unlock()
		return errors.New("exec: coordinator not started")
	}
	c.stopReq = true
	frags := make([]*Fragment, 0, len(c.frags))
	for f := range c.frags {
		frags = append(frags, f)
	}
	c.mu.Unlock()
	c.poke()
	select {
	case <-c.loopEnd:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.mu.Lock()
	err := c.stopErr
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("exec: stop: %w", err)
	}
	for _, f := range frags {
		select {
		case <-f.Done():
		case <-ctx.Done():
			return fmt.Errorf("exec: stop: waiting for fragment %s: %w", f.Name(), ctx.Err())
		}
	}
	return nil
}

// loop is the coordinator goroutine.
func (c *Coordinator) loop(ctx context.Context) {
	ticker := time.NewTicker(c.opts.Interval)
	defer ticker.Stop()
	defer close(c.loopEnd)
	for {
		var tick bool
		select {
		case <-ctx.Done():
			c.mu.Lock()
			c.stopped = true
			c.stopErr = ctx.Err()
			c.notifyLocked()
			c.mu.Unlock()
			return
		case <-ticker.C:
			tick = true
		case <-c.wake:
		}
		if done := c.step(ctx, tick); done {
			return
		}
	}
}

// step commits the epoch in flight if every fragment acknowledged it, and
// starts the next one when it is due. It reports whether the loop is over.
func (c *Coordinator) step(ctx context.Context, tick bool) bool {
	c.mu.Lock()
	if st := c.inflight; st != nil {
		if len(st.pending) > 0 || (st.commitErr != nil && !tick) {
			c.mu.Unlock()
			return false
		}
		c.mu.Unlock()
		err := c.commit(ctx, st.barrier.Epoch)
		if fn := c.opts.OnEpochCommitted; fn != nil && err == nil {
			fn(st.barrier.Epoch, time.Since(st.barrier.Time))
		}
		c.mu.Lock()
		if err != nil {
			st.commitErr = err
			c.mu.Unlock()
			c.log.Error("epoch commit failed; retrying on the next tick", "epoch", st.barrier.Epoch, "err", err)
			return false
		}
		c.committed = st.barrier.Epoch
		c.inflight = nil
		if st.barrier.Kind == Stop {
			c.stopped = true
			c.notifyLocked()
			c.mu.Unlock()
			return true
		}
		c.notifyLocked()
		// Flush waiters may want the next epoch at once.
		tick = false
	}
	due := c.stopReq || c.flushTarget > c.committed || (tick && len(c.frags) > 0)
	if !due || (c.paused > 0 && !c.stopReq) {
		c.mu.Unlock()
		return false
	}
	b := Barrier{Epoch: c.committed + 1, Kind: Checkpoint, Drain: c.flushTarget > c.committed, Time: c.opts.Now()}
	if c.stopReq {
		b.Kind = Stop
	}
	st := &epochState{barrier: b, pending: make(map[*Fragment]struct{}, len(c.frags))}
	for f := range c.frags {
		st.pending[f] = struct{}{}
	}
	roots := make([]*Fragment, 0, len(c.roots))
	for f := range c.roots {
		roots = append(roots, f)
	}
	c.inflight = st
	c.notifyLocked()
	c.mu.Unlock()
	for _, f := range roots {
		if err := f.InjectBarrier(ctx, b); err != nil {
			// An ended fragment is removed by its watcher.
			c.log.Warn("could not inject barrier", "fragment", f.Name(), "epoch", b.Epoch, "err", err)
			if errors.Is(err, ErrFragmentEnded) {
				c.Remove(f)
			}
		}
	}
	c.poke()
	return false
}

// commit calls the Commit callback, turning a panic into an error.
func (c *Coordinator) commit(ctx context.Context, e Epoch) (err error) {
	if c.opts.Commit == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("exec: commit of epoch %d panicked: %v", e, p)
		}
	}()
	return c.opts.Commit(ctx, e)
}
