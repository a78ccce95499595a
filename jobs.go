package weir

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// job is the running dataflow of a table or view: one fragment whose last
// operator materializes the relation and whose Broadcast feeds the views
// over it.
type job struct {
	obj *catalog.Object
	// frag is the job's last fragment: its Broadcast feeds the views over
	// the job, and mat (or the sink's operator) runs in it.
	frag *exec.Fragment
	// frags are all the job's fragments, frag last: with parallelism, the
	// exchange in front of the aggregate, then the aggregate's instances.
	frags []*exec.Fragment
	// parallelism is how many instances the job's aggregate runs as.
	parallelism int
	src         *guardedSource    // the source of a view over a stream
	stream      *catalog.Object   // the stream src reads
	mat         *ops.Materialize  // nil for a sink
	sink        *sinkDriver       // a sink's delivery
	input       chan exec.Message // the subscription to the upstream job, if any
	up          *job
	cancel      context.CancelFunc
	root        bool
	// A table's position in the write log (table_log.go).
	tableLogState
}

// wait returns once every fragment of j has stopped.
func (j *job) wait() {
	for _, f := range j.frags {
		<-f.Done()
	}
}

// stopped reports whether every fragment of j has stopped (then failure
// is final: a fragment stores its error before it reports done).
func (j *job) stopped() bool {
	for _, f := range j.frags {
		select {
		case <-f.Done():
		default:
			return false
		}
	}
	return true
}

