package weir

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/exec/checkpoints"
	"github.com/weir-stream/weir/exec/connector/file"
	"github.com/weir-stream/weir/exec/failures"
	"github.com/weir-stream/weir/exec/jobs"
	"github.com/weir-stream/weir/exec/metrics"
	"github.com/weir-stream/weir/exec/sourceguard"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/exec/txn"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// Engine is a running weir: the state store, the catalog, the dataflows that
// maintain tables and views, the epoch coordinator and the ad-hoc query layer.
// It is safe for concurrent use by many sessions; DDL is serialised.
type Engine struct {
	cfg    Config
	log    *slog.Logger
	mem    memory.Allocator
	store  *statestore.Store
	cat    *catalog.Catalog
	coord  *exec.Coordinator
	duck   *adhoc.Engine
	errors *sourceguard.ErrorCounts
	// cp writes checkpoints, in every checkpoint store (nil with backend
	// memory or checkpoints off); recovery says how the state was obtained
	// at Open.
	cp       *checkpoints.Writer
	recovery recoveryInfo
	// processFuncs holds the function of each running Process, by name.
	processFuncs sync.Map
	// metrics serves Prometheus metrics (nil without server.metrics_listen).
	metrics *metrics.Metrics
	// failed holds the failures of dataflows (exec/failures; failures.go
	// is the engine as it sees it).
	failed *failures.Set

	ctx    context.Context
	cancel context.CancelFunc

	// tlog is the write-ahead log of the writes to tables (nil without
	// checkpoints).
	tlog *tablelog.Log
	ddl  sync.Mutex // serialises DDL and the topology changes it makes
	// dmlMu is held shared by every write to a table and exclusively by the
	// COMMIT of a transaction that wrote several tables, so that no write
	// comes between its checks and its changes.
	dmlMu sync.RWMutex
	// jobs are the running dataflows, by the name of what they maintain.
	jobs *jobs.Manager[*job]
	mu   sync.Mutex // guards snap
	snap *snapshot
	// openTxs are the snapshots the transaction blocks hold.
	openTxs *txn.Snapshots
	// roots are the file connector's directories (server.file_roots).
	roots *file.Roots
	// activity is the open sessions (pg_stat_activity).
	activity systables.Sessions
	// backends are the sessions of connections by process ID, which
	// pg_cancel_backend and pg_terminate_backend signal.
	backends systables.Backends
	// liveSubscriptions are the running subscriptions (subscribe_registry.go).
	liveSubscriptions subscriptionRegistry
}

// snapshot is the committed state ad-hoc queries read: a Pebble snapshot
// taken when epoch was committed. Readers hold a reference while they read.
type snapshot struct {
	epoch exec.Epoch
	snap  *statestore.Snapshot
	refs  int
	// read, when set, is what queries read instead of snap: a transaction's
	// writes over it.
	read statestore.Reader
}

// reader returns what queries of s read.
func (s *snapshot) reader() statestore.Reader {
	if s.read != nil {
		return s.read
	}
	return s.snap
}

// Open starts an engine: it opens the state store, loads the catalog and
// restarts the dataflow of every table and view where its state left off.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// A durable checkpoint wakes the sinks' delivery, and every finished
	// one is counted in the metrics; none begins (and asks for its info)
	// or finishes before e is opened: they begin at commits.
	var opened atomic.Pointer[Engine]
	store, cp, rec, err := checkpoints.Open(ctx, checkpoints.Options{
		Config: cfg.checkpointConfig(), Logger: log,
		Info: func(epoch exec.Epoch) checkpoints.Info { return opened.Load().checkpointInfo(epoch) },
		OnFinish: func(st statestore.CheckpointStatus) {
			e := opened.Load()
			if e == nil {
				return
			}
			if st.Status == "done" {
				e.pokeSinks(0)
				if e.cp != nil {
					e.tlog.Durable(exec.Epoch(e.cp.Durable()))
				}
			}
			e.metrics.CountCheckpoint(metrics.CheckpointOf(st))
		},
	})
	if err != nil {
		return nil, fmt.Errorf("open state store: %w", err)
	}
	cat, err := catalog.Load(store)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	duck, err := adhoc.Open(ctx, adhoc.Options{Logger: log, MemoryLimit: cmp.Or(cfg.Server.QueryMemoryLimit, adhoc.DefaultMemoryLimit()),
		HeldConns: cfg.Server.CursorConnections, HeldMemory: cfg.Server.CursorMemoryBytes})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open query layer: %w", err)
	}
	e := &Engine{
		cfg: cfg, log: log, mem: memory.NewGoAllocator(), store: store, cat: cat, duck: duck,
		errors: sourceguard.NewErrorCounts(), openTxs: &txn.Snapshots{}, roots: file.NewRoots(cfg.Server.FileRoots, cfg.Server.DataDir),
		cp: cp, recovery: recoveryInfo{Recovery: rec},
	}
	e.failed = failures.NewSet(failureEngine{e}, log)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	last, err := e.committedEpoch()
	if err != nil {
		e.closeStores()
		return nil, err
	}
	e.snap = &snapshot{epoch: last, snap: store.NewSnapshot(), refs: 1}
	e.metrics = newMetrics(e)
	opened.Store(e) // after e.metrics: the checkpoint callback reads it
	copts := exec.CoordinatorOptions{Interval: cfg.interval(), Commit: e.commit, Logger: log, Now: cfg.Clock}
	e.metrics.Instrument(&copts)
	e.coord = exec.NewCoordinator(copts)
	e.jobs = jobs.NewManager[*job](e.ctx, e.coord)
	e.coord.Start(e.ctx, last)
	// No barrier while the jobs start: a view or sink over another job
	// subscribes to it when it starts, and a barrier that job forwarded
	// before the subscription would never reach the new fragment, which
	// the coordinator waits for.
	resume, err := e.coord.Pause(ctx)
	if err != nil {
		e.Close(ctx)
		return nil, err
	}
	if err = e.openTableLog(); err == nil {
		err = e.restartJobs(ctx)
	}
	resume()
	if err == nil {
		err = e.replayTableLog(ctx)
	}
	if err != nil {
		e.Close(ctx)
		return nil, err
	}
	if err := e.ensureSuperuser(); err != nil {
		e.Close(ctx)
		return nil, err
	}
	if err := e.metrics.Start(); err != nil {
		e.Close(ctx)
		return nil, fmt.Errorf("server.metrics_listen: %w", err)
	}
	log.Info("weir engine open", "epoch", last, "objects", len(cat.List(0)), "backend", cfg.State.BackendType)
	return e, nil
}

