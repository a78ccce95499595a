package sql

import (
	"errors"
	"slices"
	"testing"
)

func mustParseOne(t *testing.T, text string) Statement {
	t.Helper()
	st, err := ParseOne(text)
	if err != nil {
		t.Fatalf("parse %q: %v", text, err)
	}
	return st
}

// TestWalkOrder checks that Walk reaches table names and columns everywhere
// a query holds them (FROM, joins, subqueries in expressions, set
// operations), in the order they are written, each node once.
func TestWalkOrder(t *testing.T) {
	st := mustParseOne(t, `SELECT a, (SELECT max(b) FROM u) FROM t JOIN v ON t.c = v.c
		WHERE d IN (SELECT e FROM w) UNION ALL SELECT f FROM x ORDER BY 1`)
	var tables, cols []string
	Walk(st, func(n Node) bool {
		switch n := n.(type) {
		case *TableName:
			tables = append(tables, n.Name.Last().Value)
		case *ColumnRef:
			cols = append(cols, n.Name.Value)
		}
		return true
	})
	var named []string
	WalkTableNames(st, func(t *TableName) { named = append(named, t.Name.Last().Value) })
	if !slices.Equal(named, tables) {
		t.Errorf("WalkTableNames = %v, want %v", named, tables)
	}
	if want := []string{"u", "t", "v", "w", "x"}; !slices.Equal(tables, want) {
		t.Errorf("tables = %v, want %v", tables, want)
	}
	if want := []string{"a", "b", "c", "c", "d", "e", "f"}; !slices.Equal(cols, want) {
		t.Errorf("columns = %v, want %v", cols, want)
	}
}

// TestWalkSkips checks that visit returning false keeps Walk out of the
// node's children and nothing else.
func TestWalkSkips(t *testing.T) {
	st := mustParseOne(t, `SELECT a + (SELECT b FROM u), c FROM t`)
	var cols []string
	Walk(st, func(n Node) bool {
		if c, ok := n.(*ColumnRef); ok {
			cols = append(cols, c.Name.Value)
		}
		_, sub := n.(*SubqueryExpr)
		return !sub
	})
	if want := []string{"a", "c"}; !slices.Equal(cols, want) {
		t.Errorf("columns = %v, want %v", cols, want)
	}
	Walk(nil, func(Node) bool { t.Fatal("visited under nil"); return true })
}

// TestRewriteExprs checks that RewriteExprs replaces operands before what
// holds them, that the tree prints rewritten, and that undo gives back the
// tree as parsed.
func TestRewriteExprs(t *testing.T) {
	const text = `SELECT a / (b / 2), c FROM t WHERE d % 3 = 0 LIMIT 10 / 5`
	st := mustParseOne(t, text)
	orig := String(st)
	undo, err := RewriteExprs(st, func(e Expr) (Expr, error) {
		b, ok := e.(*BinaryExpr)
		if !ok || b.Op != OpDiv && b.Op != OpMod {
			return e, nil
		}
		return &FuncCall{Pos: b.Pos, Name: Name{Value: "div"}, Args: []Expr{b.Left, b.Right}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT div(a, (div(b, 2))), c FROM t WHERE div(d, 3) = 0 LIMIT div(10, 5)"
	if got := String(st); got != want {
		t.Errorf("rewritten:\n got %s\nwant %s", got, want)
	}
	undo()
	if got := String(st); got != orig {
		t.Errorf("after undo:\n got %s\nwant %s", got, orig)
	}
	if !EqualIgnoringPos(st, mustParseOne(t, text)) {
		t.Error("after undo the tree differs from the parsed one")
	}
}

// TestRewriteExprsError checks that an error of fn stops the rewrite and
// leaves the tree as it was.
func TestRewriteExprsError(t *testing.T) {
	const text = `SELECT $1, $2 FROM t WHERE a = $3`
	st := mustParseOne(t, text)
	stop := errors.New("stop")
	var seen []int
	undo, err := RewriteExprs(st, func(e Expr) (Expr, error) {
		p, ok := e.(*Param)
		if !ok {
			return e, nil
		}
		seen = append(seen, p.Index)
		if p.Index == 2 {
			return nil, stop
		}
		return &Literal{Pos: p.Pos, Kind: LitNull}, nil
	})
	if !errors.Is(err, stop) || undo != nil {
		t.Fatalf("err = %v, undo = %v; want stop and no undo", err, undo != nil)
	}
	if want := []int{1, 2}; !slices.Equal(seen, want) {
		t.Errorf("fn saw %v, want %v", seen, want)
	}
	if !EqualIgnoringPos(st, mustParseOne(t, text)) {
		t.Errorf("after the error the tree is %s", String(st))
	}
}
