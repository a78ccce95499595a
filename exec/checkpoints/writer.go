package checkpoints

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Writer takes the checkpoints of an engine's committed epochs, in one
// store, or with backend hybrid in the local one at every checkpoint and
// in S3 at every s3_upload_every-th. Begin is called from the
// coordinator's commit only; the other methods are safe for concurrent
// use.
type Writer struct {
	log         *slog.Logger
	dataDir     string
	interval    time.Duration
	uploadEvery int
	exactlyOnce bool
	info        func(exec.Epoch) Info

	// primary takes every checkpoint; remote (S3 with backend hybrid,
	// else nil) every uploadEvery-th.
	primary, remote *statestore.Checkpointer
	// last is when the last checkpoint began and sinceRemote counts the
	// checkpoints since the last one remote took (commit goroutine only).
	last        time.Time
	sinceRemote int
	// wanted counts the Flush callers waiting for a checkpoint, which make
	// the next commit take one at once.
	wanted atomic.Int64
	// final is the epoch of the final checkpoint Close wrote in primary
	// (0 when none).
	final atomic.Uint64
}

// newWriter returns a Writer of c's checkpoints into primary; info (nil:
// nothing) is what each records beside the state.
func newWriter(c Config, log *slog.Logger, info func(exec.Epoch) Info, primary *statestore.Checkpointer) *Writer {
	return &Writer{
		log: log, dataDir: c.DataDir, interval: c.Interval, uploadEvery: c.S3UploadEvery,
		exactlyOnce: c.ExactlyOnce, info: info, primary: primary,
	}
}

// infoOf returns the function that gives the manifest's info of epoch,
// built once and only when a store takes the checkpoint.
func (w *Writer) infoOf(epoch exec.Epoch) func() json.RawMessage {
	if w.info == nil {
		return nil
	}
	return sync.OnceValue(func() json.RawMessage { return w.info(epoch).encode() })
}

// Begin starts a checkpoint of epoch, which the caller has just committed,
// unless one is still uploading; with backend hybrid, every
// s3_upload_every-th checkpoint also goes to S3 (or the next one, while S3
// is busy). Epochs cut by writes to tables come faster than the interval;
// those writes are durable in the table write log, so they take a
// checkpoint at most every half interval, unless a Flush waits for one.
// Failures are logged (and counted in the stores' history).
func (w *Writer) Begin(epoch exec.Epoch) {
	now := time.Now()
	if w.wanted.Load() == 0 && now.Sub(w.last) < w.interval/2 {
		return
	}
	info := w.infoOf(epoch)
	ok, err := w.primary.Begin(uint64(epoch), info)
	if err != nil {
		w.log.Error("could not take a checkpoint", "epoch", epoch, "err", err)
	}
	if ok {
		w.last = now
	}
	if w.remote == nil || !ok {
		return
	}
	w.sinceRemote++
	if w.sinceRemote < w.uploadEvery {
		return
	}
	if ok, err := w.remote.Begin(uint64(epoch), info); err != nil {
		w.log.Error("could not take a checkpoint to S3", "epoch", epoch, "err", err)
	} else if ok {
		w.sinceRemote = 0
	}
}

// Flush commits an epoch that holds everything written before the call,
// with flush (the coordinator's Flush, which returns that epoch); the
// commit takes a checkpoint at once, without waiting for the interval.
// With exactly_once, Flush returns only once a checkpoint in the primary
// store holds the epoch, committing more epochs while the one in flight
// does not; it gives up after three distinct checkpoint failures. A nil
// Writer (no checkpoints) only flushes.
func (w *Writer) Flush(ctx context.Context, flush func(context.Context) (exec.Epoch, error)) error {
	if w == nil {
		_, err := flush(ctx)
		return err
	}
	w.wanted.Add(1)
	defer w.wanted.Add(-1)
	target, err := flush(ctx)
	if err != nil {
		return err
	}
	if !w.exactlyOnce {
		return nil
	}
	// The checkpoint of target may be uploading, or not taken because
	// another was: wait for the one in flight, and while target is not
	// covered, commit another epoch, whose checkpoint is taken when none is
	// in flight. Checkpoints that fail count; ones declined do not.
	var lastErr error
	for failures := 0; w.primary.Durable() < uint64(target); {
		if err := w.primary.Wait(ctx); err != nil {
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
		if w.primary.Durable() >= uint64(target) {
			break
		}
		if _, err := flush(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Durable returns the newest epoch whose checkpoint is complete in the
// primary store (the local one with backend hybrid; 0 when none is, or for
// a nil Writer).
func (w *Writer) Durable() uint64 {
	if w == nil {
		return 0
	}
	return w.primary.Durable()
}

// DurableEverywhere returns the newest epoch a complete checkpoint holds
// in every store: with backend hybrid, the older of the local and the S3
// one.
func (w *Writer) DurableEverywhere() uint64 {
	d := w.primary.Durable()
	if w.remote != nil {
		d = min(d, w.remote.Durable())
	}
	return d
}

// Checkpointers returns the checkpointer of each store, the primary first
// (none for a nil Writer): their history is the weir_checkpoints table.
func (w *Writer) Checkpointers() []*statestore.Checkpointer {
	if w == nil {
		return nil
	}
	if w.remote == nil {
		return []*statestore.Checkpointer{w.primary}
	}
	return []*statestore.Checkpointer{w.primary, w.remote}
}

// Close takes the final checkpoint of a clean stop, of last (the last
// committed epoch), in every store that lacks it, waits for it and refuses
// later ones. It returns the epoch of the final checkpoint in the primary
// store, which MarkClean records (0 when it could not be written).
func (w *Writer) Close(ctx context.Context, last exec.Epoch) uint64 {
	info := w.infoOf(last)
	for _, cp := range w.Checkpointers() {
		_ = cp.Wait(ctx)
		if cp.Durable() < uint64(last) {
			if ok, err := cp.Begin(uint64(last), info); err != nil || !ok {
				w.log.Error("could not take the final checkpoint", "epoch", last, "err", err)
			} else if err := cp.Wait(ctx); err != nil {
				w.log.Error("the final checkpoint failed", "epoch", last, "err", err)
			}
		}
		_ = cp.Close(ctx)
	}
	if w.primary.Durable() == uint64(last) {
		w.final.Store(uint64(last))
		return uint64(last)
	}
	return 0
}

// MarkClean records in the data directory that the state was flushed and
// closed after Close, so that the next Open opens it as it is; call it once
// the state store is closed.
func (w *Writer) MarkClean() error {
	return writeCleanMarker(w.dataDir, w.final.Load())
}