// Close stops every dataflow at a final barrier, writes their state, and
// closes the stores. After a Close, Open on the same data directory resumes.
func (e *Engine) Close(ctx context.Context) error {
	var errs []error
	if err := e.metrics.Stop(ctx); err != nil {
		e.log.Warn("metrics endpoint did not stop cleanly", "err", err)
	}
	if e.coord != nil {
		// No write is half applied at the final barrier: a transaction
		// over several tables applies them with dmlMu held.
		e.dmlMu.Lock()
		if err := e.coord.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop dataflows: %w", err))
		}
		e.dmlMu.Unlock()
	}
	e.cancel()
	if e.jobs != nil {
		e.jobs.WaitAll()
	}
	if len(errs) == 0 && e.cp != nil {
		e.cp.Close(ctx, e.coord.Committed())
	}
	e.stopSinks(ctx)
	closeErr := e.closeStores()
	errs = append(errs, closeErr)
	if len(errs) == 1 && closeErr == nil && e.cp != nil {
		// Flushed and closed: the next start may open the state as it is.
		if err := e.cp.MarkClean(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) closeStores() error {
	e.openTxs.ReleaseAll()
	var errs []error
	e.mu.Lock()
	if e.snap != nil {
		e.snap.snap.Close()
		e.snap = nil
	}
	e.mu.Unlock()
	if e.duck != nil {
		errs = append(errs, e.duck.Close())
	}
	errs = append(errs, e.tlog.Close(), e.store.Close())
	return errors.Join(errs...)
}

// metaEpochKey holds the last committed epoch.
var metaEpochKey = statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("epoch"))

func (e *Engine) committedEpoch() (exec.Epoch, error) {
	v, ok, err := e.store.Get(metaEpochKey)
	if err != nil || !ok || len(v) != 8 {
		return 0, err
	}
	return exec.Epoch(binary.BigEndian.Uint64(v)), nil
}

// commit is the coordinator's commit: every dataflow has written its state
// for epoch; record the epoch and publish a new snapshot for queries.
func (e *Engine) commit(_ context.Context, epoch exec.Epoch) error {
	w := e.store.NewWriteBatch()
	defer w.Close()
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(epoch))
	if err := w.Set(metaEpochKey, v[:]); err != nil {
		return err
	}
	if err := e.noteCommitted(epoch, w); err != nil {
		return err
	}
	if err := w.Commit(); err != nil {
		return err
	}
	next := &snapshot{epoch: epoch, snap: e.store.NewSnapshot(), refs: 1}
	e.mu.Lock()
	old := e.snap
	e.snap = next
	e.mu.Unlock()
	e.releaseSnapshot(old)
	if e.cp != nil {
		e.cp.Begin(epoch)
	}
	e.pokeSinks(epoch)
	return nil
}

// pokeSinks wakes the delivery of every sink: epoch was committed (0: a
// checkpoint was written).
func (e *Engine) pokeSinks(epoch exec.Epoch) {
	for _, j := range e.jobs.List() {
		if j.sink != nil {
			j.sink.Poke(epoch)
		}
	}
}

// stopSinks delivers what the sinks can (committed, and with exactly-once
// durable) and stops their delivery: the last step of a clean stop.
func (e *Engine) stopSinks(ctx context.Context) {
	if e.jobs == nil {
		return
	}
	for _, j := range e.jobs.List() {
		if j.sink != nil {
			j.sink.Stop(ctx, true)
		}
	}
}

// acquireSnapshot returns the committed snapshot with a reference held;
// release it with releaseSnapshot.
func (e *Engine) acquireSnapshot() (*snapshot, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.snap == nil {
		return nil, errors.New("engine is closed")
	}
	e.snap.refs++
	return e.snap, nil
}

func (e *Engine) releaseSnapshot(s *snapshot) {
	if s == nil {
		return
	}
	e.mu.Lock()
	s.refs--
	last := s.refs == 0
	e.mu.Unlock()
	if last {
		s.snap.Close()
	}
}

// Flush returns once everything written before the call is visible to
// queries and, with checkpoints, in a checkpoint: it survives a crash.
func (e *Engine) Flush(ctx context.Context) error {
	return e.durableFlush(ctx)
}

// writeNow applies fn's writes to the state store at once (DDL: catalog changes).
func (e *Engine) writeNow(fn func(w exec.StateWriter) error) error {
	w := e.store.NewWriteBatch()
	defer w.Close()
	if err := fn(w); err != nil {
		return err
	}
	return w.Commit()
}

// NumObjects returns the number of streams, tables and views in the catalog.
func (e *Engine) NumObjects() int { return len(e.cat.List(0)) }
