package statestore

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/weir-stream/weir/statestore/objstore"
)

// CheckpointerOptions configure a Checkpointer.
type CheckpointerOptions struct {
	// Objects is where checkpoints are written.
	Objects objstore.Store
	// ScratchDir holds the local Pebble checkpoint of the upload in flight.
	// It must be on the file system of the store's directory, so that the
	// checkpoint hard-links the SST files instead of copying them.
	ScratchDir string
	// Retain is how many checkpoints are kept (at least 1).
	Retain int
	// Uploads bounds the concurrent file uploads (4 when 0).
	Uploads int
	// Restored is the manifest the store was restored from, if any: its
	// files are in the object store already and are not uploaded again.
	Restored *Manifest
	Logger   *slog.Logger
	// Name names the checkpoint store in system tables ("local", "s3").
	Name string
	// OnStep, when set, is called at each step of every checkpoint (see
	// CheckpointStep), from the goroutine doing it. Crash tests kill the
	// process there.
	OnStep func(step CheckpointStep)
	// OnFinish, when set, is called with the status of every checkpoint
	// that finished (Status "done": its manifest is written, and Durable
	// reports it; or "failed"), from the goroutine that finished it.
	OnFinish func(st CheckpointStatus)
}

// CheckpointStep names a point in the taking of a checkpoint.
type CheckpointStep string

// The steps of a checkpoint, in order. StepFileUploaded and StepDeleted
// come once per file and per deleted object.
const (
	StepTaken        CheckpointStep = "taken"    // the local Pebble checkpoint exists
	StepFileUploaded CheckpointStep = "file"     // one file is uploaded
	StepFilesStored  CheckpointStep = "files"    // every file is stored; the manifest is next
	StepManifest     CheckpointStep = "manifest" // the manifest is written; collection is next
	StepDeleted      CheckpointStep = "delete"   // collection deleted one object
	StepCollected    CheckpointStep = "collected"
)

// step calls the OnStep hook.
func (c *Checkpointer) step(s CheckpointStep) {
	if c.opts.OnStep != nil {
		c.opts.OnStep(s)
	}
}

// CheckpointStatus is what is known of one checkpoint this process took,
// for the weir_checkpoints system table.
type CheckpointStatus struct {
	Epoch         uint64
	Started       time.Time
	Duration      time.Duration // until the manifest was written (or the failure)
	Files         int           // files in the checkpoint
	FilesUploaded int           // files it uploaded (the rest were stored already)
	BytesUploaded int64
	StateBytes    int64
	Status        string // "uploading", "done", "failed"
	Err           string
	// Info is what the engine recorded in the manifest (Begin's info).
	Info json.RawMessage
}

// historyLen is how many CheckpointStatus entries are kept.
const historyLen = 100

// Checkpointer takes Pebble checkpoints of a Store and uploads them to an
// object store in the background, incrementally: an SST file (immutable and
// uniquely numbered) is uploaded once and then referenced by every
// manifest that needs it. One checkpoint uploads at a time; Begin declines
// while one is in flight, so a slow store makes checkpoints rarer, never
// the data path slower. After each manifest it deletes the checkpoints
// beyond Retain and the files no kept manifest references.
//
// Begin, Durable, Wait, History and Close are safe for concurrent use.
type Checkpointer struct {
	store *Store
	opts  CheckpointerOptions
	log   *slog.Logger
	run   string

	mu       sync.Mutex
	busy     bool
	durable  uint64                  // newest epoch whose manifest is written
	lastErr  error                   // the last checkpoint's failure, nil after a success
	uploaded map[string]ManifestFile // SST files in the object store, by name
	kept     []*Manifest             // the retained manifests, newest first
	history  []CheckpointStatus
	idle     chan struct{} // closed when no upload is in flight
	closed   bool
}

