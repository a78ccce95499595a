package file

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/sql/types"
)

// ErrorSink receives the lines the source skips because they do not decode:
// offset is the line's byte offset, line its 1-based line number, raw its
// bytes (without the newline; valid only during the call).
type ErrorSink interface {
	RecordError(offset int64, line int64, raw []byte, err error)
}

// MaxLineBytes is the longest line the source reads; a longer line is
// reported to the ErrorSink (its first bytes) and skipped.
const MaxLineBytes = 16 << 20

const readSize = 256 << 10

// Source reads the lines of a file as a stream (see package doc and
// docs/format/file-source.md). It is an exec.Source: the runtime calls it from
// one goroutine at a time.
type Source struct {
	opts   Options
	mem    memory.Allocator
	errs   ErrorSink
	log    *slog.Logger
	schema *arrow.Schema // declared columns + RowIDColumn

	f        *os.File
	offset   int64  // byte offset after the last consumed line
	line     int64  // line number of the line at offset (1-based)
	back     []byte // buf's backing array
	buf      []byte
	bufStart int64 // file offset of buf[0]; buf holds bytes not yet consumed
	skipping bool  // discarding the rest of an over-long line

	rows   *format.RowBuilder
	rowIDs *array.Int64Builder
	csv    *format.CSVDecoder
	json   *format.JSONDecoder
	header bool // the CSV header has been read (or there is none)

	loggedMissing, loggedShrunk bool
	malformed                   int64

	// Published for Progress, which runs on other goroutines.
	pubOffset, pubRows, pubMalformed, pubSize atomic.Int64
	// openOffset is the offset Open restored: Progress counts bytes from it.
	openOffset atomic.Int64
	// health is the source's status and last error, for Progress.
	health struct {
		sync.Mutex
		waiting bool
		lastErr string
	}
}

var _ exec.Source = (*Source)(nil)

// NewSource returns a source reading opts.Path. errs may be nil (skipped
// lines are then only logged and counted). Nothing is opened until Open.
func NewSource(opts Options, mem memory.Allocator, errs ErrorSink) (*Source, error) {
	if len(opts.Key) == 0 {
		return nil, errors.New("file source: no state key for the read offset")
	}
	if opts.Format != "csv" && opts.Format != "json" {
		return nil, fmt.Errorf("file source: unknown format %q", opts.Format)
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.Delimiter == 0 {
		opts.Delimiter = ','
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	out := append(types.Schema{}, opts.Schema...)
	out = append(out, types.Column{Name: RowIDColumn, Type: types.Int64Type})
	return &Source{
		opts:   opts,
		mem:    mem,
		errs:   errs,
		log:    opts.Logger.With("source", "file", "path", opts.Path),
		schema: out.Arrow(),
		line:   1,
	}, nil
}

// Schema returns the schema of the chunks the source emits: the declared
// columns and then RowIDColumn.
func (s *Source) Schema() *arrow.Schema { return s.schema }

// Offset returns the byte offset after the last line consumed.
func (s *Source) Offset() int64 { return s.offset }

// Malformed returns how many lines were skipped because they did not decode.
func (s *Source) Malformed() int64 { return s.malformed }

// Progress reports the read offset, the records read and skipped since Open,
// and the bytes of the file not read yet. Safe for concurrent use.
func (s *Source) Progress() exec.SourceProgress {
	off := s.pubOffset.Load()
	lag := int64(-1)
	if size := s.pubSize.Load(); size >= 0 {
		lag = max(0, size-off)
	}
	return exec.SourceProgress{
		Rows: s.pubRows.Load(), Errors: s.pubMalformed.Load(), Bytes: off - s.openOffset.Load(),
		Position: strconv.FormatInt(off, 10), Lag: lag, LagUnit: "bytes",
		Status: s.status(), LastError: s.lastError(),
	}
}

// status is exec.SourceWaiting while the file is missing, else
// exec.SourceRunning.
func (s *Source) status() string {
	s.health.Lock()
	defer s.health.Unlock()
	if s.health.waiting {
		return exec.SourceWaiting
	}
	return exec.SourceRunning
}

// lastError is why the file last could not be read (kept once it can).
func (s *Source) lastError() string {
	s.health.Lock()
	defer s.health.Unlock()
	return s.health.lastErr
}

// setMissing records whether the file is missing: while it is, the source
// is waiting, and why is its last error.
func (s *Source) setMissing(missing bool, why string) {
	s.health.Lock()
	defer s.health.Unlock()
	s.health.waiting = missing
	if missing {
		s.health.lastErr = why
	}
}

// checkPath looks at the path while the source has nothing to read (fi is
// the open file's, nil when its stat failed): a file removed under it makes
// the source wait (its status says why), and a file created again at the
// path, or one that replaced it (rotated), is followed from the same
// offset. It reports whether the file was replaced.
func (s *Source) checkPath(fi os.FileInfo) (replaced bool) {
	now, err := os.Stat(s.opts.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if !s.loggedMissing {
			s.log.Warn("file source: the file was removed; waiting for it to appear again")
			s.loggedMissing = true
		}
		s.setMissing(true, fmt.Sprintf("could not stat file \"%s\": No such file or directory", s.opts.Path))
	case err == nil:
		if fi != nil && !os.SameFile(fi, now) {
			s.f.Close()
			s.f = nil
			s.buf = s.buf[:0]
			s.bufStart = s.offset
			replaced = true
		}
		s.setMissing(false, "")
		s.loggedMissing = false
	}
	return replaced
}

// publish makes the source's position visible to Progress.
func (s *Source) publish(size int64) {
	s.pubOffset.Store(s.offset)
	s.pubMalformed.Store(s.malformed)
	if size >= 0 {
		s.pubSize.Store(size)
	}
}

// Open restores the read offset recorded at the last committed barrier.
func (s *Source) Open(ctx context.Context, oc exec.OpenContext) error {
	if oc.State != nil {
		v, ok, err := oc.State.Get(s.opts.Key)
		if err != nil {
			return fmt.Errorf("file source: read offset: %w", err)
		}
		if ok {
			if len(v) != 8 {
				return fmt.Errorf("file source: bad offset record of %d bytes", len(v))
			}
			s.offset = int64(binary.BigEndian.Uint64(v))
		}
	}
	s.openOffset.Store(s.offset)
	s.pubSize.Store(-1)
	s.publish(-1)
	s.bufStart, s.buf = s.offset, s.buf[:0]
	s.rows = format.NewRowBuilder(s.mem, s.opts.Schema)
	s.rowIDs = array.NewInt64Builder(s.mem)
	if s.opts.Format == "csv" {
		s.csv = &format.CSVDecoder{Delimiter: s.opts.Delimiter}
		s.header = !s.opts.Header
	} else {
		s.json = &format.JSONDecoder{}
		s.header = true
	}
	return nil
}

// OnBarrier records the offset after the last line returned by Next.
func (s *Source) OnBarrier(ctx context.Context, b exec.Barrier, w exec.StateWriter) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(s.offset))
	if err := w.Set(s.opts.Key, v[:]); err != nil {
		return fmt.Errorf("file source: record offset: %w", err)
	}
	return nil
}

