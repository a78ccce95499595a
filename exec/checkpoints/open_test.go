package checkpoints_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/checkpoints"
	"github.com/weir-stream/weir/statestore"
)

// key is the one key the tests write, in table 10.
var key = statestore.AppendKey(nil, 10, 0, []byte("k"))

// engine is an opened state with its checkpoint writer, committing epochs
// as the coordinator would.
type engine struct {
	t     *testing.T
	store *statestore.Store
	w     *checkpoints.Writer
	rec   checkpoints.Recovery
	epoch exec.Epoch
}

// info is what every checkpoint of the tests records: its sources are
// out of order, as the engine's jobs may list them.
func info(epoch exec.Epoch) checkpoints.Info {
	return checkpoints.Info{
		Objects: []checkpoints.Object{{Name: "t", Kind: "table"}},
		Sources: []checkpoints.Source{
			{View: "v2", Stream: "s", Position: "p"},
			{View: "v1", Stream: "s", Position: "q"},
		},
	}
}

func open(t *testing.T, c checkpoints.Config) *engine {
	t.Helper()
	s, w, rec, err := checkpoints.Open(context.Background(), checkpoints.Options{Config: c, Info: info})
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{t: t, store: s, w: w, rec: rec}
	if v, ok, _ := s.Get(statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("epoch"))); ok {
		e.epoch = exec.Epoch(v[0])
	}
	return e
}

// commit writes value under key in a new epoch (and the epoch in the meta
// table), then lets the writer take its checkpoint.
func (e *engine) commit(value string) exec.Epoch {
	e.t.Helper()
	e.epoch++
	b := e.store.NewWriteBatch()
	defer b.Close()
	if err := b.Set(key, []byte(value)); err != nil {
		e.t.Fatal(err)
	}
	if err := b.Set(statestore.AppendKey(nil, statestore.MetaTable, 0, []byte("epoch")), []byte{byte(e.epoch)}); err != nil {
		e.t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		e.t.Fatal(err)
	}
	e.w.Begin(e.epoch)
	return e.epoch
}

// flush is the coordinator's Flush: it commits an epoch and returns it.
func (e *engine) flush(context.Context) (exec.Epoch, error) {
	return e.commit("flushed"), nil
}

func (e *engine) value() string {
	e.t.Helper()
	v, ok, err := e.store.Get(key)
	if err != nil {
		e.t.Fatal(err)
	}
	if !ok {
		return ""
	}
	return string(v)
}

func localConfig(t *testing.T) checkpoints.Config {
	return checkpoints.Config{
		DataDir: t.TempDir(), Backend: "local", Enabled: true, Retained: 5,
		Interval: time.Hour, ExactlyOnce: true,
	}
}

// TestOpenRecovers: a state directory not closed cleanly (a crash) is
// replaced by the newest checkpoint; one closed cleanly, with the marker,
// is opened as it is, and the marker is gone once it is open.
func TestOpenRecovers(t *testing.T) {
	ctx := context.Background()
	c := localConfig(t)
	e := open(t, c)
	if e.rec.From != "empty" || e.w == nil {
		t.Fatalf("first open: from %q, writer %v", e.rec.From, e.w)
	}
	e.commit("one")
	// The interval is an hour: Flush takes a checkpoint at once (of its
	// epoch, or of a later one while epoch 1's uploads), and waits for it.
	if err := e.w.Flush(ctx, e.flush); err != nil {
		t.Fatal(err)
	}
	durable := e.w.Durable()
	if durable < 2 || durable != uint64(e.epoch) {
		t.Fatalf("durable after Flush: %d, want the flushed epoch %d", durable, e.epoch)
	}
	e.commit("lost") // epoch 3: committed, in no checkpoint
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}

	e = open(t, c)
	if e.rec.From != "checkpoint" || e.rec.Progress.Epoch != durable || e.rec.Progress.TotalFiles == 0 {
		t.Fatalf("after a crash: from %q, progress %+v", e.rec.From, e.rec.Progress)
	}
	if got := e.value(); got != "flushed" {
		t.Fatalf("after a crash: %q, want the checkpoint's %q", got, "flushed")
	}
	last := e.commit("closed")
	if got := e.w.Close(ctx, last); got != uint64(last) {
		t.Fatalf("Close wrote the final checkpoint of %d, want %d", got, last)
	}
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.w.MarkClean(); err != nil {
		t.Fatal(err)
	}
	if epoch, ok := checkpoints.CleanShutdown(c.DataDir); !ok || epoch != uint64(last) {
		t.Fatalf("marker after a clean stop: %d %v, want %d", epoch, ok, last)
	}

	e = open(t, c)
	defer e.store.Close()
	if e.rec.From != "local state (clean shutdown)" || e.value() != "closed" {
		t.Fatalf("after a clean stop: from %q, value %q", e.rec.From, e.value())
	}
	if _, ok := checkpoints.CleanShutdown(c.DataDir); ok {
		t.Fatal("the clean-shutdown marker is still there once the state is open")
	}
	// The final checkpoint records the engine's info, sources by view.
	objects, err := checkpoints.OpenStore(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	m, err := statestore.ReadManifest(ctx, objects, uint64(last))
	if err != nil {
		t.Fatal(err)
	}
	var got checkpoints.Info
	if err := json.Unmarshal(m.Info, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Objects) != 1 || got.Objects[0].Name != "t" || len(got.Sources) != 2 || got.Sources[0].View != "v1" {
		t.Fatalf("manifest info: %s", m.Info)
	}
}

