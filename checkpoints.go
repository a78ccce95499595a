package weir

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/statestore/objstore"
)

// cleanMarker is the file in the data directory that says the state
// directory was closed cleanly (flushed) and can be opened as it is. It
// holds the epoch of the last checkpoint written then. It is removed when
// the engine opens, so a crash leaves no marker and the next start restores
// the newest checkpoint instead of opening a state directory whose last
// epoch may be half-flushed.
const cleanMarker = "clean-shutdown"

// recoveryInfo is what Open did to get its state, for the weir_recovery
// system table. Open finishes it before anyone can query, so it needs no
// lock; progress during the restore goes to the log.
type recoveryInfo struct {
	from string // "empty", "local state", "local state (clean shutdown)", "checkpoint"
	prog statestore.RestoreProgress
	took time.Duration
	// logRecords and logRows are the table write log's records (and their
	// rows) applied again at start because the state lacked them.
	logRecords, logRows int64
}

// checkpointsEnabled reports whether cfg writes checkpoints.
func (c Config) checkpointsEnabled() bool {
	return c.State.Enabled && c.State.BackendType != "memory"
}

// OpenCheckpointStore returns the object store cfg writes checkpoints to,
// for tools that list, inspect and verify them. With backend hybrid it is
// the S3 store; set BackendType to local to read the local one.
func OpenCheckpointStore(ctx context.Context, cfg Config) (objstore.Store, error) {
	if !cfg.checkpointsEnabled() {
		return nil, fmt.Errorf("state_management: backend_type %q with enabled: %v writes no checkpoints", cfg.State.BackendType, cfg.State.Enabled)
	}
	if cfg.State.BackendType == "hybrid" {
		cfg.State.BackendType = "s3"
	}
	return openObjects(ctx, cfg)
}

// openObjects returns the object store checkpoints go to (with backend
// hybrid, the local one).
func openObjects(ctx context.Context, cfg Config) (objstore.Store, error) {
	switch cfg.State.BackendType {
	case "local", "hybrid":
		return objstore.NewDir(filepath.Join(cfg.Server.DataDir, "checkpoints"))
	case "s3":
		s3 := cfg.State.S3
		return objstore.NewS3(ctx, objstore.S3Config{
			Bucket: s3.Bucket, Region: s3.Region, Prefix: s3.Prefix, EndpointURL: s3.EndpointURL,
			AccessKeyID: s3.AccessKeyID, SecretAccessKey: s3.SecretAccessKey,
		})
	}
	return nil, fmt.Errorf("state_management.backend_type: %q cannot hold checkpoints", cfg.State.BackendType)
}

// checkpointStore is an object store checkpoints go to, with its name in
// logs and the weir_checkpoints table.
type checkpointStore struct {
	name    string // "local" or "s3"
	objects objstore.Store
}

// checkpointStores returns the stores cfg writes checkpoints to: one, or
// with backend hybrid the local directory (every epoch) and S3 (every
// s3_upload_every-th).
func checkpointStores(ctx context.Context, cfg Config) ([]checkpointStore, error) {
	first, err := openObjects(ctx, cfg)
	if err != nil {
		return nil, err
	}
	name := cfg.State.BackendType
	if name == "hybrid" {
		name = "local"
	}
	stores := []checkpointStore{{name: name, objects: first}}
	if cfg.State.BackendType == "hybrid" {
		remote, err := OpenCheckpointStore(ctx, cfg)
		if err != nil {
			return nil, err
		}
		stores = append(stores, checkpointStore{name: "s3", objects: remote})
	}
	return stores, nil
}

