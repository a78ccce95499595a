package statestore_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/weir-stream/weir/statestore"
)

// TestTablesDiskUsage: flushed tables take room, and the estimate of two
// tables is the sum of theirs.
func TestTablesDiskUsage(t *testing.T) {
	s, err := statestore.Open(statestore.Options{Dir: filepath.Join(t.TempDir(), "db"), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w := s.NewWriteBatch()
	value := bytes.Repeat([]byte("v"), 1000)
	for i := 0; i < 200; i++ {
		for _, table := range []statestore.TableID{10, 12} {
			if err := w.Set(tableKey(table, i), value); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	size := func(tables ...statestore.TableID) uint64 {
		t.Helper()
		n, err := s.TablesDiskUsage(tables)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	a, b := size(10), size(12)
	if a == 0 || b == 0 {
		t.Fatalf("flushed tables: %d and %d bytes", a, b)
	}
	if both := size(10, 12); both != a+b {
		t.Errorf("both tables: %d bytes, want %d + %d", both, a, b)
	}
}
