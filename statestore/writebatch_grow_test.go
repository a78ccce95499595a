package statestore_test

import (
	"bytes"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// TestWriteBatchGrowKeepsWrites: a batch grown before, between and after
// its writes (deletes and ranges included) commits all of them, and a
// committed batch ignores Grow.
func TestWriteBatchGrowKeepsWrites(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first := s.NewWriteBatch()
	if err := first.Set([]byte("gone"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	first.Close()

	w := s.NewWriteBatch()
	defer w.Close()
	var sw exec.StateWriter = w
	exec.GrowState(sw, 1<<10)
	big := bytes.Repeat([]byte("v"), 4<<10)
	if err := w.Set([]byte("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete([]byte("gone")); err != nil {
		t.Fatal(err)
	}
	exec.GrowState(sw, 1<<20)
	if err := w.Set([]byte("b"), big); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteRange([]byte("c"), []byte("d")); err != nil {
		t.Fatal(err)
	}
	exec.GrowState(sw, 1<<20)
	if got := w.Len(); got != 4 {
		t.Fatalf("grown batch holds %d writes, want 4", got)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Grow(1 << 20)

	for key, want := range map[string][]byte{"a": []byte("1"), "b": big, "gone": nil} {
		v, ok, err := s.Get([]byte(key))
		if err != nil {
			t.Fatal(err)
		}
		if ok != (want != nil) || !bytes.Equal(v, want) {
			t.Fatalf("%s: got %q (%v), want %q", key, v, ok, want)
		}
	}
}
