package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"runtime/debug"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// sourcePollInterval is how long a root fragment waits after its source
// returned ErrNoData before asking again (unless a barrier or a Do request
// arrives first).
const sourcePollInterval = 20 * time.Millisecond

// drainBudget bounds how long a root reads its source for a Drain barrier:
// a source that always has data (a generator at full speed, a busy topic)
// must not hold a FLUSH forever.
const drainBudget = 2 * time.Second

// ErrFragmentEnded is returned by InjectBarrier and Do when the fragment has
// stopped running.
var ErrFragmentEnded = errors.New("exec: fragment has ended")

// FragmentSpec describes a fragment: where its input comes from and the chain
// of operators it runs.
type FragmentSpec struct {
	// Name names the fragment in logs and errors.
	Name string
	// Source is the input of a root fragment (nil for a root fed only by Do,
	// such as a table written by DML).
	Source Source
	// Inputs are the upstream channels of a non-root fragment; chunks from
	// Inputs[i] reach op 0 as input i, and barriers are aligned across them.
	Inputs []<-chan Message
	// Ops are chained: op i's output is op i+1's input 0, and the last op's
	// output is the fragment's Broadcast.
	Ops []Operator
	// State is where operators read committed state when they open and
	// write their dirty state at each barrier (nil: state is discarded).
	State StateStore
	// Mem is the allocator of the fragment's operators (informational: the
	// operators are built with it).
	Mem memory.Allocator
	// Split, if set, makes the fragment's output an exchange: each chunk
	// is divided among the subscribers of its Broadcast, which are the
	// parallel instances downstream (subscriber i gets part i), instead of
	// being sent to all.
	Split Splitter
	// OnEpoch, if set, is called after the fragment committed its state for
	// b and forwarded b downstream.
	OnEpoch func(b Barrier)
	// Logger receives the fragment's errors (slog.Default when nil).
	Logger *slog.Logger
}

// Fragment runs a chain of operators in one goroutine (Run). Every other
// method is safe to call from any goroutine.
type Fragment struct {
	spec     FragmentSpec
	out      *Broadcast
	log      *slog.Logger
	barriers chan Barrier
	doReqs   chan *doRequest
	done     chan struct{}

	mu        sync.Mutex
	err       error
	listeners []func(Barrier)
	ran       bool
	// aligned are called with the alignment time of every barrier of a
	// fragment with two inputs or more.
	aligned []func(time.Duration)

	// outputs[i] is op i's Output: op i+1, or the Broadcast for the last op.
	outputs []Output
	// input0 pushes into op 0 (or the Broadcast when there is no op).
	input0 Output
}

type doRequest struct {
	ctx   context.Context
	fn    func(ctx context.Context, in Output) error
	reply chan error
}

