package kafka

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/internal/exectest"
)

// TestWatermarkPerPartition reads a topic of two partitions through a
// watermark (exec/watermarks): each partition's rows count for their own
// split, a partition that went quiet holds the watermark back until the
// idle timeout and then no longer does, and when it wakes up its rows
// below the watermark are late and it rejoins the minimum.
func TestWatermarkPerPartition(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newCluster(t, 2)
	st := exectest.NewStore()
	src, err := NewSource(c.options(t, nil), mem, quiet)
	if err != nil {
		t.Fatal(err)
	}
	const idle = 300 * time.Millisecond
	ws := watermarks.New(src, watermarks.Spec{Stream: "t", Column: 0, IdleTimeout: idle, KeepLate: 10, Table: 1, Mem: mem})
	if err := ws.Open(context.Background(), exec.OpenContext{State: st}); err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	var got []int64
	// read polls ws until it has read n more rows.
	read := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for want := len(got) + n; len(got) < want; {
			c, err := ws.Next(context.Background())
			if errors.Is(err, exec.ErrNoData) {
				if time.Now().After(deadline) {
					t.Fatalf("read %v, want %d more", got, n)
				}
				time.Sleep(2 * time.Millisecond)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			v := c.Batch.Column(0).(*array.Int64)
			for i := range c.NumRows() {
				got = append(got, v.Value(i))
			}
			c.Release()
		}
	}
	watermark := func() string { st := ws.Status(); return st.Detail + " -> " + strconv.FormatInt(st.Watermark, 10) }

	c.produceInts(t, 0, 10, 11)
	c.produceInts(t, 1, 5, 6)
	read(2)
	c.produceInts(t, 0, 20, 21)
	read(1)
	if w := watermark(); w != "p0:20,p1:5 -> 5" {
		t.Fatalf("with both partitions active: %s", w)
	}
	// Partition 1 goes quiet: after the idle timeout it leaves the minimum.
	time.Sleep(idle + 50*time.Millisecond)
	c.produceInts(t, 0, 40, 41)
	read(1)
	if w := watermark(); w != "p0:40,p1:idle -> 40" {
		t.Fatalf("with partition 1 idle: %s", w)
	}
	// It wakes up: 7 is late, 50 is not, and it rejoins the minimum.
	c.produceInts(t, 1, 7, 8)
	c.produce(t, 1, `{"v": 50}`)
	read(1)
	c.produceInts(t, 0, 60, 61)
	read(1)
	if w := watermark(); w != "p0:60,p1:50 -> 50" {
		t.Fatalf("after partition 1 woke up: %s", w)
	}
	if late := ws.Status().Late; late != 1 {
		t.Fatalf("late rows: %d, want 1", late)
	}
	want := []int64{10, 5, 20, 40, 50, 60}
	if len(got) != len(want) {
		t.Fatalf("read %v, want %v (in any order)", got, want)
	}
}