// TestOpenRestoreFrom: RestoreFrom restores that checkpoint even over a
// clean shutdown, and names one that is not there.
func TestOpenRestoreFrom(t *testing.T) {
	ctx := context.Background()
	c := localConfig(t)
	e := open(t, c)
	e.commit("one")
	if err := e.w.Flush(ctx, e.flush); err != nil {
		t.Fatal(err)
	}
	flushed := e.epoch
	e.w.Close(ctx, e.commit("last"))
	e.store.Close()
	if err := e.w.MarkClean(); err != nil {
		t.Fatal(err)
	}

	c.RestoreFrom = uint64(flushed)
	e = open(t, c)
	if e.rec.From != "checkpoint" || e.value() != "flushed" {
		t.Fatalf("restore from %d: from %q, value %q", flushed, e.rec.From, e.value())
	}
	e.store.Close()

	c.RestoreFrom = 99
	_, _, _, err := checkpoints.Open(ctx, checkpoints.Options{Config: c})
	if err == nil || !strings.Contains(err.Error(), "checkpoint 99 is not in the checkpoint store") {
		t.Fatalf("restore from 99: %v", err)
	}
}

// TestOpenWithoutCheckpoints: backend memory and enabled false have no
// writer, and tools are told there is no checkpoint store.
func TestOpenWithoutCheckpoints(t *testing.T) {
	ctx := context.Background()
	for _, c := range []checkpoints.Config{
		{Backend: "memory", Enabled: true},
		{DataDir: t.TempDir(), Backend: "local", Enabled: false},
	} {
		s, w, rec, err := checkpoints.Open(ctx, checkpoints.Options{Config: c})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		want := map[string]string{"memory": "empty", "local": "local state"}[c.Backend]
		if w != nil || rec.From != want || w.Checkpointers() != nil || w.Durable() != 0 {
			t.Fatalf("%s: writer %v, from %q", c.Backend, w, rec.From)
		}
		// Without a writer a Flush only flushes.
		flushed := false
		if err := w.Flush(ctx, func(context.Context) (exec.Epoch, error) { flushed = true; return 1, nil }); err != nil || !flushed {
			t.Fatalf("%s: Flush without a writer: %v, flushed %t", c.Backend, err, flushed)
		}
		if _, err := checkpoints.OpenStore(ctx, c); err == nil || !strings.Contains(err.Error(), "writes no checkpoints") {
			t.Fatalf("%s: OpenStore: %v", c.Backend, err)
		}
	}
}

// TestBeginPaced: epochs that come faster than half the interval take no
// checkpoint of their own, unless a Flush waits for one.
func TestBeginPaced(t *testing.T) {
	ctx := context.Background()
	e := open(t, localConfig(t))
	defer e.store.Close()
	e.commit("one") // the first checkpoint is taken at once
	if err := e.w.Checkpointers()[0].Wait(ctx); err != nil {
		t.Fatal(err)
	}
	e.commit("two")
	e.commit("three")
	if err := e.w.Flush(ctx, e.flush); err != nil {
		t.Fatal(err)
	}
	var epochs []uint64
	for _, st := range e.w.Checkpointers()[0].History() {
		epochs = append(epochs, st.Epoch)
	}
	if len(epochs) != 2 || epochs[0] != 1 || epochs[1] != 4 {
		t.Fatalf("checkpoints taken: %v, want [1 4]", epochs)
	}
	e.w.Close(ctx, e.epoch)
}

// TestOpenDiscardsUncheckpointedState: a state directory left by a crash
// before any checkpoint is discarded (its last epoch may be half
// flushed), and a marker without its state directory restores.
func TestOpenDiscardsUncheckpointedState(t *testing.T) {
	ctx := context.Background()
	c := localConfig(t)
	c.Interval = 0
	e := open(t, c)
	e.w.Close(ctx, 0) // no checkpoint: the writer refuses from now on
	e.commit("lost")
	e.store.Close()
	e = open(t, c)
	if e.rec.From != "empty" || e.value() != "" {
		t.Fatalf("after a crash without checkpoints: from %q, value %q", e.rec.From, e.value())
	}
	e.commit("kept")
	last := e.commit("kept")
	e.w.Close(ctx, last)
	e.store.Close()
	if err := e.w.MarkClean(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(c.DataDir, "state")); err != nil {
		t.Fatal(err)
	}
	e = open(t, c)
	defer e.store.Close()
	if e.rec.From != "checkpoint" || e.value() != "kept" {
		t.Fatalf("a marker without its state: from %q, value %q", e.rec.From, e.value())
	}
}
