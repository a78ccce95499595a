package weir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
}

// checkpointsEnabled reports whether cfg writes checkpoints.
func (c Config) checkpointsEnabled() bool {
	return c.State.Enabled && c.State.BackendType != "memory"
}

// OpenCheckpointStore returns the object store cfg writes checkpoints to,
// for tools that list, inspect and verify them.
func OpenCheckpointStore(ctx context.Context, cfg Config) (objstore.Store, error) {
	if !cfg.checkpointsEnabled() {
		return nil, fmt.Errorf("state_management: backend_type %q with enabled: %v writes no checkpoints", cfg.State.BackendType, cfg.State.Enabled)
	}
	return openObjects(ctx, cfg)
}

// openObjects returns the object store checkpoints go to.
func openObjects(ctx context.Context, cfg Config) (objstore.Store, error) {
	switch cfg.State.BackendType {
	case "local":
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

// openState opens the state store for cfg. With checkpoints, a state
// directory closed cleanly is opened as it is; otherwise (after a crash, or
// on a new machine) the newest checkpoint that verifies is restored into
// it first. It returns the store, the checkpointer (nil without
// checkpoints) and what it did.
func openState(ctx context.Context, cfg Config, log *slog.Logger) (*statestore.Store, *statestore.Checkpointer, recoveryInfo, error) {
	if cfg.State.BackendType == "memory" {
		s, err := statestore.Open(statestore.Options{InMemory: true, Logger: log})
		return s, nil, recoveryInfo{from: "empty"}, err
	}
	dir := filepath.Join(cfg.Server.DataDir, "state")
	if !cfg.checkpointsEnabled() {
		s, err := statestore.Open(statestore.Options{Dir: dir, Logger: log})
		return s, nil, recoveryInfo{from: "local state"}, err
	}
	objects, err := openObjects(ctx, cfg)
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
	var restored *statestore.Manifest
	from := "local state (clean shutdown)"
	var prog statestore.RestoreProgress
	if !clean {
		log.Info("recovering state from the newest checkpoint", "store", objects.String())
		var lastLog time.Time
		m, p, err := statestore.Restore(ctx, objects, dir, statestore.RestoreOptions{
			Epoch:  cfg.RestoreFrom,
			Logger: log,
			Progress: func(p statestore.RestoreProgress) {
				if time.Since(lastLog) > time.Second || p.Done {
					lastLog = time.Now()
					log.Info("recovery progress", "epoch", p.Epoch, "files", p.Files, "of_files", p.TotalFiles, "bytes", p.Bytes, "of_bytes", p.TotalBytes)
				}
			},
		})
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
			restored, from = m, "checkpoint"
			log.Info("recovered state from checkpoint", "epoch", m.Epoch, "files", p.TotalFiles, "bytes", p.TotalBytes,
				"skipped", len(p.Skipped), "took", time.Since(started).Round(time.Millisecond))
		}
	} else if m, err := statestore.ReadManifest(ctx, objects, cleanEpoch); err == nil {
		// The files of the checkpoint written at the clean shutdown are
		// this directory's: they need no upload again.
		restored = m
	}
	if err := os.Remove(marker); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, recoveryInfo{}, err
	}
	s, err := statestore.Open(statestore.Options{Dir: dir, Logger: log})
	if err != nil {
		return nil, nil, recoveryInfo{}, err
	}
	opts := statestore.CheckpointerOptions{
		Objects: objects, ScratchDir: filepath.Join(cfg.Server.DataDir, "checkpoint-scratch"),
		Retain: cfg.State.RetainedCheckpoints, Restored: restored, Logger: log,
	}
	if hook := cfg.CheckpointHook; hook != nil {
		opts.OnStep = func(s statestore.CheckpointStep) { hook(string(s)) }
	}
	cp, err := statestore.NewCheckpointer(ctx, s, opts)
	if err != nil {
		s.Close()
		return nil, nil, recoveryInfo{}, err
	}
	return s, cp, recoveryInfo{from: from, prog: prog, took: time.Since(started)}, nil
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

// checkpointInfo is what a manifest records beside the state, for
// operators and `weir checkpoint inspect`: the catalog's objects.
type checkpointInfo struct {
	Objects []checkpointObject `json:"objects"`
}

type checkpointObject struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func (e *Engine) checkpointInfo() json.RawMessage {
	var info checkpointInfo
	for _, o := range e.cat.List(0) {
		info.Objects = append(info.Objects, checkpointObject{Name: o.Name, Kind: o.Kind.String()})
	}
	data, _ := json.Marshal(info)
	return data
}

// beginCheckpoint starts a checkpoint of the epoch just committed, unless
// one is still uploading. Called from the coordinator's commit.
func (e *Engine) beginCheckpoint(epoch exec.Epoch) {
	if e.cp == nil {
		return
	}
	if _, err := e.cp.Begin(uint64(epoch), e.checkpointInfo()); err != nil {
		e.log.Error("could not take a checkpoint", "epoch", epoch, "err", err)
	}
}

// durableFlush returns once everything written before the call is in a
// checkpoint (or, without checkpoints, visible to queries).
func (e *Engine) durableFlush(ctx context.Context) error {
	var lastErr error
	for range 3 {
		epoch, err := e.coord.Flush(ctx)
		if err != nil {
			return err
		}
		if e.cp == nil || e.cp.Durable() >= uint64(epoch) {
			return nil
		}
		// The checkpoint of epoch is uploading, or was not taken because
		// another was: wait, and if epoch is still not covered, commit
		// another epoch, whose checkpoint will be taken.
		lastErr = e.cp.Wait(ctx)
		if e.cp.Durable() >= uint64(epoch) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return fmt.Errorf("no checkpoint could be written: %w", lastErr)
}

// closeCheckpoints takes the final checkpoint of a clean stop and returns
// its epoch (0 when it could not be written).
func (e *Engine) closeCheckpoints(ctx context.Context, last exec.Epoch) uint64 {
	if e.cp == nil {
		return 0
	}
	_ = e.cp.Wait(ctx)
	if e.cp.Durable() < uint64(last) {
		if ok, err := e.cp.Begin(uint64(last), e.checkpointInfo()); err != nil || !ok {
			e.log.Error("could not take the final checkpoint", "epoch", last, "err", err)
		} else if err := e.cp.Wait(ctx); err != nil {
			e.log.Error("the final checkpoint failed", "epoch", last, "err", err)
		}
	}
	_ = e.cp.Close(ctx)
	if e.cp.Durable() == uint64(last) {
		return uint64(last)
	}
	return 0
}
