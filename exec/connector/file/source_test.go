package file

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// fakeState is a committed state store of one operator: a map, with the
// writes of an epoch applied when it commits.
type fakeState struct {
	committed map[string][]byte
	pending   map[string][]byte
}

func (f *fakeState) Get(key []byte) ([]byte, bool, error) {
	v, ok := f.committed[string(key)]
	return bytes.Clone(v), ok, nil
}

func (f *fakeState) Scan(lo, hi []byte, fn func(key, value []byte) (bool, error)) error {
	return errors.New("fakeState: Scan is not used by the file source")
}

func (f *fakeState) Set(key, value []byte) error {
	f.pending[string(key)] = bytes.Clone(value)
	return nil
}

func (f *fakeState) Delete(key []byte) error {
	delete(f.pending, string(key))
	return nil
}

func (f *fakeState) DeleteRange(lo, hi []byte) error {
	return errors.New("fakeState: DeleteRange is not used by the file source")
}

func (f *fakeState) commit() {
	for k, v := range f.pending {
		f.committed[k] = v
	}
	clear(f.pending)
}

// errorLog is an ErrorSink that keeps what it is told for the test output.
type errorLog struct{ lines []string }

func (l *errorLog) RecordError(offset, line int64, raw []byte, err error) {
	l.lines = append(l.lines, fmt.Sprintf("skipped line %d @%d %q: %v", line, offset, raw, err))
}

func (l *errorLog) drain(b *strings.Builder) {
	for _, s := range l.lines {
		b.WriteString(s + "\n")
	}
	l.lines = nil
}

// TestFile runs testdata/file. Commands:
//
//	source [file=F] [with-option=value...]  input: the column list; (re)creates
//	                               and opens the source of file F (default
//	                               "input") over the state committed so far.
//	write [partial]                appends the input lines (partial: no final newline)
//	truncate size=N | remove       change the file
//	next                           one call of Next
//	drain                          Next until it has no data
//	barrier                        OnBarrier and commit the epoch
//	progress                       what Progress reports
func TestFile(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		dir := t.TempDir()
		file, key := filepath.Join(dir, "input"), "src/input"
		state := &fakeState{committed: map[string][]byte{}, pending: map[string][]byte{}}
		errs := &errorLog{}
		var src *Source
		var epoch exec.Epoch
		defer func() {
			if src != nil {
				src.Close()
			}
		}()
		ctx := context.Background()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var b strings.Builder
			switch d.Cmd {
			case "source":
				if src != nil {
					src.Close()
					src = nil
				}
				schema, err := parseSchema(d.Input)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				name := "input"
				if d.HasArg("file") {
					d.ScanArgs(t, "file", &name)
				}
				file = filepath.Join(dir, name)
				key = "src/" + name
				with := map[string]string{"connector": "file", "path": file}
				for _, a := range d.CmdArgs {
					if a.Key == "file" {
						continue
					}
					v := strings.Join(a.Vals, ",")
					if v == "-" {
						delete(with, a.Key)
						continue
					}
					with[a.Key] = v
				}
				opts, err := ParseOptions(with, schema)
				if err != nil {
					return formatErr(err)
				}
				opts.Key = []byte(key)
				opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
				s, err := NewSource(opts, mem, errs)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				if err := s.Open(ctx, exec.OpenContext{State: state}); err != nil {
					return "error: " + err.Error() + "\n"
				}
				src = s
				fmt.Fprintf(&b, "offset %d\n", s.Offset())
			case "write":
				data := d.Input
				if d.Input != "" && !d.HasArg("partial") {
					data += "\n"
				}
				data = strings.ReplaceAll(data, `\r`, "\r")
				f, err := os.OpenFile(file, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteString(data); err != nil {
					t.Fatal(err)
				}
				f.Close()
			case "truncate":
				var size int64
				d.ScanArgs(t, "size", &size)
				if err := os.Truncate(file, size); err != nil {
					t.Fatal(err)
				}
			case "remove":
				os.Remove(file)
			case "next", "drain":
				for {
					c, err := src.Next(ctx)
					errs.drain(&b)
					if errors.Is(err, exec.ErrNoData) {
						b.WriteString("no data\n")
						break
					}
					if err != nil {
						fmt.Fprintf(&b, "error: %v\n", err)
						break
					}
					printChunk(&b, c)
					c.Release()
					if d.Cmd == "next" {
						break
					}
				}
				fmt.Fprintf(&b, "offset %d\n", src.Offset())
			case "progress":
				p := src.Progress()
				fmt.Fprintf(&b, "rows %d, errors %d, position %s, lag %d %s\n", p.Rows, p.Errors, p.Position, p.Lag, p.LagUnit)
			case "barrier":
				epoch++
				if err := src.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, state); err != nil {
					return "error: " + err.Error() + "\n"
				}
				state.commit()
				v := state.committed[key]
				fmt.Fprintf(&b, "epoch %d: offset %d recorded\n", epoch, binary.BigEndian.Uint64(v))
			default:
				return "unknown command " + d.Cmd
			}
			return b.String()
		})
	})
}