// Close closes the file and releases the builders.
func (s *Source) Close() error {
	if s.rows != nil {
		s.rows.Release()
		s.rowIDs.Release()
		s.rows, s.rowIDs = nil, nil
	}
	if s.f != nil {
		err := s.f.Close()
		s.f = nil
		return err
	}
	return nil
}

// openFile opens the file once it exists, and positions the reader: it
// counts the lines before the restored offset (for line numbers) and reads
// the CSV header. ok is false while the file does not exist.
func (s *Source) openFile() (ok bool, err error) {
	path := s.opts.Path
	if s.opts.Resolve != nil {
		if path, err = s.opts.Resolve(path); err != nil {
			return false, err
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !s.loggedMissing {
			s.log.Info("file source: waiting for the file to appear")
			s.loggedMissing = true
		}
		s.setMissing(true, fmt.Sprintf("could not open file \"%s\" for reading: No such file or directory", s.opts.Path))
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("file source: %w", err)
	}
	s.setMissing(false, "")
	s.loggedMissing = false
	s.f = f
	if s.offset > 0 {
		n, err := countLines(f, s.offset)
		if err != nil {
			return false, err
		}
		s.line = n + 1
	}
	return true, nil
}

// countLines counts the newlines in the first n bytes of f.
func countLines(f *os.File, n int64) (int64, error) {
	buf := make([]byte, readSize)
	var lines, at int64
	for at < n {
		k := min(int64(len(buf)), n-at)
		m, err := f.ReadAt(buf[:k], at)
		lines += int64(bytes.Count(buf[:m], []byte{'\n'}))
		at += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("file source: %w", err)
		}
	}
	return lines, nil
}

// readHeader reads the first line of the file (a CSV header) and maps its
// fields to columns. ok is false while the first line is incomplete.
func (s *Source) readHeader() (ok bool, err error) {
	buf := make([]byte, 0, 4096)
	for {
		chunk := make([]byte, 4096)
		n, rerr := s.f.ReadAt(chunk, int64(len(buf)))
		buf = append(buf, chunk[:n]...)
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			fields, _, err := s.csv.Split(buf[:i])
			if err != nil {
				return false, fmt.Errorf("file source: CSV header: %w", err)
			}
			s.csv.Columns = format.HeaderColumns(fields, s.opts.Schema)
			s.header = true
			if s.offset == 0 {
				s.offset = int64(i) + 1
				s.bufStart = s.offset
				s.line = 2
			}
			return true, nil
		}
		if rerr == io.EOF || n == 0 {
			return false, nil
		}
		if rerr != nil {
			return false, fmt.Errorf("file source: %w", rerr)
		}
		if len(buf) > MaxLineBytes {
			return false, errors.New("file source: CSV header line too long")
		}
	}
}

