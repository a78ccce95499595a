package sql

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/weir-stream/weir/sql/types"
)

func col(n string) *ColumnRef { return &ColumnRef{Name: Name{Value: n}} }

func intLit(v int) *Literal { return &Literal{Kind: LitInteger, Value: strconv.Itoa(v)} }

// TestPrinterHandBuilt checks that the printer adds parentheses exactly where
// a hand-built tree would otherwise read back differently.
func TestPrinterHandBuilt(t *testing.T) {
	bin := func(op BinaryOp, l, r Expr) Expr { return &BinaryExpr{Op: op, Left: l, Right: r} }
	un := func(op UnaryOp, e Expr) Expr { return &UnaryExpr{Op: op, Operand: e} }
	a, b, c := col("a"), col("b"), col("c")
	for _, tc := range []struct {
		e    Expr
		want string
	}{
		{bin(OpMul, bin(OpAdd, a, b), c), "(a + b) * c"},
		{bin(OpSub, a, bin(OpSub, b, c)), "a - (b - c)"},
		{bin(OpSub, bin(OpSub, a, b), c), "a - b - c"},
		{bin(OpEq, bin(OpEq, a, b), c), "(a = b) = c"},
		{bin(OpAnd, bin(OpOr, a, b), c), "(a OR b) AND c"},
		{&IsNullExpr{Expr: un(OpNot, a)}, "(NOT a) IS NULL"},
		{un(OpNot, &IsNullExpr{Expr: a}), "NOT a IS NULL"},
		{bin(OpConcat, bin(OpConcat, a, un(OpNot, b)), c), "(a || NOT b) || c"},
		{&CastExpr{Expr: un(OpNeg, intLit(1)), Type: TypeName{Type: types.Int64Type}, DoubleColon: true}, "(-1)::BIGINT"},
		{un(OpNeg, un(OpNeg, intLit(1))), "- -1"},
		{un(OpNeg, bin(OpAdd, a, b)), "-(a + b)"},
		{&BetweenExpr{Expr: a, Lo: bin(OpAnd, b, c), Hi: bin(OpOr, b, c)}, "a BETWEEN (b AND c) AND (b OR c)"},
		{&LikeExpr{Expr: bin(OpEq, a, b), Pattern: c}, "(a = b) LIKE c"},
		{bin(OpAdd, &IsNullExpr{Expr: a}, b), "a IS NULL + b"},
	} {
		if got := String(tc.e); got != tc.want {
			t.Errorf("String = %q, want %q", got, tc.want)
		}
		checkSameTree(t, tc.e)
	}
	// Names that need quotes get them (and read back with Quoted set).
	for _, tc := range []struct {
		n    Node
		want string
	}{
		{&FuncCall{Name: Name{Value: "Select"}, Args: []Expr{a}}, `"Select"(a)`},
		{&ColumnRef{Table: &Name{Value: "T"}, Name: Name{Value: "from"}}, `"T"."from"`},
		{&ColumnRef{Name: Name{Value: "a b\""}}, `"a b"""`},
		{&Set{Name: "session", Value: "x"}, `SET "session" = 'x'`},
		{&Show{What: ShowVariable, Variable: "tables"}, `SHOW "tables"`},
		{&CreateStream{Name: ObjectName{Parts: []Name{{Value: "s"}}}, Options: []Option{{Key: "Group.id", Value: "it's"}}},
			`CREATE STREAM s WITH ("Group.id" = 'it''s')`},
	} {
		if got := String(tc.n); got != tc.want {
			t.Errorf("String = %q, want %q", got, tc.want)
		}
	}
}

// TestPrinterRandomTrees prints random hand-built expression trees and checks
// that each parses back to the same tree once parentheses are removed.
func TestPrinterRandomTrees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		checkSameTree(t, randomExpr(r, 4))
		if t.Failed() {
			return
		}
	}
}

func checkSameTree(t *testing.T, e Expr) {
	t.Helper()
	s := String(e)
	back, err := ParseExpr(s)
	if err != nil {
		t.Errorf("%q: %v\n%s", s, err, Dump(e))
		return
	}
	if !EqualIgnoringPos(stripParens(e), stripParens(back)) {
		t.Errorf("%q reads back as another tree:\n%s\nvs\n%s", s, Dump(e), Dump(back))
	}
}

