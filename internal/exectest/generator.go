package exectest

import (
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

// GeneratorSource is a source that generates its records (datagen,
// nexmark): it reports its progress and the number of the next record.
type GeneratorSource interface {
	exec.Source
	exec.ProgressReporter
}

// GeneratorTest says how RunGeneratorTest makes the sources it drives.
type GeneratorTest struct {
	// Connector is the connector option of the WITH options.
	Connector string
	// Unit names the records in the output ("row", "event").
	Unit string
	// New returns the source of with over schema, recording its position
	// under key, on the clock now; next returns the number of the next
	// record it generates.
	New func(with map[string]string, schema types.Schema, key []byte, now func() time.Time, mem memory.Allocator) (src GeneratorSource, next func() int64, err error)
}

// RunGeneratorTest runs the datadriven files under dir against the
// sources g makes. Commands:
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
//
// A chunk prints its rows as "@<row id>: <columns>".
func RunGeneratorTest(t *testing.T, dir string, g GeneratorTest) {
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		state := NewStore()
		key := []byte("src/" + g.Connector)
		var src GeneratorSource
		var next func() int64
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
				var schema types.Schema
				if strings.TrimSpace(d.Input) != "" {
					var err error
					if schema, err = ParseSchema(d.Input); err != nil {
						return "error: " + err.Error() + "\n"
					}
				}
				with := map[string]string{"connector": g.Connector}
				for _, a := range d.CmdArgs {
					with[a.Key] = strings.Join(a.Vals, ",")
				}
				s, n, err := g.New(with, schema, key, func() time.Time { return clock }, mem)
				if err != nil {
					return FormatError(err)
				}
				if err := s.Open(ctx, exec.OpenContext{State: state}); err != nil {
					return "error: " + err.Error() + "\n"
				}
				src, next = s, n
				fmt.Fprintf(&b, "next %s %d\n", g.Unit, next())
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
					FormatSourceChunk(&b, c)
					c.Release()
					if d.Cmd == "next" {
						break
					}
				}
				fmt.Fprintf(&b, "next %s %d\n", g.Unit, next())
			case "reset":
				state = NewStore()
			case "advance":
				var ms int
				d.ScanArgs(t, "ms", &ms)
				clock = clock.Add(time.Duration(ms) * time.Millisecond)
			case "progress":
				p := src.Progress()
				fmt.Fprintf(&b, "rows %d, errors %d, position %s, lag %d %s\n", p.Rows, p.Errors, p.Position, p.Lag, p.LagUnit)
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
				v, _, _ := state.Get(key)
				fmt.Fprintf(&b, "epoch %d: next %s %d recorded\n", epoch, g.Unit, binary.BigEndian.Uint64(v))
			default:
				return "unknown command " + d.Cmd
			}
			return b.String()
		})
	})
}

// FormatSourceChunk prints a source's chunk as the datadriven files of
// sources expect: its row count, then per row the row id (the last
// column) and the declared columns, NULL for a null.
func FormatSourceChunk(b *strings.Builder, c exec.Chunk) {
	rec := c.Batch
	fmt.Fprintf(b, "chunk: %d rows\n", rec.NumRows())
	for r := 0; r < int(rec.NumRows()); r++ {
		n := int(rec.NumCols())
		b.WriteString("@" + rec.Column(n-1).ValueStr(r) + ":")
		for col := 0; col < n-1; col++ {
			b.WriteString(" ")
			if rec.Column(col).IsNull(r) {
				b.WriteString("NULL")
				continue
			}
			q := strconv.Quote(rec.Column(col).ValueStr(r))
			b.WriteString(q[1 : len(q)-1])
		}
		b.WriteString("\n")
	}
}

// FormatError prints an error as the datadriven files of sources and
// options expect: "error CODE: message (detail) [hint: …]" for an
// *sqlstate.Error, else "error (not sqlstate): …".
func FormatError(err error) string {
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
