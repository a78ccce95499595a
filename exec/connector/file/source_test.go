package file

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

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
//	health                         Progress' status and last error
func TestFile(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		dir := t.TempDir()
		file, key := filepath.Join(dir, "input"), "src/input"
		state := exectest.NewStore()
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
				schema, err := exectest.ParseSchema(d.Input)
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
					if a.Key == "file" || a.Key == "refuse" {
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
					return exectest.FormatError(err)
				}
				opts.Key = []byte(key)
				opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
				if d.HasArg("refuse") {
					opts.Resolve = func(p string) (string, error) { return "", fmt.Errorf("%s is not allowed", filepath.Base(p)) }
				}
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
					exectest.FormatSourceChunk(&b, c)
					c.Release()
					if d.Cmd == "next" {
						break
					}
				}
				fmt.Fprintf(&b, "offset %d\n", src.Offset())
			case "progress":
				p := src.Progress()
				fmt.Fprintf(&b, "rows %d, errors %d, position %s, lag %d %s\n", p.Rows, p.Errors, p.Position, p.Lag, p.LagUnit)
			case "health":
				p := src.Progress()
				last := strings.ReplaceAll(p.LastError, dir, "DIR")
				if last == "" {
					last = "none"
				}
				fmt.Fprintf(&b, "status %s, last error %s\n", p.Status, last)
			case "barrier":
				epoch++
				w := state.NewWriter()
				if err := src.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w); err != nil {
					w.Close()
					return "error: " + err.Error() + "\n"
				}
				if err := w.Commit(); err != nil {
					return "error: " + err.Error() + "\n"
				}
				w.Close()
				v, _, _ := state.Get([]byte(key))
				fmt.Fprintf(&b, "epoch %d: offset %d recorded\n", epoch, binary.BigEndian.Uint64(v))
			default:
				return "unknown command " + d.Cmd
			}
			return b.String()
		})
	})
}
