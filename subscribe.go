package weir

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// ChunkFunc receives the changes of a Subscription: a batch of rows, each
// with its op (insert, delete, or an update pair). The chunk is borrowed:
// it is valid only during the call; Retain its batch to keep it.
type ChunkFunc func(ctx context.Context, c exec.Chunk) error

// Subscription is a streaming query that runs like a materialized view (over
// a stream, a table or a view) but keeps none of its output: every change goes to a ChunkFunc
// (nothing at all, for a blackhole). Its operators keep their state and take
// part in the engine's epochs, so aggregates are maintained as in a view; a
// Subscription does not survive a restart, and Close drops its state.
type Subscription struct {
	e      *Engine
	name   string
	j      *job
	tables []statestore.TableID
	inputs []string // the relations its plan reads
	// released is set once the dataflow is stopped and the state deleted
	// (err: how that went); mu guards both.
	mu       sync.Mutex
	released bool
	err      error
	// ended is why the subscription was ended from outside (a DROP of what
	// it reads), nil otherwise.
	ended atomic.Pointer[error]
	// end, when set, is told why the subscription was ended from outside.
	end func(error)
}

// subscriptionSeq numbers subscriptions, to name them in logs and errors.
var subscriptionSeq atomic.Int64

// Subscribe starts query, a SELECT over one stream, table or view, of the
// kind a materialized view accepts, and calls fn, from one goroutine, with
// every change it produces until Close: over a table or view, its current
// rows first (as inserts), then each change as it commits. An error from fn
// stops the subscription (Err reports it).
func (e *Engine) Subscribe(ctx context.Context, query string, fn ChunkFunc) (*Subscription, error) {
	stmt, err := sql.ParseOne(query)
	if err != nil {
		return nil, err
	}
	sel, ok := stmt.(*sql.Select)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "a subscription runs a SELECT, not %T", stmt)
	}
	return e.startSubscription(ctx, subscriptionSpec{query: sel,
		last: func(*planner.StreamPlan) (exec.Operator, error) { return chunkCallback(fn), nil }})
}

// subscriptionSpec is what a subscription runs: its query, its last
// operator (made for its plan), what to do when its dataflow fails (nil:
// log it; Err reports it) and when a DROP ends it. With cutFirstEpoch, the
// epoch the subscription starts in (which holds its backfill) is cut and
// committed before startSubscription returns, so that every later change
// falls in a later epoch (SUBSCRIBE … WITH (SNAPSHOT = false) leaves the
// first epoch's rows out).
type subscriptionSpec struct {
	query         *sql.Select
	last          func(*planner.StreamPlan) (exec.Operator, error)
	failed        func(*Subscription, error)
	end           func(error)
	cutFirstEpoch bool
}

// startSubscription plans and starts a subscription.
func (e *Engine) startSubscription(ctx context.Context, spec subscriptionSpec) (*Subscription, error) {
	e.ddl.Lock()
	defer e.ddl.Unlock()
	node, err := planner.NewBinder(e.cat, nil).BindSelect(spec.query)
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanStream(node)
	if err != nil {
		return nil, err
	}
	// A relation whose dataflow has failed (or one it reads) has no changes
	// to follow: say why, as a query of it does.
	if ferr := e.failed.ReadErr(plan.InputNames()...); ferr != nil {
		return nil, ferr
	}
	last, err := spec.last(plan)
	if err != nil {
		return nil, err
	}
	s := &Subscription{e: e, name: fmt.Sprintf("subscription-%d", subscriptionSeq.Add(1)),
		inputs: plan.InputNames(), end: spec.end}
	// What its plan declares; it keeps no rows.
	if err := e.writeNow(func(w exec.StateWriter) error {
		s.tables, err = e.cat.AllocTables(w, dataflow.NumTables(plan))
		return err
	}); err != nil {
		return nil, err
	}
	tables, err := dataflow.Bind(plan, s.tables, catalog.LayoutDeclared)
	if err != nil {
		return nil, err
	}
	resume, err := e.coord.Pause(ctx)
	if err != nil {
		return nil, err
	}
	resumed := false
	defer func() {
		if !resumed {
			resume()
		}
	}()
	s.j = newJob(&catalog.Object{Name: s.name, Kind: catalog.Sink})
	if err := e.build(s.j, plan, tables, last, 1, e.cfg.State.stateTimeout()); err != nil {
		return nil, err
	}
	// Over a table or view: its current rows first, then every change,
	// from its job's goroutine, so that nothing falls in between (an
	// aggregate over them needs them all). A subscription is not found by
	// name.
	if err := e.jobs.Start(ctx, s.j, false, true, func(f *exec.Fragment, err error) {
		e.log.Error("subscription stopped", "subscription", s.name, "fragment", f.Name(), "err", err)
		if spec.failed != nil {
			spec.failed(s, err)
		}
	}); err != nil {
		return nil, err
	}
	resumed = true
	resume()
	if spec.cutFirstEpoch {
		if _, err := e.coord.Flush(ctx); err != nil {
			_ = s.Close(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	// A failure in the first epoch may have released s already (its
	// callback closes it): a released subscription must not be
	// registered, or a DROP would find it forever. release takes s.mu
	// before the registry's lock, as this does.
	s.mu.Lock()
	if !s.released {
		e.liveSubscriptions.add(s)
	}
	s.mu.Unlock()
	return s, nil
}

// Name names the subscription in logs and errors.
func (s *Subscription) Name() string { return s.name }

// Done is closed when the subscription has stopped: after Close or an
// error. (At the end of a bounded stream it keeps running, idle, until
// Close: Progress reports a lag of 0 then.)
func (s *Subscription) Done() <-chan struct{} { return s.j.Output().Done() }

// Err returns why the subscription stopped (nil while it runs or after a
// clean end).
func (s *Subscription) Err() error {
	if err := s.ended.Load(); err != nil {
		return *err
	}
	return s.j.Failure()
}

// Progress reports how far the subscription's source has read (a
// subscription over a table or view has no source: a lag of 0).
func (s *Subscription) Progress() exec.SourceProgress {
	if len(s.j.sources) == 0 {
		return exec.SourceProgress{Bytes: -1}
	}
	if p, ok := s.j.sources[0].src.Progress(); ok {
		return p
	}
	return exec.SourceProgress{Lag: -1, Bytes: -1}
}

// Close stops the subscription and drops its state. It is idempotent.
func (s *Subscription) Close(ctx context.Context) error {
	s.mu.Lock()
	released := s.released
	s.mu.Unlock()
	if released {
		return s.release()
	}
	resume, err := s.e.coord.Pause(ctx)
	if err == nil {
		defer resume()
	}
	return s.release()
}

// release stops the subscription's dataflow and deletes its state, once;
// the coordinator must be paused.
func (s *Subscription) release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.released {
		return s.err
	}
	s.released = true
	e := s.e
	e.liveSubscriptions.remove(s)
	e.stopJob(s.j)
	e.errors.Forget(s.name)
	s.err = e.writeNow(func(w exec.StateWriter) error {
		for _, t := range s.tables {
			lo, hi := statestore.TableSpan(t)
			if err := w.DeleteRange(lo, hi); err != nil {
				return err
			}
		}
		return nil
	})
	return s.err
}

// chunkCallback is the last operator of a subscription: it hands every
// chunk to fn and forwards nothing.
type chunkCallback ChunkFunc

func (f chunkCallback) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	if f == nil {
		return nil
	}
	return f(ctx, c)
}
