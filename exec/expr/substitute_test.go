package expr

import (
	"testing"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// TestSubstitute replaces column references under operators and functions
// and leaves untouched subtrees shared.
func TestSubstitute(t *testing.T) {
	a, b := Column(0, "a", types.Int64Type), Column(1, "b", types.Int64Type)
	two, _ := Constant(int64(2), types.Int64Type)
	sum, err := Binary(sql.OpAdd, a, two)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := Func("abs", []Expr{sum})
	if err != nil {
		t.Fatal(err)
	}
	mul, err := Binary(sql.OpMul, abs, b)
	if err != nil {
		t.Fatal(err)
	}
	x, y := Column(3, "x", types.Int64Type), Column(4, "y", types.Int64Type)
	got := Substitute(mul, func(c *ColumnRef) Expr {
		if c.Index() == 0 {
			return x
		}
		return y
	})
	if got.String() != "(abs((x + 2)) * y)" {
		t.Fatalf("substituted: %s", got)
	}
	if same := Substitute(two, func(*ColumnRef) Expr { return x }); same != two {
		t.Fatal("a constant was rebuilt")
	}
}
