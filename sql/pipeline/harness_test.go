package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"gopkg.in/yaml.v3"

	"github.com/weir-stream/weir/sql"
)

// testConfig stands for the engine's configuration: a few keys of each
// block, and a rule to validate.
type testConfig struct {
	Server struct {
		Listen string `yaml:"listen"`
	} `yaml:"server"`
	State struct {
		BackendType          string `yaml:"backend_type"`
		CheckpointIntervalMS int    `yaml:"checkpoint_interval_ms"`
	} `yaml:"state_management"`
}

func (c *testConfig) DecodeYAML(data []byte) error {
	whole := struct {
		testConfig `yaml:",inline"`
		Logging    yaml.Node `yaml:"logging"`
		Streams    yaml.Node `yaml:"streams"`
	}{testConfig: *c}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&whole); err != nil {
		return err
	}
	*c = whole.testConfig
	return nil
}

func (c *testConfig) Validate() error {
	switch c.State.BackendType {
	case "", "memory", "local":
		return nil
	}
	return fmt.Errorf("state_management.backend_type: unknown backend %q", c.State.BackendType)
}

// runPipelineTest runs one datadriven file. Commands (the input is a
// pipeline file's text, named test.yaml in errors):
//
//	parse     print what the file says: its configuration, then each stream
//	compile   print the statements each stream compiles to, its input's
//	          columns from Columns (inferred ones from testdata files), its
//	          output's for a query whose plan has the command's arguments:
//	          aggregates, append-only, key-visible, parallelism=N
//	infer     print the columns inferred from records (argument json or csv)
//
// An error prints as "error: " and its message.
func runPipelineTest(t *testing.T, path string) {
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "parse":
			var cfg testConfig
			f, err := Parse("test.yaml", []byte(d.Input), &cfg)
			if err != nil {
				return formatError(err)
			}
			return formatFile(&cfg, f)
		case "compile":
			f, err := Parse("test.yaml", []byte(d.Input), &testConfig{})
			if err != nil {
				return formatError(err)
			}
			plan := QueryPlan{Parallelism: 1}
			for _, arg := range d.CmdArgs {
				switch arg.Key {
				case "aggregates":
					plan.Aggregates = true
				case "append-only":
					plan.AppendOnly = true
				case "key-visible":
					plan.KeyVisible = true
				case "parallelism":
					if plan.Parallelism, err = strconv.Atoi(arg.Vals[0]); err != nil {
						d.Fatalf(t, "parallelism: %v", err)
					}
				default:
					d.Fatalf(t, "unknown argument %q", arg.Key)
				}
			}
			return compileFile(f, plan)
		case "infer":
			var cols []sql.ColumnDef
			var err error
			switch {
			case d.HasArg("json"):
				var records [][]byte
				for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					records = append(records, []byte(line))
				}
				cols, err = inferJSONSchema(records)
			case d.HasArg("csv"):
				cols, err = inferCSVSchema(strings.NewReader(d.Input))
			default:
				d.Fatalf(t, "infer json or infer csv")
			}
			if err != nil {
				return formatError(err)
			}
			return sql.ColumnsString(cols) + "\n"
		}
		d.Fatalf(t, "unknown command %q", d.Cmd)
		return ""
	})
}

// formatError prints an error; an Error must have the place it names.
func formatError(err error) string {
	var pe *Error
	if errors.As(err, &pe) && pe.Line < 1 {
		return fmt.Sprintf("error without a line: %v\n", err)
	}
	return fmt.Sprintf("error: %v\n", err)
}

// formatFile prints the configuration and every stream of f, each value
// that is set.
func formatFile(cfg *testConfig, f *File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "config: %s\n", fields(reflect.ValueOf(cfg.Server))+fields(reflect.ValueOf(cfg.State)))
	if f.LogLevel != "" {
		fmt.Fprintf(&b, "logging.level: %s\n", f.LogLevel)
	}
	for _, s := range f.Streams {
		fmt.Fprintf(&b, "stream %s (line %d): thread_num %d", s.ID, s.Line, s.ThreadNum)
		if len(s.CustomKeys) > 0 {
			fmt.Fprintf(&b, ", custom_keys %q", s.CustomKeys)
		}
		fmt.Fprintf(&b, "\n  input (line %d):%s\n", s.Input.Line, fields(reflect.ValueOf(s.Input)))
		if len(s.Input.Schema) > 0 {
			fmt.Fprintf(&b, "    schema: %s\n", sql.ColumnsString(s.Input.Schema))
		}
		for _, p := range s.Processors {
			fmt.Fprintf(&b, "  processor (line %d): %s", p.Line, p.Type)
			if p.Query != "" {
				fmt.Fprintf(&b, ": %s", p.Query)
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "  output (line %d):%s\n", s.Output.Line, fields(reflect.ValueOf(s.Output)))
	}
	return b.String()
}

// fields prints the fields of the struct v that are set, but Line and
// Schema, as " name=value".
func fields(v reflect.Value) string {
	var b strings.Builder
	for i := range v.NumField() {
		name, f := v.Type().Field(i).Name, v.Field(i)
		if name == "Line" || name == "Schema" || f.IsZero() {
			continue
		}
		fmt.Fprintf(&b, " %s=%v", name, f.Interface())
	}
	return b.String()
}

// compileFile prints the statements of every stream of f, its output
// compiled for plan.
func compileFile(f *File, plan QueryPlan) string {
	var b strings.Builder
	for i := range f.Streams {
		s := &f.Streams[i]
		fmt.Fprintf(&b, "-- stream %s (line %d)\n", s.ID, s.Line)
		cols, inferred, err := f.Columns(context.Background(), s)
		if err != nil {
			b.WriteString(formatError(err))
			continue
		}
		if inferred {
			b.WriteString("-- inferred columns\n")
		}
		stmts := []sql.Statement{s.InputStatement(cols)}
		q, err := f.Query(s)
		if err == nil {
			view, sink := s.OutputStatements(q, plan)
			if view != nil {
				stmts = append(stmts, view)
			}
			stmts = append(stmts, sink)
		}
		for _, st := range stmts {
			text := sql.String(st)
			// What the engine stores, and compares at a restart, parses
			// back to the statement.
			back, err := sql.ParseOne(text)
			if err != nil || !sql.EqualIgnoringPos(back, st) {
				fmt.Fprintf(&b, "-- does not parse back: %v\n", err)
			}
			fmt.Fprintf(&b, "%s;\n", text)
		}
		if err != nil {
			b.WriteString(formatError(err))
		}
	}
	return b.String()
}

// TestParse covers reading pipeline files: what each key sets, and every
// mistake as an error naming the file, the line and the key.
func TestParse(t *testing.T) { runPipelineTest(t, "testdata/parse") }

// TestCompile covers the statements streams compile to.
func TestCompile(t *testing.T) { runPipelineTest(t, "testdata/compile") }

// TestInfer covers the columns inferred from an input's first records.
func TestInfer(t *testing.T) { runPipelineTest(t, "testdata/infer") }
