package ops_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// temporalHarness drives a TemporalFilter over `id bigint, ts timestamptz`
// (keyed by id) with barriers at chosen times, committing each epoch to an
// in-memory store.
type temporalHarness struct {
	t      *testing.T
	mem    memory.Allocator
	schema types.Schema
	spec   ops.TemporalFilterSpec
	store  *exectest.Store
	op     *ops.TemporalFilter
	epoch  exec.Epoch
}

var temporalT0 = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

// nowPlus returns now() + d (d negative: minus).
func nowPlus(t *testing.T, d time.Duration) expr.Expr {
	t.Helper()
	now, err := expr.Func("now", nil)
	if err != nil {
		t.Fatal(err)
	}
	iv, err := expr.Constant(d, types.IntervalT)
	if err != nil {
		t.Fatal(err)
	}
	e, err := expr.Binary(sql.OpAdd, now, iv)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func newTemporalHarness(t *testing.T, lower, upper expr.Expr, lowerInc, upperInc bool) *temporalHarness {
	schema, err := exectest.ParseSchema("id bigint, ts timestamptz")
	if err != nil {
		t.Fatal(err)
	}
	h := &temporalHarness{t: t, mem: memory.NewGoAllocator(), schema: schema, store: exectest.NewStore()}
	h.spec = ops.TemporalFilterSpec{
		Schema: schema, StreamKey: []int{0}, Time: expr.Column(1, "ts", types.TSTZType),
		Lower: lower, Upper: upper, LowerInclusive: lowerInc, UpperInclusive: upperInc, Table: 7,
	}
	h.restart()
	return h
}

// restart makes a new operator over the committed state, as a restart from
// a checkpoint does.
func (h *temporalHarness) restart() {
	h.op = ops.NewTemporalFilter(h.spec, h.mem)
	if err := h.op.Open(context.Background(), exec.OpenContext{State: h.store}); err != nil {
		h.t.Fatal(err)
	}
}

// push feeds rows (`op | id | minutes from T0`) and returns what was emitted.
func (h *temporalHarness) push(rows string) string {
	h.t.Helper()
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(rows), "\n") {
		parts := strings.Split(line, "|")
		min, err := time.ParseDuration(strings.TrimSpace(parts[2]) + "m")
		if err != nil {
			h.t.Fatal(err)
		}
		b.WriteString(parts[0] + "|" + parts[1] + "| " + temporalT0.Add(min).Format("2006-01-02T15:04:05Z") + "\n")
	}
	c, err := exectest.ParseChunk(h.mem, h.schema, b.String())
	if err != nil {
		h.t.Fatal(err)
	}
	defer c.Release()
	out := &exectest.Collector{}
	if err := h.op.ProcessChunk(context.Background(), 0, c, out); err != nil {
		h.t.Fatal(err)
	}
	return out.Take()
}

// barrier ends the epoch at T0 + minutes and returns what was emitted.
func (h *temporalHarness) barrier(minutes int) string {
	h.t.Helper()
	h.epoch++
	w := h.store.NewWriter()
	defer w.Close()
	out := &exectest.Collector{}
	b := exec.Barrier{Epoch: h.epoch, Time: temporalT0.Add(time.Duration(minutes) * time.Minute)}
	if err := h.op.OnBarrier(context.Background(), b, w, out); err != nil {
		h.t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		h.t.Fatal(err)
	}
	return out.Take()
}

func (h *temporalHarness) expect(what, got, want string) {
	h.t.Helper()
	if strings.TrimSpace(got) != strings.TrimSpace(want) {
		h.t.Errorf("%s: got\n%s\nwant\n%s", what, got, want)
	}
}

// expectKeys checks how many keys the state holds: the rows kept and the
// stored now().
func (h *temporalHarness) expectKeys(what string, want int) {
	h.t.Helper()
	if got := h.store.Len(); got != want {
		h.t.Errorf("%s: %d state keys, want %d:\n%s", what, got, want, h.store.Dump(nil))
	}
}

