package planner

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// discardWriter is an exec.StateWriter that keeps nothing: the planner's
// tests need the catalog's objects, not their persisted form.
type discardWriter struct{}

func (discardWriter) Set(key, value []byte) error     { return nil }
func (discardWriter) Delete(key []byte) error         { return nil }
func (discardWriter) DeleteRange(lo, hi []byte) error { return nil }

// testCatalog builds a catalog from CREATE statements the way the engine's
// DDL does (the root package's ddl.go), without the engine: a table without
// a primary key and every stream get a hidden _row_id key, a view's columns
// and key come from its streaming plan.
type testCatalog struct {
	cat *catalog.Catalog
}

func newTestCatalog() *testCatalog { return &testCatalog{cat: catalog.New()} }

// exec runs every statement of script; it stops at the first error.
func (tc *testCatalog) exec(script string) error {
	stmts, err := sql.Parse(script)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		var o *catalog.Object
		switch st := st.(type) {
		case *sql.CreateTable:
			o, err = tableObject(st)
		case *sql.CreateStream:
			o, err = streamObject(st)
		case *sql.CreateView:
			o, err = tc.viewObject(st)
		case *sql.CreateFunction, *sql.DropFunction:
			if err := tc.functionStatement(st); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("exec: unsupported statement %s", sql.String(st))
		}
		if err != nil {
			return err
		}
		if _, exists := tc.cat.Get(o.Name); exists {
			return sqlstate.Errorf(sqlstate.DuplicateTable, "relation \"%s\" already exists", o.Name)
		}
		if err := tc.cat.Add(discardWriter{}, o); err != nil {
			return err
		}
	}
	return nil
}

func testColumns(defs []sql.ColumnDef) ([]catalog.Column, []int) {
	cols := make([]catalog.Column, len(defs))
	var key []int
	for i, d := range defs {
		cols[i] = catalog.Column{Name: d.Name.Value, Type: d.Type.Type, NotNull: d.NotNull || d.PrimaryKey}
		if d.PrimaryKey {
			key = append(key, i)
		}
	}
	return cols, key
}

func tableObject(st *sql.CreateTable) (*catalog.Object, error) {
	cols, key := testColumns(st.Columns)
	for _, n := range st.PrimaryKey {
		idx := -1
		for i, c := range cols {
			if c.Name == n.Value {
				idx = i
			}
		}
		if idx < 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, n.Pos, "column \"%s\" named in key does not exist", n.Value)
		}
		cols[idx].NotNull = true
		key = append(key, idx)
	}
	if len(key) == 0 {
		cols = append(cols, catalog.Column{Name: "_row_id", Type: types.Int64Type, NotNull: true, Hidden: true})
		key = []int{len(cols) - 1}
	}
	return &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.Table, Columns: cols, Key: key}, nil
}

func streamObject(st *sql.CreateStream) (*catalog.Object, error) {
	cols, _ := testColumns(st.Columns)
	cols = append(cols, catalog.Column{Name: "_row_id", Type: types.Int64Type, NotNull: true, Hidden: true})
	return &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.Stream, Columns: cols,
		Key: []int{len(cols) - 1}, AppendOnly: true}, nil
}

func (tc *testCatalog) viewObject(st *sql.CreateView) (*catalog.Object, error) {
	p, err := tc.planStream(st.Query)
	if err != nil {
		return nil, err
	}
	cols := make([]catalog.Column, len(p.Cols))
	for i, c := range p.Cols {
		cols[i] = catalog.Column{Name: c.Name, Type: c.Type, Hidden: c.Hidden}
	}
	return &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.View, Columns: cols, Key: p.Key,
		Uses: p.InputNames(), AppendOnly: p.AppendOnly, Definition: sql.String(st)}, nil
}

func (tc *testCatalog) planStream(q *sql.Select) (*StreamPlan, error) {
	n, err := NewBinder(tc.cat, nil).BindSelect(q)
	if err != nil {
		return nil, err
	}
	p, err := PlanStream(n)
	if err != nil {
		return nil, At(err, q.Pos)
	}
	return p, nil
}

