package logictest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestParse runs testdata/parse: `parse` prints the records of its input, one
// block per record, or the parse error.
func TestParse(t *testing.T) {
	datadriven.RunTest(t, "testdata/parse", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "parse":
			input := strings.ReplaceAll(d.Input, "~~~~", "----")
			records, err := Parse(strings.NewReader(input), "test.slt")
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			var b strings.Builder
			for _, r := range records {
				b.WriteString(describeRecord(&r))
			}
			return b.String()
		}
		d.Fatalf(t, "unknown command %s", d.Cmd)
		return ""
	})
}

func describeRecord(r *Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d: ", r.Line)
	switch r.Kind {
	case KindHalt:
		b.WriteString("halt\n")
		return b.String()
	case KindInclude:
		fmt.Fprintf(&b, "include %s\n", r.Pattern)
		return b.String()
	case KindMode:
		fmt.Fprintf(&b, "mode %s\n", r.Protocol)
		return b.String()
	case KindStatement:
		b.WriteString("statement")
		switch {
		case r.Error != nil:
		case r.Count >= 0:
			fmt.Fprintf(&b, " count=%d", r.Count)
		default:
			b.WriteString(" ok")
			if r.Warning != nil {
				fmt.Fprintf(&b, " warning=%s", r.Warning)
			}
		}
	case KindQuery:
		b.WriteString("query")
		if r.Error == nil {
			fmt.Fprintf(&b, " types=%s sort=%s", r.Types, r.Sort)
			if r.ColNames {
				b.WriteString(" colnames")
			}
			if r.Label != "" {
				fmt.Fprintf(&b, " label=%s", r.Label)
			}
		}
	}
	if r.Error != nil {
		fmt.Fprintf(&b, " error code=%q regex=%q", r.Error.Code, regexString(r.Error))
	}
	if r.Conn != "" {
		fmt.Fprintf(&b, " conn=%s", r.Conn)
	}
	if len(r.SkipIf) > 0 {
		fmt.Fprintf(&b, " skipif=%s", strings.Join(r.SkipIf, ","))
	}
	if len(r.OnlyIf) > 0 {
		fmt.Fprintf(&b, " onlyif=%s", strings.Join(r.OnlyIf, ","))
	}
	if r.Skipped(Engine) {
		b.WriteString(" (skipped)")
	}
	b.WriteByte('\n')
	for _, l := range strings.Split(r.SQL, "\n") {
		fmt.Fprintf(&b, "  sql: %s\n", l)
	}
	if r.Kind == KindQuery && r.Error == nil {
		fmt.Fprintf(&b, "  lines: sql-end=%d separator=%t results=[%d,%d)\n", r.SQLEnd, r.Separator, r.ResultStart, r.ResultEnd)
		for _, l := range r.Expected {
			fmt.Fprintf(&b, "  want: %s\n", l)
		}
	}
	return b.String()
}

func regexString(e *ErrorExpectation) string {
	if e.Regex == nil {
		return ""
	}
	return e.Regex.String()
}

// TestSuiteParses checks that every file of the end-to-end suite parses.
func TestSuiteParses(t *testing.T) {
	files, err := filepath.Glob("../../testdata/slt/*.slt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .slt files found")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(strings.NewReader(string(data)), f); err != nil {
			t.Error(err)
		}
	}
}
