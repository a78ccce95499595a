package watermarks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// TestProcTime checks the processing-time column: rows are stamped with
// the clock until the first barrier, then with the time of the last
// barrier; the column's watermark is that time, emitted at open and after
// each barrier that raised it, with or without rows; and after a reopen
// from the committed state (a recovery), the rows read again are stamped
// with the time they got before.
func TestProcTime(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	schema, err := exectest.ParseSchema("id bigint, p_time timestamptz, _row_id bigint")
	if err != nil {
		t.Fatal(err)
	}
	const in = "id bigint, _row_id bigint"
	store := exectest.NewStore()
	sec := func(s int64) time.Time { return time.Unix(s, 0).UTC() }
	clock := sec(100)
	open := func(chunks ...exec.Chunk) *ProcTime {
		t.Helper()
		src := exectest.NewSource(chunks...)
		p := NewProcTime(src, ProcTimeSpec{Column: 1, Schema: schema, Table: testTable, Mem: mem, Clock: func() time.Time { return clock }})
		if err := p.Open(ctx, exec.OpenContext{State: store}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	read := func(p *ProcTime) string {
		t.Helper()
		var b strings.Builder
		for {
			c, err := p.Next(ctx)
			if err == exec.ErrNoData {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(exectest.FormatChunk(c))
			c.Release()
		}
		for _, w := range p.TakeWatermarks() {
			b.WriteString(w.String() + "\n")
		}
		return b.String()
	}
	barrier := func(p *ProcTime, at time.Time) {
		t.Helper()
		w := store.NewWriter()
		if err := p.OnBarrier(ctx, exec.Barrier{Epoch: 1, Kind: exec.Checkpoint, Time: at}, w); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: got\n%swant\n%s", step, got, want)
		}
	}

	p := open(exectest.MustChunk(t, mem, in, "+ | 1 | 1"))
	check("before a barrier", read(p), "+ | 1 | 1970-01-01T00:01:40Z | 1\nwatermark $1 ≥ 100000000\n")
	barrier(p, sec(110))
	check("no rows after a barrier", read(p), "watermark $1 ≥ 110000000\n")
	barrier(p, sec(105)) // a barrier's time never takes it back
	check("an earlier barrier", read(p), "")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	// The crash loses what came after the barrier of 110 s; the replay
	// stamps it with 110 s again, whatever the clock says.
	clock = sec(500)
	p = open(exectest.MustChunk(t, mem, in, "+ | 2 | 2"))
	check("replayed", read(p), "+ | 2 | 1970-01-01T00:01:50Z | 2\nwatermark $1 ≥ 110000000\n")
	barrier(p, sec(120))
	p.src.(*exectest.Source).Add(exectest.MustChunk(t, mem, in, "+ | 3 | 3"))
	check("after the next barrier", read(p), "+ | 3 | 1970-01-01T00:02:00Z | 3\nwatermark $1 ≥ 120000000\n")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
