package checkpoints

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Options configure Open.
type Options struct {
	Config Config
	// Logger receives recovery's progress and the checkpoints' failures;
	// nil discards them.
	Logger *slog.Logger
	// Info returns what the checkpoint of an epoch records beside the
	// state. It is called from Writer.Begin and Writer.Close, once per
	// checkpoint and only when a store takes it; nil records nothing.
	Info func(exec.Epoch) Info
	// OnFinish, when set, is called with the status of every checkpoint
	// that finishes, in any store, from the goroutine that finished it.
	OnFinish func(statestore.CheckpointStatus)
}

// Recovery is what Open did to get the state, for the weir_recovery
// system table and the metrics.
type Recovery struct {
	// From is "empty", "local state", "local state (clean shutdown)",
	// "checkpoint", or with backend hybrid "checkpoint (local)" or
	// "checkpoint (s3)".
	From string
	// Progress is the restore's, when From is a checkpoint: what was
	// fetched of how much, and the checkpoints passed over.
	Progress statestore.RestoreProgress
	// Took is the time Open took to get the state.
	Took time.Duration
}

// Open opens the state store of opts.Config. With checkpoints, a state
// directory closed cleanly is opened as it is; otherwise (after a crash, or
// on a new machine) the newest checkpoint that verifies, in any of the
// checkpoint stores, is restored into it first. It returns the store, the
// Writer of its checkpoints (nil without checkpoints) and what it did.
func Open(ctx context.Context, opts Options) (*statestore.Store, *Writer, Recovery, error) {
	c, log := opts.Config, opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if c.Backend == "memory" {
		s, err := statestore.Open(statestore.Options{InMemory: true, Logger: log})
		return s, nil, Recovery{From: "empty"}, err
	}
	dir := filepath.Join(c.DataDir, "state")
	if !c.WritesCheckpoints() {
		s, err := statestore.Open(statestore.Options{Dir: dir, Logger: log})
		return s, nil, Recovery{From: "local state"}, err
	}
	stores, err := openStores(ctx, c)
	if err != nil {
		return nil, nil, Recovery{}, err
	}
	started := time.Now()
	cleanEpoch, clean := CleanShutdown(c.DataDir)
	if _, err := os.Stat(dir); err != nil {
		clean = false // a marker without its state: restore
	}
	if c.RestoreFrom != 0 {
		clean = false
	}
	// restored[i] is the manifest of stores[i] whose files are this
	// directory's: they need no upload again.
	restored := make([]*statestore.Manifest, len(stores))
	from := "local state (clean shutdown)"
	var prog statestore.RestoreProgress
	if !clean {
		m, i, p, err := restoreNewest(ctx, c, stores, dir, log)
		prog = p
		switch {
		case errors.Is(err, statestore.ErrNoCheckpoint):
			if _, statErr := os.Stat(dir); statErr == nil {
				log.Warn("no checkpoint to recover from: the state directory was not closed cleanly and is discarded", "dir", dir)
				if err := os.RemoveAll(dir); err != nil {
					return nil, nil, Recovery{}, err
				}
			}
			from = "empty"
		case err != nil:
			return nil, nil, Recovery{}, fmt.Errorf("recovery: %w", err)
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
	if err := removeCleanMarker(c.DataDir); err != nil {
		return nil, nil, Recovery{}, err
	}
	s, err := statestore.Open(statestore.Options{Dir: dir, Logger: log})
	if err != nil {
		return nil, nil, Recovery{}, err
	}
	var cps []*statestore.Checkpointer
	for i, st := range stores {
		scratch := "checkpoint-scratch"
		if i > 0 {
			scratch += "-" + st.name
		}
		copts := statestore.CheckpointerOptions{
			Objects: st.objects, ScratchDir: filepath.Join(c.DataDir, scratch),
			Retain: c.Retained, Restored: restored[i], Logger: log.With("store", st.name), Name: st.name,
			OnFinish: opts.OnFinish,
		}
		if hook := c.Hook; hook != nil {
			copts.OnStep = func(s statestore.CheckpointStep) { hook(string(s)) }
		}
		cp, err := statestore.NewCheckpointer(ctx, s, copts)
		if err != nil {
			s.Close()
			return nil, nil, Recovery{}, err
		}
		cps = append(cps, cp)
	}
	w := newWriter(c, log, opts.Info, cps[0])
	if len(cps) > 1 {
		w.remote = cps[1]
	}
	return s, w, Recovery{From: from, Progress: prog, Took: time.Since(started)}, nil
}

// restoreNewest restores into dir the checkpoint c.RestoreFrom names, or
// else the newest that verifies in any of stores (newest store first,
// falling back to the others), and returns its manifest, the index of its
// store and the progress.
func restoreNewest(ctx context.Context, c Config, stores []store, dir string, log *slog.Logger) (*statestore.Manifest, int, statestore.RestoreProgress, error) {
	order := make([]int, 0, len(stores))
	newest := make([]uint64, len(stores))
	for i, st := range stores {
		epochs, err := statestore.ListCheckpoints(ctx, st.objects)
		if err != nil {
			log.Warn("cannot list checkpoints", "store", st.name, "err", err)
			continue
		}
		if c.RestoreFrom != 0 && !slices.Contains(epochs, c.RestoreFrom) {
			continue
		}
		if len(epochs) > 0 {
			newest[i] = epochs[len(epochs)-1]
		}
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(newest[b], newest[a]) })
	if len(order) == 0 && c.RestoreFrom != 0 {
		return nil, 0, statestore.RestoreProgress{}, fmt.Errorf("checkpoint %d is not in the checkpoint store", c.RestoreFrom)
	}
	err := statestore.ErrNoCheckpoint
	for _, i := range order {
		st := stores[i]
		log.Info("recovering state from the newest checkpoint", "store", st.objects.String())
		var lastLog time.Time
		m, p, rerr := statestore.Restore(ctx, st.objects, dir, statestore.RestoreOptions{
			Epoch:  c.RestoreFrom,
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
