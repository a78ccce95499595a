// Package dmllog is the write-ahead log of the writes to tables: an
// append-only sequence of records, each with a log sequence number (LSN)
// one above the one before, kept in segment files of one directory and
// synced to disk in groups.
//
// The engine appends a record for every INSERT, UPDATE, DELETE and COMMIT
// that changes a table, and answers the client once the record is synced:
// one fsync, shared by every writer waiting at the time, instead of a whole
// checkpoint. Checkpoints carry, per table, the LSN of the last record the
// table's state holds; after a crash the records above it are applied again,
// and the segments that a durable checkpoint covers are deleted.
//
// Segment files are named by their first LSN (%020d.log). A record is
// [length u32][crc32c u32][lsn u64][payload], little-endian, the checksum
// over the LSN and the payload. A torn record at the end of the last
// segment (a crash during a write) ends the log; Open truncates it away.
package dmllog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/weir-stream/weir/statestore/objstore"
)

// headerLen is the length of a record's header: length, checksum, LSN.
const headerLen = 16

// maxPayload bounds a record's payload, so that a corrupt length cannot make
// a reader allocate without limit.
const maxPayload = 1 << 30

// segmentBytes is the size past which appends go to a new segment.
const segmentBytes = 64 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Log is an open write-ahead log. Its methods are safe for concurrent use.
type Log struct {
	dir string

	mu   sync.Mutex
	cond *sync.Cond
	// segs are the segment files in LSN order; the last one is open for
	// appends in f.
	segs []segment
	f    *os.File
	size int64 // bytes in the open segment
	// next is the LSN of the next append; written the last appended, synced
	// the last one known on disk.
	next, written, synced uint64
	syncing               bool
	// err is the first write or sync error: the log takes no more appends,
	// as what is on disk is no longer known.
	err error
}

// segment is one file of the log.
type segment struct {
	path        string
	first, last uint64 // last < first when it holds no record
}

// Open opens the log in dir, creating dir when missing. It truncates a torn
// record at the end of the last segment and starts a new segment for
// appends, whose first LSN is one above the last record's.
func Open(dir string) (*Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	l := &Log{dir: dir}
	l.cond = sync.NewCond(&l.mu)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, ent := range ents {
		first, ok := segmentLSN(ent.Name())
		if !ok {
			continue
		}
		l.segs = append(l.segs, segment{path: filepath.Join(dir, ent.Name()), first: first, last: first - 1})
	}
	sort.Slice(l.segs, func(i, j int) bool { return l.segs[i].first < l.segs[j].first })
	next := uint64(1)
	for i := range l.segs {
		s := &l.segs[i]
		last, good, err := scanSegment(s.path, s.first, nil)
		if err != nil && !errors.Is(err, errTorn) {
			return nil, err
		}
		if errors.Is(err, errTorn) {
			// Only the last segment with records can end torn: later ones
			// are empty (an earlier Open started them).
			for _, later := range l.segs[i+1:] {
				if st, serr := os.Stat(later.path); serr != nil || st.Size() > 0 {
					return nil, fmt.Errorf("dmllog: %s: %w before the last segment", s.path, err)
				}
			}
			if err := truncateSynced(s.path, good); err != nil {
				return nil, fmt.Errorf("dmllog: truncating the torn end of %s: %w", s.path, err)
			}
		}
		s.last = last
		if last >= s.first {
			next = last + 1
		} else if s.first > next {
			next = s.first
		}
	}
	l.next, l.written, l.synced = next, next-1, next-1
	if err := l.startSegment(); err != nil {
		return nil, err
	}
	return l, nil
}

// truncateSynced cuts the file at path to size and syncs it, so that the
// torn end cannot come back after a power loss.
func truncateSynced(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// segmentLSN parses the first LSN out of a segment file's name.
func segmentLSN(name string) (uint64, bool) {
	base, ok := strings.CutSuffix(name, ".log")
	if !ok || len(base) != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(base, 10, 64)
	return n, err == nil && n > 0
}

// startSegment makes a new segment starting at l.next the open one; l.mu is
// held or l is not shared yet.
func (l *Log) startSegment() error {
	path := filepath.Join(l.dir, fmt.Sprintf("%020d.log", l.next))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := objstore.SyncDir(l.dir); err != nil {
		f.Close()
		return err
	}
	if n := len(l.segs); n > 0 && l.segs[n-1].path == path {
		l.segs = l.segs[:n-1] // an empty segment of the same name, reopened
	}
	l.segs = append(l.segs, segment{path: path, first: l.next, last: l.next - 1})
	l.f, l.size = f, 0
	return nil
}

// SetNext raises the LSN of the next append to at least lsn: the engine
// calls it before appending, with one above the highest LSN its tables'
// state holds, so that LSNs stay increasing when segments were deleted.
func (l *Log) SetNext(lsn uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lsn <= l.next {
		return nil
	}
	if l.written >= l.segs[len(l.segs)-1].first {
		return errors.New("dmllog: SetNext after an append")
	}
	// The open segment is empty: start it again at lsn.
	l.f.Close()
	os.Remove(l.segs[len(l.segs)-1].path)
	l.segs = l.segs[:len(l.segs)-1]
	l.next, l.written, l.synced = lsn, lsn-1, lsn-1
	return l.startSegment()
}

// Err returns the error that stopped the log taking appends (a failed write
// or sync, or Close), or nil while it takes them.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Last returns the LSN of the last record appended (or, before any, one
// below the next).
func (l *Log) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next - 1
}

// First returns the LSN of the oldest record the log holds, or 0 when it
// holds none.
func (l *Log) First() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.segs {
		if s.last >= s.first {
			return s.first
		}
	}
	return 0
}

