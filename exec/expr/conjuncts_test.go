package expr

import (
	"testing"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

func TestConjuncts(t *testing.T) {
	a, b := Column(0, "a", types.Int64Type), Column(1, "b", types.Int32Type)
	eq, err := Binary(sql.OpEq, a, b)
	if err != nil {
		t.Fatal(err)
	}
	gt, _ := Binary(sql.OpGt, a, b)
	or, _ := Binary(sql.OpOr, eq, gt)
	and1, _ := Binary(sql.OpAnd, eq, or)
	and2, _ := Binary(sql.OpAnd, and1, gt)
	cs := Conjuncts(and2)
	if len(cs) != 3 || cs[0] != eq || cs[1] != or || cs[2] != gt {
		t.Fatalf("conjuncts of %s: %v", and2, cs)
	}
	if And(cs).String() != and2.String() || And(nil) != nil {
		t.Fatalf("And: %s", And(cs))
	}
	l, r, ok := Equality(eq)
	if !ok || l.Type() != r.Type() || l != a {
		t.Fatalf("Equality(%s): %v %v %t", eq, l, r, ok)
	}
	if _, _, ok := Equality(gt); ok {
		t.Fatal("> taken for =")
	}
}
