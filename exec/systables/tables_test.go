package systables_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
)

// fixedRows is a systables.Engine of rows given by a test: all of them,
// as the engine gives them; the package keeps those the reader may see.
type fixedRows struct {
	jobs         []systables.JobRow
	sources      []systables.SourceRow
	sourceErrors []systables.SourceErrorRow
	deadLetters  []systables.DeadLetterRow
	lateRows     []systables.LateRowRow
	sinks        []systables.SinkRow
	checkpoints  []systables.CheckpointRow
	recovery     systables.RecoveryRow
}

func (f *fixedRows) Jobs() []systables.JobRow                 { return f.jobs }
func (f *fixedRows) Sources() []systables.SourceRow           { return f.sources }
func (f *fixedRows) SourceErrors() []systables.SourceErrorRow { return f.sourceErrors }
func (f *fixedRows) DeadLetters() []systables.DeadLetterRow   { return f.deadLetters }
func (f *fixedRows) LateRows() []systables.LateRowRow         { return f.lateRows }
func (f *fixedRows) Sinks() []systables.SinkRow               { return f.sinks }
func (f *fixedRows) Checkpoints() []systables.CheckpointRow   { return f.checkpoints }
func (f *fixedRows) Recovery() systables.RecoveryRow          { return f.recovery }

// decodeLines decodes each non-empty line of input as a JSON row.
func decodeLines[R any](input string) ([]R, error) {
	var out []R
	for _, line := range strings.Split(input, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var r R
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", line, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// TestTables reads each system table from rows given as JSON, one per line
// of the input (the row type's Go field names; durations in nanoseconds):
//
//	read <table> [may=name,…]
//
// prints the table's columns with their types, then its rows; may limits
// the reader to the objects it lists.
func TestTables(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd != "read" || len(d.CmdArgs) == 0 {
				d.Fatalf(t, "unknown command %s", d.Cmd)
			}
			name := d.CmdArgs[0].Key
			tab, ok := systables.Lookup(name)
			if !ok {
				return fmt.Sprintf("no system table %s\n", name)
			}
			may := func(string) bool { return true }
			if d.HasArg("may") {
				var names []string
				d.ScanArgs(t, "may", &names)
				may = func(n string) bool { return slices.Contains(names, n) }
			}
			rows, err := fill(name, d.Input)
			if err != nil {
				d.Fatalf(t, "%v", err)
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec := tab.Read(mem, rows, may)
			defer rec.Release()
			if !rec.Schema().Equal(tab.Schema.Arrow()) {
				d.Fatalf(t, "batch schema %v, want %v", rec.Schema(), tab.Schema.Arrow())
			}
			var b strings.Builder
			b.WriteString(header(tab.Schema))
			b.WriteByte('\n')
			for i := 0; i < int(rec.NumRows()); i++ {
				b.WriteString(exectest.FormatRow(rec, i))
				b.WriteByte('\n')
			}
			return b.String()
		})
	})
}

// fill returns the rows of the table called name decoded from input.
func fill(name, input string) (*fixedRows, error) {
	f := &fixedRows{}
	var err error
	switch name {
	case "weir_jobs":
		f.jobs, err = decodeLines[systables.JobRow](input)
	case "weir_sources":
		f.sources, err = decodeLines[systables.SourceRow](input)
	case "weir_source_errors":
		f.sourceErrors, err = decodeLines[systables.SourceErrorRow](input)
	case "weir_dead_letters":
		f.deadLetters, err = decodeLines[systables.DeadLetterRow](input)
	case "weir_late_rows":
		f.lateRows, err = decodeLines[systables.LateRowRow](input)
	case "weir_sinks":
		f.sinks, err = decodeLines[systables.SinkRow](input)
	case "weir_checkpoints":
		f.checkpoints, err = decodeLines[systables.CheckpointRow](input)
	case "weir_recovery":
		var rs []systables.RecoveryRow
		rs, err = decodeLines[systables.RecoveryRow](input)
		if len(rs) > 0 {
			f.recovery = rs[0]
		}
	default:
		err = fmt.Errorf("no rows for %s", name)
	}
	return f, err
}

// header prints schema's columns as `name type | …`.
func header(schema types.Schema) string {
	cols := make([]string, len(schema))
	for i, c := range schema {
		cols[i] = c.Name + " " + c.Type.String()
	}
	return strings.Join(cols, " | ")
}

// TestLookup finds every table the package documents, and no other.
func TestLookup(t *testing.T) {
	for _, name := range []string{
		"weir_jobs", "weir_sources", "weir_source_errors", "weir_dead_letters", "weir_late_rows",
		"weir_checkpoints", "weir_sinks", "weir_recovery", "pg_class", "pg_namespace", "pg_attribute", "pg_type",
		"pg_roles", "pg_database", "pg_proc", "pg_index", "pg_constraint",
	} {
		tab, ok := systables.Lookup(name)
		if !ok || tab.Name != name {
			t.Errorf("Lookup(%q) = %v, %v", name, tab, ok)
		}
	}
	for _, name := range []string{"weir_job", "WEIR_JOBS", "pg_nonexistent", ""} {
		if _, ok := systables.Lookup(name); ok {
			t.Errorf("Lookup(%q) found a table", name)
		}
	}
}