// openState opens the state store for cfg. With checkpoints, a state
// directory closed cleanly is opened as it is; otherwise (after a crash, or
// on a new machine) the newest checkpoint that verifies, in any of the
// checkpoint stores, is restored into it first. It returns the store, the
// checkpointers (none without checkpoints; one per checkpoint store) and
// what it did. onFinish is called as each checkpoint finishes.
func openState(ctx context.Context, cfg Config, log *slog.Logger, onFinish func(statestore.CheckpointStatus)) (*statestore.Store, []*statestore.Checkpointer, recoveryInfo, error) {
	if cfg.State.BackendType == "memory" {
		s, err := statestore.Open(statestore.Options{InMemory: true, Logger: log})
		return s, nil, recoveryInfo{from: "empty"}, err
	}
	dir := filepath.Join(cfg.Server.DataDir, "state")
	if !cfg.checkpointsEnabled() {
		s, err := statestore.Open(statestore.Options{Dir: dir, Logger: log})
		return s, nil, recoveryInfo{from: "local state"}, err
	}
	stores, err := checkpointStores(ctx, cfg)
	if err != nil {
		return nil, nil, recoveryInfo{}, err
	}
	started := time.Now()
	marker := filepath.Join(cfg.Server.DataDir, cleanMarker)
	cleanEpoch, clean := readCleanMarker(marker)
	if _, err := os.Stat(dir); err != nil {
		clean = false // a marker without its state: restore
	}
	if cfg.RestoreFrom != 0 {
		clean = false
	}
	// restored[i] is the manifest of stores[i] whose files are this
	// directory's: they need no upload again.
	restored := make([]*statestore.Manifest, len(stores))
	from := "local state (clean shutdown)"
	var prog statestore.RestoreProgress
	if !clean {
		m, i, p, err := restoreNewest(ctx, cfg, stores, dir, log)
		prog = p
		switch {
		case errors.Is(err, statestore.ErrNoCheckpoint):
			if _, statErr := os.Stat(dir); statErr == nil {
				log.Warn("no checkpoint to recover from: the state directory was not closed cleanly and is discarded", "dir", dir)
				if err := os.RemoveAll(dir); err != nil {
					return nil, nil, recoveryInfo{}, err
				}
			}
			from = "empty"
		case err != nil:
			return nil, nil, recoveryInfo{}, fmt.Errorf("recovery: %w", err)
		default:
			restored[i], from = m, "checkpoint"
			if len(stores) > 1 {
				from = "checkpoint (" + stores[i].name + ")"
			}
			log.Info("recovered state from checkpoint", "store", stores[i].name, "epoch", m.Epoch, "files", p.TotalFiles, "bytes", p.TotalBytes,
				"skipped", len(p.Skipped), "took", time.Since(started).Round(time.Millisecond))
		}
	} else {
		for i, st := range stores {
			if m, err := statestore.ReadManifest(ctx, st.objects, cleanEpoch); err == nil {
				restored[i] = m
			}
		}
	}
	if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, recoveryInfo{}, err
	}
	s, err := statestore.Open(statestore.Options{Dir: dir, Logger: log})
	if err != nil {
		return nil, nil, recoveryInfo{}, err
	}
	var cps []*statestore.Checkpointer
	for i, st := range stores {
		scratch := "checkpoint-scratch"
		if i > 0 {
			scratch += "-" + st.name
		}
		opts := statestore.CheckpointerOptions{
			Objects: st.objects, ScratchDir: filepath.Join(cfg.Server.DataDir, scratch),
			Retain: cfg.State.RetainedCheckpoints, Restored: restored[i], Logger: log.With("store", st.name), Name: st.name,
		}
		if hook := cfg.CheckpointHook; hook != nil {
			opts.OnStep = func(s statestore.CheckpointStep) { hook(string(s)) }
		}
		opts.OnFinish = onFinish
		cp, err := statestore.NewCheckpointer(ctx, s, opts)
		if err != nil {
			s.Close()
			return nil, nil, recoveryInfo{}, err
		}
		cps = append(cps, cp)
	}
	return s, cps, recoveryInfo{from: from, prog: prog, took: time.Since(started)}, nil
}

