package weir

import (
	"context"
	"testing"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
)

// TestPointLookupReadsState checks that a query on every key column of a view
// is answered by pointLookup from the state store, not handed to DuckDB, and
// that other shapes are not taken for lookups.
func TestPointLookupReadsState(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.State.BackendType = "memory"
	cfg.State.CheckpointIntervalMS = 50
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	s, _ := e.NewSession(ctx, "weir", "weir")
	if err := s.Exec(ctx, `CREATE TABLE o (id BIGINT PRIMARY KEY, k INT, v DOUBLE PRECISION);
		CREATE MATERIALIZED VIEW t AS SELECT k, count(*) AS n, sum(v) AS total FROM o GROUP BY k;
		INSERT INTO o VALUES (1, 7, 1.5), (2, 7, 2.5), (3, 8, 4);
		FLUSH`); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query  string
		lookup bool
		want   string
	}{
		{`SELECT total, n FROM t WHERE k = 7`, true, "4 2"},
		{`SELECT * FROM t WHERE 8 = k`, true, "8 1 4"},
		{`SELECT n FROM t WHERE k = 9`, true, ""},
		{`SELECT n FROM t WHERE k > 7`, false, ""},
		{`SELECT n FROM t WHERE k = 7 ORDER BY n`, false, ""},
	}
	for _, c := range cases {
		st, err := sql.ParseOne(c.query)
		if err != nil {
			t.Fatal(err)
		}
		sel := st.(*sql.Select)
		node, err := planner.NewBinder(e.cat, nil).BindSelect(sel)
		if err != nil {
			t.Fatal(err)
		}
		res, ok, err := s.pointLookup(ctx, sel, node)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if ok != c.lookup {
			t.Fatalf("%s: point lookup = %v, want %v", c.query, ok, c.lookup)
		}
		if !ok {
			continue
		}
		got := ""
		for res.Rows.Next() {
			b := res.Rows.RecordBatch()
			for r := 0; r < int(b.NumRows()); r++ {
				for i := 0; i < int(b.NumCols()); i++ {
					if i > 0 {
						got += " "
					}
					got += b.Column(i).(interface{ ValueStr(int) string }).ValueStr(r)
				}
			}
		}
		res.Rows.Release()
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.query, got, c.want)
		}
	}
}