// Next returns up to BatchRows decoded lines, or exec.ErrNoData when no
// complete line is available. Malformed lines are skipped and reported.
func (s *Source) Next(ctx context.Context) (exec.Chunk, error) {
	if s.rows == nil {
		return exec.Chunk{}, errors.New("file source: Next before Open")
	}
	if s.f == nil {
		ok, err := s.openFile()
		if err != nil || !ok {
			return exec.Chunk{}, orNoData(err)
		}
	}
	fi, statErr := s.f.Stat()
	if statErr == nil {
		defer func() { s.publish(fi.Size()) }()
	}
	if statErr != nil {
		fi = nil
	}
	if fi != nil && fi.Size() < s.offset {
		if s.checkPath(fi) {
			return exec.Chunk{}, exec.ErrNoData
		}
		if !s.loggedShrunk {
			s.log.Warn("file source: file is shorter than the recorded offset (truncated or replaced); waiting for it to grow past it",
				"size", fi.Size(), "offset", s.offset)
			s.loggedShrunk = true
		}
		return exec.Chunk{}, exec.ErrNoData
	}
	s.loggedShrunk = false
	if !s.header {
		ok, err := s.readHeader()
		if err != nil || !ok {
			if err == nil {
				// No header yet: the file may also have been removed or
				// replaced meanwhile.
				s.checkPath(fi)
			}
			return exec.Chunk{}, orNoData(err)
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return exec.Chunk{}, err
		}
		s.consumeLines()
		if s.rowIDs.Len() >= s.opts.BatchRows {
			break
		}
		more, err := s.fill()
		if err != nil {
			return exec.Chunk{}, err
		}
		if !more {
			break
		}
	}
	if s.rowIDs.Len() == 0 {
		s.checkPath(fi)
		return exec.Chunk{}, exec.ErrNoData
	}
	s.pubRows.Add(int64(s.rowIDs.Len()))
	return exec.Chunk{Batch: s.flush()}, nil
}

func orNoData(err error) error {
	if err != nil {
		return err
	}
	return exec.ErrNoData
}

// consumeLines decodes the complete lines in buf, up to the batch size.
func (s *Source) consumeLines() {
	for s.rowIDs.Len() < s.opts.BatchRows {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			if len(s.buf) > MaxLineBytes && !s.skipping {
				s.report(s.buf[:256], errors.New("line longer than the maximum of 16 MiB"))
				s.skipping = true
			}
			if s.skipping {
				// Drop what was read of the long line; keep offset at its start
				// until its end is seen.
				s.bufStart += int64(len(s.buf))
				s.buf = s.buf[:0]
			}
			return
		}
		raw := s.buf[:i]
		lineOffset := s.offset
		if s.skipping {
			s.skipping = false
		} else {
			s.decode(raw, lineOffset)
		}
		s.buf = s.buf[i+1:]
		s.bufStart += int64(i) + 1
		s.offset = s.bufStart
		s.line++
	}
}

func (s *Source) decode(raw []byte, offset int64) {
	var err error
	if s.csv != nil {
		if len(bytes.TrimRight(raw, "\r")) == 0 {
			return // blank lines carry no record
		}
		err = s.csv.Decode(raw, s.rows)
	} else {
		if len(bytes.TrimSpace(raw)) == 0 {
			return
		}
		err = s.json.Decode(raw, s.rows)
	}
	if err != nil {
		s.report(raw, err)
		return
	}
	s.rowIDs.Append(offset)
}

func (s *Source) report(raw []byte, err error) {
	s.malformed++
	s.log.Warn("file source: skipping malformed line", "line", s.line, "offset", s.offset, "err", err)
	if s.errs != nil {
		s.errs.RecordError(s.offset, s.line, raw, err)
	}
}

// fill reads more of the file into buf. more is false at the end of the
// file. The unconsumed bytes (a partial line) move to the front of the
// backing array, which grows only for lines longer than it.
func (s *Source) fill() (more bool, err error) {
	if cap(s.buf)-len(s.buf) < readSize/2 {
		if len(s.back) < len(s.buf)+readSize {
			s.back = make([]byte, max(2*readSize, 2*len(s.buf)))
		}
		n := copy(s.back, s.buf)
		s.buf = s.back[:n]
	}
	n, err := s.f.ReadAt(s.buf[len(s.buf):cap(s.buf)], s.bufStart+int64(len(s.buf)))
	s.buf = s.buf[:len(s.buf)+n]
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("file source: read: %w", err)
	}
	return n > 0, nil
}

// flush returns the decoded rows with their row ids as a batch.
func (s *Source) flush() arrow.RecordBatch {
	rec := s.rows.NewRecordBatch()
	defer rec.Release()
	ids := s.rowIDs.NewArray()
	defer ids.Release()
	cols := append(append([]arrow.Array{}, rec.Columns()...), ids)
	return array.NewRecordBatch(s.schema, cols, int64(ids.Len()))
}
