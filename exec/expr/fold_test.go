package expr

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// TestRemapColumns checks Columns, RemapColumns, IsConstant, IsVolatile and
// EvalConstant on a small tree.
func TestRemapColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := Column(3, "a", types.Int32Type)
	b := Column(1, "b", types.Int64Type)
	sum, err := Binary(sql.OpAdd, a, b)
	if err != nil {
		t.Fatal(err)
	}
	gt, err := Binary(sql.OpGt, sum, a)
	if err != nil {
		t.Fatal(err)
	}
	if got := Columns(gt); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("Columns = %v", got)
	}
	re, err := RemapColumns(gt, func(i int) (int, bool) { return map[int]int{1: 0, 3: 1}[i], true })
	if err != nil {
		t.Fatal(err)
	}
	if got := Columns(re); !slices.Equal(got, []int{0, 1}) || re.String() != gt.String() {
		t.Fatalf("remapped: %v %s", got, re)
	}
	if _, err := RemapColumns(gt, func(int) (int, bool) { return 0, false }); err == nil {
		t.Fatal("want error for an unmapped column")
	}
	if IsConstant(gt) {
		t.Fatal("a column reference is not constant")
	}
	now, _ := Func("now", nil)
	if IsConstant(now) || !IsVolatile(now) {
		t.Fatal("now() is volatile")
	}
	ts, err := Constant(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), types.TSType)
	if err != nil {
		t.Fatal(err)
	}
	arr, err := EvalConstant(context.Background(), mem, ts)
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	if arr.Len() != 1 || formatValue(valueAt(arr, 0), types.TSType) != "2024-01-02 03:04:05" {
		t.Fatalf("EvalConstant = %v", arr)
	}
	if _, err := EvalConstant(context.Background(), mem, a); err == nil {
		t.Fatal("EvalConstant of a column must fail")
	}
}
