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
	once   sync.Once
	err    error
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
	e.ddl.Lock()
	defer e.ddl.Unlock()
	node, err := planner.NewBinder(e.cat, nil).BindSelect(sel)
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
	s := &Subscription{e: e, name: fmt.Sprintf("subscription-%d", subscriptionSeq.Add(1))}
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
	defer resume()
	s.j = newJob(&catalog.Object{Name: s.name, Kind: catalog.Sink})
	if err := e.build(s.j, plan, tables, chunkCallback(fn), 1, e.cfg.State.stateTimeout()); err != nil {
		return nil, err
	}
	// Over a table or view: its current rows first, then every change,
	// from its job's goroutine, so that nothing falls in between. A
	// subscription is not found by name.
	if err := e.jobs.Start(ctx, s.j, false, true, func(f *exec.Fragment, err error) {
		e.log.Error("subscription stopped", "subscription", s.name, "fragment", f.Name(), "err", err)
	}); err != nil {
		return nil, err
	}
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
func (s *Subscription) Err() error { return s.j.Failure() }

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
	s.once.Do(func() {
		e := s.e
		resume, err := e.coord.Pause(ctx)
		if err == nil {
			defer resume()
		}
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