// TestTemporalFilterSlidingWindow: `ts > now() - INTERVAL '1 hour'` keeps
// the last hour's rows as barriers move now(); each row is retracted at the
// barrier that passes it and its state deleted then, and a restart judges
// rows by the stored now() until the next barrier.
func TestTemporalFilterSlidingWindow(t *testing.T) {
	h := newTemporalHarness(t, nowPlus(t, -time.Hour), nil, false, false)
	// Before the first barrier now() is unknown: nothing is emitted yet.
	h.expect("before the first barrier", h.push(`
+ | 1 | -30
+ | 2 | -120
+ | 3 | 10`), "")
	h.expect("first barrier", h.barrier(0), `
+ | 1 | 2024-01-01T11:30:00Z
+ | 3 | 2024-01-01T12:10:00Z`)
	h.expectKeys("after the first barrier (row 2 freed)", 3)

	h.expect("changes inside the epoch", h.push(`
+ | 4 | -50
- | 3 | 10
+ | 5 | -70
U- | 1 | -30
U+ | 1 | -55`), `
+ | 4 | 2024-01-01T11:10:00Z
- | 3 | 2024-01-01T12:10:00Z
U- | 1 | 2024-01-01T11:30:00Z
U+ | 1 | 2024-01-01T11:05:00Z`)
	// now() = T0+10m: the window starts at 11:10 (exclusive), so row 4 at
	// 11:10 and row 1 at 11:05 leave.
	h.expect("barrier at +10m", h.barrier(10), `
- | 1 | 2024-01-01T11:05:00Z
- | 4 | 2024-01-01T11:10:00Z`)
	h.expectKeys("after +10m", 1)

	h.expect("a row inside", h.push(`+ | 6 | 0`), `+ | 6 | 2024-01-01T12:00:00Z`)
	h.expect("barrier at +30m", h.barrier(30), "")
	h.expectKeys("after +30m", 2)

	// A restart reads now() = +30m back: a row at 11:40 is inside.
	h.restart()
	h.expect("after the restart", h.push(`+ | 7 | -20`), `+ | 7 | 2024-01-01T11:40:00Z`)
	h.expect("barrier at +45m", h.barrier(45), `- | 7 | 2024-01-01T11:40:00Z`)
	h.expect("barrier at +61m", h.barrier(61), `- | 6 | 2024-01-01T12:00:00Z`)
	h.expectKeys("all rows gone", 1)
	// A barrier without a time leaves now() where it is.
	h.expect("a row after", h.push(`+ | 8 | 30`), `+ | 8 | 2024-01-01T12:30:00Z`)
	h.epoch++
	w := h.store.NewWriter()
	out := &exectest.Collector{}
	if err := h.op.OnBarrier(context.Background(), exec.Barrier{Epoch: h.epoch}, w, out); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	h.expect("a barrier without a time", out.Take(), "")
	h.expectKeys("row 8 kept", 2)
}

// TestTemporalFilterUpperBound: `ts BETWEEN now() - INTERVAL '1 hour' AND
// now()` lets a row in when now() reaches it and out an hour later; with
// only an upper bound, rows are kept only until they enter.
func TestTemporalFilterUpperBound(t *testing.T) {
	h := newTemporalHarness(t, nowPlus(t, -time.Hour), nowPlus(t, 0), true, true)
	h.expect("first barrier", h.barrier(0), "")
	h.expect("rows", h.push(`
+ | 1 | 30
+ | 2 | -10
+ | 3 | 0
+ | 4 | 90`), `
+ | 2 | 2024-01-01T11:50:00Z
+ | 3 | 2024-01-01T12:00:00Z`)
	h.expect("barrier at +30m", h.barrier(30), `+ | 1 | 2024-01-01T12:30:00Z`)
	h.expectKeys("rows 1 to 4 and now()", 5)
	h.expect("delete a row not in yet", h.push(`- | 4 | 90`), "")
	h.expect("barrier at +100m", h.barrier(100), `
- | 2 | 2024-01-01T11:50:00Z
- | 3 | 2024-01-01T12:00:00Z
- | 1 | 2024-01-01T12:30:00Z`)
	h.expectKeys("every row gone", 1)

	up := newTemporalHarness(t, nil, nowPlus(t, 0), false, false)
	up.expect("first barrier", up.barrier(0), "")
	up.expect("rows", up.push(`
+ | 1 | 30
+ | 2 | -10`), `+ | 2 | 2024-01-01T11:50:00Z`)
	up.expect("barrier at +20m", up.barrier(20), "")
	up.expectKeys("the row not in yet and now()", 2)
	up.expect("barrier at +31m", up.barrier(31), `+ | 1 | 2024-01-01T12:30:00Z`)
	up.expectKeys("only now()", 1)
}