func randomExpr(r *rand.Rand, depth int) Expr {
	if depth == 0 || r.IntN(5) == 0 {
		switch r.IntN(4) {
		case 0:
			return col(string(rune('a' + r.IntN(3))))
		case 1:
			return intLit(r.IntN(10))
		case 2:
			return &Literal{Kind: LitString, Value: "s'"}
		}
		return &Literal{Kind: LitBool, Value: "true"}
	}
	sub := func() Expr { return randomExpr(r, depth-1) }
	switch r.IntN(12) {
	case 0, 1, 2:
		return &BinaryExpr{Op: BinaryOp(r.IntN(int(OpConcat) + 1)), Left: sub(), Right: sub()}
	case 3:
		return &UnaryExpr{Op: UnaryOp(r.IntN(3)), Operand: sub()}
	case 4:
		return &IsNullExpr{Expr: sub(), Not: r.IntN(2) == 0}
	case 5:
		return &IsBoolExpr{Expr: sub(), Not: r.IntN(2) == 0, Value: r.IntN(2) == 0}
	case 6:
		return &BetweenExpr{Expr: sub(), Not: r.IntN(2) == 0, Lo: sub(), Hi: sub()}
	case 7:
		return &InExpr{Expr: sub(), Not: r.IntN(2) == 0, List: []Expr{sub(), sub()}}
	case 8:
		return &LikeExpr{Expr: sub(), Not: r.IntN(2) == 0, CaseInsensitive: r.IntN(2) == 0, Pattern: sub()}
	case 9:
		return &CastExpr{Expr: sub(), Type: TypeName{Type: types.TextType}, DoubleColon: r.IntN(2) == 0}
	case 10:
		return &FuncCall{Name: Name{Value: "f"}, Args: []Expr{sub()}}
	}
	return &CaseExpr{Operand: sub(), Whens: []When{{Cond: sub(), Result: sub()}}, Else: sub()}
}

// stripParens returns e without its ParenExpr nodes (it rebuilds what it changes).
func stripParens(e Expr) Expr {
	switch e := e.(type) {
	case *ParenExpr:
		return stripParens(e.Expr)
	case *BinaryExpr:
		c := *e
		c.Left, c.Right = stripParens(e.Left), stripParens(e.Right)
		return &c
	case *UnaryExpr:
		c := *e
		c.Operand = stripParens(e.Operand)
		return &c
	case *IsNullExpr:
		c := *e
		c.Expr = stripParens(e.Expr)
		return &c
	case *IsBoolExpr:
		c := *e
		c.Expr = stripParens(e.Expr)
		return &c
	case *BetweenExpr:
		c := *e
		c.Expr, c.Lo, c.Hi = stripParens(e.Expr), stripParens(e.Lo), stripParens(e.Hi)
		return &c
	case *InExpr:
		c := *e
		c.Expr = stripParens(e.Expr)
		c.List = make([]Expr, len(e.List))
		for i, x := range e.List {
			c.List[i] = stripParens(x)
		}
		return &c
	case *LikeExpr:
		c := *e
		c.Expr, c.Pattern = stripParens(e.Expr), stripParens(e.Pattern)
		return &c
	case *CastExpr:
		c := *e
		c.Expr = stripParens(e.Expr)
		return &c
	case *FuncCall:
		c := *e
		c.Args = make([]Expr, len(e.Args))
		for i, x := range e.Args {
			c.Args[i] = stripParens(x)
		}
		return &c
	case *CaseExpr:
		c := *e
		if e.Operand != nil {
			c.Operand = stripParens(e.Operand)
		}
		if e.Else != nil {
			c.Else = stripParens(e.Else)
		}
		c.Whens = make([]When, len(e.Whens))
		for i, w := range e.Whens {
			c.Whens[i] = When{Cond: stripParens(w.Cond), Result: stripParens(w.Result)}
		}
		return &c
	}
	return e
}
