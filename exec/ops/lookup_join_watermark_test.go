package ops_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
)

// eventOutput records what is pushed to it in order: each chunk's rows as
// exectest prints them, and each watermark.
type eventOutput struct{ got []string }

func (o *eventOutput) Push(_ context.Context, c exec.Chunk) error {
	defer c.Release()
	o.got = append(o.got, strings.TrimSpace(exectest.FormatChunk(c)))
	return nil
}

func (o *eventOutput) PushWatermark(_ context.Context, w exec.Watermark) error {
	o.got = append(o.got, w.String())
	return nil
}

func (o *eventOutput) take() string {
	s := strings.Join(o.got, "\n")
	o.got = nil
	return s
}

// TestLookupJoinWatermarks: a temporal join passes on the left input's
// watermarks, as watermarks of the columns' places in the output, after
// the rows of the barrier it joins them at; the right input's are dropped.
func TestLookupJoinWatermarks(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewGoAllocator()
	left, _ := exectest.ParseSchema("ts bigint, item bigint")
	right, _ := exectest.ParseSchema("item bigint, name text")
	output, _ := exectest.ParseSchema("item bigint, name text, ts bigint, item bigint")
	j := ops.NewLookupJoin(ops.HashJoinSpec{
		Left: left, Right: right, LeftKeys: []int{1}, RightKeys: []int{0},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0}, OuterLeft: true,
		RightTable: 9, Output: output, LeftPos: []int{2, 3}, RightPos: []int{0, 1},
	}, mem)
	if _, ok := any(j).(exec.PerInputWatermarks); !ok {
		t.Fatal("LookupJoin does not read each input's watermarks")
	}
	store := exectest.NewStore()
	if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
		t.Fatal(err)
	}
	out := &eventOutput{}
	push := func(input int, schema types.Schema, rows string) {
		t.Helper()
		c, err := exectest.ParseChunk(mem, schema, rows)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		if err := j.ProcessChunk(ctx, input, c, out); err != nil {
			t.Fatal(err)
		}
	}
	watermark := func(input, col int, v int64) {
		t.Helper()
		if err := j.OnWatermark(ctx, input, exec.Watermark{Column: col, Value: v}, out); err != nil {
			t.Fatal(err)
		}
	}
	barrier := func() string {
		t.Helper()
		w := store.NewWriter()
		defer w.Close()
		if err := j.OnBarrier(ctx, exec.Barrier{}, w, out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		return out.take()
	}
	push(1, right, "+ | 1 | one")
	push(0, left, "+ | 10 | 1\n+ | 11 | 2")
	watermark(0, 0, 10)
	watermark(1, 0, 99)
	push(0, left, "+ | 12 | 1")
	watermark(0, 0, 12)
	if got := out.take(); got != "" {
		t.Fatalf("before the barrier: %s", got)
	}
	if got, want := barrier(), `+ | 1 | one | 10 | 1
+ | NULL | NULL | 11 | 2
+ | 1 | one | 12 | 1
watermark $2 ≥ 12`; got != want {
		t.Fatalf("the barrier: got\n%s\nwant\n%s", got, want)
	}
	if got := barrier(); got != "" {
		t.Fatalf("a barrier with no new watermark: %s", got)
	}
}
