package exectest

import (
	"errors"
	"strings"
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

func TestStoreIter(t *testing.T) {
	s := NewStore()
	w := s.NewWriter()
	for _, k := range []string{"b", "a", "d", "e"} {
		if err := w.Set([]byte(k), []byte("v"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	it, err := s.NewIter([]byte("b"), []byte("e"))
	if err != nil {
		t.Fatal(err)
	}
	// A commit after NewIter is not seen.
	w = s.NewWriter()
	_ = w.Set([]byte("c"), []byte("vc"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	var got []string
	if it.Valid() {
		t.Fatal("a new iterator is positioned")
	}
	for ok := it.First(); ok; ok = it.Next() {
		got = append(got, string(it.Key())+"="+string(it.Value()))
	}
	if ok := it.SeekGE([]byte("c")); !ok || string(it.Key()) != "d" {
		t.Fatalf("SeekGE(c) = %v at %q, want d", ok, it.Key())
	}
	if it.SeekGE([]byte("e")) || it.Next() || it.Key() != nil {
		t.Fatal("iterator valid past its upper bound")
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "b=vb d=vd"; strings.Join(got, " ") != want {
		t.Fatalf("iterated %q, want %q", strings.Join(got, " "), want)
	}
}