// failure returns the error a fragment of j stopped with (nil while they
// run, or after a clean stop).
func (j *job) failure() error {
	for _, f := range j.frags {
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

// stateStore adapts the state store to the runtime's StateStore.
type stateStore struct{ *statestore.Store }

func (s stateStore) NewWriter() exec.CommittableWriter { return s.NewWriteBatch() }

// subscriptionBuffer is the capacity of the channel from a job to a view over it.
const subscriptionBuffer = 16

// restartJobs starts the dataflow of every table and view of the catalog,
// upstream ones first.
func (e *Engine) restartJobs(ctx context.Context) error {
	if err := e.loadFailures(); err != nil {
		return fmt.Errorf("read failed dataflows: %w", err)
	}
	started := map[string]bool{}
	objs := e.cat.List(0)
	for len(started) < len(objs) {
		progress := false
		for _, o := range objs {
			if started[o.Name] {
				continue
			}
			ready := true
			for _, u := range o.Uses {
				if !started[u] {
					ready = false
				}
			}
			if !ready {
				continue
			}
			started[o.Name], progress = true, true
			if err := e.startObject(ctx, o, false); err != nil {
				return fmt.Errorf("restart %s %s: %w", o.Kind, o.Name, err)
			}
		}
		if !progress {
			return fmt.Errorf("catalog has a dependency cycle")
		}
	}
	return nil
}

// startObject starts the dataflow of a table or view (streams have none of
// their own: each view over a stream reads it). backfill is false on restart,
// when the view's state already holds what its upstream had.
func (e *Engine) startObject(ctx context.Context, o *catalog.Object, backfill bool) error {
	if halted, err := e.haltAtStart(o, backfill); halted || err != nil {
		return err
	}
	switch o.Kind {
	case catalog.Table:
		return e.startJob(ctx, o, nil, backfill)
	case catalog.View:
		stmt, err := sql.ParseOne(o.Definition)
		if err != nil {
			return err
		}
		cv, ok := stmt.(*sql.CreateView)
		if !ok {
			return fmt.Errorf("definition of %s is not CREATE MATERIALIZED VIEW", o.Name)
		}
		node, err := planner.NewBinder(e.cat, nil).BindSelect(cv.Query)
		if err != nil {
			return err
		}
		plan, err := planner.PlanStream(node)
		if err != nil {
			return err
		}
		return e.startJob(ctx, o, plan, backfill)
	case catalog.Sink:
		if _, ok := e.processFuncs.Load(o.Name); !ok && o.Options["connector"] == goConnector {
			// A Process: it runs once a program calls Engine.Process.
			return nil
		}
		plan, err := e.sinkPlan(o)
		if err != nil {
			return err
		}
		return e.startJob(ctx, o, plan, backfill)
	}
	return nil
}

// startJob builds and runs the fragment of o. It must be called with the
// coordinator paused, so that no epoch is in flight while the topology changes.
func (e *Engine) startJob(ctx context.Context, o *catalog.Object, plan *planner.StreamPlan, backfill bool) error {
	j := &job{obj: o, parallelism: 1}
	var chain []exec.Operator
	var par *instances
	spec := exec.FragmentSpec{Name: o.Name, State: stateStore{e.store}, Mem: e.mem, Logger: e.log}
	if plan != nil {
		// State tables: the rows first, then each aggregate's, the source
		// last.
		ttl, err := e.viewTTL(o)
		if err != nil {
			return err
		}
		tables := o.StateTables[1 : len(o.StateTables)-1]
		chain = e.planOperators(plan, tables, ttl)
		if n := parallelism(o.Options, plan); n > 1 {
			par = e.planInstances(plan, tables, ttl, n)
			chain, j.parallelism = par.pre, n
		}
		switch in := plan.Input; in.Kind {
		case catalog.Stream:
			src, err := e.newSource(in, o.Name, o.StateTables[len(o.StateTables)-1])
			if err != nil {
				return err
			}
			spec.Source = src
			j.src, j.stream = src, in
			j.root = true
		default:
			e.mu.Lock()
			up := e.jobs[in.Name]
			e.mu.Unlock()
			if up == nil {
				return fmt.Errorf("%s %s is not running", in.Kind, in.Name)
			}
			j.up = up
			j.input = make(chan exec.Message, subscriptionBuffer)
			spec.Inputs = []<-chan exec.Message{j.input}
		}
	} else {
		j.root = true
	}
	conflict := ops.Overwrite
	if o.Kind == catalog.Table {
		conflict = ops.ErrorOnConflict
	}
	var last exec.Operator
	if o.Kind == catalog.Sink {
		op, d, err := e.sinkOperator(o, plan)
		if err != nil {
			return err
		}
		j.sink, last = d, op
	} else {
		j.mat = ops.NewMaterialize(e.mem, o.RowTable(), o.Name, o.FullSchema(), o.Key, conflict)
		last = j.mat
	}
	if o.Kind == catalog.Table {
		chain = append(chain, &lsnMarker{j: j, key: lsnKey(o.RowTable())})
		if backfill {
			// A new table holds every record logged so far (none is its):
			// a replay must not give it the records of a dropped table
			// whose id it reuses.
			j.applied.Store(e.lastLSN())
		}
	}
	if par == nil {
		spec.Ops = append(chain, last)
		j.frag = exec.NewFragment(spec)
		j.frags = []*exec.Fragment{j.frag}
	} else {
		j.frags = par.fragments(spec, last, stateStore{e.store}, e.mem, e.log)
		j.frag = j.frags[len(j.frags)-1]
	}

	runCtx, cancel := context.WithCancel(e.ctx)
	j.cancel = cancel
	for _, f := range j.frags {
		go func() {
			if err := f.Run(runCtx); err != nil && runCtx.Err() == nil {
				e.log.Error("dataflow stopped", "object", o.Name, "fragment", f.Name(), "err", err)
				e.recordFailure(o, err)
				// One fragment of a parallel job cannot go on without the
				// others (the exchange would block on its input): stop all.
				cancel()
				e.unsubscribe(j.up, j.input)
			}
		}()
	}
	if j.root {
		e.coord.AddRoot(j.frags[0])
	}
	for _, f := range j.frags {
		e.coord.AddFragment(f)
	}
	if j.up != nil {
		if err := j.up.subscribe(ctx, e.mem, j.input, backfill); err != nil {
			e.stopJob(j)
			return err
		}
	}
	e.mu.Lock()
	e.jobs[o.Name] = j
	e.mu.Unlock()
	if j.sink != nil {
		j.sink.start()
	}
	e.runningAgain(o)
	return nil
}

// subscribe adds input to the outputs of job j: with backfill, j's current
// rows first (as inserts), then every later change, with no gap: both
// happen inside j's goroutine, between two of its messages.
func (j *job) subscribe(ctx context.Context, mem memory.Allocator, input chan exec.Message, backfill bool) error {
	if j.frag == nil {
		return sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "%s %s is not running", j.obj.Kind, j.obj.Name)
	}
	return j.frag.Do(ctx, func(ctx context.Context, _ exec.Output) error {
		if backfill {
			if err := j.mat.Snapshot(ctx, mem, 1024, func(c exec.Chunk) error {
				select {
				case input <- exec.Message{Chunk: c}:
					return nil
				case <-ctx.Done():
					c.Release()
					return ctx.Err()
				}
			}); err != nil {
				return err
			}
		}
		j.frag.Output().Add(input)
		return nil
	})
}

// removeOutput removes input from the outputs of job j, inside j's
// goroutine.
func (j *job) removeOutput(ctx context.Context, input chan exec.Message) {
	if j.frag == nil {
		return
	}
	_ = j.frag.Do(ctx, func(context.Context, exec.Output) error {
		j.frag.Output().Remove(input)
		return nil
	})
}

// unsubscribe removes input (a failed job's, or a subscription's) from the
// outputs of its upstream job up, so that the upstream (and every epoch, FLUSH and DML waiting on it) never
// blocks on a channel nobody reads. Until the removal has happened inside the
// upstream's goroutine, what the upstream sends is read and released here.
func (e *Engine) unsubscribe(up *job, input chan exec.Message) {
	if up == nil {
		return
	}
	removed := make(chan struct{})
	go func() {
		for {
			select {
			case m := <-input:
				m.Chunk.Release()
			case <-removed:
				for {
					select {
					case m := <-input:
						m.Chunk.Release()
					default:
						return
					}
				}
			}
		}
	}()
	up.removeOutput(e.ctx, input)
	close(removed)
}

// aggTables is how many state tables an aggregate owns: its results, the
// value multisets of min/max, and the expiry of its groups under a TTL.
// Views made before the TTL own two (no expiry table; they cannot expire).
const aggTables = 3

// planOperators returns the operators of plan's steps. tables are the
// aggregates' state tables, aggTables each in order (or two each: a view
// from before TTLs). ttl, when positive, expires their groups.
func (e *Engine) planOperators(plan *planner.StreamPlan, tables []statestore.TableID, ttl time.Duration) []exec.Operator {
	chain, _ := e.planInstance(plan, tables, ttl, 0, 1)
	return chain
}

// planInstance returns the operators of plan's steps with the aggregates
// as instance of instances, and the index in the chain of the last
// aggregate (-1 when there is none).
func (e *Engine) planInstance(plan *planner.StreamPlan, tables []statestore.TableID, ttl time.Duration, instance, instances int) ([]exec.Operator, int) {
	var chain []exec.Operator
	agg := -1
	per, next := aggTables, 0
	if n := plan.NumAggregates(); n > 0 && len(tables) == 2*n {
		per, ttl = 2, 0
	}
	for _, s := range plan.Steps {
		switch s := s.(type) {
		case *planner.FilterStep:
			chain = append(chain, ops.NewFilter(e.mem, s.Pred))
		case *planner.ProjectStep:
			chain = append(chain, ops.NewProject(e.mem, s.Exprs, colNames(s.Cols)))
		case *planner.AggregateStep:
			spec := ops.HashAggSpec{
				GroupKeys:    seq(s.NumGroup),
				KeyTypes:     s.KeyTypes,
				Aggs:         s.Aggs,
				AppendOnly:   s.AppendOnly,
				ResultTable:  tables[next],
				MinMaxTable:  tables[next+1],
				OutputSchema: colsSchema(s.Cols),
				Instance:     instance,
				Instances:    instances,
			}
			if per == aggTables {
				spec.TTL, spec.ExpiryTable = ttl, tables[next+2]
			}
			agg = len(chain)
			chain = append(chain, ops.NewHashAgg(spec, e.mem))
			next += per
		}
	}
	return chain, agg
}

// viewTTL returns the TTL of view o's groups: its ttl option, else the
// server's state_timeout_ms (0: none).
func (e *Engine) viewTTL(o *catalog.Object) (time.Duration, error) {
	if v, ok := o.Options["ttl"]; ok {
		d, err := expr.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("view %s: option ttl: %w", o.Name, err)
		}
		return d, nil
	}
	return e.cfg.State.stateTimeout(), nil
}