// NewCheckpointer returns a Checkpointer of s. It reads the retained
// manifests of the object store, to know what is stored already.
func NewCheckpointer(ctx context.Context, s *Store, opts CheckpointerOptions) (*Checkpointer, error) {
	if s.inMemory {
		return nil, errors.New("statestore: an in-memory store cannot be checkpointed")
	}
	if opts.Retain < 1 {
		opts.Retain = 1
	}
	if opts.Uploads <= 0 {
		opts.Uploads = 4
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	var id [6]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	c := &Checkpointer{
		store: s, opts: opts, log: log, run: hex.EncodeToString(id[:]),
		uploaded: map[string]ManifestFile{}, idle: make(chan struct{}),
	}
	close(c.idle)
	if err := os.RemoveAll(opts.ScratchDir); err != nil {
		return nil, fmt.Errorf("statestore: clearing %s: %w", opts.ScratchDir, err)
	}
	if err := os.MkdirAll(opts.ScratchDir, 0o755); err != nil {
		return nil, fmt.Errorf("statestore: %w", err)
	}
	// Only the restored manifest's files are known to match local files: a
	// newer manifest of another run names files this DB never had.
	if m := opts.Restored; m != nil {
		c.durable = m.Epoch
		c.kept = []*Manifest{m}
		c.remember(m)
	}
	epochs, err := ListCheckpoints(ctx, opts.Objects)
	if err != nil {
		return nil, fmt.Errorf("statestore: listing checkpoints in %s: %w", opts.Objects, err)
	}
	for _, e := range epochs {
		if opts.Restored != nil && e == opts.Restored.Epoch {
			continue
		}
		m, err := ReadManifest(ctx, opts.Objects, e)
		if err != nil {
			log.Warn("checkpoint manifest unreadable; it will be collected", "epoch", e, "err", err)
			continue
		}
		c.kept = append(c.kept, m)
	}
	slices.SortFunc(c.kept, func(a, b *Manifest) int { return cmp.Compare(b.Epoch, a.Epoch) })
	return c, nil
}

// remember records m's SST files as stored.
func (c *Checkpointer) remember(m *Manifest) {
	for _, f := range m.Files {
		if strings.HasSuffix(f.Name, ".sst") {
			c.uploaded[f.Name] = f
		}
	}
}

// Run returns the identifier of this process run, under which its SST
// files are stored.
func (c *Checkpointer) Run() string { return c.run }

// Name is CheckpointerOptions.Name.
func (c *Checkpointer) Name() string { return c.opts.Name }

// Begin takes a checkpoint of the store as of epoch, which the caller has
// just committed (no write of a later epoch may be in flight), and uploads
// it in the background. What info returns (nil info: nothing) is recorded
// in the manifest; it is called only when a checkpoint is taken. Begin
// returns false when an upload is still in flight: no checkpoint is taken
// then. Taking the checkpoint flushes the memtables and hard-links the
// files; only that is on the caller's path.
func (c *Checkpointer) Begin(epoch uint64, infoFn func() json.RawMessage) (bool, error) {
	c.mu.Lock()
	if c.busy || c.closed {
		c.mu.Unlock()
		return false, nil
	}
	c.busy = true
	c.idle = make(chan struct{})
	c.mu.Unlock()
	var info json.RawMessage
	if infoFn != nil {
		info = infoFn()
	}
	started := time.Now()
	dir := filepath.Join(c.opts.ScratchDir, fmt.Sprintf("%020d", epoch))
	if err := os.RemoveAll(dir); err != nil {
		c.finish(CheckpointStatus{Epoch: epoch, Started: started}, err)
		return false, err
	}
	if err := c.store.Checkpoint(dir); err != nil {
		c.finish(CheckpointStatus{Epoch: epoch, Started: started}, err)
		return false, err
	}
	st := CheckpointStatus{Epoch: epoch, Started: started, Status: "uploading", Info: info}
	c.mu.Lock()
	c.pushHistory(st)
	c.mu.Unlock()
	go func() {
		c.step(StepTaken)
		m, st, err := c.upload(context.Background(), dir, epoch, info, st)
		if err == nil {
			c.step(StepManifest)
			err = c.collect(context.Background(), m)
			c.step(StepCollected)
		}
		os.RemoveAll(dir)
		c.finish(st, err)
	}()
	return true, nil
}

// pushHistory appends st (or replaces the entry of its epoch). c.mu held.
func (c *Checkpointer) pushHistory(st CheckpointStatus) {
	if n := len(c.history); n > 0 && c.history[n-1].Epoch == st.Epoch {
		c.history[n-1] = st
		return
	}
	c.history = append(c.history, st)
	if len(c.history) > historyLen {
		c.history = slices.Delete(c.history, 0, len(c.history)-historyLen)
	}
}

// finish records the outcome of the checkpoint in flight and wakes waiters.
func (c *Checkpointer) finish(st CheckpointStatus, err error) {
	st.Duration = time.Since(st.Started)
	c.mu.Lock()
	if err != nil {
		st.Status, st.Err = "failed", err.Error()
		c.lastErr = fmt.Errorf("checkpoint of epoch %d: %w", st.Epoch, err)
		c.log.Error("checkpoint failed; the next one will be tried", "epoch", st.Epoch, "err", err)
	} else {
		st.Status = "done"
		c.lastErr = nil
		c.durable = max(c.durable, st.Epoch)
		c.log.Info("checkpoint written", "epoch", st.Epoch, "files", st.Files, "uploaded", st.FilesUploaded,
			"bytes_uploaded", st.BytesUploaded, "state_bytes", st.StateBytes, "duration", st.Duration.Round(time.Millisecond))
	}
	c.pushHistory(st)
	c.busy = false
	close(c.idle)
	c.mu.Unlock()
	if c.opts.OnFinish != nil {
		c.opts.OnFinish(st)
	}
}

// upload stores the files of the checkpoint directory dir that are not
// stored yet, then the manifest.
func (c *Checkpointer) upload(ctx context.Context, dir string, epoch uint64, info json.RawMessage, st CheckpointStatus) (*Manifest, CheckpointStatus, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, st, err
	}
	m := &Manifest{Version: ManifestVersion, Epoch: epoch, Created: st.Started.UTC(), Run: c.run, Info: info}
	type job struct {
		i    int
		path string
	}
	var jobs []job
	c.mu.Lock()
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			c.mu.Unlock()
			return nil, st, err
		}
		f := ManifestFile{Name: e.Name(), Size: info.Size()}
		if have, ok := c.uploaded[f.Name]; ok && have.Size == f.Size {
			f = have
		} else {
			if strings.HasSuffix(f.Name, ".sst") {
				f.Object = sstPrefix + c.run + "/" + f.Name
			} else {
				f.Object = fmt.Sprintf("%s%020d/%s", metaPrefix, epoch, f.Name)
			}
			jobs = append(jobs, job{i: len(m.Files), path: filepath.Join(dir, f.Name)})
		}
		m.Files = append(m.Files, f)
	}
	c.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Uploads)
	for _, j := range jobs {
		g.Go(func() error {
			crc, err := c.putFile(gctx, j.path, m.Files[j.i])
			m.Files[j.i].CRC32C = crc
			if err == nil {
				c.step(StepFileUploaded)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, st, err
	}
	c.step(StepFilesStored)
	if err := writeManifest(ctx, c.opts.Objects, m); err != nil {
		return nil, st, fmt.Errorf("writing manifest: %w", err)
	}
	st.Files, st.FilesUploaded, st.StateBytes = len(m.Files), len(jobs), m.StateBytes()
	for _, j := range jobs {
		st.BytesUploaded += m.Files[j.i].Size
	}
	c.mu.Lock()
	c.remember(m)
	c.mu.Unlock()
	return m, st, nil
}

// putFile uploads the file at path as f.Object and returns its CRC-32C,
// computed while it streams.
func (c *Checkpointer) putFile(ctx context.Context, path string, f ManifestFile) (uint32, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	h := crc32.New(crcTable)
	if err := c.opts.Objects.Put(ctx, f.Object, io.TeeReader(file, h), f.Size); err != nil {
		return 0, fmt.Errorf("uploading %s: %w", f.Name, err)
	}
	return h.Sum32(), nil
}

// collect makes m the newest kept manifest, deletes the manifests beyond
// Retain, and then every SST or meta object no kept manifest references.
// A failure here loses nothing: what was not deleted is collected after a
// later checkpoint.
func (c *Checkpointer) collect(ctx context.Context, m *Manifest) error {
	c.mu.Lock()
	c.kept = append([]*Manifest{m}, c.kept...)
	var drop []*Manifest
	if len(c.kept) > c.opts.Retain {
		drop = slices.Clone(c.kept[c.opts.Retain:])
		c.kept = c.kept[:c.opts.Retain]
	}
	live := map[string]bool{}
	for _, k := range c.kept {
		for _, f := range k.Files {
			live[f.Object] = true
		}
	}
	c.mu.Unlock()
	for _, d := range drop {
		if err := c.opts.Objects.Delete(ctx, manifestName(d.Epoch)); err != nil {
			c.log.Warn("could not delete an old checkpoint manifest", "epoch", d.Epoch, "err", err)
			return nil
		}
	}
	// Unreadable or foreign manifests (not in kept, older than the oldest
	// kept one) go too.
	epochs, err := ListCheckpoints(ctx, c.opts.Objects)
	if err != nil {
		c.log.Warn("could not list checkpoints to collect", "err", err)
		return nil
	}
	oldest := m.Epoch
	c.mu.Lock()
	for _, k := range c.kept {
		oldest = min(oldest, k.Epoch)
	}
	c.mu.Unlock()
	for _, e := range epochs {
		if e < oldest {
			if err := c.opts.Objects.Delete(ctx, manifestName(e)); err != nil {
				c.log.Warn("could not delete an old checkpoint manifest", "epoch", e, "err", err)
			}
		}
	}
	for _, prefix := range []string{sstPrefix, metaPrefix} {
		objs, err := c.opts.Objects.List(ctx, prefix)
		if err != nil {
			c.log.Warn("could not list checkpoint files to collect", "err", err)
			return nil
		}
		for _, o := range objs {
			if !live[o.Name] {
				if err := c.opts.Objects.Delete(ctx, o.Name); err != nil {
					c.log.Warn("could not delete an unreferenced checkpoint file", "object", o.Name, "err", err)
				}
				c.step(StepDeleted)
			}
		}
	}
	c.mu.Lock()
	for name, f := range c.uploaded {
		if !live[f.Object] {
			delete(c.uploaded, name)
		}
	}
	c.mu.Unlock()
	return nil
}

// Durable returns the newest epoch whose checkpoint is complete (0 when
// none is).
func (c *Checkpointer) Durable() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.durable
}

// Wait blocks until no upload is in flight, and returns the last
// checkpoint's failure, if it failed.
func (c *Checkpointer) Wait(ctx context.Context) error {
	c.mu.Lock()
	idle := c.idle
	c.mu.Unlock()
	select {
	case <-idle:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// History returns the checkpoints this process took, oldest first.
func (c *Checkpointer) History() []CheckpointStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.history)
}

// Close waits for the upload in flight and refuses later checkpoints.
func (c *Checkpointer) Close(ctx context.Context) error {
	err := c.Wait(ctx)
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return err
}
