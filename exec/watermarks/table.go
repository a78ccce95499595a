package watermarks

import (
	"context"
	"sync/atomic"

	"github.com/weir-stream/weir/exec"
)

// Table is the operator that gives a table with WATERMARK FOR its
// watermark, in the table's fragment in front of its materialization: the
// rows a table takes (by DML) are one split, and an inserted row below the
// watermark when it comes is late, dropped and kept as a stream's source
// does it; updates and deletes pass (they change rows already there). The
// watermark follows the chunk that raised it to the table's readers. Its
// state is written at every barrier, with the table's write log position,
// so a replay of the log after a crash drops the same rows.
type Table struct {
	generator
	rows atomic.Int64
}

// NewTable returns the operator of spec (Spec.Table is a state table of
// the table's own; Stream names the table).
func NewTable(spec Spec) *Table { return &Table{generator: newGenerator(spec)} }

// Rows returns how many changes the table took since it opened (late
// rows included). Safe to call from any goroutine.
func (t *Table) Rows() int64 { return t.rows.Load() }

// Open restores the watermark and the late rows' sequence.
func (t *Table) Open(_ context.Context, oc exec.OpenContext) error { return t.restore(oc.State) }

// ProcessChunk pushes c without its late rows, then the watermark it
// raised.
func (t *Table) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, out exec.Output) error {
	t.rows.Add(int64(c.NumRows()))
	c.Batch.Retain()
	kept, err := t.filter(ctx, c, nil, t.spec.Now())
	if err != nil {
		return err
	}
	if kept.Batch != nil {
		if err := out.Push(ctx, kept); err != nil {
			return err
		}
	}
	for _, w := range t.TakeWatermarks() {
		if err := exec.PushWatermark(ctx, out, w); err != nil {
			return err
		}
	}
	return nil
}

// OnBarrier writes the watermark and the epoch's late rows.
func (t *Table) OnBarrier(_ context.Context, _ exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	return t.write(w)
}
