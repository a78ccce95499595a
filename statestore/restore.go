package statestore

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/weir-stream/weir/statestore/objstore"
)

// ErrNoCheckpoint is returned by Restore when the object store holds no
// usable checkpoint.
var ErrNoCheckpoint = errors.New("statestore: no checkpoint to restore")

// RestoreOptions configure Restore.
type RestoreOptions struct {
	// Epoch restores that checkpoint; 0 restores the newest that verifies.
	Epoch uint64
	// Downloads bounds the concurrent file downloads (4 when 0).
	Downloads int
	// Progress, when set, is called as files arrive (from several
	// goroutines, one call at a time).
	Progress func(RestoreProgress)
	Logger   *slog.Logger
}

// RestoreProgress is how far a restore has come.
type RestoreProgress struct {
	Epoch      uint64
	Files      int
	TotalFiles int
	Bytes      int64
	TotalBytes int64
	// Skipped are the newer checkpoints passed over, and why.
	Skipped []string
	Started time.Time
	Done    bool
}

// Restore writes the newest checkpoint of objects whose manifest reads and
// whose files match their checksums into dir (replacing whatever dir
// held), so that Open on dir gives the state as of the checkpoint's epoch.
// A checkpoint that does not verify is passed over, loudly, for the one
// before it. It returns the restored manifest and the final progress.
func Restore(ctx context.Context, objects objstore.Store, dir string, opts RestoreOptions) (*Manifest, RestoreProgress, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	prog := RestoreProgress{Started: time.Now()}
	epochs, err := ListCheckpoints(ctx, objects)
	if err != nil {
		return nil, prog, fmt.Errorf("statestore: listing checkpoints in %s: %w", objects, err)
	}
	if opts.Epoch != 0 {
		epochs = []uint64{opts.Epoch}
	}
	for _, e := range epochs {
		m, err := ReadManifest(ctx, objects, e)
		if err == nil {
			err = restoreFiles(ctx, objects, m, dir, opts, &prog)
		}
		if err == nil {
			prog.Done = true
			if opts.Progress != nil {
				opts.Progress(prog)
			}
			return m, prog, nil
		}
		if ctx.Err() != nil {
			return nil, prog, ctx.Err()
		}
		if opts.Epoch != 0 {
			return nil, prog, fmt.Errorf("statestore: checkpoint %d: %w", e, err)
		}
		log.Error("checkpoint does not verify; falling back to the one before", "epoch", e, "err", err)
		prog.Skipped = append(prog.Skipped, fmt.Sprintf("%d: %v", e, err))
	}
	return nil, prog, ErrNoCheckpoint
}

// restoreFiles downloads m's files into dir, checking each against its
// size and checksum.
func restoreFiles(ctx context.Context, objects objstore.Store, m *Manifest, dir string, opts RestoreOptions, prog *RestoreProgress) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var mu sync.Mutex
	prog.Epoch, prog.Files, prog.Bytes = m.Epoch, 0, 0
	prog.TotalFiles, prog.TotalBytes = len(m.Files), m.StateBytes()
	var bytes atomic.Int64
	n := opts.Downloads
	if n <= 0 {
		n = 4
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for _, f := range m.Files {
		g.Go(func() error {
			if err := fetchFile(gctx, objects, f, filepath.Join(dir, f.Name)); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			prog.Files++
			prog.Bytes = bytes.Add(f.Size)
			if opts.Progress != nil {
				opts.Progress(*prog)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		os.RemoveAll(dir)
		return err
	}
	return objstore.SyncDir(dir)
}

// fetchFile downloads f to path and verifies it.
func fetchFile(ctx context.Context, objects objstore.Store, f ManifestFile, path string) error {
	r, err := objects.Get(ctx, f.Object)
	if err != nil {
		return fmt.Errorf("file %s: %w", f.Name, err)
	}
	defer r.Close()
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	h := crc32.New(crcTable)
	n, err := io.Copy(io.MultiWriter(out, h), r)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("file %s: %w", f.Name, err)
	}
	if n != f.Size || h.Sum32() != f.CRC32C {
		return fmt.Errorf("file %s (%s): %w: %d bytes with CRC-32C %08x, the manifest says %d bytes, %08x",
			f.Name, f.Object, errChecksum, n, h.Sum32(), f.Size, f.CRC32C)
	}
	return nil
}

// VerifyCheckpoint re-reads every file of the checkpoint of epoch and
// checks its size and checksum, without keeping the data.
func VerifyCheckpoint(ctx context.Context, objects objstore.Store, epoch uint64) (*Manifest, error) {
	m, err := ReadManifest(ctx, objects, epoch)
	if err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		r, err := objects.Get(ctx, f.Object)
		if err != nil {
			return m, fmt.Errorf("file %s: %w", f.Name, err)
		}
		h := crc32.New(crcTable)
		n, err := io.Copy(h, r)
		r.Close()
		if err != nil {
			return m, fmt.Errorf("file %s: %w", f.Name, err)
		}
		if n != f.Size || h.Sum32() != f.CRC32C {
			return m, fmt.Errorf("file %s (%s): %w", f.Name, f.Object, errChecksum)
		}
	}
	return m, nil
}
