package statestore

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrClosed is returned by the methods of a Store, WriteBatch or Snapshot
// used after its Close.
var ErrClosed = errors.New("statestore: closed")

// defaultCacheBytes is the block cache size when Options.CacheBytes is 0.
// Every point read consults the bloom filter block of each file it may
// be in; once the filters and hot blocks no longer fit, each read copies
// and checksums whole filter blocks again, and reads slow down with the
// state's size: Nexmark q16 over 3 M events, whose distinct sets outgrow
// their in-memory cache, ran at 21 K events per CPU-second with 64 MiB
// (83% of its CPU in filter block reads) and 172 K with 512 MiB. The
// cache grows only as blocks are read, so a small state costs no more.
const defaultCacheBytes = 256 << 20

// Options configures Open.
type Options struct {
	Dir        string // on-disk directory (backend local); ignored when InMemory
	InMemory   bool   // backend memory: Pebble over vfs.NewMem()
	Logger     *slog.Logger
	CacheBytes int64 // block cache; 0 → 256 MiB
}

// Store is one Pebble database holding every state table of a node.
//
// Writes go through a WriteBatch; the write-ahead log is disabled because
// durability comes from checkpoints and from the Flush of a clean shutdown:
// writes not flushed or checkpointed are lost in a crash.
//
// A Store is safe for concurrent use by many goroutines (Get, Scan,
// NewWriteBatch, NewSnapshot, Flush, Checkpoint, Metrics), except Close, which
// must be called once, after every other use has ended.
type Store struct {
	db       *pebble.DB
	inMemory bool
	logger   *slog.Logger
	closed   atomic.Bool
}

// Open opens (creating if needed) the store described by opts.
func Open(opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	cacheBytes := opts.CacheBytes
	if cacheBytes <= 0 {
		cacheBytes = defaultCacheBytes
	}
	dir := opts.Dir
	var fs vfs.FS
	if opts.InMemory {
		fs = vfs.NewMem()
		dir = "state"
	} else {
		if dir == "" {
			return nil, errors.New("statestore: an on-disk store needs a directory")
		}
		fs = vfs.Default
	}
	cache := pebble.NewCache(cacheBytes)
	defer cache.Unref()
	popts := &pebble.Options{
		FS:                 fs,
		Cache:              cache,
		DisableWAL:         true,
		Logger:             pebbleLogger{logger},
		FormatMajorVersion: pebble.FormatNewest,
	}
	// Bloom filters in every level (the later levels take L0's): operators
	// look groups up by key, and each checkpoint's flush adds small L0
	// files; without filters a lookup searches each of them (make bench
	// measured 1.7 µs against 1.3 µs per lookup with checkpoints every
	// second).
	popts.Levels[0].FilterPolicy = bloom.FilterPolicy(10)
	// A 64 MiB memtable (Pebble grows it from small as it fills, so a
	// small store stays small) absorbs the rewrites of hot keys, a group's
	// row every epoch, before they reach a file, and a 256 MiB base level
	// keeps the tree shallow: for Nexmark q16, whose state is rewritten
	// at every 100 ms epoch, compactions took 40% of the CPU with Pebble's
	// defaults (4 MiB, 64 MiB) and 10% with these.
	popts.MemTableSize = 64 << 20
	popts.LBaseMaxBytes = 256 << 20
	// L0 is compacted at 16 sublevels, not Pebble's 4: the rows of a state
	// table spread over all its vnodes, so each flush overlaps the whole
	// base level, and each L0 compaction rewrites it. Reads rarely reach
	// the extra sublevels (the operators cache what they read); for
	// Nexmark q20 (-quick), whose join keeps every bid, compactions fell
	// from 5 to 0 per run and its events per CPU second rose by a quarter.
	popts.L0CompactionThreshold = 16
	popts.L0StopWritesThreshold = 48
	db, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, fmt.Errorf("statestore: opening %q: %w", dir, err)
	}
	return &Store{db: db, inMemory: opts.InMemory, logger: logger}, nil
}

// Close closes the store. An on-disk store first flushes its memtables, so
// that everything committed survives a reopen. Close is idempotent.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	var flushErr error
	if !s.inMemory {
		if err := s.db.Flush(); err != nil {
			flushErr = fmt.Errorf("statestore: flushing before close: %w", err)
		}
	}
	if err := s.db.Close(); err != nil {
		return errors.Join(flushErr, fmt.Errorf("statestore: closing: %w", err))
	}
	return flushErr
}

