package ops_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// keyRecorder is a StateWriter that records the keys of Set and Delete.
type keyRecorder struct{ keys [][]byte }

func (r *keyRecorder) Set(key, _ []byte) error {
	r.keys = append(r.keys, bytes.Clone(key))
	return nil
}

func (r *keyRecorder) Delete(key []byte) error {
	r.keys = append(r.keys, bytes.Clone(key))
	return nil
}

func (r *keyRecorder) DeleteRange(_, _ []byte) error { return nil }

// TestHashAggWritesStateInKeyOrder checks that a barrier writes the groups'
// state in ascending key order (so Pebble's batch sort finds it sorted, and
// its memtable takes it as a run), including keys equal in the 16 bytes the
// sort compares first, and deletes of groups that are gone: the
// ResultTable's keys, and those of the MinMaxTable (DISTINCT and min
// multisets) before them, each table's in order.
func TestHashAggWritesStateInKeyOrder(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	input, err := exectest.ParseSchema("k text not null, v bigint not null")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := hashAggSpec(ops.HashAggSpec{
		ResultTable: statestore.FirstUserTable, MinMaxTable: statestore.FirstUserTable + 1,
	}, input, "k", "count(*), sum(v), count(distinct v), min(v)")
	if err != nil {
		t.Fatal(err)
	}
	agg := ops.NewHashAgg(spec, mem)
	if err := agg.Open(ctx, exec.OpenContext{}); err != nil {
		t.Fatal(err)
	}
	chunk := func(op exec.Op, from, to int) exec.Chunk {
		rb := array.NewRecordBuilder(mem, input.Arrow())
		defer rb.Release()
		var opsList []exec.Op
		for i := from; i < to; i++ {
			// A long shared prefix: most keys tie in their first 16 bytes.
			key := fmt.Sprintf("a-long-shared-prefix-%d", (i*7919)%5000)
			if i%3 == 0 {
				key = fmt.Sprintf("k%d", i)
			}
			rb.Field(0).(*array.StringBuilder).Append(key)
			rb.Field(1).(*array.Int64Builder).Append(int64(i))
			opsList = append(opsList, op)
		}
		return exec.Chunk{Batch: rb.NewRecordBatch(), Ops: opsList}
	}
	var out benchDiscardOutput
	for epoch, step := range []struct {
		op       exec.Op
		from, to int
	}{{exec.Insert, 0, 5000}, {exec.Delete, 0, 2500}, {exec.Insert, 4000, 6000}} {
		c := chunk(step.op, step.from, step.to)
		err := agg.ProcessChunk(ctx, 0, c, &out)
		c.Release()
		if err != nil {
			t.Fatal(err)
		}
		var rec keyRecorder
		if err := agg.OnBarrier(ctx, exec.Barrier{Epoch: exec.Epoch(epoch + 1)}, &rec, &out); err != nil {
			t.Fatal(err)
		}
		if len(rec.keys) < 1000 {
			t.Fatalf("epoch %d: %d state writes, want at least 1000", epoch+1, len(rec.keys))
		}
		tables := map[statestore.TableID]int{}
		for i, key := range rec.keys {
			table, _, _, err := statestore.SplitKey(key)
			if err != nil {
				t.Fatal(err)
			}
			tables[table]++
			if i == 0 {
				continue
			}
			if prev, _, _, _ := statestore.SplitKey(rec.keys[i-1]); prev != table {
				if prev != spec.MinMaxTable || table != spec.ResultTable {
					t.Fatalf("epoch %d: a write of table %d follows one of table %d", epoch+1, table, prev)
				}
				continue
			}
			if bytes.Compare(rec.keys[i-1], rec.keys[i]) >= 0 {
				t.Fatalf("epoch %d: write %d (%q) does not follow %q", epoch+1, i, rec.keys[i], rec.keys[i-1])
			}
		}
		if tables[spec.MinMaxTable] < 1000 || tables[spec.ResultTable] < 1000 {
			t.Fatalf("epoch %d: %v writes by table, want at least 1000 of each", epoch+1, tables)
		}
	}
}
