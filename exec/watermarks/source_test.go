package watermarks

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// splitSource returns the chunks queued with their rows' splits.
type splitSource struct {
	chunks [][]int32
	data   []exec.Chunk
	splits []int32
	known  []int32
	opened bool
}

func (s *splitSource) Open(context.Context, exec.OpenContext) error { s.opened = true; return nil }
func (s *splitSource) Next(context.Context) (exec.Chunk, error) {
	if len(s.data) == 0 {
		return exec.Chunk{}, exec.ErrNoData
	}
	c := s.data[0]
	s.splits = s.chunks[0]
	s.data, s.chunks = s.data[1:], s.chunks[1:]
	return c, nil
}
func (s *splitSource) OnBarrier(context.Context, exec.Barrier, exec.StateWriter) error { return nil }
func (s *splitSource) Close() error                                                    { return nil }
func (s *splitSource) RowSplits() []int32                                              { return s.splits }
func (s *splitSource) Splits() []int32                                                 { return s.known }

const testTable = 9

// TestSource runs testdata/source: the watermark generated per split, the
// minimum over the active ones, idleness, late rows, and their state
// across a reopen.
//
//	open delay=<n> idle=<seconds> keep=<n> [splits=<n>]
//	                                         a new Source over the store, whose
//	                                         source lists splits 0 to n-1
//	read                                     one row per line: <split> <ts>
//	                                         (queued as one chunk, then read)
//	wait <seconds>                           advances the clock, then polls
//	barrier                                  writes the state and commits
//	late                                     the late rows kept in state
func TestSource(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		ctx := context.Background()
		store := exectest.NewStore()
		now := time.Unix(1_700_000_000, 0)
		var src *splitSource
		var s *Source
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "open":
				var delay, idle, keep int
				d.ScanArgs(t, "delay", &delay)
				d.ScanArgs(t, "idle", &idle)
				d.ScanArgs(t, "keep", &keep)
				src = &splitSource{}
				if d.HasArg("splits") {
					var n int
					d.ScanArgs(t, "splits", &n)
					for i := range n {
						src.known = append(src.known, int32(i))
					}
				}
				s = New(src, Spec{Stream: "s", Column: 0, Delay: int64(delay), IdleTimeout: time.Duration(idle) * time.Second,
					KeepLate: keep, Table: testTable, Mem: mem, Now: func() time.Time { return now }})
				if err := s.Open(ctx, exec.OpenContext{State: store}); err != nil {
					return "error: " + err.Error()
				}
				return status(s)
			case "read":
				var rows []string
				var splits []int32
				for _, l := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					f := strings.Fields(l)
					p, _ := strconv.Atoi(f[0])
					splits = append(splits, int32(p))
					rows = append(rows, "+ | "+f[1]+" | "+strconv.Itoa(len(rows)))
				}
				src.data = append(src.data, exectest.MustChunk(t, mem, "ts bigint, _row_id bigint", strings.Join(rows, "\n")))
				src.chunks = append(src.chunks, splits)
				return poll(ctx, s)
			case "wait":
				var secs int
				d.ScanArgs(t, "s", &secs)
				now = now.Add(time.Duration(secs) * time.Second)
				return poll(ctx, s)
			case "barrier":
				w := store.NewWriter()
				defer w.Close()
				if err := s.OnBarrier(ctx, exec.Barrier{Epoch: 1}, w); err != nil {
					return "error: " + err.Error()
				}
				if err := w.Commit(); err != nil {
					return "error: " + err.Error()
				}
				return "ok\n"
			case "late":
				var b strings.Builder
				if err := LateRows(store, testTable, func(r LateRow) bool {
					fmt.Fprintf(&b, "#%d p%d %d < %d %s\n", r.Seq, r.Split, r.Value, r.Watermark, r.Row)
					return true
				}); err != nil {
					return "error: " + err.Error()
				}
				return b.String()
			}
			t.Fatalf("unknown command %s", d.Cmd)
			return ""
		})
	})
}

// poll reads the source once and prints the rows kept, the watermark
// emitted and the status.
func poll(ctx context.Context, s *Source) string {
	var b strings.Builder
	c, err := s.Next(ctx)
	switch {
	case err == exec.ErrNoData:
		b.WriteString("no data\n")
	case err != nil:
		return "error: " + err.Error()
	default:
		var vals []string
		for i := 0; i < c.NumRows(); i++ {
			vals = append(vals, exectest.FormatValue(c.Batch.Column(0), i))
		}
		c.Release()
		fmt.Fprintf(&b, "rows: %s\n", strings.Join(vals, " "))
	}
	for _, w := range s.TakeWatermarks() {
		fmt.Fprintf(&b, "emit: %d\n", w.Value)
	}
	b.WriteString(status(s))
	return b.String()
}

func status(s *Source) string {
	st := s.Status()
	wm := "none"
	if st.Has {
		wm = strconv.FormatInt(st.Watermark, 10)
	}
	return fmt.Sprintf("watermark %s [%s] late %d\n", wm, st.Detail, st.Late)
}
