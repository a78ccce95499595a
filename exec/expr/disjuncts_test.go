package expr

import (
	"testing"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// TestCommonConjuncts checks that only a condition on the same columns in
// every branch of an OR is common: columns of one name from two relations
// (n1.n_name, n2.n_name) are not the same.
func TestCommonConjuncts(t *testing.T) {
	bin := func(op sql.BinaryOp, l, r Expr) Expr {
		e, err := Binary(op, l, r)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b := Column(0, "k", types.Int32Type), Column(1, "k", types.Int32Type)
	n1, n2 := Column(2, "n", types.TextType), Column(3, "n", types.TextType)
	key := bin(sql.OpEq, a, b)
	fr, de := UnknownLiteral("FR"), UnknownLiteral("DE")
	or := bin(sql.OpOr,
		bin(sql.OpAnd, key, bin(sql.OpAnd, bin(sql.OpEq, n1, fr), bin(sql.OpEq, n2, de))),
		bin(sql.OpAnd, bin(sql.OpEq, n1, de), bin(sql.OpAnd, bin(sql.OpEq, n2, fr), bin(sql.OpEq, a, b))))
	got := CommonConjuncts(or)
	if len(got) != 1 || !sameTerm(got[0], key) {
		t.Fatalf("CommonConjuncts(%s) = %v, want [%s]", or, got, key)
	}
	if got := CommonConjuncts(key); got != nil {
		t.Fatalf("CommonConjuncts of no OR = %v", got)
	}
}
