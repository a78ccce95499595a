//go:build duckdb_arrow

package adhoc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

func openTest(t testing.TB, mem memory.Allocator) *Engine {
	t.Helper()
	e, err := Open(context.Background(), Options{Mem: mem, Threads: 1, Conns: 3,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// testRelation is a relation declared in a datadriven file: its rows as
// batches built from JSON lines.
type testRelation struct {
	schema types.Schema
	rows   string
}

func (r testRelation) batch(mem memory.Allocator) (arrow.RecordBatch, error) {
	rec, _, err := array.RecordFromJSON(mem, r.schema.Arrow(), strings.NewReader(r.rows))
	return rec, err
}

func (r testRelation) relation(mem memory.Allocator, name string) Relation {
	return Relation{Name: name, Schema: r.schema, Scan: func(ctx context.Context) (array.RecordReader, error) {
		rec, err := r.batch(mem)
		if err != nil {
			return nil, err
		}
		defer rec.Release()
		return array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	}}
}

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// TestQuery runs testdata/query. Commands:
//
//	relation name=N   first input line: the schema; then one JSON object per row.
//	query             SQL where {N} names relation N; an optional first line
//	                  "want: <schema>" gives the expected schema.
//	exec              a statement with no result.
//	load name=T rel=N creates DuckDB table T from relation N (LoadTable).
func TestQuery(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		e := openTest(t, mem)
		defer e.Close()
		rels := map[string]testRelation{}
		ctx := context.Background()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "relation":
				var name string
				d.ScanArgs(t, "name", &name)
				spec, rows, _ := strings.Cut(d.Input, "\n")
				schema, err := parseSchema(spec)
				if err != nil {
					return "error: " + err.Error()
				}
				rels[name] = testRelation{schema: schema, rows: "[" + strings.Join(strings.Split(strings.TrimSpace(rows), "\n"), ",") + "]"}
				return ""
			case "load":
				var name, rel string
				d.ScanArgs(t, "name", &name)
				d.ScanArgs(t, "rel", &rel)
				r := rels[rel]
				b, err := r.batch(mem)
				if err != nil {
					return "error: " + err.Error()
				}
				defer b.Release()
				if err := e.LoadTable(ctx, name, r.schema, []arrow.RecordBatch{b}); err != nil {
					return formatErr(err)
				}
				return ""
			case "exec":
				if err := e.Exec(ctx, d.Input); err != nil {
					return formatErr(err)
				}
				return ""
			case "query":
				text := d.Input
				var want types.Schema
				if spec, ok := strings.CutPrefix(text, "want: "); ok {
					line, rest, _ := strings.Cut(spec, "\n")
					var err error
					if want, err = parseSchema(line); err != nil {
						return "error: " + err.Error()
					}
					text = rest
				}
				var qrels []Relation
				seen := map[string]string{}
				text = placeholder.ReplaceAllStringFunc(text, func(m string) string {
					name := m[1 : len(m)-1]
					if tmp, ok := seen[name]; ok {
						return tmp
					}
					tmp := e.TempName(name)
					seen[name] = tmp
					rel := rels[name].relation(mem, tmp)
					rel.Display = name
					qrels = append(qrels, rel)
					return tmp
				})
				schema, rdr, err := e.Query(ctx, text, qrels, want)
				if err != nil {
					return formatErr(err)
				}
				defer rdr.Release()
				return formatResult(schema, rdr)
			}
			return "unknown command " + d.Cmd
		})
	})
}

func formatErr(err error) string {
	var se *sqlstate.Error
	if !errors.As(err, &se) {
		return "error (not sqlstate): " + err.Error() + "\n"
	}
	s := fmt.Sprintf("error %s: %s", se.Code, se.Message)
	if se.Position >= 0 {
		s += fmt.Sprintf(" (at %d)", se.Position)
	}
	return s + "\n"
}

func formatResult(schema types.Schema, rdr array.RecordReader) string {
	var b strings.Builder
	for i, c := range schema {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", c.Name, c.Type)
	}
	b.WriteString("\n")
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if got, err := types.SchemaFromArrow(rec.Schema()); err != nil || len(got) != len(schema) {
			fmt.Fprintf(&b, "bad batch schema: %v\n", err)
		} else {
			for i := range got {
				if got[i].Type != schema[i].Type {
					fmt.Fprintf(&b, "batch column %d is %s, schema says %s\n", i, got[i].Type, schema[i].Type)
				}
			}
		}
		for r := 0; r < int(rec.NumRows()); r++ {
			for c := 0; c < int(rec.NumCols()); c++ {
				if c > 0 {
					b.WriteString(" | ")
				}
				col := rec.Column(c)
				if col.IsNull(r) {
					b.WriteString("NULL")
				} else {
					b.WriteString(col.ValueStr(r))
				}
			}
			b.WriteString("\n")
		}
	}
	if err := rdr.Err(); err != nil {
		b.WriteString(formatErr(err))
	}
	return b.String()
}

// TestConcurrentQueries runs more queries at once than the pool has
// connections, each with a relation of its own under the same user name.
func TestConcurrentQueries(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e := openTest(t, mem)
	defer e.Close()
	schema, _ := parseSchema("k BIGINT, v DOUBLE")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rows []string
			for i := range 100 {
				rows = append(rows, fmt.Sprintf(`{"k":%d,"v":%d}`, i, g))
			}
			rel := testRelation{schema: schema, rows: "[" + strings.Join(rows, ",") + "]"}
			name := e.TempName("t")
			_, rdr, err := e.Query(context.Background(), "SELECT count(*), sum(v) FROM "+name, []Relation{rel.relation(mem, name)}, nil)
			if err != nil {
				errs <- err
				return
			}
			defer rdr.Release()
			if !rdr.Next() {
				errs <- fmt.Errorf("no rows: %v", rdr.Err())
				return
			}
			rec := rdr.RecordBatch()
			n := rec.Column(0).(*array.Int64).Value(0)
			sum := rec.Column(1).(*array.Float64).Value(0)
			if n != 100 || sum != float64(100*g) {
				errs <- fmt.Errorf("goroutine %d: got count %d sum %v", g, n, sum)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestQueryReleasesTables checks that a query's temporary tables are gone once its
// result is released, and that an abandoned result (released before its end)
// gives its connection back.
func TestQueryReleasesTables(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	e, err := Open(context.Background(), Options{Mem: mem, Conns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	schema, _ := parseSchema("k BIGINT")
	rel := testRelation{schema: schema, rows: `[{"k":1},{"k":2}]`}
	for range 3 {
		name := e.TempName("t")
		_, rdr, err := e.Query(context.Background(), "SELECT * FROM "+name, []Relation{rel.relation(mem, name)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		rdr.Release() // before reading: must still free the only connection
		_, rdr, err = e.Query(context.Background(), "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__weir_%'", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rdr.Next() || rdr.RecordBatch().Column(0).(*array.Int64).Value(0) != 0 {
			t.Errorf("tables left behind: %v", rdr.Err())
		}
		rdr.Release()
	}
}

func TestCancelledQueryWaitingForConnection(t *testing.T) {
	e := openTest(t, memory.NewGoAllocator())
	defer e.Close()
	var held []array.RecordReader
	for range 3 {
		_, rdr, err := e.Query(context.Background(), "SELECT 1", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, rdr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := e.Query(ctx, "SELECT 1", nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	for _, r := range held {
		r.Release()
	}
}
