package exectest

import (
	"errors"
	"testing"
)

func TestStore(t *testing.T) {
	s := NewStore()
	w := s.NewWriter()
	for _, k := range []string{"b", "a", "c", "d"} {
		if err := w.Set([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Delete([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get([]byte("b")); ok {
		t.Fatal("write visible before commit")
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if got, want := s.Dump(func(k, v []byte) string { return string(k) + "=" + string(v) }), "b=vb\nc=vc\nd=vd\n"; got != want {
		t.Fatalf("dump %q, want %q", got, want)
	}
	w2 := s.NewWriter()
	_ = w2.DeleteRange([]byte("b"), []byte("d"))
	if err := w2.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, want := s.Dump(func(k, v []byte) string { return string(k) }), "d\n"; got != want {
		t.Fatalf("dump %q, want %q", got, want)
	}
	if got, want := s.Stats().String(), "sets=4 deletes=1 delete-ranges=1"; got != want {
		t.Fatalf("stats %q, want %q", got, want)
	}
	boom := errors.New("boom")
	s.SetFailCommit(boom)
	w3 := s.NewWriter()
	_ = w3.Set([]byte("z"), nil)
	if err := w3.Commit(); !errors.Is(err, boom) {
		t.Fatalf("commit err %v", err)
	}
	if s.Len() != 1 || s.Commits() != 2 {
		t.Fatalf("len %d commits %d", s.Len(), s.Commits())
	}
}