// stopJob ends a job's dataflow: it is unsubscribed from its upstream and its
// fragment stopped. Called with the coordinator paused.
func (e *Engine) stopJob(j *job) {
	if j.up != nil {
		j.up.removeOutput(e.ctx, j.input)
	}
	for _, f := range j.frags {
		e.coord.Remove(f)
	}
	j.cancel()
	j.wait()
	if j.sink != nil {
		j.sink.stop(e.ctx, false)
	}
	e.mu.Lock()
	if e.jobs[j.obj.Name] == j {
		delete(e.jobs, j.obj.Name)
	}
	e.mu.Unlock()
}

// newSource returns the source that reads stream s for view.
func (e *Engine) newSource(s *catalog.Object, view string, table statestore.TableID) (*guardedSource, error) {
	conn, ok := connectors[s.Options["connector"]]
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "connector %q is not supported", s.Options["connector"])
	}
	policy, err := parseErrorPolicy(s.Options)
	if err != nil {
		return nil, err
	}
	g := &guardedSource{name: s.Name, policy: policy, prefix: deadLetterPrefix(table)}
	src, err := conn.newSource(e, s, connectorOptions(s.Options), statestore.AppendKey(nil, table, 0, []byte("offset")), e.errors.sink(s.Name, view, g))
	if err != nil {
		return nil, err
	}
	g.Source = src
	return g, nil
}

// deadLetterPrefix is where the source state table holds dead letters.
func deadLetterPrefix(table statestore.TableID) []byte {
	return statestore.AppendKey(nil, table, 0, []byte("dlq/"))
}

func colNames(cols []planner.Col) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func colsSchema(cols []planner.Col) types.Schema {
	out := make(types.Schema, len(cols))
	for i, c := range cols {
		out[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return out
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
