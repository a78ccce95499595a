package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/weir-stream/weir/internal/miniotest"
	"github.com/weir-stream/weir/statestore"
)

// recoveryGoal is issue 4's bound on the recovery of 1 GB of state from
// MinIO on loopback.
const recoveryGoal = 10 * time.Second

// minioRecovery starts a MinIO server under root, uploads a full checkpoint
// of s (as of epoch, which s holds) to it the way weir's s3 backend does,
// and times statestore.Restore of it into an empty directory. Without a
// minio binary it returns one skipped figure saying why.
func minioRecovery(ctx context.Context, s *statestore.Store, root string, epoch uint64, log func(string, ...any)) ([]figure, error) {
	const name = "recovery from MinIO (loopback)"
	bin, err := miniotest.Find()
	if err != nil {
		log("checkpoint: MinIO figure skipped: %v", err)
		return []figure{{Bench: "checkpoint", Name: name, Skipped: err.Error()}}, nil
	}
	srv, err := miniotest.Launch(ctx, bin, filepath.Join(root, "minio"))
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	objects, err := minioObjects(ctx, srv, "checkpoints")
	if err != nil {
		return nil, err
	}
	cp, err := statestore.NewCheckpointer(ctx, s, statestore.CheckpointerOptions{
		Objects: objects, ScratchDir: filepath.Join(root, "scratch-minio"), Retain: 1, Logger: quietLog(),
	})
	if err != nil {
		return nil, err
	}
	log("checkpoint: uploading a full checkpoint to MinIO at %s", srv.Endpoint)
	st, _, err := timedCheckpoint(ctx, cp, epoch)
	if err != nil {
		return nil, fmt.Errorf("upload to minio: %w", err)
	}
	if err := cp.Close(ctx); err != nil {
		return nil, err
	}
	upload := newFigure("checkpoint", "full checkpoint upload to MinIO (loopback)", st.BytesUploaded, st.Duration.Seconds(), 0)
	upload.Note = fmt.Sprintf("rows = bytes: %d files, %s, %.1f MiB/s, 4 uploads at a time", st.Files,
		bytesText(uint64(st.BytesUploaded)), mibPerSec(st.BytesUploaded, st.Duration.Seconds()))

	log("checkpoint: restoring %s from MinIO into an empty directory", bytesText(uint64(st.StateBytes)))
	dir := filepath.Join(root, "restored-minio")
	sw := startStopwatch()
	m, prog, err := statestore.Restore(ctx, objects, dir, statestore.RestoreOptions{Logger: quietLog()})
	wall, cpu := sw.stop()
	if err != nil {
		return []figure{upload}, fmt.Errorf("restore from minio: %w", err)
	}
	os.RemoveAll(dir)
	if m.Epoch != epoch || prog.TotalBytes != st.StateBytes {
		return []figure{upload}, fmt.Errorf("restore from minio: epoch %d of %s, want %d of %s",
			m.Epoch, bytesText(uint64(prog.TotalBytes)), epoch, bytesText(uint64(st.StateBytes)))
	}
	restore := newFigure("checkpoint", name, prog.TotalBytes, wall, cpu)
	restore.Note = fmt.Sprintf("rows = bytes: statestore.Restore of %d files, %s, checksums verified, 4 downloads at a time; the MinIO server's CPU is not counted",
		prog.TotalFiles, bytesText(uint64(prog.TotalBytes)))
	restore.Goal = &goal{
		Target: fmt.Sprintf("≤ %.0f s for 1 GB", recoveryGoal.Seconds()),
		Measured: fmt.Sprintf("%.2f s for %s, %.1f MiB/s (1 GB at that rate: %.2f s)", wall, bytesText(uint64(prog.TotalBytes)),
			mibPerSec(prog.TotalBytes, wall), 1e9*wall/float64(prog.TotalBytes)),
		Met: wall <= recoveryGoal.Seconds(),
	}
	return []figure{upload, restore}, nil
}

// mibPerSec returns bytes per second in MiB.
func mibPerSec(bytes int64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return float64(bytes) / (1 << 20) / seconds
}
