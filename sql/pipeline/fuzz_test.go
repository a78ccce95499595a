package pipeline

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/weir-stream/weir/sql"
)

// FuzzParse checks that reading a pipeline file never panics, that an
// error about a place in it names a line of it, and that every stream of a
// file it accepts compiles to statements that print as SQL parsing back to
// them. The seeds are the files of testdata/parse and testdata/compile.
func FuzzParse(f *testing.F) {
	for _, path := range []string{"testdata/parse", "testdata/compile"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		for _, input := range testInputs(string(data)) {
			f.Add(input)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Parse("fuzz.yaml", []byte(text), &testConfig{})
		if err != nil {
			var pe *Error
			if lines := yamlLines(text); errors.As(err, &pe) && (pe.Line < 1 || pe.Line > lines) {
				t.Fatalf("error at line %d of a text of %d lines: %v", pe.Line, lines, err)
			}
			return
		}
		for i := range file.Streams {
			s := &file.Streams[i]
			stmts := []sql.Statement{s.InputStatement(s.Input.Schema)}
			if q, err := file.Query(s); err == nil {
				for _, plan := range []QueryPlan{{Parallelism: 1}, {Aggregates: true, Parallelism: 3}} {
					view, sink := s.OutputStatements(q, plan)
					if view != nil {
						stmts = append(stmts, view)
					}
					stmts = append(stmts, sink)
				}
			}
			for _, st := range stmts {
				text := sql.String(st)
				back, err := sql.ParseOne(text)
				if err != nil {
					t.Fatalf("%s does not parse: %v", text, err)
				}
				if sql.String(back) != text {
					t.Fatalf("%s parses back as %s", text, sql.String(back))
				}
			}
		}
	})
}

// testInputs returns the inputs of the commands of a datadriven file.
func testInputs(data string) []string {
	var inputs []string
	for _, block := range strings.Split(data, "\n----\n") {
		lines := strings.Split(block, "\n")
		for i, line := range lines {
			if strings.HasPrefix(line, "parse") || strings.HasPrefix(line, "compile") {
				inputs = append(inputs, strings.Join(lines[i+1:], "\n")+"\n")
				break
			}
		}
	}
	return inputs
}

// yamlLines returns how many lines text has as YAML counts them: a line
// ends at "\r\n", "\n" or a lone "\r".
func yamlLines(text string) int {
	return strings.Count(strings.ReplaceAll(text, "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(text, "\r\n", ""), "\r") + 1
}