// restoreNewest restores into dir the checkpoint cfg.RestoreFrom names, or
// else the newest that verifies in any of stores (newest store first,
// falling back to the others), and returns its manifest, the index of its
// store and the progress.
func restoreNewest(ctx context.Context, cfg Config, stores []checkpointStore, dir string, log *slog.Logger) (*statestore.Manifest, int, statestore.RestoreProgress, error) {
	order := make([]int, 0, len(stores))
	newest := make([]uint64, len(stores))
	for i, st := range stores {
		epochs, err := statestore.ListCheckpoints(ctx, st.objects)
		if err != nil {
			log.Warn("cannot list checkpoints", "store", st.name, "err", err)
			continue
		}
		if cfg.RestoreFrom != 0 && !slices.Contains(epochs, cfg.RestoreFrom) {
			continue
		}
		if len(epochs) > 0 {
			newest[i] = epochs[len(epochs)-1]
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(newest[b], newest[a]) })
	if len(order) == 0 && cfg.RestoreFrom != 0 {
		return nil, 0, statestore.RestoreProgress{}, fmt.Errorf("checkpoint %d is not in the checkpoint store", cfg.RestoreFrom)
	}
	err := statestore.ErrNoCheckpoint
	for _, i := range order {
		st := stores[i]
		log.Info("recovering state from the newest checkpoint", "store", st.objects.String())
		var lastLog time.Time
		m, p, rerr := statestore.Restore(ctx, st.objects, dir, statestore.RestoreOptions{
			Epoch:  cfg.RestoreFrom,
			Logger: log,
			Progress: func(p statestore.RestoreProgress) {
				if time.Since(lastLog) > time.Second || p.Done {
					lastLog = time.Now()
					log.Info("recovery progress", "store", st.name, "epoch", p.Epoch, "files", p.Files, "of_files", p.TotalFiles, "bytes", p.Bytes, "of_bytes", p.TotalBytes)
				}
			},
		})
		if rerr == nil {
			return m, i, p, nil
		}
		if len(order) > 1 {
			log.Warn("no usable checkpoint in this store; trying the next", "store", st.name, "err", rerr)
		}
		if errors.Is(err, statestore.ErrNoCheckpoint) {
			err = rerr
		}
	}
	return nil, 0, statestore.RestoreProgress{}, err
}

// readCleanMarker reads the clean-shutdown marker: whether it is there and
// the checkpoint epoch it names (0 when none was written).
func readCleanMarker(path string) (uint64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	e, _ := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	return e, true
}

// writeCleanMarker records a clean shutdown whose last checkpoint is epoch.
func writeCleanMarker(cfg Config, epoch uint64) error {
	return os.WriteFile(filepath.Join(cfg.Server.DataDir, cleanMarker), []byte(strconv.FormatUint(epoch, 10)+"\n"), 0o644)
}

// CheckpointInfo is what a checkpoint's manifest records beside the state,
// for operators and `weir checkpoint inspect`: the catalog's objects and
// where every source was at the checkpoint's epoch. The positions are also
// in the state itself, which is what recovery rewinds the sources to.
type CheckpointInfo struct {
	Objects []CheckpointObject `json:"objects"`
	Sources []CheckpointSource `json:"sources,omitempty"`
}

// CheckpointObject is a stream, table or view of a checkpoint's catalog.
type CheckpointObject struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Pipeline and PipelineKeys are the pipeline stream (operator_id) the
	// object was made for and its state.custom_keys, if any.
	Pipeline     string   `json:"pipeline,omitempty"`
	PipelineKeys []string `json:"pipeline_keys,omitempty"`
}

// CheckpointSource is the read position of the source of a view (over
// stream Stream) at a checkpoint, in its connector's terms: a byte offset
// for a file, "p0:5,p1:3" (the next offset per partition) for Kafka, the
// next event for a generator.
type CheckpointSource struct {
	View     string `json:"view"`
	Stream   string `json:"stream"`
	Position string `json:"position"`
}

// checkpointInfo returns the CheckpointInfo of epoch.
func (e *Engine) checkpointInfo(epoch exec.Epoch) json.RawMessage {
	var info CheckpointInfo
	for _, o := range e.cat.List(0) {
		info.Objects = append(info.Objects, CheckpointObject{Name: o.Name, Kind: o.Kind.String(), Pipeline: o.Pipeline, PipelineKeys: o.PipelineKeys})
	}
	for _, j := range e.jobs.List() {
		for _, s := range j.sources {
			if pos, ok := s.src.PositionAt(epoch); ok {
				info.Sources = append(info.Sources, CheckpointSource{View: j.Name, Stream: s.stream.Name, Position: pos})
			}
		}
	}
	slices.SortFunc(info.Sources, func(a, b CheckpointSource) int { return cmp.Compare(a.View, b.View) })
	data, _ := json.Marshal(info)
	return data
}

