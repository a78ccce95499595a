package ops_test

import (
	"context"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
)

// TestTemporalFilterWatermarks: a temporal filter with only a lower bound
// passes its input's watermarks on unchanged (its rows enter only as they
// arrive), holding those that come before now() is known until the first
// barrier has emitted the rows inside; one with an upper bound, whose rows
// enter at barriers below the watermark, passes on the time column's as
// the lower of it and the bound.
func TestTemporalFilterWatermarks(t *testing.T) {
	ctx := context.Background()
	wm := func(h *temporalHarness, minutes int) exec.Watermark {
		return exec.Watermark{Column: 1, Value: temporalT0.Add(time.Duration(minutes) * time.Minute).UnixMicro()}
	}
	run := func(h *temporalHarness, step func(out exec.Output) error) string {
		t.Helper()
		out := &eventOutput{}
		if err := step(out); err != nil {
			t.Fatal(err)
		}
		return out.take()
	}
	barrier := func(h *temporalHarness, minutes int) string {
		t.Helper()
		h.epoch++
		w := h.store.NewWriter()
		defer w.Close()
		out := &eventOutput{}
		b := exec.Barrier{Epoch: h.epoch, Time: temporalT0.Add(time.Duration(minutes) * time.Minute)}
		if err := h.op.OnBarrier(ctx, b, w, out); err != nil {
			t.Fatal(err)
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
		return out.take()
	}

	h := newTemporalHarness(t, nowPlus(t, -time.Hour), nil, false, false)
	h.push("+ | 1 | -30")
	h.expect("a watermark before now() is known", run(h, func(out exec.Output) error { return h.op.OnWatermark(ctx, 0, wm(h, -40), out) }), "")
	h.expect("the first barrier", barrier(h, 0), `+ | 1 | 2024-01-01T11:30:00Z
watermark $1 ≥ 1704108000000000`)
	h.expect("a watermark after", run(h, func(out exec.Output) error { return h.op.OnWatermark(ctx, 0, wm(h, -20), out) }), "watermark $1 ≥ 1704109200000000")
	h.expect("a barrier retracting a row", barrier(h, 31), "- | 1 | 2024-01-01T11:30:00Z")
	// After a restart now() is known from the state: no hold.
	h.restart()
	h.expect("a watermark after a restart", run(h, func(out exec.Output) error { return h.op.OnWatermark(ctx, 0, wm(h, -10), out) }), "watermark $1 ≥ 1704109800000000")

	// With an upper bound (ts < now()), a row enters at the barrier that
	// moves now() past it, below the input's watermark: the time column's
	// watermark goes on as the lower of it and the upper bound, others
	// are dropped.
	up := newTemporalHarness(t, nil, nowPlus(t, 0), false, false)
	up.expect("first barrier", barrier(up, 0), "")
	up.expect("a watermark above the upper bound", run(up, func(out exec.Output) error { return up.op.OnWatermark(ctx, 0, wm(up, 10), out) }), "watermark $1 ≥ 1704110400000000")
	up.expect("a watermark on another column", run(up, func(out exec.Output) error {
		return up.op.OnWatermark(ctx, 0, exec.Watermark{Column: 0, Value: 7}, out)
	}), "")
	up.push("+ | 1 | 5")
	up.expect("the row enters, then the upper bound's watermark", barrier(up, 6), `+ | 1 | 2024-01-01T12:05:00Z
watermark $1 ≥ 1704110760000000`)
	up.expect("a barrier that moves no watermark", barrier(up, 6), "")
}
