package dml_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// TestValuesRows gathers more rows of constants than are folded at once,
// and a batch, into the rows of an INSERT (id, n) into people.
func TestValuesRows(t *testing.T) {
	f := newFixture(t, people())
	ctx := context.Background()
	vals := dml.NewValues(f.mem, f.o, []int{0, 2})
	defer vals.Release()
	constant := func(v any) expr.Expr {
		e, err := expr.Constant(v, types.Int32Type)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	const n = 2500
	for i := 0; i < n; i++ {
		if _, err := vals.AddRow(ctx, []expr.Expr{constant(int32(i)), constant(int32(2 * i))}); err != nil {
			t.Fatal(err)
		}
	}
	c := exectest.MustChunk(t, f.mem, "id int4, n int4", "+ | 5000 | 1\n+ | 5001 | 2")
	defer c.Release()
	exprs := []expr.Expr{expr.Column(0, "id", types.Int32Type), expr.Column(1, "n", types.Int32Type)}
	if err := vals.AddBatch(ctx, exprs, c.Batch); err != nil {
		t.Fatal(err)
	}
	if vals.Len() != n+2 {
		t.Fatalf("Len %d; want %d", vals.Len(), n+2)
	}
	rows, err := vals.Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Release()
	if rows.NumRows() != n+2 || rows.NumCols() != 3 || rows.Column(1).NullN() != n+2 {
		t.Fatalf("%d rows, %d columns, %d NULL names", rows.NumRows(), rows.NumCols(), rows.Column(1).NullN())
	}
	for _, r := range []int{0, 1023, 1024, 2499, 2501} {
		want := fmt.Sprintf("%d | NULL | %d", r, 2*r)
		if r == 2501 {
			want = "5001 | NULL | 2"
		}
		if got := exectest.FormatRow(rows, r); got != want {
			t.Fatalf("row %d: %s; want %s", r, got, want)
		}
	}

	// A value that fails says which it is, and adds nothing.
	zero := constant(int32(0))
	div, err := expr.Binary(sql.OpDiv, constant(int32(1)), zero)
	if err != nil {
		t.Fatal(err)
	}
	i, err := vals.AddRow(ctx, []expr.Expr{constant(int32(9)), div})
	wantCode(t, err, sqlstate.DivisionByZero)
	if i != 1 || vals.Len() != n+2 {
		t.Fatalf("failed value %d, Len %d", i, vals.Len())
	}
}

// TestValuesNone makes the rows of an INSERT that gathered none.
func TestValuesNone(t *testing.T) {
	f := newFixture(t, people())
	vals := dml.NewValues(f.mem, f.o, []int{0, 1, 2})
	defer vals.Release()
	rows, err := vals.Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Release()
	if rows.NumRows() != 0 {
		t.Fatalf("%d rows", rows.NumRows())
	}
}