// beginCheckpoint starts a checkpoint of the epoch just committed, unless
// one is still uploading; with backend hybrid, every s3_upload_every-th
// checkpoint also goes to S3 (or the next one, while S3 is busy). Called
// from the coordinator's commit.
func (e *Engine) beginCheckpoint(epoch exec.Epoch) {
	if e.cp == nil {
		return
	}
	// Epochs cut by writes to tables come faster than the interval; those
	// writes are durable in the table write log, so they take a checkpoint
	// at most every half interval, unless a FLUSH, DDL or Checkpoint waits
	// for one.
	now := time.Now()
	if e.checkpointWanted.Load() == 0 && now.Sub(e.lastCheckpoint) < e.cfg.interval()/2 {
		return
	}
	// Built once, and only when a store takes the checkpoint.
	info := sync.OnceValue(func() json.RawMessage { return e.checkpointInfo(epoch) })
	ok, err := e.cp.Begin(uint64(epoch), info)
	if err != nil {
		e.log.Error("could not take a checkpoint", "epoch", epoch, "err", err)
	}
	if ok {
		e.lastCheckpoint = now
	}
	if e.remote == nil || !ok {
		return
	}
	e.sinceRemote++
	if e.sinceRemote < e.cfg.State.S3UploadEvery {
		return
	}
	if ok, err := e.remote.Begin(uint64(epoch), info); err != nil {
		e.log.Error("could not take a checkpoint to S3", "epoch", epoch, "err", err)
	} else if ok {
		e.sinceRemote = 0
	}
}

// durableFlush returns once everything written before the call is in a
// checkpoint (or, without checkpoints or with exactly_once false, visible
// to queries).
func (e *Engine) durableFlush(ctx context.Context) error {
	e.checkpointWanted.Add(1)
	defer e.checkpointWanted.Add(-1)
	target, err := e.coord.Flush(ctx)
	if err != nil {
		return err
	}
	if e.cp == nil || !e.cfg.State.ExactlyOnce {
		return nil
	}
	// The checkpoint of target may be uploading, or not taken because
	// another was: wait for the one in flight, and while target is not
	// covered, commit another epoch, whose checkpoint is taken when none is
	// in flight. Checkpoints that fail count; ones declined do not.
	var lastErr error
	for failures := 0; e.cp.Durable() < uint64(target); {
		if err := e.cp.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, lastErr) {
				failures++
			}
			lastErr = err
			if failures >= 3 {
				return fmt.Errorf("no checkpoint could be written: %w", err)
			}
		}
		if e.cp.Durable() >= uint64(target) {
			break
		}
		if _, err := e.coord.Flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// closeCheckpoints takes the final checkpoint of a clean stop (in every
// checkpoint store) and returns its epoch in the primary one (0 when it
// could not be written).
func (e *Engine) closeCheckpoints(ctx context.Context, last exec.Epoch) uint64 {
	if e.cp == nil {
		return 0
	}
	info := sync.OnceValue(func() json.RawMessage { return e.checkpointInfo(last) })
	for _, cp := range []*statestore.Checkpointer{e.cp, e.remote} {
		if cp == nil {
			continue
		}
		_ = cp.Wait(ctx)
		if cp.Durable() < uint64(last) {
			if ok, err := cp.Begin(uint64(last), info); err != nil || !ok {
				e.log.Error("could not take the final checkpoint", "epoch", last, "err", err)
			} else if err := cp.Wait(ctx); err != nil {
				e.log.Error("the final checkpoint failed", "epoch", last, "err", err)
			}
		}
		_ = cp.Close(ctx)
	}
	if e.cp.Durable() == uint64(last) {
		return uint64(last)
	}
	return 0
}
