package objstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// testContract checks s against the package's contract. Every Store
// implementation runs it.
func testContract(t *testing.T, s Store) {
	ctx := context.Background()
	put := func(name, data string) {
		t.Helper()
		if err := s.Put(ctx, name, strings.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("put %s: %v", name, err)
		}
	}
	get := func(name string) (string, error) {
		r, err := s.Get(ctx, name)
		if err != nil {
			return "", err
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		return string(b), err
	}
	put("sst/run1/000001.sst", "one")
	put("sst/run1/000002.sst", "two two")
	put("manifests/00000000000000000007.json", "{}")
	put("sst/run1/000001.sst", "ONE") // replaced
	if got, err := get("sst/run1/000001.sst"); err != nil || got != "ONE" {
		t.Fatalf("get = %q, %v; want ONE", got, err)
	}
	if _, err := get("sst/none"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("get of a missing object: %v, want ErrNotExist", err)
	}
	objs, err := s.List(ctx, "sst/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0] != (Object{"sst/run1/000001.sst", 3}) || objs[1] != (Object{"sst/run1/000002.sst", 7}) {
		t.Fatalf("list sst/ = %v", objs)
	}
	if all, _ := s.List(ctx, ""); len(all) != 3 {
		t.Fatalf("list all = %v, want 3 objects", all)
	}
	// A Put whose reader is short stores nothing.
	if err := s.Put(ctx, "short", bytes.NewReader([]byte("ab")), 5); err == nil {
		t.Fatal("a short put succeeded")
	}
	if _, err := get("short"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("a failed put left an object: %v", err)
	}
	if err := s.Delete(ctx, "sst/run1/000002.sst"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "sst/run1/000002.sst"); err != nil {
		t.Fatalf("delete of a missing object: %v", err)
	}
	if objs, _ := s.List(ctx, "sst/"); len(objs) != 1 {
		t.Fatalf("after delete: %v", objs)
	}
}

func TestMem(t *testing.T) { testContract(t, NewMem()) }

func TestDir(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testContract(t, d)
	if _, err := d.Get(context.Background(), "../escape"); err == nil {
		t.Fatal("a name with .. was accepted")
	}
}
