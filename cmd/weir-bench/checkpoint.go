package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/statestore/objstore"
)

// checkpointValueBytes is the size of each value of the checkpoint
// benchmark's state (random bytes: they do not compress).
const checkpointValueBytes = 100

// checkpointBench builds a state of about stateBytes in an on-disk store,
// checkpoints it to a local directory, then for rounds intervals changes 1 %
// of the keys and checkpoints again, and finally restores the newest
// checkpoint into an empty directory. It reports the checkpoints' duration
// and bytes, the pause of the data path (flush and hard links), and the
// restore; then the upload of the same state to MinIO and its recovery
// from there (minioRecovery).
func checkpointBench(ctx context.Context, stateBytes int64, rounds int, log func(string, ...any)) ([]figure, error) {
	root, err := os.MkdirTemp("", "weir-bench-checkpoint-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(root)
	s, err := statestore.Open(statestore.Options{Dir: filepath.Join(root, "state"), Logger: quietLog()})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	objects, err := objstore.NewDir(filepath.Join(root, "objects"))
	if err != nil {
		return nil, err
	}
	cp, err := statestore.NewCheckpointer(ctx, s, statestore.CheckpointerOptions{
		Objects: objects, ScratchDir: filepath.Join(root, "scratch"), Retain: 3, Logger: quietLog(),
	})
	if err != nil {
		return nil, err
	}
	keys := stateBytes / (checkpointValueBytes + 16)
	rng := rand.New(rand.NewPCG(3, 4))
	log("checkpoint: loading %d keys (%s)", keys, bytesText(uint64(stateBytes)))
	sw := startStopwatch()
	if err := loadKeys(s, rng, keys); err != nil {
		return nil, err
	}
	if err := s.DB().Compact(ctx, []byte{0}, []byte{0xff}, true); err != nil {
		return nil, err
	}
	loadWall, _ := sw.stop()
	first, _, err := timedCheckpoint(ctx, cp, 1)
	if err != nil {
		return nil, err
	}
	log("checkpoint: %d intervals changing 1%% of the keys", rounds)
	var durations, pauses []time.Duration
	var uploaded []int64
	var last statestore.CheckpointStatus
	for r := range rounds {
		changed := keys / 100
		run := max(min(changed, 10_000), 1) // keys changed together, contiguous
		for range changed / run {
			start := rng.Int64N(keys - run)
			if err := writeKeys(s, rng, start, start+run, 1); err != nil {
				return nil, err
			}
		}
		st, pause, err := timedCheckpoint(ctx, cp, uint64(r+2))
		if err != nil {
			return nil, err
		}
		durations, pauses, uploaded = append(durations, st.Duration), append(pauses, pause), append(uploaded, st.BytesUploaded)
		last = st
	}
	log("checkpoint: restoring %s into an empty directory", bytesText(uint64(last.StateBytes)))
	sw = startStopwatch()
	m, prog, err := statestore.Restore(ctx, objects, filepath.Join(root, "restored"), statestore.RestoreOptions{Logger: quietLog()})
	if err != nil {
		return nil, err
	}
	restoreWall, restoreCPU := sw.stop()
	if m.Epoch != uint64(rounds+1) {
		return nil, fmt.Errorf("checkpoint: restored epoch %d, want %d", m.Epoch, rounds+1)
	}
	if err := os.RemoveAll(filepath.Join(root, "restored")); err != nil {
		return nil, err
	}

	p50, p99 := latencies(durations)
	f := newFigure("checkpoint", fmt.Sprintf("checkpoint, 1%% of %d keys changed", keys), int64(rounds), sumSeconds(durations), 0)
	f.P50Micros, f.P99Micros = p50, p99
	slices.Sort(uploaded)
	f.Note = fmt.Sprintf("local directory store; state %s; bytes uploaded per checkpoint: median %s, max %s (the first, full: %s in %s); load took %.1fs",
		bytesText(uint64(last.StateBytes)), bytesText(uint64(uploaded[len(uploaded)/2])), bytesText(uint64(uploaded[len(uploaded)-1])),
		bytesText(uint64(first.BytesUploaded)), first.Duration.Round(time.Millisecond), loadWall)
	pp50, pp99 := latencies(pauses)
	pause := newFigure("checkpoint", "data path pause at a checkpoint (flush + hard links)", int64(rounds), sumSeconds(pauses), 0)
	pause.P50Micros, pause.P99Micros = pp50, pp99
	pause.Note = "the part of a checkpoint the engine's commit waits for; the upload runs beside the next epochs"
	restore := newFigure("checkpoint", "restore of the newest checkpoint", prog.TotalBytes, restoreWall, restoreCPU)
	restore.Note = fmt.Sprintf("rows = bytes: %d files, %s, from a local directory store, checksums verified", prog.TotalFiles, bytesText(uint64(prog.TotalBytes)))
	figs := []figure{f, pause, restore}
	more, err := minioRecovery(ctx, s, root, uint64(rounds+2), log)
	return append(figs, more...), err
}

// sumSeconds returns the total of ds in seconds.
func sumSeconds(ds []time.Duration) float64 {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t.Seconds()
}

// quietLog discards the store's logs.
func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// loadKeys writes keys [0, n) in key order (vnode first), so that the
// flushed files do not overlap and settle without rewriting.
func loadKeys(s *statestore.Store, rng *rand.Rand, n int64) error {
	val := make([]byte, checkpointValueBytes)
	w := s.NewWriteBatch()
	for v := range int64(statestore.NumVnodes) {
		for i := v; i < n; i += statestore.NumVnodes {
			for j := 0; j+8 <= len(val); j += 8 {
				binary.LittleEndian.PutUint64(val[j:], rng.Uint64())
			}
			if err := w.Set(checkpointKey(i), val); err != nil {
				w.Close()
				return err
			}
			if w.Len() >= 10_000 {
				err := w.Commit()
				w.Close()
				if err != nil {
					return err
				}
				w = s.NewWriteBatch()
			}
		}
	}
	err := w.Commit()
	w.Close()
	return err
}

// checkpointKey is the state key of key i of the checkpoint benchmark.
func checkpointKey(i int64) []byte {
	return statestore.AppendKey(nil, statestore.FirstUserTable, uint16(i%statestore.NumVnodes), binary.BigEndian.AppendUint64(nil, uint64(i)))
}

// writeKeys sets keys [from, to) to fresh random values tagged gen, in
// batches of 10 000.
func writeKeys(s *statestore.Store, rng *rand.Rand, from, to int64, gen byte) error {
	val := make([]byte, checkpointValueBytes)
	for lo := from; lo < to; lo += 10_000 {
		w := s.NewWriteBatch()
		for i := lo; i < min(lo+10_000, to); i++ {
			for j := 0; j+8 <= len(val); j += 8 {
				binary.LittleEndian.PutUint64(val[j:], rng.Uint64())
			}
			val[0] = gen
			if err := w.Set(checkpointKey(i), val); err != nil {
				w.Close()
				return err
			}
		}
		err := w.Commit()
		w.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// timedCheckpoint takes checkpoint epoch and waits for it; it returns its
// status and how long Begin (the data path's part) took.
func timedCheckpoint(ctx context.Context, cp *statestore.Checkpointer, epoch uint64) (statestore.CheckpointStatus, time.Duration, error) {
	start := time.Now()
	ok, err := cp.Begin(epoch, nil)
	pause := time.Since(start)
	if err != nil || !ok {
		return statestore.CheckpointStatus{}, 0, fmt.Errorf("checkpoint %d: not taken: %v", epoch, err)
	}
	if err := cp.Wait(ctx); err != nil {
		return statestore.CheckpointStatus{}, 0, err
	}
	h := cp.History()
	return h[len(h)-1], pause, nil
}