// NewFragment returns a fragment for spec; Run starts it.
func NewFragment(spec FragmentSpec) *Fragment {
	f := &Fragment{
		spec:     spec,
		out:      &Broadcast{split: spec.Split},
		log:      spec.Logger,
		barriers: make(chan Barrier, 4),
		doReqs:   make(chan *doRequest),
		done:     make(chan struct{}),
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	f.log = f.log.With("fragment", spec.Name)
	f.outputs = make([]Output, len(spec.Ops))
	for i := range spec.Ops {
		if i+1 < len(spec.Ops) {
			f.outputs[i] = &chainOutput{f: f, op: i + 1}
		} else {
			f.outputs[i] = f.out
		}
	}
	if len(spec.Ops) > 0 {
		f.input0 = &chainOutput{f: f, op: 0}
	} else {
		f.input0 = f.out
	}
	return f
}

// Name returns the fragment's name.
func (f *Fragment) Name() string { return f.spec.Name }

// Output returns the Broadcast that receives the last op's output. Subscribe
// to it before Run, or from inside Do.
func (f *Fragment) Output() *Broadcast { return f.out }

// Done is closed when Run has returned.
func (f *Fragment) Done() <-chan struct{} { return f.done }

// Err returns the error Run ended with (nil while running or after a clean end).
func (f *Fragment) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// addEpochListener registers fn to be called after OnEpoch for every barrier.
func (f *Fragment) addEpochListener(fn func(Barrier)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listeners = append(f.listeners, fn)
}

// addAlignListener registers fn to be called, from the fragment goroutine,
// with the alignment time of every barrier when the fragment has two inputs
// or more: from the first input delivering the barrier until all had.
func (f *Fragment) addAlignListener(fn func(time.Duration)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aligned = append(f.aligned, fn)
}

// InjectBarrier hands b to a root fragment, which takes it between two calls
// of its source's Next. It does not wait for b to be handled.
func (f *Fragment) InjectBarrier(ctx context.Context, b Barrier) error {
	if len(f.spec.Inputs) > 0 {
		return fmt.Errorf("exec: fragment %s has inputs: barriers reach it through them", f.spec.Name)
	}
	select {
	case <-f.done:
		return ErrFragmentEnded
	default:
	}
	select {
	case f.barriers <- b:
		return nil
	case <-f.done:
		return ErrFragmentEnded
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Do runs fn inside the fragment goroutine between two messages and returns
// fn's error. in pushes chunks into op 0 (input 0); the chunk's reference is
// handed over. An error from fn goes back to the caller only; a panic in fn
// is returned as an error and ends the fragment, whose state can no longer
// be trusted.
func (f *Fragment) Do(ctx context.Context, fn func(ctx context.Context, in Output) error) error {
	r := &doRequest{ctx: ctx, fn: fn, reply: make(chan error, 1)}
	select {
	case f.doReqs <- r:
	case <-f.done:
		return ErrFragmentEnded
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.reply:
		return err
	case <-f.done:
		select {
		case err := <-r.reply:
			return err
		default:
			return ErrFragmentEnded
		}
	}
}

// Run runs the fragment until a Stop barrier has been handled, every input
// has closed, or ctx is done (then it returns ctx's error). An operator's
// error, or a panic inside an operator, ends it with an error naming the
// fragment and the operator. Run closes the subscriber channels of the
// fragment's Broadcast when it returns, and may be called once.
func (f *Fragment) Run(ctx context.Context) (err error) {
	f.mu.Lock()
	if f.ran {
		f.mu.Unlock()
		return fmt.Errorf("exec: fragment %s already ran", f.spec.Name)
	}
	f.ran = true
	f.mu.Unlock()
	defer func() {
		if cerr := f.closeAll(); err == nil {
			err = cerr
		}
		f.out.Close()
		if err != nil && !errors.Is(err, context.Canceled) {
			f.log.Error("fragment failed", "err", err)
		}
		f.mu.Lock()
		f.err = err
		f.mu.Unlock()
		close(f.done)
	}()
	if err := f.open(ctx); err != nil {
		return err
	}
	if len(f.spec.Inputs) > 0 {
		return f.runInputs(ctx)
	}
	return f.runRoot(ctx)
}

func (f *Fragment) open(ctx context.Context) error {
	oc := OpenContext{State: f.spec.State}
	if f.spec.Source != nil {
		if err := f.guard(-1, func() error { return f.spec.Source.Open(ctx, oc) }); err != nil {
			return err
		}
	}
	for i, op := range f.spec.Ops {
		if o, ok := op.(Opener); ok {
			if err := f.guard(i, func() error { return o.Open(ctx, oc) }); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *Fragment) closeAll() error {
	var errs []error
	if f.spec.Source != nil {
		errs = append(errs, f.guard(-1, f.spec.Source.Close))
	}
	for i, op := range f.spec.Ops {
		if c, ok := op.(Closer); ok {
			errs = append(errs, f.guard(i, c.Close))
		}
	}
	return errors.Join(errs...)
}

// runRoot is the loop of a fragment without inputs: source chunks, injected
// barriers and Do requests, barriers and requests first.
func (f *Fragment) runRoot(ctx context.Context) error {
	src := f.spec.Source
	srcDone := src == nil
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case b := <-f.barriers:
			if b.Drain && !srcDone {
				done, err := f.drain(ctx)
				if err != nil {
					return err
				}
				srcDone = done
			}
			if stop, err := f.handleBarrier(ctx, b); stop || err != nil {
				return err
			}
			continue
		case r := <-f.doReqs:
			if err := f.handleDo(r); err != nil {
				return err
			}
			continue
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		wait := srcDone
		if !srcDone {
			var c Chunk
			err := f.guard(-1, func() error {
				var err error
				c, err = src.Next(ctx)
				return err
			})
			switch {
			case err == nil:
				if err := f.processChunk(ctx, 0, c); err != nil {
					return err
				}
				if err := f.sourceWatermarks(ctx); err != nil {
					return err
				}
				continue
			case errors.Is(err, ErrNoData):
				if err := f.sourceWatermarks(ctx); err != nil {
					return err
				}
				timer.Reset(sourcePollInterval)
			case errors.Is(err, io.EOF):
				// The last call may have raised the watermark (a split
				// gone idle): it is pushed before the source counts as
				// done.
				if err := f.sourceWatermarks(ctx); err != nil {
					return err
				}
				srcDone = true
				wait = true
			default:
				return err
			}
		}
		var tick <-chan time.Time
		if !wait {
			tick = timer.C
		}
		select {
		case b := <-f.barriers:
			timer.Stop()
			if b.Drain && !srcDone {
				done, err := f.drain(ctx)
				if err != nil {
					return err
				}
				srcDone = done
			}
			if stop, err := f.handleBarrier(ctx, b); stop || err != nil {
				return err
			}
		case r := <-f.doReqs:
			timer.Stop()
			if err := f.handleDo(r); err != nil {
				return err
			}
		case <-tick:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// drain processes the chunks the root's source has available now, until it
// returns ErrNoData or io.EOF (then done is true) or drainBudget has passed.
func (f *Fragment) drain(ctx context.Context) (done bool, err error) {
	src := f.spec.Source
	deadline := time.Now().Add(drainBudget)
	for time.Now().Before(deadline) {
		var c Chunk
		err := f.guard(-1, func() error {
			var err error
			c, err = src.Next(ctx)
			return err
		})
		switch {
		case err == nil:
			if err := f.processChunk(ctx, 0, c); err != nil {
				return false, err
			}
			if err := f.sourceWatermarks(ctx); err != nil {
				return false, err
			}
		case errors.Is(err, ErrNoData):
			return false, f.sourceWatermarks(ctx)
		case errors.Is(err, io.EOF):
			return true, f.sourceWatermarks(ctx)
		default:
			return false, err
		}
	}
	return false, nil
}

// runInputs is the loop of a fragment with inputs: messages in arrival
// order with barriers aligned, and Do requests between messages.
func (f *Fragment) runInputs(ctx context.Context) error {
	a := newBarrierAligner(f.spec.Inputs)
	wms := newWatermarkMerge(len(f.spec.Inputs))
	_, perInput := f.firstOp().(PerInputWatermarks)
	extra := reflect.ValueOf(f.doReqs)
	for {
		ev, err := a.next(ctx, extra)
		if err != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("exec: fragment %s: %w", f.spec.Name, err)
			}
			return err
		}
		switch {
		case ev.Done:
			return nil
		case ev.Extra.IsValid():
			if err := f.handleDo(ev.Extra.Interface().(*doRequest)); err != nil {
				return err
			}
		case ev.Msg.Barrier != nil:
			if len(f.spec.Inputs) > 1 {
				f.mu.Lock()
				aligned := f.aligned
				f.mu.Unlock()
				for _, fn := range aligned {
					fn(ev.Aligned)
				}
			}
			if stop, err := f.handleBarrier(ctx, *ev.Msg.Barrier); stop || err != nil {
				return err
			}
		case ev.Ended:
			if perInput {
				continue
			}
			for _, low := range wms.recheck(a.ended) {
				if err := f.watermarkInto(ctx, 0, low); err != nil {
					return err
				}
			}
		case ev.Msg.Watermark != nil:
			w := *ev.Msg.Watermark
			if perInput {
				if wms.rising(ev.Input, w) {
					if err := f.watermarkInto(ctx, ev.Input, w); err != nil {
						return err
					}
				}
				continue
			}
			if low, ok := wms.observe(ev.Input, w, a.ended); ok {
				if err := f.watermarkInto(ctx, 0, low); err != nil {
					return err
				}
			}
		default:
			err := f.processChunk(ctx, ev.Input, ev.Msg.Chunk)
			if err != nil {
				return err
			}
		}
	}
}

// processChunk hands c (owned) to op 0 as input input, then releases it.
func (f *Fragment) processChunk(ctx context.Context, input int, c Chunk) error {
	if len(f.spec.Ops) == 0 {
		return f.out.Push(ctx, c)
	}
	defer c.Release()
	return f.callOp(ctx, 0, input, c)
}

func (f *Fragment) callOp(ctx context.Context, i, input int, c Chunk) error {
	return f.guard(i, func() error {
		return f.spec.Ops[i].ProcessChunk(ctx, input, c, f.outputs[i])
	})
}

// firstOp returns op 0, nil when the fragment runs no operator.
func (f *Fragment) firstOp() Operator {
	if len(f.spec.Ops) == 0 {
		return nil
	}
	return f.spec.Ops[0]
}

// sourceWatermarks pushes the watermarks the root's source has generated
// since it was last asked (WatermarkSource) into op 0.
func (f *Fragment) sourceWatermarks(ctx context.Context) error {
	ws, ok := f.spec.Source.(WatermarkSource)
	if !ok {
		return nil
	}
	var wms []Watermark
	if err := f.guard(-1, func() error { wms = ws.TakeWatermarks(); return nil }); err != nil {
		return err
	}
	for _, w := range wms {
		if err := f.watermarkInto(ctx, 0, w); err != nil {
			return err
		}
	}
	return nil
}

// watermarkInto hands w, of input input, to op 0 (to the Broadcast when
// the fragment runs no operator).
func (f *Fragment) watermarkInto(ctx context.Context, input int, w Watermark) error {
	if len(f.spec.Ops) == 0 {
		return f.out.PushWatermark(ctx, w)
	}
	return f.callWatermark(ctx, 0, input, w)
}

// callWatermark hands w to op i, which drops it unless it is a
// WatermarkHandler.
func (f *Fragment) callWatermark(ctx context.Context, i, input int, w Watermark) error {
	h, ok := f.spec.Ops[i].(WatermarkHandler)
	if !ok {
		return nil
	}
	return f.guard(i, func() error { return h.OnWatermark(ctx, input, w, f.outputs[i]) })
}

// chainOutput is op i-1's Output: it hands each chunk to op i.
type chainOutput struct {
	f  *Fragment
	op int
}

func (o *chainOutput) Push(ctx context.Context, c Chunk) error {
	defer c.Release()
	if c.NumRows() == 0 {
		return nil
	}
	return o.f.callOp(ctx, o.op, 0, c)
}

// PushWatermark hands w to op i.
func (o *chainOutput) PushWatermark(ctx context.Context, w Watermark) error {
	return o.f.callWatermark(ctx, o.op, 0, w)
}

// handleBarrier writes every op's state for b into one writer, commits it,
// forwards b and acknowledges it. It reports whether b stops the fragment.
func (f *Fragment) handleBarrier(ctx context.Context, b Barrier) (stop bool, err error) {
	var w CommittableWriter = discardWriter{}
	if f.spec.State != nil {
		w = f.spec.State.NewWriter()
	}
	defer w.Close()
	if src := f.spec.Source; src != nil {
		if err := f.guard(-1, func() error { return src.OnBarrier(ctx, b, w) }); err != nil {
			return false, err
		}
	}
	for i, op := range f.spec.Ops {
		if h, ok := op.(BarrierHandler); ok {
			if err := f.guard(i, func() error { return h.OnBarrier(ctx, b, w, f.outputs[i]) }); err != nil {
				return false, err
			}
		}
	}
	if err := w.Commit(); err != nil {
		return false, fmt.Errorf("exec: fragment %s: commit state of epoch %d: %w", f.spec.Name, b.Epoch, err)
	}
	if err := f.out.Barrier(ctx, b); err != nil {
		return false, err
	}
	if f.spec.OnEpoch != nil {
		f.spec.OnEpoch(b)
	}
	f.mu.Lock()
	listeners := f.listeners
	f.mu.Unlock()
	for _, fn := range listeners {
		fn(b)
	}
	return b.Kind == Stop, nil
}

// handleDo runs a Do request. fn's error goes back to the caller; a panic
// (in fn or in an operator fn pushed to) also ends the fragment.
func (f *Fragment) handleDo(r *doRequest) error {
	var panicked error
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				panicked = f.panicError(-2, p)
				err = panicked
			}
		}()
		return r.fn(r.ctx, f.input0)
	}()
	r.reply <- err
	var oe *operatorError
	if panicked == nil && errors.As(err, &oe) && oe.panicked {
		panicked = err
	}
	return panicked
}

// guard calls fn and turns a panic into an error naming the fragment and op
// i (-1: the source). An error from fn is wrapped with the same names.
func (f *Fragment) guard(i int, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = f.panicError(i, p)
		}
	}()
	if err := fn(); err != nil {
		var oe *operatorError
		if errors.As(err, &oe) || errors.Is(err, ErrNoData) || errors.Is(err, io.EOF) {
			return err
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return &operatorError{fragment: f.spec.Name, what: f.opName(i), err: err}
	}
	return nil
}

func (f *Fragment) opName(i int) string {
	switch {
	case i == -1:
		if n, ok := f.spec.Source.(interface{ Name() string }); ok {
			return "source " + n.Name()
		}
		return fmt.Sprintf("source (%T)", f.spec.Source)
	case i == -2:
		return "Do"
	}
	return fmt.Sprintf("operator %d (%T)", i, f.spec.Ops[i])
}

func (f *Fragment) panicError(i int, p any) error {
	f.log.Error("operator panicked", "operator", f.opName(i), "panic", p, "stack", string(debug.Stack()))
	return &operatorError{fragment: f.spec.Name, what: f.opName(i), err: fmt.Errorf("panic: %v", p), panicked: true}
}

// operatorError is an error that came out of (or a panic inside) one
// operator of a fragment.
type operatorError struct {
	fragment string
	what     string
	err      error
	panicked bool
}

func (e *operatorError) Error() string {
	return fmt.Sprintf("fragment %s: %s: %v", e.fragment, e.what, e.err)
}

func (e *operatorError) Unwrap() error { return e.err }

// discardWriter is the writer of a fragment without a state store.
type discardWriter struct{}

func (discardWriter) Set(key, value []byte) error     { return nil }
func (discardWriter) Delete(key []byte) error         { return nil }
func (discardWriter) DeleteRange(lo, hi []byte) error { return nil }
func (discardWriter) Commit() error                   { return nil }
func (discardWriter) Close()                          {}
