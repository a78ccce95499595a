package metrics

import (
	"testing"
	"time"

	"github.com/weir-stream/weir/statestore"
)

// TestCheckpointOf: a checkpoint counts as failed unless its status is
// done, with its duration and upload figures.
func TestCheckpointOf(t *testing.T) {
	st := statestore.CheckpointStatus{Status: "done", Duration: time.Second, FilesUploaded: 2, BytesUploaded: 20, StateBytes: 30}
	want := Checkpoint{Duration: time.Second, UploadedFiles: 2, UploadedBytes: 20, StateBytes: 30}
	if got := CheckpointOf(st); got != want {
		t.Errorf("CheckpointOf(done) = %+v, want %+v", got, want)
	}
	st.Status, want.Failed = "failed", true
	if got := CheckpointOf(st); got != want {
		t.Errorf("CheckpointOf(failed) = %+v, want %+v", got, want)
	}
}

// TestRecoveryOf: the restore's progress, and how many checkpoints it
// passed over.
func TestRecoveryOf(t *testing.T) {
	p := statestore.RestoreProgress{Epoch: 9, Files: 3, TotalFiles: 4, Bytes: 300, TotalBytes: 400, Skipped: []string{"epoch 10: bad"}}
	want := Recovery{From: "checkpoint", Epoch: 9, RestoredFiles: 3, ExpectedFiles: 4, RestoredBytes: 300, ExpectedBytes: 400, SkippedCheckpoints: 1, Took: time.Second}
	if got := RecoveryOf("checkpoint", p, time.Second); got != want {
		t.Errorf("RecoveryOf = %+v, want %+v", got, want)
	}
}
