package sql

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"
)

// roundTrip checks the printer contract on a parsed statement: the printed
// SQL parses back to an equal AST and printing is a fixed point.
func roundTrip(s Statement) error {
	printed := String(s)
	s2, err := ParseOne(printed)
	if err != nil {
		return fmt.Errorf("printed SQL does not parse: %q: %w", printed, err)
	}
	if !EqualIgnoringPos(s, s2) {
		return fmt.Errorf("printed SQL parses to another AST: %q\nbefore:\n%safter:\n%s", printed, Dump(s), Dump(s2))
	}
	if again := String(s2); again != printed {
		return fmt.Errorf("printing is not a fixed point: %q then %q", printed, again)
	}
	return nil
}

// roundTripExpr is roundTrip for a standalone expression.
func roundTripExpr(e Expr) error {
	printed := String(e)
	e2, err := ParseExpr(printed)
	if err != nil {
		return fmt.Errorf("printed SQL does not parse: %q: %w", printed, err)
	}
	if !EqualIgnoringPos(e, e2) {
		return fmt.Errorf("printed SQL parses to another AST: %q\nbefore:\n%safter:\n%s", printed, Dump(e), Dump(e2))
	}
	if again := String(e2); again != printed {
		return fmt.Errorf("printing is not a fixed point: %q then %q", printed, again)
	}
	return nil
}

// formatError prints an error with a caret under its position in input.
func formatError(input string, err error) string {
	var se *Error
	if !errors.As(err, &se) {
		return "error (not *sql.Error): " + err.Error() + "\n"
	}
	pos := int(se.Pos)
	if pos < 0 || pos > len(input) {
		return fmt.Sprintf("error: %s (position %d out of range)\n", se.Msg, pos)
	}
	lineStart := strings.LastIndexByte(input[:pos], '\n') + 1
	lineEnd := strings.IndexByte(input[pos:], '\n')
	if lineEnd < 0 {
		lineEnd = len(input)
	} else {
		lineEnd += pos
	}
	col := utf8.RuneCountInString(input[lineStart:pos])
	return fmt.Sprintf("error: %s\n%s\n%s^\n", se.Msg, input[lineStart:lineEnd], strings.Repeat(" ", col))
}

func TestParse(t *testing.T) {
	for _, path := range []string{"testdata/parse", "testdata/expr", "testdata/set_operations", "testdata/sqlsurface", "testdata/window"} {
		t.Run(path, func(t *testing.T) { runParseTest(t, path) })
	}
}

// runParseTest runs one datadriven file of parse, ast, expr, spans and
// parse-one commands; every statement and expression that parses is also
// checked against the printer contract.
func runParseTest(t *testing.T, path string) {
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "parse":
			stmts, err := Parse(d.Input)
			if err != nil {
				return formatError(d.Input, err)
			}
			var b strings.Builder
			for _, s := range stmts {
				b.WriteString(String(s) + "\n")
				if err := roundTrip(s); err != nil {
					t.Errorf("%s: %v", d.Pos, err)
				}
			}
			return b.String()
		case "ast":
			stmts, err := Parse(d.Input)
			if err != nil {
				return formatError(d.Input, err)
			}
			var b strings.Builder
			for _, s := range stmts {
				b.WriteString(Dump(s))
			}
			return b.String()
		case "expr":
			var b strings.Builder
			for _, line := range strings.Split(d.Input, "\n") {
				e, err := ParseExpr(line)
				if err != nil {
					b.WriteString(formatError(line, err))
					continue
				}
				b.WriteString(String(e) + "\n")
				if d.HasArg("tree") {
					b.WriteString(Dump(e))
				}
				if err := roundTripExpr(e); err != nil {
					t.Errorf("%s: %v", d.Pos, err)
				}
			}
			return b.String()
		case "spans":
			spans, err := StatementSpans(d.Input)
			if err != nil {
				return formatError(d.Input, err)
			}
			var b strings.Builder
			for _, sp := range spans {
				fmt.Fprintf(&b, "[%d,%d) %s\n", sp[0], sp[1], d.Input[sp[0]:sp[1]])
			}
			return b.String()
		case "parse-one":
			s, err := ParseOne(d.Input)
			if err != nil {
				return formatError(d.Input, err)
			}
			return String(s) + "\n"
		}
		t.Fatalf("unknown command %q", d.Cmd)
		return ""
	})
}
