package ops_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// watermarkOutput records the watermarks pushed to it.
type watermarkOutput struct{ got []string }

func (o *watermarkOutput) Push(_ context.Context, c exec.Chunk) error { c.Release(); return nil }

func (o *watermarkOutput) PushWatermark(_ context.Context, w exec.Watermark) error {
	o.got = append(o.got, fmt.Sprintf("$%d %d", w.Column, w.Value))
	return nil
}

// TestProjectMapsWatermarks checks that a projection maps a watermark to
// every output column non-decreasing in it, at the expression's value, and
// to no other: ts, ts - 5 s, date_trunc('minute', ts) and id + 1 (for a
// watermark on id) keep it; -id and ts of another column do not.
func TestProjectMapsWatermarks(t *testing.T) {
	mem := memory.NewGoAllocator()
	ctx := context.Background()
	id := expr.Column(0, "id", types.Int64Type)
	ts := expr.Column(1, "ts", types.TSType)
	five, err := expr.Constant(5*time.Second, types.IntervalT)
	if err != nil {
		t.Fatal(err)
	}
	one, _ := expr.Constant(int64(1), types.Int64Type)
	minute, _ := expr.Constant("minute", types.TextType)
	must := func(e expr.Expr, err error) expr.Expr {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	exprs := []expr.Expr{
		ts,
		must(expr.Binary(sql.OpSub, ts, five)),
		must(expr.Func("date_trunc", []expr.Expr{minute, ts})),
		must(expr.Binary(sql.OpAdd, id, one)),
		must(expr.Binary(sql.OpSub, one, id)),
		id,
	}
	p := ops.NewProject(mem, exprs, []string{"a", "b", "c", "d", "e", "f"})
	out := &watermarkOutput{}
	const min61 = int64(61_500_000) // 00:01:01.5 in microseconds
	if err := p.OnWatermark(ctx, 0, exec.Watermark{Column: 1, Value: min61}, out); err != nil {
		t.Fatal(err)
	}
	if err := p.OnWatermark(ctx, 0, exec.Watermark{Column: 0, Value: 41}, out); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(out.got, "; ")
	want := "$0 61500000; $1 56500000; $2 60000000; $3 42; $5 41"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