// Flush writes the memtables to SST files and waits for it to finish.
func (s *Store) Flush() error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := s.db.Flush(); err != nil {
		return fmt.Errorf("statestore: flushing: %w", err)
	}
	return nil
}

// Checkpoint flushes the memtables, then writes a consistent copy of the
// database (hard links to its SST files where possible) into dir, which must
// not exist. An in-memory store checkpoints into its own in-memory file system.
func (s *Store) Checkpoint(dir string) error {
	if err := s.Flush(); err != nil {
		return err
	}
	if err := s.db.Checkpoint(dir); err != nil {
		return fmt.Errorf("statestore: checkpoint to %q: %w", dir, err)
	}
	return nil
}

// DB returns the underlying Pebble database, for checkpoint and restore code.
// The Store still owns it: do not close it.
func (s *Store) DB() *pebble.DB { return s.db }

// Get returns a copy of the value of key, or (nil, false, nil) when key is
// absent. It implements exec.StateReader.
func (s *Store) Get(key []byte) ([]byte, bool, error) {
	if s.closed.Load() {
		return nil, false, ErrClosed
	}
	return get(s.db, key)
}

// Scan calls fn for every key in [lo, hi) in key order until fn returns false
// or an error (which Scan returns). A nil lo or hi leaves that end unbounded.
// key and value are valid only during the call. It implements exec.StateReader.
func (s *Store) Scan(lo, hi []byte, fn func(k, v []byte) (bool, error)) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return scan(s.db, lo, hi, fn)
}

// NewWriteBatch returns an empty batch of writes to apply atomically with Commit.
func (s *Store) NewWriteBatch() *WriteBatch {
	return &WriteBatch{b: s.db.NewBatch(), db: s.db}
}

// NewSnapshot returns a read-only view of the store as it is now.
func (s *Store) NewSnapshot() *Snapshot {
	return &Snapshot{snap: s.db.NewSnapshot()}
}

// pebbleReader is what Store and Snapshot read through: *pebble.DB or *pebble.Snapshot.
type pebbleReader interface {
	Get(key []byte) ([]byte, io.Closer, error)
	NewIter(o *pebble.IterOptions) (*pebble.Iterator, error)
}

func get(r pebbleReader, key []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("statestore: get %x: %w", key, err)
	}
	out := append(make([]byte, 0, len(v)), v...)
	if err := closer.Close(); err != nil {
		return nil, false, fmt.Errorf("statestore: get %x: %w", key, err)
	}
	return out, true, nil
}

func scan(r pebbleReader, lo, hi []byte, fn func(k, v []byte) (bool, error)) (err error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return fmt.Errorf("statestore: scan [%x, %x): %w", lo, hi, err)
	}
	defer func() {
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("statestore: scan [%x, %x): %w", lo, hi, cerr)
		}
	}()
	for valid := it.First(); valid; valid = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("statestore: scan at %x: %w", it.Key(), err)
		}
		more, err := fn(it.Key(), v)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
	return nil
}

// Metrics is a summary of the store's size and activity.
type Metrics struct {
	DiskBytes        uint64 // every file of the store (SSTs, manifest, ...)
	SSTBytes         int64  // live SST files
	SSTCount         int64
	MemtableBytes    uint64 // memtables, flushed or not yet
	MemtableCount    int64
	KeysEstimate     uint64 // entries in SSTs minus deletions; memtables not counted
	BlockCacheBytes  int64
	BlockCacheHits   int64
	BlockCacheMisses int64
	Flushes          int64
	Compactions      int64
}

// Metrics returns the store's current metrics.
func (s *Store) Metrics() Metrics {
	if s.closed.Load() {
		return Metrics{}
	}
	m := s.db.Metrics()
	total := m.Total()
	out := Metrics{
		DiskBytes:        m.DiskSpaceUsage(),
		SSTBytes:         total.TablesSize,
		SSTCount:         total.TablesCount,
		MemtableBytes:    m.MemTable.Size,
		MemtableCount:    m.MemTable.Count,
		BlockCacheBytes:  m.BlockCache.Size,
		BlockCacheHits:   m.BlockCache.Hits,
		BlockCacheMisses: m.BlockCache.Misses,
		Flushes:          m.Flush.Count,
		Compactions:      m.Compact.Count,
	}
	if levels, err := s.db.SSTables(pebble.WithProperties()); err == nil {
		for _, level := range levels {
			for _, t := range level {
				if p := t.Properties; p != nil && p.NumEntries > p.NumDeletions {
					out.KeysEstimate += p.NumEntries - p.NumDeletions
				}
			}
		}
	}
	return out
}

