package file

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore/objstore"
)

// SinkOptions configure a file Sink.
type SinkOptions struct {
	// Dir is the directory the files go to (created when missing).
	Dir string
	// Prefix starts every file name of the sink (the sink's name), so that
	// several sinks can share a directory.
	Prefix string
	// Ext is the files' extension: "jsonl" or "csv".
	Ext string
	// Resolve, when set, checks Dir at each Recover and returns the
	// directory to write to (the engine confines files to its
	// server.file_roots); an error fails the Recover.
	Resolve func(dir string) (string, error)
}

// Sink is an exec.SinkWriter that writes each delivery as one file in
// Dir, exactly once: Prepare writes and syncs a hidden temporary file,
// Commit renames it to `<prefix>-<first epoch>-<last epoch>.<ext>` (epochs
// zero-padded to 20 digits) and syncs the directory. The last epoch of the
// newest file is the sink's record of what was delivered: Recover reads it
// back and deletes the temporary files of an earlier run. A record is a
// line: its value, or for keyed records in JSON lines `{"key": K,
// "value": V}` (V null for a delete).
type Sink struct {
	opts     SinkOptions
	dir      string     // opts.Dir resolved at the last Recover
	last     exec.Epoch // the last epoch committed
	tmp      string     // the prepared file, "" when none
	prepared exec.Epoch
}

// ValidPrefix reports whether prefix (a sink's name) may start the names of
// the files a sink writes in its directory: not empty, no separator or NUL,
// not . or .., so that they stay in the directory.
func ValidPrefix(prefix string) bool {
	return prefix != "" && prefix != "." && prefix != ".." && !strings.ContainsAny(prefix, "/\\\x00")
}

// NewSink returns a file sink; it touches nothing until Recover.
func NewSink(opts SinkOptions) (*Sink, error) {
	if opts.Dir == "" {
		return nil, errors.New("file sink: no directory")
	}
	if !ValidPrefix(opts.Prefix) {
		return nil, fmt.Errorf("file sink: %q cannot start a file name", opts.Prefix)
	}
	return &Sink{opts: opts}, nil
}

// Recover implements exec.SinkWriter.
func (s *Sink) Recover(context.Context) (exec.Epoch, error) {
	if s.opts.Resolve != nil {
		dir, err := s.opts.Resolve(s.opts.Dir)
		if err != nil {
			return 0, fmt.Errorf("file sink: %w", err)
		}
		s.dir = dir
	} else {
		s.dir = s.opts.Dir
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return 0, fmt.Errorf("file sink: %w", err)
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("file sink: %w", err)
	}
	s.last, s.tmp, s.prepared = 0, "", 0
	for _, e := range entries {
		name := e.Name()
		if s.isTemp(name) {
			if err := os.Remove(filepath.Join(s.dir, name)); err != nil {
				return 0, fmt.Errorf("file sink: removing a file an earlier run left: %w", err)
			}
			continue
		}
		if _, last, ok := s.parseName(name); ok {
			s.last = max(s.last, last)
		}
	}
	return s.last, nil
}

// isTemp reports whether name is a temporary file of this sink:
// .<prefix>-<20-digit epoch>.tmp (not one of a sink whose name starts with
// this one's).
func (s *Sink) isTemp(name string) bool {
	rest, ok := strings.CutPrefix(name, "."+s.opts.Prefix+"-")
	if !ok {
		return false
	}
	digits, ok := strings.CutSuffix(rest, ".tmp")
	if !ok || len(digits) != 20 {
		return false
	}
	_, err := strconv.ParseUint(digits, 10, 64)
	return err == nil
}

// parseName returns the epochs of a committed file of this sink.
func (s *Sink) parseName(name string) (first, last exec.Epoch, ok bool) {
	rest, ok := strings.CutPrefix(name, s.opts.Prefix+"-")
	if !ok {
		return 0, 0, false
	}
	rest, ok = strings.CutSuffix(rest, "."+s.opts.Ext)
	if !ok {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(rest, "-")
	if !ok || len(a) != 20 || len(b) != 20 {
		return 0, 0, false
	}
	f, err1 := strconv.ParseUint(a, 10, 64)
	l, err2 := strconv.ParseUint(b, 10, 64)
	return exec.Epoch(f), exec.Epoch(l), err1 == nil && err2 == nil
}

// Prepare implements exec.SinkWriter.
func (s *Sink) Prepare(_ context.Context, epoch exec.Epoch, records []exec.SinkRecord) error {
	if s.tmp != "" {
		return fmt.Errorf("file sink: epoch %d is prepared already", s.prepared)
	}
	tmp := filepath.Join(s.dir, fmt.Sprintf(".%s-%020d.tmp", s.opts.Prefix, epoch))
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	for _, r := range records {
		if r.Key != nil && s.opts.Ext == "jsonl" {
			bw.WriteString(`{"key":`)
			bw.Write(r.Key)
			bw.WriteString(`,"value":`)
			if r.Value == nil {
				bw.WriteString("null")
			} else {
				bw.Write(r.Value)
			}
			bw.WriteString("}\n")
			continue
		}
		bw.Write(r.Value)
		bw.WriteByte('\n')
	}
	err = bw.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("file sink: writing epoch %d: %w", epoch, err)
	}
	s.tmp, s.prepared = tmp, epoch
	return nil
}

// Commit implements exec.SinkWriter.
func (s *Sink) Commit(_ context.Context, epoch exec.Epoch) error {
	if s.tmp == "" || s.prepared != epoch {
		return fmt.Errorf("file sink: commit of epoch %d, which is not prepared", epoch)
	}
	final := filepath.Join(s.dir, fmt.Sprintf("%s-%020d-%020d.%s", s.opts.Prefix, s.last+1, epoch, s.opts.Ext))
	if err := os.Rename(s.tmp, final); err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	if err := objstore.SyncDir(s.dir); err != nil {
		return fmt.Errorf("file sink: %w", err)
	}
	s.tmp, s.last = "", epoch
	return nil
}

// Abort implements exec.SinkWriter.
func (s *Sink) Abort(context.Context) error {
	if s.tmp == "" {
		return nil
	}
	err := os.Remove(s.tmp)
	s.tmp = ""
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("file sink: %w", err)
	}
	return nil
}

// Close implements exec.SinkWriter: a prepared file is left for the next
// Recover to delete.
func (s *Sink) Close() error { return nil }

// Files returns the committed files of the sink, oldest first.
func (s *Sink) Files() ([]string, error) {
	entries, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if _, _, ok := s.parseName(e.Name()); ok {
			out = append(out, filepath.Join(s.opts.Dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out, nil
}