func printChunk(b *strings.Builder, c exec.Chunk) {
	rec := c.Batch
	fmt.Fprintf(b, "chunk: %d rows\n", rec.NumRows())
	for r := 0; r < int(rec.NumRows()); r++ {
		n := int(rec.NumCols())
		// The row id first, then the declared columns.
		b.WriteString("@" + rec.Column(n-1).ValueStr(r) + ":")
		for col := 0; col < n-1; col++ {
			b.WriteString(" ")
			if rec.Column(col).IsNull(r) {
				b.WriteString("NULL")
			} else {
				q := strconv.Quote(rec.Column(col).ValueStr(r))
				b.WriteString(q[1 : len(q)-1])
			}
		}
		b.WriteString("\n")
	}
}

func formatErr(err error) string {
	var se *sqlstate.Error
	if errors.As(err, &se) {
		s := fmt.Sprintf("error %s: %s", se.Code, se.Message)
		if se.Detail != "" {
			s += " (" + se.Detail + ")"
		}
		return s + "\n"
	}
	return "error (not sqlstate): " + err.Error() + "\n"
}

// parseSchema parses "name TYPE, ..." with the type names of types.T.SQL.
func parseSchema(spec string) (types.Schema, error) {
	var out types.Schema
	depth, start := 0, 0
	var parts []string
	for i, c := range spec {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, spec[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, spec[start:])
	for _, p := range parts {
		p = strings.TrimSpace(p)
		name, typ, ok := strings.Cut(p, " ")
		if !ok {
			return nil, fmt.Errorf("bad column %q", p)
		}
		notNull := strings.HasSuffix(typ, " NOT NULL")
		typ = strings.TrimSuffix(typ, " NOT NULL")
		t, err := parseType(typ)
		if err != nil {
			return nil, err
		}
		out = append(out, types.Column{Name: name, Type: t, Nullable: !notNull})
	}
	return out, nil
}

func parseType(s string) (types.T, error) {
	all := []types.T{types.BoolType, types.Int16Type, types.Int32Type, types.Int64Type, types.Float32Type,
		types.Float64Type, types.DefaultNumeric, types.TextType, types.DateType, types.TSType, types.TSTZType,
		types.IntervalT, types.ByteaType, types.JSONBType}
	for _, t := range all {
		if strings.EqualFold(t.SQL(), s) {
			return t, nil
		}
	}
	var p, sc int32
	if n, _ := fmt.Sscanf(strings.ToUpper(s), "NUMERIC(%d,%d)", &p, &sc); n == 2 {
		return types.NumericType(p, sc), nil
	}
	return types.T{}, fmt.Errorf("unknown type %q", s)
}