// parseSelect parses input, which must be one SELECT.
func parseSelect(input string) (*sql.Select, error) {
	st, err := sql.ParseOne(input)
	if err != nil {
		return nil, err
	}
	s, ok := st.(*sql.Select)
	if !ok {
		return nil, fmt.Errorf("not a SELECT: %s", sql.String(st))
	}
	return s, nil
}

// formatColumns prints the columns of a plan on one line with their types;
// hidden columns are marked.
func formatColumns(cols []Col) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		name := c.Name
		if c.Table != "" {
			name = c.Table + "." + name
		}
		parts[i] = name + " " + c.Type.String()
		if c.Hidden {
			parts[i] += " (hidden)"
		}
	}
	return "columns: " + strings.Join(parts, ", ") + "\n"
}

// formatError prints err as its SQLSTATE code and message, with a caret
// under its position in input when it has one.
func formatError(input string, err error) string {
	se := sqlstate.From(err)
	var b strings.Builder
	fmt.Fprintf(&b, "error %s: %s\n", se.Code, se.Message)
	if se.Detail != "" {
		fmt.Fprintf(&b, "DETAIL: %s\n", se.Detail)
	}
	if se.Hint != "" {
		fmt.Fprintf(&b, "HINT: %s\n", se.Hint)
	}
	pos := se.Position
	if pos < 0 {
		return b.String()
	}
	if pos > len(input) {
		fmt.Fprintf(&b, "(position %d out of range)\n", pos)
		return b.String()
	}
	lineStart := strings.LastIndexByte(input[:pos], '\n') + 1
	lineEnd := strings.IndexByte(input[pos:], '\n')
	if lineEnd < 0 {
		lineEnd = len(input)
	} else {
		lineEnd += pos
	}
	col := utf8.RuneCountInString(input[lineStart:pos])
	fmt.Fprintf(&b, "%s\n%s^\n", input[lineStart:lineEnd], strings.Repeat(" ", col))
	return b.String()
}

// runPlannerTest runs one datadriven file. Commands:
//
//	exec     CREATE TABLE / STREAM / MATERIALIZED VIEW statements into the catalog
//	plan     bind a SELECT; print its logical plan, output columns and the
//	         types inferred for its $n parameters
//	stream   plan a view's SELECT for streaming; print its operators and columns
//	reset    start over with an empty catalog
//
// An error prints its SQLSTATE code, message and a caret at its position.
func runPlannerTest(t *testing.T, path string) {
	tc := newTestCatalog()
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "reset":
			tc = newTestCatalog()
			return ""
		case "exec":
			if err := tc.exec(d.Input); err != nil {
				return formatError(d.Input, err)
			}
			return "ok\n"
		case "plan":
			s, err := parseSelect(d.Input)
			if err != nil {
				return formatError(d.Input, err)
			}
			b := NewBinder(tc.cat, nil)
			n, err := b.BindSelect(s)
			if err != nil {
				return formatError(d.Input, err)
			}
			out := ExplainQuery(n) + "\n" + formatColumns(visible(n.Columns()))
			if len(b.Params) > 0 {
				ps := make([]string, len(b.Params))
				for i, p := range b.Params {
					ps[i] = fmt.Sprintf("$%d %s", i+1, p)
				}
				out += "params: " + strings.Join(ps, ", ") + "\n"
			}
			return out
		case "stream":
			s, err := parseSelect(d.Input)
			if err != nil {
				return formatError(d.Input, err)
			}
			p, err := tc.planStream(s)
			if err != nil {
				return formatError(d.Input, err)
			}
			return fmt.Sprintf("%s\n%sappend-only: %t\n%s", ExplainStream("v", p, 1), formatColumns(p.Cols), p.AppendOnly, formatState(p))
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// formatState prints the state tables p declares, in the order table ids
// are bound to them.
func formatState(p *StreamPlan) string {
	var b strings.Builder
	for i, d := range p.StateTables() {
		name, _, _ := strings.Cut(d.Node.explain(), " ")
		fmt.Fprintf(&b, "state %d: %s %s (key: %s; value: %s)\n", i, name, d.Table.Role, d.Table.Key, d.Table.Value)
	}
	return b.String()
}

// visible returns the columns a user sees.
func visible(cols []Col) []Col {
	var out []Col
	for _, c := range cols {
		if !c.Hidden {
			out = append(out, c)
		}
	}
	return out
}
