package checkpoints

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/statestore/objstore"
)

// newCheckpointer returns a checkpointer of s into its own directory under
// dir; each of its checkpoints calls onTaken once taken.
func newCheckpointer(t *testing.T, s *statestore.Store, dir, name string, onTaken func()) *statestore.Checkpointer {
	t.Helper()
	objects, err := objstore.NewDir(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := statestore.NewCheckpointer(context.Background(), s, statestore.CheckpointerOptions{
		Objects: objects, ScratchDir: filepath.Join(dir, "scratch-"+name), Retain: 10, Name: name,
		Logger: slog.New(slog.DiscardHandler),
		OnStep: func(step statestore.CheckpointStep) {
			if step == statestore.StepTaken && onTaken != nil {
				onTaken()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func epochs(cp *statestore.Checkpointer) []uint64 {
	var out []uint64
	for _, st := range cp.History() {
		out = append(out, st.Epoch)
	}
	return out
}

// TestBeginHybrid: with a second store (S3 with backend hybrid), every
// s3_upload_every-th checkpoint also goes there, or while it is busy the
// next one it can take; its durable epoch bounds DurableEverywhere.
func TestBeginHybrid(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := statestore.Open(statestore.Options{Dir: filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The remote's second upload stalls until release is closed.
	release := make(chan struct{})
	remoteTaken := 0
	remote := newCheckpointer(t, s, dir, "s3", func() {
		if remoteTaken++; remoteTaken == 2 {
			<-release
		}
	})
	w := newWriter(Config{DataDir: dir, S3UploadEvery: 3}, slog.New(slog.DiscardHandler), nil,
		newCheckpointer(t, s, dir, "local", nil))
	w.remote = remote
	commit := func(epoch exec.Epoch) {
		t.Helper()
		w.Begin(epoch)
		if err := w.primary.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for epoch := exec.Epoch(1); epoch <= 3; epoch++ {
		commit(epoch)
	}
	if err := remote.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.DurableEverywhere(); got != 3 {
		t.Fatalf("DurableEverywhere after epoch 3: %d, want 3", got)
	}
	// Epoch 6's goes to the remote and stalls; 9 finds it busy and is
	// local only, and so is 10 until the remote is free again.
	for epoch := exec.Epoch(4); epoch <= 10; epoch++ {
		commit(epoch)
	}
	if got, want := w.Durable(), uint64(10); got != want {
		t.Fatalf("Durable: %d, want %d", got, want)
	}
	if got := w.DurableEverywhere(); got != 3 {
		t.Fatalf("DurableEverywhere with the remote stalled at 6: %d, want 3", got)
	}
	close(release)
	if err := remote.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	commit(11)
	if err := remote.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := epochs(remote), []uint64{3, 6, 11}; !slices.Equal(got, want) {
		t.Fatalf("remote checkpoints: %v, want %v", got, want)
	}
	if got := len(epochs(w.primary)); got != 11 {
		t.Fatalf("local checkpoints: %d, want 11", got)
	}
	if got := w.Close(ctx, 11); got != 11 {
		t.Fatalf("Close: %d, want 11", got)
	}
	if got := w.DurableEverywhere(); got != 11 {
		t.Fatalf("DurableEverywhere after Close: %d, want 11", got)
	}
}
