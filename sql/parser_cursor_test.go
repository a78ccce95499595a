package sql

import (
	"reflect"
	"testing"
)

// TestParseCursorStatements parses DECLARE, FETCH, MOVE and CLOSE in the
// spellings psycopg and Postgres' documentation use.
func TestParseCursorStatements(t *testing.T) {
	fetch := func(name string, count int64, all, backward, move bool) *FetchCursor {
		return &FetchCursor{Name: Name{Value: name}, Count: count, All: all, Backward: backward, Move: move}
	}
	for _, tc := range []struct {
		text string
		want Statement
	}{
		{`FETCH c`, fetch("c", 1, false, false, false)},
		{`FETCH NEXT FROM c`, fetch("c", 1, false, false, false)},
		{`FETCH FORWARD 2000 FROM "c"`, fetch("c", 2000, false, false, false)},
		{`FETCH FORWARD ALL IN c`, fetch("c", 1, true, false, false)},
		{`FETCH ALL c`, fetch("c", 1, true, false, false)},
		{`FETCH 5 c`, fetch("c", 5, false, false, false)},
		{`FETCH -2 FROM c`, fetch("c", -2, false, true, false)},
		{`FETCH PRIOR FROM c`, fetch("c", 1, false, true, false)},
		{`FETCH ABSOLUTE 3 FROM c`, fetch("c", 3, false, true, false)},
		{`MOVE FORWARD 3 IN c`, fetch("c", 3, false, false, true)},
		{`CLOSE c`, &CloseCursor{Name: Name{Value: "c"}}},
		{`CLOSE ALL`, &CloseCursor{All: true}},
	} {
		got, err := ParseOne(tc.text)
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		switch g := got.(type) {
		case *FetchCursor:
			g.Pos, g.Name.Pos, g.Name.Quoted = 0, 0, false
		case *CloseCursor:
			g.Pos, g.Name.Pos = 0, 0
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %#v, want %#v", tc.text, got, tc.want)
		}
	}

	st, err := ParseOne(`DECLARE "Cur" BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT a FROM t`)
	if err != nil {
		t.Fatal(err)
	}
	d := st.(*DeclareCursor)
	if d.Name.Value != "Cur" || !d.Binary || !d.Hold || d.Query == nil {
		t.Fatalf("DECLARE: %#v", d)
	}
	if st, err := ParseOne(`DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1`); err != nil || st.(*DeclareCursor).Hold {
		t.Fatalf("WITHOUT HOLD: %#v, %v", st, err)
	}
	for _, text := range []string{
		`DECLARE c SCROLL CURSOR FOR SELECT 1`,
		`DECLARE c CURSOR FOR INSERT INTO t VALUES (1)`,
		`DECLARE c CURSOR WITH SELECT 1`,
		`FETCH FORWARD FROM`,
		`CLOSE`,
	} {
		if _, err := ParseOne(text); err == nil {
			t.Errorf("%s: parsed, want an error", text)
		}
	}
}