// Append writes a record with payload and returns its LSN. The record is in
// the operating system's hands when Append returns (it survives the
// process, not the machine); Sync makes it durable.
func (l *Log) Append(payload []byte) (uint64, error) {
	if len(payload) > maxPayload {
		return 0, fmt.Errorf("dmllog: record of %d bytes is larger than %d", len(payload), maxPayload)
	}
	buf := make([]byte, headerLen+len(payload))
	binary.LittleEndian.PutUint32(buf[0:], uint32(len(payload)))
	copy(buf[headerLen:], payload)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	if l.size >= segmentBytes {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	lsn := l.next
	binary.LittleEndian.PutUint64(buf[8:], lsn)
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(buf[8:], crcTable))
	if _, err := l.f.Write(buf); err != nil {
		l.err = fmt.Errorf("dmllog: write: %w", err)
		return 0, l.err
	}
	l.size += int64(len(buf))
	l.next++
	l.written = lsn
	l.segs[len(l.segs)-1].last = lsn
	return lsn, nil
}

// rotate syncs and closes the open segment and starts a new one; l.mu is
// held and no sync is in flight on the old file after it returns.
func (l *Log) rotate() error {
	for l.syncing {
		l.cond.Wait()
	}
	if err := l.f.Sync(); err != nil {
		l.err = fmt.Errorf("dmllog: sync: %w", err)
		return l.err
	}
	l.synced = l.written
	l.cond.Broadcast()
	if err := l.f.Close(); err != nil {
		l.err = err
		return err
	}
	if err := l.startSegment(); err != nil {
		l.err = err
		return err
	}
	return nil
}

// Sync returns once the record lsn and every one before it are on disk.
// Writers waiting at once share one fsync (group commit).
func (l *Log) Sync(lsn uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.synced < lsn {
		if l.err != nil {
			return l.err
		}
		if l.syncing {
			l.cond.Wait()
			continue
		}
		l.syncing = true
		target, f := l.written, l.f
		l.mu.Unlock()
		err := f.Sync()
		l.mu.Lock()
		l.syncing = false
		if err != nil && l.err == nil {
			l.err = fmt.Errorf("dmllog: sync: %w", err)
		}
		if err == nil && target > l.synced {
			l.synced = target
		}
		l.cond.Broadcast()
	}
	return nil
}

// Replay calls fn with every record of the log in LSN order, stopping at
// fn's first error.
func (l *Log) Replay(fn func(lsn uint64, payload []byte) error) error {
	l.mu.Lock()
	segs := append([]segment(nil), l.segs...)
	l.mu.Unlock()
	for _, s := range segs {
		if s.last < s.first {
			continue
		}
		if _, _, err := scanSegment(s.path, s.first, fn); err != nil {
			return err
		}
	}
	return nil
}

// Truncate deletes the segments whose records all have LSNs at most lsn:
// what a durable checkpoint holds. When the open segment is one of them, a
// new one is started first.
func (l *Log) Truncate(lsn uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	open := l.segs[len(l.segs)-1]
	if open.last >= open.first && open.last <= lsn {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	keep := l.segs[:0]
	var errs []error
	for i, s := range l.segs {
		if i < len(l.segs)-1 && s.last <= lsn {
			if err := os.Remove(s.path); err != nil && !os.IsNotExist(err) {
				errs = append(errs, err)
				keep = append(keep, s)
			}
			continue
		}
		keep = append(keep, s)
	}
	l.segs = keep
	return errors.Join(errs...)
}

// Segments returns how many segment files the log has (for tests and
// system tables).
func (l *Log) Segments() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.segs)
}

// Close syncs and closes the open segment.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.syncing {
		l.cond.Wait()
	}
	if l.f == nil {
		return nil
	}
	err := l.f.Sync()
	if err == nil {
		l.synced = l.written
	}
	l.cond.Broadcast()
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if l.err == nil {
		l.err = errors.New("dmllog: closed")
	}
	return err
}

// errTorn marks a record cut short or failing its checksum.
var errTorn = errors.New("torn or corrupt record")

// scanSegment reads the records of the segment at path, whose first LSN is
// first, calling fn (when not nil) with each. It returns the last LSN read
// (first-1 when none), the length of the good prefix, and errTorn when the
// file ends in a bad record.
func scanSegment(path string, first uint64, fn func(uint64, []byte) error) (last uint64, good int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return first - 1, 0, err
	}
	defer f.Close()
	last = first - 1
	var hdr [headerLen]byte
	for {
		if _, err := io.ReadFull(f, hdr[:]); err != nil {
			if err == io.EOF {
				return last, good, nil
			}
			return last, good, fmt.Errorf("dmllog: %s at %d: %w", path, good, errTorn)
		}
		n := binary.LittleEndian.Uint32(hdr[0:])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		lsn := binary.LittleEndian.Uint64(hdr[8:])
		if n > maxPayload || lsn != last+1 {
			return last, good, fmt.Errorf("dmllog: %s at %d: %w", path, good, errTorn)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(f, payload); err != nil {
			return last, good, fmt.Errorf("dmllog: %s at %d: %w", path, good, errTorn)
		}
		crc := crc32.Update(crc32.Checksum(hdr[8:], crcTable), crcTable, payload)
		if crc != sum {
			return last, good, fmt.Errorf("dmllog: %s at %d: %w", path, good, errTorn)
		}
		if fn != nil {
			if err := fn(lsn, payload); err != nil {
				return last, good, err
			}
		}
		last = lsn
		good += int64(headerLen) + int64(n)
	}
}
