package main

import (
	"context"
	"github.com/weir-stream/weir/internal/miniotest"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// TestMinIORecoverySkipped checks that without a minio binary the recovery
// figure is skipped, saying why, rather than failing the run.
func TestMinIORecoverySkipped(t *testing.T) {
	t.Setenv("WEIR_MINIO", filepath.Join(t.TempDir(), "no-minio"))
	var logged []string
	log := func(format string, args ...any) { logged = append(logged, format) }
	figs, err := minioRecovery(context.Background(), nil, t.TempDir(), 1, log)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 1 || !strings.Contains(figs[0].Skipped, "no-minio") {
		t.Fatalf("want one skipped figure naming the missing binary, got %+v", figs)
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "skipped") {
		t.Errorf("the skip is not logged: %q", logged)
	}
}

// TestMinIOServer starts a server, stores and reads back an object through
// the S3 store weir would use, and stops it.
func TestMinIOServer(t *testing.T) {
	bin, err := miniotest.Find()
	if err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	srv, err := miniotest.Launch(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	objects, err := minioObjects(ctx, srv, "p")
	if err != nil {
		t.Fatal(err)
	}
	if err := objects.Put(ctx, "a/b", strings.NewReader("hello"), 5); err != nil {
		t.Fatal(err)
	}
	r, err := objects.Get(ctx, "a/b")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(got) != "hello" {
		t.Fatalf("read back %q, %v", got, err)
	}
	srv.Stop()
	srv.Stop() // stopping twice does nothing
}
