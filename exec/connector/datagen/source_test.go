package datagen

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// fakeState is the committed state of one operator: a map, with the writes
// of an epoch applied when it commits.
type fakeState struct {
	committed map[string][]byte
	pending   map[string][]byte
}

func newFakeState() *fakeState {
	return &fakeState{committed: map[string][]byte{}, pending: map[string][]byte{}}
}

func (f *fakeState) Get(key []byte) ([]byte, bool, error) {
	v, ok := f.committed[string(key)]
	return bytes.Clone(v), ok, nil
}

func (f *fakeState) Scan(lo, hi []byte, fn func(key, value []byte) (bool, error)) error {
	return errors.New("fakeState: Scan is not used by the datagen source")
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
	return errors.New("fakeState: DeleteRange is not used by the datagen source")
}

func (f *fakeState) commit() {
	for k, v := range f.pending {
		f.committed[k] = v
	}
	clear(f.pending)
}

// TestDatagen runs testdata/*. Commands:
//
//	source [option=value...]   input: the column list (empty: none declared);
//	                           (re)creates and opens the source over the
//	                           state committed so far; the clock is reset.
//	next                       one call of Next
//	drain [max=N]              Next until it has no data (at most N chunks)
//	advance ms=N               moves the source's clock forward
//	barrier                    OnBarrier and commit the epoch
//	reset                      forgets the committed state
//	progress                   what Progress reports
func TestDatagen(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		state := newFakeState()
		const key = "src/datagen"
		var src *Source
		var epoch exec.Epoch
		clock := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
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
				with := map[string]string{"connector": "datagen"}
				for _, a := range d.CmdArgs {
					with[a.Key] = strings.Join(a.Vals, ",")
				}
				opts, err := ParseOptions(with, schema)
				if err != nil {
					return formatErr(err)
				}
				opts.Key = []byte(key)
				s, err := NewSource(opts, mem)
				if err != nil {
					return formatErr(err)
				}
				s.pace.Now = func() time.Time { return clock }
				if err := s.Open(ctx, exec.OpenContext{State: state}); err != nil {
					return "error: " + err.Error() + "\n"
				}
				src = s
				fmt.Fprintf(&b, "next row %d\n", s.NextRow())
			case "next", "drain":
				maxChunks := 1 << 30
				if d.HasArg("max") {
					d.ScanArgs(t, "max", &maxChunks)
				}
				for range maxChunks {
					c, err := src.Next(ctx)
					if errors.Is(err, exec.ErrNoData) {
						b.WriteString("no data\n")
						break
					}
					if err == io.EOF {
						b.WriteString("EOF\n")
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
				fmt.Fprintf(&b, "next row %d\n", src.NextRow())
			case "reset":
				clear(state.committed)
			case "advance":
				var ms int
				d.ScanArgs(t, "ms", &ms)
				clock = clock.Add(time.Duration(ms) * time.Millisecond)
			case "progress":
				p := src.Progress()
				fmt.Fprintf(&b, "rows %d, errors %d, position %s, lag %d %s\n", p.Rows, p.Errors, p.Position, p.Lag, p.LagUnit)
			case "barrier":
				epoch++
				if err := src.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, state); err != nil {
					return "error: " + err.Error() + "\n"
				}
				state.commit()
				fmt.Fprintf(&b, "epoch %d: next row %d recorded\n", epoch, binary.BigEndian.Uint64(state.committed[key]))
			default:
				return "unknown command " + d.Cmd
			}
			return b.String()
		})
	})
}

// printChunk prints a chunk's rows: the row id, then the declared columns.
func printChunk(b *strings.Builder, c exec.Chunk) {
	rec := c.Batch
	fmt.Fprintf(b, "chunk: %d rows\n", rec.NumRows())
	for r := 0; r < int(rec.NumRows()); r++ {
		n := int(rec.NumCols())
		b.WriteString("@" + rec.Column(n-1).ValueStr(r) + ":")
		for col := 0; col < n-1; col++ {
			b.WriteString(" ")
			q := strconv.Quote(rec.Column(col).ValueStr(r))
			b.WriteString(q[1 : len(q)-1])
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
		if se.Hint != "" {
			s += " [hint: " + se.Hint + "]"
		}
		return s + "\n"
	}
	return "error (not sqlstate): " + err.Error() + "\n"
}

// parseSchema parses "name TYPE, ..." with the type names of types.T.SQL.
func parseSchema(spec string) (types.Schema, error) {
	var out types.Schema
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	for _, p := range splitTop(spec) {
		p = strings.TrimSpace(p)
		name, typ, ok := strings.Cut(p, " ")
		if !ok {
			return nil, fmt.Errorf("bad column %q", p)
		}
		t, err := parseType(strings.TrimSpace(typ))
		if err != nil {
			return nil, err
		}
		out = append(out, types.Column{Name: name, Type: t, Nullable: true})
	}
	return out, nil
}

func splitTop(spec string) []string {
	var parts []string
	depth, start := 0, 0
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
	return append(parts, spec[start:])
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
