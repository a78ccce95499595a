package statestore_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// The store and its snapshots are readers, its batches writers, of exec's contract.
var (
	_ exec.StateReader = (*statestore.Store)(nil)
	_ exec.StateReader = (*statestore.Snapshot)(nil)
	_ exec.StateWriter = (*statestore.WriteBatch)(nil)
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// storeTest is the state of one run of testdata/store: the open store and
// the named snapshots.
type storeTest struct {
	t     *testing.T
	opts  statestore.Options
	s     *statestore.Store
	snaps map[string]*statestore.Snapshot
	// overlay is the last overlay command's (iter-overlay reads it).
	overlay *statestore.Overlay
}

func TestStore(t *testing.T) { runStoreTest(t, "testdata/store") }

// TestIter runs testdata/iter: iterators over the store, its snapshots and
// overlays (iter_test.go).
func TestIter(t *testing.T) { runStoreTest(t, "testdata/iter") }

func runStoreTest(t *testing.T, path string) {
	st := &storeTest{t: t, snaps: map[string]*statestore.Snapshot{}}
	defer st.closeAll()
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		out, err := st.run(d)
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		return out
	})
}

func (st *storeTest) closeAll() {
	for name, snap := range st.snaps {
		_ = snap.Close()
		delete(st.snaps, name)
	}
	if st.s != nil {
		if err := st.s.Close(); err != nil {
			st.t.Error(err)
		}
		st.s = nil
	}
}

// arg returns the i-th positional argument of the command ("-" is nil, for
// an unbounded scan end).
func arg(d *datadriven.TestData, i int) []byte {
	if i >= len(d.CmdArgs) {
		d.Fatalf(nil, "%s: missing argument %d", d.Cmd, i+1)
	}
	if k := d.CmdArgs[i].Key; k != "-" {
		return []byte(k)
	}
	return nil
}

func (st *storeTest) run(d *datadriven.TestData) (string, error) {
	switch d.Cmd {
	case "open":
		st.closeAll()
		switch string(arg(d, 0)) {
		case "mem":
			st.opts = statestore.Options{InMemory: true, Logger: quietLogger(), CacheBytes: 1 << 20}
		case "disk":
			st.opts = statestore.Options{Dir: filepath.Join(st.t.TempDir(), "state"), Logger: quietLogger()}
		default:
			return "", fmt.Errorf("open: want mem or disk")
		}
		s, err := statestore.Open(st.opts)
		if err != nil {
			return "", err
		}
		st.s = s
		return "ok\n", nil
	case "close":
		st.closeAll()
		return "ok\n", nil
	case "reopen":
		st.closeAll()
		s, err := statestore.Open(st.opts)
		if err != nil {
			return "", err
		}
		st.s = s
		return "ok\n", nil
	case "set":
		w := st.s.NewWriteBatch()
		defer w.Close()
		if err := w.Set(arg(d, 0), arg(d, 1)); err != nil {
			return "", err
		}
		if err := w.Commit(); err != nil {
			return "", err
		}
		return "ok\n", nil
	case "get":
		return formatGet(st.s.Get(arg(d, 0)))
	case "scan":
		return formatScan(st.s, arg(d, 0), arg(d, 1))
	case "batch":
		return st.batch(d)
	case "snapshot":
		st.snaps[string(arg(d, 0))] = st.s.NewSnapshot()
		return "ok\n", nil
	case "get-snapshot", "scan-snapshot", "close-snapshot":
		snap, ok := st.snaps[string(arg(d, 0))]
		if !ok {
			return "", fmt.Errorf("no snapshot %q", arg(d, 0))
		}
		switch d.Cmd {
		case "get-snapshot":
			return formatGet(snap.Get(arg(d, 1)))
		case "scan-snapshot":
			return formatScan(snap, arg(d, 1), arg(d, 2))
		}
		delete(st.snaps, string(arg(d, 0)))
		return "ok\n", snap.Close()
	case "flush":
		return "ok\n", st.s.Flush()
	case "iter", "iter-snapshot", "iter-overlay", "overlay":
		return st.iterCommand(d)
	}
	return "", fmt.Errorf("unknown command %q", d.Cmd)
}

// batch applies the input lines (set k v, delete k, delete-range lo hi) to a
// write batch, committing it only if the last line is commit.
func (st *storeTest) batch(d *datadriven.TestData) (string, error) {
	w := st.s.NewWriteBatch()
	defer w.Close()
	commit := false
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		f := strings.Fields(line)
		var err error
		switch {
		case len(f) == 3 && f[0] == "set":
			err = w.Set([]byte(f[1]), []byte(f[2]))
		case len(f) == 2 && f[0] == "delete":
			err = w.Delete([]byte(f[1]))
		case len(f) == 3 && f[0] == "delete-range":
			err = w.DeleteRange([]byte(f[1]), []byte(f[2]))
		case len(f) == 1 && f[0] == "commit":
			commit = true
		default:
			err = fmt.Errorf("bad batch line %q", line)
		}
		if err != nil {
			return "", err
		}
	}
	n := w.Len()
	if !commit {
		return fmt.Sprintf("dropped %d writes\n", n), nil
	}
	if err := w.Commit(); err != nil {
		return "", err
	}
	if err := w.Set([]byte("x"), []byte("y")); err == nil {
		return "", errors.New("set after commit succeeded")
	}
	return fmt.Sprintf("committed %d writes\n", n), nil
}

