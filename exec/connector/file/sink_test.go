package file_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/file"
)

// TestFileSink: a committed delivery is one file named by its epochs; a
// prepared one that was not committed (a crash) leaves nothing visible and
// is deleted by the next Recover, which returns the last committed epoch;
// an aborted one is gone.
func TestFileSink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := file.SinkOptions{Dir: dir, Prefix: "out", Ext: "jsonl"}
	s, err := file.NewSink(opts)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := s.Recover(ctx); err != nil || e != 0 {
		t.Fatalf("Recover of a new directory = %d, %v", e, err)
	}
	recs := []exec.SinkRecord{{Value: []byte(`{"a":1}`)}, {Key: []byte(`{"k":2}`), Value: []byte(`{"a":2}`)}, {Key: []byte(`{"k":3}`)}}
	if err := s.Prepare(ctx, 3, recs); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, 3); err != nil {
		t.Fatal(err)
	}
	// A crash after Prepare of epoch 5.
	if err := s.Prepare(ctx, 5, recs[:1]); err != nil {
		t.Fatal(err)
	}
	files, err := s.Files()
	if err != nil || len(files) != 1 || filepath.Base(files[0]) != "out-00000000000000000001-00000000000000000003.jsonl" {
		t.Fatalf("files %v, %v", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":1}` + "\n" + `{"key":{"k":2},"value":{"a":2}}` + "\n" + `{"key":{"k":3},"value":null}` + "\n"
	if string(data) != want {
		t.Errorf("file holds\n%s\nwant\n%s", data, want)
	}

	// Another sink's temporary file, whose name starts with this one's.
	other := filepath.Join(dir, ".out-b-00000000000000000009.tmp")
	if err := os.WriteFile(other, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _ = file.NewSink(opts)
	if e, err := s.Recover(ctx); err != nil || e != 3 {
		t.Fatalf("Recover after a crash = %d, %v; want 3", e, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") && e.Name() != filepath.Base(other) {
			t.Errorf("Recover left %s", e.Name())
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("Recover deleted another sink's file: %v", err)
	}
	if err := s.Prepare(ctx, 5, recs[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Prepare(ctx, 6, recs[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, 6); err != nil {
		t.Fatal(err)
	}
	files, _ = s.Files()
	if len(files) != 2 || filepath.Base(files[1]) != "out-00000000000000000004-00000000000000000006.jsonl" {
		t.Fatalf("files after the abort: %v", files)
	}
	if err := s.Commit(ctx, 7); err == nil {
		t.Error("Commit of an epoch not prepared succeeded")
	}
}
