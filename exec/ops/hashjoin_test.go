package ops_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// TestHashJoin drives one HashJoin of l(id, k, a) and r(id, k, b) on
// l.k = r.k, keyed by id on each side, over an in-memory store:
//
//	new [outer=left|right|full] [kind=semi|anti] [residual] [nullsafe]
//	    [once=left|right|both]    (state survives: a restart; residual: a <> b;
//	    [sidefilter]              sidefilter: b <> 'no', which drops right rows;
//	    [unread]                  unread: nothing reads a and b)
//	                              nullsafe: l.k IS NOT DISTINCT FROM r.k;
//	                              once: that side has one row per key, ever)
//	push side=left|right          input: a chunk; prints what is emitted
//	barrier                       writes the epoch and prints the writer's calls
func TestHashJoin(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	store := exectest.NewStore()
	left, err := exectest.ParseSchema("id bigint, k int, a text")
	if err != nil {
		t.Fatal(err)
	}
	right, err := exectest.ParseSchema("id bigint, k int, b text")
	if err != nil {
		t.Fatal(err)
	}
	out := append(left[:len(left):len(left)], right...)
	var j *ops.HashJoin
	var epoch exec.Epoch
	datadriven.RunTest(t, "testdata/hashjoin", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "new":
			spec := ops.HashJoinSpec{Left: left, Right: right, LeftKeys: []int{1}, RightKeys: []int{1},
				LeftStreamKey: []int{0}, RightStreamKey: []int{0},
				LeftTable: statestore.FirstUserTable, RightTable: statestore.FirstUserTable + 1,
				Output: out, LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5}}
			if d.HasArg("outer") {
				var o string
				d.ScanArgs(t, "outer", &o)
				spec.OuterLeft, spec.OuterRight = o == "left" || o == "full", o == "right" || o == "full"
			}
			if d.HasArg("kind") {
				var k string
				d.ScanArgs(t, "kind", &k)
				spec.Semi, spec.Anti = k == "semi", k == "anti"
				spec.Pairs, spec.Output = out, left
			}
			if d.HasArg("once") {
				var o string
				d.ScanArgs(t, "once", &o)
				spec.LeftOnePerKey, spec.RightOnePerKey = o == "left" || o == "both", o == "right" || o == "both"
			}
			if d.HasArg("nullsafe") {
				spec.NullSafe = []bool{true}
			}
			if d.HasArg("residual") {
				// b <> a: the right row's text differs from the left's.
				spec.Residual = residualDiffers(t, left[2].Type, right[2].Type)
			}
			if d.HasArg("unread") {
				spec.Unread = []bool{false, false, true, false, false, true}
			}
			if d.HasArg("sidefilter") {
				spec.Residual = rightIsNot(t, right[2].Type, "no")
			}
			j = ops.NewHashJoin(spec, mem)
			if err := j.Open(ctx, exec.OpenContext{State: store}); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return ""
		case "push":
			var side string
			d.ScanArgs(t, "side", &side)
			schema, input := left, 0
			if side == "right" {
				schema, input = right, 1
			}
			c, err := exectest.ParseChunk(mem, schema, d.Input)
			if err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			defer c.Release()
			col := &exectest.Collector{}
			if err := j.ProcessChunk(ctx, input, c, col); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return col.Take()
		case "barrier":
			epoch++
			w := store.NewWriter()
			defer w.Close()
			if err := j.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, &exectest.Collector{}); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			stats := w.(*exectest.Writer).Stats
			if err := w.Commit(); err != nil {
				return fmt.Sprintf("error: %v\n", err)
			}
			return fmt.Sprintln(stats)
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// residualDiffers returns a <> b over the join's pairs (a at 2, b at 5).
func residualDiffers(t *testing.T, a, b types.T) expr.Expr {
	e, err := expr.Binary(sql.OpNe, expr.Column(2, "a", a), expr.Column(5, "b", b))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// rightIsNot returns b <> text over the join's pairs (b at 5): a condition
// on the right side alone.
func rightIsNot(t *testing.T, b types.T, text string) expr.Expr {
	c, err := expr.Constant(text, types.TextType)
	if err != nil {
		t.Fatal(err)
	}
	e, err := expr.Binary(sql.OpNe, expr.Column(5, "b", b), c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