func formatGet(v []byte, ok bool, err error) (string, error) {
	if err != nil {
		return "", err
	}
	if !ok {
		return "not found\n", nil
	}
	return string(v) + "\n", nil
}

func formatScan(r exec.StateReader, lo, hi []byte) (string, error) {
	var b strings.Builder
	err := r.Scan(lo, hi, func(k, v []byte) (bool, error) {
		fmt.Fprintf(&b, "%s: %s\n", k, v)
		return true, nil
	})
	if b.Len() == 0 {
		b.WriteString("(empty)\n")
	}
	return b.String(), err
}

func mustCommit(t *testing.T, s *statestore.Store, kv ...string) {
	t.Helper()
	w := s.NewWriteBatch()
	defer w.Close()
	for i := 0; i+1 < len(kv); i += 2 {
		if err := w.Set([]byte(kv[i]), []byte(kv[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckpointOpensAsStore(t *testing.T) {
	dir := t.TempDir()
	s, err := statestore.Open(statestore.Options{Dir: filepath.Join(dir, "db"), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s, "a", "1", "b", "2")
	ck := filepath.Join(dir, "ck1")
	if err := s.Checkpoint(ck); err != nil {
		t.Fatal(err)
	}
	// Writes after the checkpoint are not in it.
	mustCommit(t, s, "c", "3")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := statestore.Open(statestore.Options{Dir: ck, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := formatScan(c, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != "a: 1\nb: 2\n" {
		t.Fatalf("checkpoint holds %q", got)
	}
}

func TestScanStopsAndPropagatesErrors(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCommit(t, s, "a", "1", "b", "2", "c", "3")
	n := 0
	if err := s.Scan(nil, nil, func(k, v []byte) (bool, error) { n++; return n < 2, nil }); err != nil || n != 2 {
		t.Fatalf("scan stopped after %d keys, err %v; want 2", n, err)
	}
	boom := errors.New("boom")
	if err := s.Scan(nil, nil, func(k, v []byte) (bool, error) { return true, boom }); !errors.Is(err, boom) {
		t.Fatalf("scan returned %v, want boom", err)
	}
}

func TestMetricsAndClosed(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	mustCommit(t, s, "a", "1", "b", "2", "c", "3")
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	m := s.Metrics()
	if m.KeysEstimate != 3 || m.SSTCount < 1 || m.SSTBytes <= 0 || m.DiskBytes == 0 || m.Flushes < 1 {
		t.Fatalf("metrics after flush: %+v", m)
	}
	if s.DB() == nil {
		t.Fatal("nil DB")
	}
	w := s.NewWriteBatch()
	if !w.Empty() {
		t.Fatal("new batch not empty")
	}
	w.Close()
	w.Close()
	if err := w.Set([]byte("a"), nil); !errors.Is(err, statestore.ErrClosed) {
		t.Fatalf("set on closed batch: %v", err)
	}
	snap := s.NewSnapshot()
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := snap.Get([]byte("a")); !errors.Is(err, statestore.ErrClosed) {
		t.Fatalf("get on closed snapshot: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, _, err := s.Get([]byte("a")); !errors.Is(err, statestore.ErrClosed) {
		t.Fatalf("get on closed store: %v", err)
	}
	if err := s.Scan(nil, nil, nil); !errors.Is(err, statestore.ErrClosed) {
		t.Fatalf("scan on closed store: %v", err)
	}
	if _, err := statestore.Open(statestore.Options{}); err == nil {
		t.Fatal("open without a directory succeeded")
	}
}

func TestConcurrentWritersAndReaders(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const writers, keys = 4, 200
	errs := make(chan error, writers*2)
	for w := range writers {
		go func() {
			for i := range keys {
				b := s.NewWriteBatch()
				err := b.Set([]byte(fmt.Sprintf("w%d/%04d", w, i)), []byte("v"))
				if err == nil {
					err = b.Commit()
				}
				b.Close()
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
		go func() {
			snap := s.NewSnapshot()
			defer snap.Close()
			errs <- snap.Scan(nil, nil, func(k, v []byte) (bool, error) { return true, nil })
		}()
	}
	for range writers * 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	if err := s.Scan(nil, nil, func(k, v []byte) (bool, error) { n++; return true, nil }); err != nil {
		t.Fatal(err)
	}
	if n != writers*keys {
		t.Fatalf("%d keys, want %d", n, writers*keys)
	}
}