// WriteBatch collects writes (one epoch's, typically) and applies them
// atomically with Commit. It implements exec.StateWriter. A WriteBatch is
// used by one goroutine at a time. Close releases it, after Commit or
// instead of it (dropping the writes).
type WriteBatch struct {
	b         *pebble.Batch
	db        *pebble.DB
	committed bool
	closed    bool
}

func (w *WriteBatch) usable() error {
	switch {
	case w.closed:
		return ErrClosed
	case w.committed:
		return errors.New("statestore: write batch already committed")
	}
	return nil
}

// Set writes value under key. Both are copied.
func (w *WriteBatch) Set(key, value []byte) error {
	if err := w.usable(); err != nil {
		return err
	}
	return w.b.Set(key, value, nil)
}

// Delete deletes key.
func (w *WriteBatch) Delete(key []byte) error {
	if err := w.usable(); err != nil {
		return err
	}
	return w.b.Delete(key, nil)
}

// DeleteRange deletes every key in [lo, hi).
func (w *WriteBatch) DeleteRange(lo, hi []byte) error {
	if err := w.usable(); err != nil {
		return err
	}
	return w.b.DeleteRange(lo, hi, nil)
}

// Grow makes room for n more bytes of writes (keys, values and a few
// bytes each), so that a writer that knows its epoch's size up front (a
// table's barrier) fills one buffer instead of one doubled over and over.
// It implements exec.StateGrower.
func (w *WriteBatch) Grow(n int) {
	if w.usable() != nil || cap(w.b.Repr())-w.b.Len() >= n {
		return
	}
	grown := w.db.NewBatchWithSize(w.b.Len() + n)
	if err := grown.Apply(w.b, nil); err != nil {
		_ = grown.Close()
		return
	}
	_ = w.b.Close()
	w.b = grown
}

// Len returns the number of writes in the batch.
func (w *WriteBatch) Len() int {
	if w.closed {
		return 0
	}
	return int(w.b.Count())
}

// Empty reports whether the batch holds no writes.
func (w *WriteBatch) Empty() bool { return w.Len() == 0 }

// Commit applies every write of the batch atomically (without syncing: see
// Store). A batch commits at most once.
func (w *WriteBatch) Commit() error {
	if err := w.usable(); err != nil {
		return err
	}
	w.committed = true
	if err := w.b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("statestore: committing write batch: %w", err)
	}
	return nil
}

// Close releases the batch. It is idempotent.
func (w *WriteBatch) Close() {
	if w.closed {
		return
	}
	w.closed = true
	_ = w.b.Close()
}

// Snapshot is a consistent, read-only view of the store at the time
// NewSnapshot was called: later writes are invisible to it. It implements
// exec.StateReader. Get and Scan are safe for concurrent use; Close must be
// called once, after they have returned, and before the Store's Close.
type Snapshot struct {
	snap   *pebble.Snapshot
	closed atomic.Bool
}

// Get returns a copy of the value of key at snapshot time, or (nil, false, nil).
func (s *Snapshot) Get(key []byte) ([]byte, bool, error) {
	if s.closed.Load() {
		return nil, false, ErrClosed
	}
	return get(s.snap, key)
}

// Scan calls fn for every key in [lo, hi) at snapshot time, as Store.Scan does.
func (s *Snapshot) Scan(lo, hi []byte, fn func(k, v []byte) (bool, error)) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return scan(s.snap, lo, hi, fn)
}

// Close releases the snapshot. It is idempotent.
func (s *Snapshot) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if err := s.snap.Close(); err != nil {
		return fmt.Errorf("statestore: closing snapshot: %w", err)
	}
	return nil
}

// pebbleLogger sends Pebble's log lines to a slog.Logger: Infof at debug
// level (Pebble is chatty), Errorf at error level. Fatalf logs at error level
// and panics: Pebble calls it only when it cannot continue safely.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug("pebble: " + fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error("pebble: " + fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := "pebble: " + fmt.Sprintf(format, args...)
	p.l.Error(msg)
	panic(msg)
}
