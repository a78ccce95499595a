package statestore_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-stream/weir/statestore"
	"github.com/weir-stream/weir/statestore/objstore"
)

// ckptEnv is a store on disk with a checkpointer over an in-memory object
// store.
type ckptEnv struct {
	t       *testing.T
	dir     string
	store   *statestore.Store
	objects *objstore.Mem
	cp      *statestore.Checkpointer
}

func newCkptEnv(t *testing.T, retain int) *ckptEnv {
	t.Helper()
	dir := t.TempDir()
	s, err := statestore.Open(statestore.Options{Dir: filepath.Join(dir, "state"), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	objects := objstore.NewMem()
	cp, err := statestore.NewCheckpointer(context.Background(), s, statestore.CheckpointerOptions{
		Objects: objects, ScratchDir: filepath.Join(dir, "scratch"), Retain: retain, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &ckptEnv{t: t, dir: dir, store: s, objects: objects, cp: cp}
}

// write sets keys [from, to) of table 10 to values tagged with gen.
func (e *ckptEnv) write(from, to int, gen string) {
	e.t.Helper()
	w := e.store.NewWriteBatch()
	defer w.Close()
	for i := from; i < to; i++ {
		// Values that do not compress, so state sizes are what they seem.
		filler := make([]byte, 48)
		for j := 0; j < len(filler); j += 8 {
			binary.LittleEndian.PutUint64(filler[j:], rng.Uint64())
		}
		if err := w.Set(key(i), []byte(fmt.Sprintf("%s-%d-%x", gen, i, filler))); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		e.t.Fatal(err)
	}
}

// rng fills values; its sequence does not matter.
var rng = rand.New(rand.NewPCG(1, 2))

func key(i int) []byte {
	return statestore.AppendKey(nil, statestore.FirstUserTable, uint16(i%statestore.NumVnodes), fmt.Appendf(nil, "k%08d", i))
}

// checkpoint takes a checkpoint of epoch and waits for it.
func (e *ckptEnv) checkpoint(epoch uint64) (statestore.CheckpointStatus, error) {
	e.t.Helper()
	ok, err := e.cp.Begin(epoch, func() json.RawMessage { return []byte(`{"note":"test"}`) })
	if err != nil || !ok {
		e.t.Fatalf("begin %d: %v %v", epoch, ok, err)
	}
	err = e.cp.Wait(context.Background())
	h := e.cp.History()
	return h[len(h)-1], err
}

// restore restores into a fresh directory and returns the store opened on
// it and the restore's progress.
func (e *ckptEnv) restore(epoch uint64) (*statestore.Store, *statestore.Manifest, statestore.RestoreProgress) {
	e.t.Helper()
	dir := filepath.Join(e.t.TempDir(), "restored")
	m, prog, err := statestore.Restore(context.Background(), e.objects, dir, statestore.RestoreOptions{Epoch: epoch, Logger: quietLogger()})
	if err != nil {
		e.t.Fatalf("restore: %v", err)
	}
	s, err := statestore.Open(statestore.Options{Dir: dir, Logger: quietLogger()})
	if err != nil {
		e.t.Fatalf("open restored: %v", err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s, m, prog
}

func jsonEqual(raw []byte, want string) bool {
	var b bytes.Buffer
	return json.Compact(&b, raw) == nil && b.String() == want
}

func value(t *testing.T, s *statestore.Store, i int) string {
	t.Helper()
	v, ok, err := s.Get(key(i))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "<missing>"
	}
	return strings.SplitN(string(v), "-", 2)[0]
}

// TestCheckpointRestore: a restored checkpoint holds exactly the state as
// of its epoch, not what was written after it.
func TestCheckpointRestore(t *testing.T) {
	e := newCkptEnv(t, 5)
	e.write(0, 1000, "a")
	if st, err := e.checkpoint(1); err != nil || st.Status != "done" || st.FilesUploaded == 0 {
		t.Fatalf("checkpoint 1: %+v %v", st, err)
	}
	e.write(500, 1500, "b")
	if _, err := e.checkpoint(2); err != nil {
		t.Fatal(err)
	}
	e.write(0, 10, "c") // after the last checkpoint: not in any
	if e.cp.Durable() != 2 {
		t.Fatalf("durable = %d, want 2", e.cp.Durable())
	}

	s, m, prog := e.restore(0)
	if m.Epoch != 2 || !prog.Done || prog.Files != len(m.Files) || prog.Bytes != m.StateBytes() || !jsonEqual(m.Info, `{"note":"test"}`) {
		t.Fatalf("restored %d, progress %+v, info %s", m.Epoch, prog, m.Info)
	}
	for i, want := range map[int]string{0: "a", 499: "a", 500: "b", 1499: "b"} {
		if got := value(t, s, i); got != want {
			t.Errorf("key %d = %s, want %s", i, got, want)
		}
	}
	if got := value(t, s, 1500); got != "<missing>" {
		t.Errorf("key 1500 = %s", got)
	}
	old, _, _ := e.restore(1)
	if got := value(t, old, 500); got != "a" {
		t.Errorf("checkpoint 1: key 500 = %s, want a", got)
	}
	if got := value(t, old, 1000); got != "<missing>" {
		t.Errorf("checkpoint 1: key 1000 = %s", got)
	}
}

// TestCheckpointIncremental: when one percent of a large state changes,
// the next checkpoint uploads a small part of the state's bytes.
func TestCheckpointIncremental(t *testing.T) {
	e := newCkptEnv(t, 5)
	for i := 0; i < 100_000; i += 10_000 {
		e.write(i, i+10_000, "a")
	}
	// A state that has settled into the lower levels, as a large one has:
	// otherwise the compaction of the fresh L0 files rewrites it all.
	if err := e.store.DB().Compact(context.Background(), []byte{0}, []byte{0xff}, true); err != nil {
		t.Fatal(err)
	}
	first, err := e.checkpoint(1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100_000; i += 100 {
		e.write(i, i+1, "b")
	}
	second, err := e.checkpoint(2)
	if err != nil {
		t.Fatal(err)
	}
	if first.StateBytes < 5<<20 {
		t.Fatalf("state of %d bytes; the test wants several MiB", first.StateBytes)
	}
	if second.BytesUploaded*10 > second.StateBytes {
		t.Fatalf("the second checkpoint uploaded %d of %d bytes; want under a tenth", second.BytesUploaded, second.StateBytes)
	}
	t.Logf("first: %d bytes uploaded; second: %d of %d", first.BytesUploaded, second.BytesUploaded, second.StateBytes)
}

// TestCheckpointFallback: a corrupt file or manifest in the newest
// checkpoint makes Restore fall back to the one before, and say so.
func TestCheckpointFallback(t *testing.T) {
	for _, what := range []string{"sst", "manifest"} {
		t.Run(what, func(t *testing.T) {
			e := newCkptEnv(t, 5)
			e.write(0, 100, "a")
			if _, err := e.checkpoint(1); err != nil {
				t.Fatal(err)
			}
			e.write(0, 100, "b")
			if _, err := e.checkpoint(2); err != nil {
				t.Fatal(err)
			}
			m2, err := statestore.ReadManifest(context.Background(), e.objects, 2)
			if err != nil {
				t.Fatal(err)
			}
			m1, _ := statestore.ReadManifest(context.Background(), e.objects, 1)
			victim := "manifests/00000000000000000002.json"
			if what == "sst" {
				victim = ""
				for _, f := range m2.Files {
					if strings.HasSuffix(f.Name, ".sst") && !manifestHas(m1, f.Object) {
						victim = f.Object
					}
				}
			}
			if victim == "" || !e.objects.Corrupt(victim) {
				t.Fatalf("nothing to corrupt (%q)", victim)
			}
			if _, err := statestore.VerifyCheckpoint(context.Background(), e.objects, 2); err == nil {
				t.Fatal("verify passed a corrupt checkpoint")
			}
			s, m, prog := e.restore(0)
			if m.Epoch != 1 || len(prog.Skipped) != 1 || !strings.HasPrefix(prog.Skipped[0], "2: ") {
				t.Fatalf("restored %d, skipped %q", m.Epoch, prog.Skipped)
			}
			if got := value(t, s, 5); got != "a" {
				t.Fatalf("key 5 = %s, want a", got)
			}
		})
	}
}

func manifestHas(m *statestore.Manifest, object string) bool {
	for _, f := range m.Files {
		if f.Object == object {
			return true
		}
	}
	return false
}

// TestCheckpointRetention: after many checkpoints the store holds the
// retained manifests and exactly the files they reference.
func TestCheckpointRetention(t *testing.T) {
	e := newCkptEnv(t, 2)
	for epoch := uint64(1); epoch <= 12; epoch++ {
		e.write(int(epoch)*100, int(epoch)*100+300, fmt.Sprint(epoch))
		if epoch%4 == 0 {
			// Compactions replace SSTs: the replaced ones must go.
			if err := e.store.DB().Compact(context.Background(), []byte{0}, []byte{0xff}, true); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.checkpoint(epoch); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	epochs, _ := statestore.ListCheckpoints(ctx, e.objects)
	if fmt.Sprint(epochs) != "[12 11]" {
		t.Fatalf("manifests %v, want [12 11]", epochs)
	}
	want := map[string]bool{}
	for _, ep := range epochs {
		m, err := statestore.ReadManifest(ctx, e.objects, ep)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m.Files {
			want[f.Object] = true
		}
	}
	objs, _ := e.objects.List(ctx, "")
	for _, o := range objs {
		if strings.HasPrefix(o.Name, "manifests/") {
			continue
		}
		if !want[o.Name] {
			t.Errorf("object %s is referenced by no retained manifest", o.Name)
		}
		delete(want, o.Name)
	}
	for name := range want {
		t.Errorf("object %s of a retained manifest is missing", name)
	}
	if _, err := statestore.VerifyCheckpoint(ctx, e.objects, 11); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointFailedUpload: a checkpoint whose upload fails fails alone:
// the durable epoch stays, and the next checkpoint succeeds and restores.
func TestCheckpointFailedUpload(t *testing.T) {
	e := newCkptEnv(t, 3)
	e.write(0, 100, "a")
	if _, err := e.checkpoint(1); err != nil {
		t.Fatal(err)
	}
	e.write(0, 100, "b")
	e.objects.FailPut = func(name string) error {
		if strings.HasPrefix(name, "manifests/") {
			return errors.New("the store is down")
		}
		return nil
	}
	st, err := e.checkpoint(2)
	if err == nil || st.Status != "failed" || e.cp.Durable() != 1 {
		t.Fatalf("checkpoint 2 with the store down: %+v, %v, durable %d", st, err, e.cp.Durable())
	}
	e.objects.FailPut = nil
	e.write(0, 50, "c")
	if _, err := e.checkpoint(3); err != nil {
		t.Fatal(err)
	}
	s, m, _ := e.restore(0)
	if m.Epoch != 3 || value(t, s, 10) != "c" || value(t, s, 60) != "b" {
		t.Fatalf("restored %d: %s %s", m.Epoch, value(t, s, 10), value(t, s, 60))
	}
}

// TestCheckpointAfterRestore: a store restored from a checkpoint goes on
// checkpointing under a new run, without uploading the restored files
// again, and both runs' files restore together.
func TestCheckpointAfterRestore(t *testing.T) {
	e := newCkptEnv(t, 5)
	e.write(0, 2000, "a")
	if _, err := e.checkpoint(1); err != nil {
		t.Fatal(err)
	}
	s, m, _ := e.restore(0)
	dir := t.TempDir()
	cp, err := statestore.NewCheckpointer(context.Background(), s, statestore.CheckpointerOptions{
		Objects: e.objects, ScratchDir: filepath.Join(dir, "scratch"), Retain: 5, Restored: m, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := s.NewWriteBatch()
	w.Set(key(7), []byte("z-7"))
	w.Commit()
	w.Close()
	if ok, err := cp.Begin(2, nil); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := cp.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := cp.History()
	st := h[len(h)-1]
	if st.BytesUploaded*4 > st.StateBytes {
		t.Fatalf("after a restore the checkpoint uploaded %d of %d bytes", st.BytesUploaded, st.StateBytes)
	}
	e2 := &ckptEnv{t: t, objects: e.objects}
	r, m2, _ := e2.restore(2)
	if m2.Run == m.Run || value(t, r, 7) != "z" || value(t, r, 1999) != "a" {
		t.Fatalf("run %s after %s; key 7 = %s, key 1999 = %s", m2.Run, m.Run, value(t, r, 7), value(t, r, 1999))
	}
}
