package ops_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// TestHashJoinHotKey: a join key with HotKeyRows rows on one side is
// reported once (a warning naming the side and the row count), and
// counted, however many changes pair with it afterwards.
func TestHashJoinHotKey(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	left, _ := exectest.ParseSchema("id bigint, k int")
	right, _ := exectest.ParseSchema("id bigint, k int")
	var logs bytes.Buffer
	j := ops.NewHashJoin(ops.HashJoinSpec{Left: left, Right: right, LeftKeys: []int{1}, RightKeys: []int{1},
		LeftStreamKey: []int{0}, RightStreamKey: []int{0},
		LeftTable: statestore.FirstUserTable, RightTable: statestore.FirstUserTable + 1,
		Output: append(left[:2:2], right...), LeftPos: []int{0, 1}, RightPos: []int{2, 3},
		HotKeyRows: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, mem)
	if err := j.Open(ctx, exec.OpenContext{State: exectest.NewStore()}); err != nil {
		t.Fatal(err)
	}
	push := func(input int, rows string) {
		t.Helper()
		schema := left
		if input == 1 {
			schema = right
		}
		c, err := exectest.ParseChunk(mem, schema, rows)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		out := &exectest.Collector{}
		if err := j.ProcessChunk(ctx, input, c, out); err != nil {
			t.Fatal(err)
		}
		out.Take()
	}
	push(1, "+ | 100 | 7\n+ | 101 | 7\n+ | 200 | 8")
	push(0, "+ | 1 | 7")
	if j.HotKeys() != 0 || logs.Len() != 0 {
		t.Fatalf("two rows of a key reported hot: %d, %q", j.HotKeys(), logs.String())
	}
	push(1, "+ | 102 | 7")
	push(0, "+ | 2 | 7\n+ | 3 | 7\n+ | 4 | 8")
	if j.HotKeys() != 1 || strings.Count(logs.String(), "hot join key") != 1 || !strings.Contains(logs.String(), "side=right rows=3") {
		t.Fatalf("hot keys %d, log %q", j.HotKeys(), logs.String())
	}
}
