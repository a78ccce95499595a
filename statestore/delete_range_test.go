package statestore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// fragmentState is the store as a fragment's exec.StateStore.
type fragmentState struct{ *statestore.Store }

func (s fragmentState) NewWriter() exec.CommittableWriter { return s.NewWriteBatch() }

// barrierWriter is an operator whose writes at each barrier are given by
// epoch, as a stateful operator makes them.
type barrierWriter struct {
	at map[exec.Epoch]func(w exec.StateWriter) error
}

func (*barrierWriter) ProcessChunk(context.Context, int, exec.Chunk, exec.Output) error { return nil }

func (o *barrierWriter) OnBarrier(_ context.Context, b exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	if fn := o.at[b.Epoch]; fn != nil {
		return fn(w)
	}
	return nil
}

// tableKey is key i of table t, in vnode i.
func tableKey(t statestore.TableID, i int) []byte {
	return statestore.AppendKey(nil, t, uint16(i), fmt.Appendf(nil, "k%03d", i))
}

// dumpTables lists the keys of tables t and t+1 as "table:index" in key order,
// read through an iterator.
func dumpTables(t *testing.T, r exec.StateReader, table statestore.TableID) string {
	t.Helper()
	lo, _ := statestore.TableSpan(table)
	_, hi := statestore.TableSpan(table + 1)
	it, err := r.NewIter(lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for ok := it.First(); ok; ok = it.Next() {
		tid, vnode, _, err := statestore.SplitKey(it.Key())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%d=%s", tid-table, vnode, it.Value()))
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

// TestDeleteRangeAtBarrier: an operator's DeleteRange at a barrier removes
// its keys when the fragment commits the epoch, and the removal is in the
// checkpoint of that epoch and not in the one before, as the restores show.
func TestDeleteRangeAtBarrier(t *testing.T) {
	e := newCkptEnv(t, 5)
	table := statestore.FirstUserTable
	other := table + 1
	op := &barrierWriter{at: map[exec.Epoch]func(exec.StateWriter) error{
		1: func(w exec.StateWriter) error {
			for i := range 6 {
				if err := w.Set(tableKey(table, i), []byte("a")); err != nil {
					return err
				}
			}
			for i := range 2 {
				if err := w.Set(tableKey(other, i), []byte("b")); err != nil {
					return err
				}
			}
			return nil
		},
		2: func(w exec.StateWriter) error {
			// Vnodes 1 to 3 of the table, and the whole other table; the
			// Set after the range delete in the same epoch stays.
			if err := w.DeleteRange(statestore.AppendKey(nil, table, 1, nil), statestore.AppendKey(nil, table, 4, nil)); err != nil {
				return err
			}
			if err := w.Set(tableKey(table, 2), []byte("c")); err != nil {
				return err
			}
			lo, hi := statestore.TableSpan(other)
			return w.DeleteRange(lo, hi)
		},
	}}
	epochs := make(chan exec.Epoch, 4)
	f := exec.NewFragment(exec.FragmentSpec{Name: "ranges", Ops: []exec.Operator{op}, State: fragmentState{e.store},
		Logger: quietLogger(), OnEpoch: func(b exec.Barrier) { epochs <- b.Epoch }})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- f.Run(ctx) }()
	barrier := func(b exec.Barrier) {
		t.Helper()
		if err := f.InjectBarrier(ctx, b); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-epochs:
			if got != b.Epoch {
				t.Fatalf("committed epoch %d, want %d", got, b.Epoch)
			}
		case err := <-errc:
			t.Fatalf("fragment ended: %v", err)
		}
	}

	const before = "0:0=a 0:1=a 0:2=a 0:3=a 0:4=a 0:5=a 1:0=b 1:1=b"
	const after = "0:0=a 0:2=c 0:4=a 0:5=a"
	barrier(exec.Barrier{Epoch: 1})
	if got := dumpTables(t, e.store, table); got != before {
		t.Fatalf("after epoch 1: %s, want %s", got, before)
	}
	if _, err := e.checkpoint(1); err != nil {
		t.Fatal(err)
	}
	barrier(exec.Barrier{Epoch: 2})
	if got := dumpTables(t, e.store, table); got != after {
		t.Fatalf("after epoch 2: %s, want %s", got, after)
	}
	if _, err := e.checkpoint(2); err != nil {
		t.Fatal(err)
	}
	barrier(exec.Barrier{Epoch: 3, Kind: exec.Stop})
	if err := <-errc; err != nil {
		t.Fatal(err)
	}

	restored, _, _ := e.restore(2)
	if got := dumpTables(t, restored, table); got != after {
		t.Errorf("checkpoint 2 restored: %s, want %s", got, after)
	}
	// The range tombstones survive a compaction of the restored store too.
	if err := restored.DB().Compact(context.Background(), []byte{0}, []byte{0xff}, true); err != nil {
		t.Fatal(err)
	}
	if got := dumpTables(t, restored, table); got != after {
		t.Errorf("checkpoint 2 restored and compacted: %s, want %s", got, after)
	}
	older, _, _ := e.restore(1)
	if got := dumpTables(t, older, table); got != before {
		t.Errorf("checkpoint 1 restored: %s, want %s", got, before)
	}
}
