package ops_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// rowEncoder encodes each row's first column as its value, keyed by its op.
type rowEncoder struct{}

func (rowEncoder) Encode(c exec.Chunk, emit func(key, value []byte)) error {
	col := c.Batch.Column(0).(*array.Int64)
	for i := range c.NumRows() {
		var value []byte
		if c.OpAt(i) != exec.Delete {
			value = fmt.Appendf(nil, "%d", col.Value(i))
		}
		emit([]byte(c.OpAt(i).String()), value)
	}
	return nil
}

// TestSinkLog: each epoch's records are written under the epoch at its
// barrier, in order, and read back with their keys, values and tombstones.
func TestSinkLog(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema, err := exectest.ParseSchema("v bigint")
	if err != nil {
		t.Fatal(err)
	}
	store := exectest.NewStore()
	table := statestore.FirstUserTable
	log := ops.NewSinkLog(rowEncoder{}, table)
	epochs := []string{"+ | 1\n+ | 2", "", "- | 1\n+ | 3"}
	for e, text := range epochs {
		if text != "" {
			c, err := exectest.ParseChunk(mem, schema, text)
			if err != nil {
				t.Fatal(err)
			}
			err = log.ProcessChunk(ctx, 0, c, nil)
			c.Release()
			if err != nil {
				t.Fatal(err)
			}
		}
		w := store.NewWriter()
		if err := log.OnBarrier(ctx, exec.Barrier{Epoch: exec.Epoch(e + 1)}, w, nil); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	var got []string
	lo, hi := statestore.TableSpan(table)
	err = store.Scan(lo, hi, func(k, v []byte) (bool, error) {
		e, err := ops.SinkLogEpoch(k)
		if err != nil {
			return false, err
		}
		r, err := ops.DecodeSinkRecord(v)
		if err != nil {
			return false, err
		}
		value := "tombstone"
		if r.Value != nil {
			value = string(r.Value)
		}
		got = append(got, fmt.Sprintf("%d %s %s", e, r.Key, value))
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "1 + 1, 1 + 2, 3 - tombstone, 3 + 3"
	if strings.Join(got, ", ") != want {
		t.Errorf("log: %s\nwant %s", strings.Join(got, ", "), want)
	}
	if !bytes.HasPrefix(ops.SinkLogKey(nil, table, 3, 0), ops.SinkLogEpochStart(table, 3)) {
		t.Error("an epoch's keys do not start with its SinkLogEpochStart")
	}
	for _, bad := range [][]byte{{}, {2, 5, 'a'}, {1, 1, 'a', 'b'}, {4}} {
		if _, err := ops.DecodeSinkRecord(bad); err == nil {
			t.Errorf("DecodeSinkRecord(%x) succeeded", bad)
		}
	}
}
