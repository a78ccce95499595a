package exec

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Watermark is a promise about the rows that follow it in a stream: every
// later row of the stream has column Column ≥ Value. Value is in the
// column's storage unit: microseconds since the epoch for TIMESTAMP and
// TIMESTAMPTZ columns, days since the epoch for DATE, the value itself for
// integer columns. A row below the watermark is late; the source that
// generated the watermark drops it (exec/watermarks), so no operator
// downstream ever sees one.
//
// Watermarks travel in band (Message.Watermark), between chunks, in the
// order the source emitted them; a watermark on a column only rises.
//
// The contract, operator by operator:
//   - An operator that implements WatermarkHandler receives the watermarks
//     of its input and decides itself which to push on (through its Output,
//     with PushWatermark): a projection maps the column to the output
//     columns whose expression is non-decreasing in it (col, col ± a
//     constant, date_trunc(unit, col), ...) and drops it otherwise; a filter,
//     a union and a materialization pass it on unchanged.
//   - An operator that does not implement WatermarkHandler drops every
//     watermark: this is the default for the stateful operators (hash
//     aggregate, join, top-N, over-window) until they use watermarks, since
//     their output columns are not their input's.
//   - A fragment with several inputs keeps the latest watermark per input and
//     column, and hands its first operator the minimum over the inputs that
//     have not ended, input 0, each time that minimum rises (a union's and
//     an exchange merge's inputs have the same columns). An input that has
//     sent no watermark on a column holds that column's minimum back. An
//     operator whose inputs have different columns (a join) implements
//     PerInputWatermarks and receives each input's rising watermarks with
//     their input number instead.
//   - An exchange (a Broadcast with a Splitter) sends each watermark to every
//     instance, so each parallel instance sees the stream's watermark.
//
// A watermark says nothing about retractions: an operator may still emit a
// Delete of a row below it (state cleaning is not retraction).
type Watermark struct {
	Column int
	Value  int64
}

func (w Watermark) String() string { return fmt.Sprintf("watermark $%d ≥ %d", w.Column, w.Value) }

// WatermarkHandler is implemented by operators that look at watermarks.
// OnWatermark is called, between two chunks, with a watermark of input
// input (always 0 unless the operator implements PerInputWatermarks); the
// operator pushes on, with PushWatermark, the watermarks of its own output
// that follow from it (none, the same, or mapped to its output's columns).
type WatermarkHandler interface {
	OnWatermark(ctx context.Context, input int, w Watermark, out Output) error
}

// PerInputWatermarks is implemented by multi-input operators whose inputs
// have different columns (a join): they receive each input's watermarks,
// with its input number, instead of the minimum over the inputs.
type PerInputWatermarks interface {
	WatermarkHandler
	PerInputWatermarks()
}

// WatermarkOutput is implemented by the Outputs of the runtime (the next
// operator of the fragment, and the fragment's Broadcast): it carries a
// watermark downstream in band, after the chunks pushed before it.
type WatermarkOutput interface {
	PushWatermark(ctx context.Context, w Watermark) error
}

// PushWatermark pushes w to out when out carries watermarks, and drops it
// otherwise (an Output made by a test that collects chunks only).
func PushWatermark(ctx context.Context, out Output, w Watermark) error {
	if wo, ok := out.(WatermarkOutput); ok {
		return wo.PushWatermark(ctx, w)
	}
	return nil
}

// WatermarkSource is implemented by sources that generate watermarks. The
// runtime calls TakeWatermarks after every chunk Next returned (after the
// chunk has been processed) and after Next reported ErrNoData (an idle
// split leaving the minimum may raise the watermark); it pushes what they
// return, in order, into the fragment's first operator. A source returns
// each watermark once, only when it rose.
type WatermarkSource interface {
	TakeWatermarks() []Watermark
}

// watermarkMerge keeps the latest watermark per input and column of a
// multi-input fragment and says when the minimum over the unfinished
// inputs rises.
type watermarkMerge struct {
	// latest[i][col] is the latest watermark of input i on col.
	latest []map[int]int64
	// emitted[col] is the last minimum handed on for col.
	emitted map[int]int64
}

func newWatermarkMerge(inputs int) *watermarkMerge {
	m := &watermarkMerge{latest: make([]map[int]int64, inputs), emitted: map[int]int64{}}
	for i := range m.latest {
		m.latest[i] = map[int]int64{}
	}
	return m
}

// observe records w from input i and returns the minimum over the inputs
// not ended on w's column when it rose, ok false otherwise. An input that
// has sent no watermark on the column holds the minimum back.
func (m *watermarkMerge) observe(i int, w Watermark, ended []bool) (Watermark, bool) {
	if old, ok := m.latest[i][w.Column]; ok && old >= w.Value {
		return Watermark{}, false
	}
	m.latest[i][w.Column] = w.Value
	low, any := int64(math.MaxInt64), false
	for j, l := range m.latest {
		if ended[j] && j != i {
			continue
		}
		v, ok := l[w.Column]
		if !ok {
			return Watermark{}, false
		}
		low, any = min(low, v), true
	}
	if !any {
		return Watermark{}, false
	}
	if old, ok := m.emitted[w.Column]; ok && old >= low {
		return Watermark{}, false
	}
	m.emitted[w.Column] = low
	return Watermark{Column: w.Column, Value: low}, true
}

// recheck returns, once an input has ended, the minimums over the inputs
// still running that rose without it, in column order.
func (m *watermarkMerge) recheck(ended []bool) []Watermark {
	cols := make([]int, 0, len(m.emitted))
	for _, l := range m.latest {
		for col := range l {
			if !slices.Contains(cols, col) {
				cols = append(cols, col)
			}
		}
	}
	slices.Sort(cols)
	var out []Watermark
	for _, col := range cols {
		low, any := int64(math.MaxInt64), false
		held := false
		for j, l := range m.latest {
			if ended[j] {
				continue
			}
			v, ok := l[col]
			if !ok {
				held = true
				break
			}
			low, any = min(low, v), true
		}
		if held || !any {
			continue
		}
		if old, ok := m.emitted[col]; ok && old >= low {
			continue
		}
		m.emitted[col] = low
		out = append(out, Watermark{Column: col, Value: low})
	}
	return out
}

// rising reports whether w is above the last watermark of input i on its
// column, and records it (the per-input mode).
func (m *watermarkMerge) rising(i int, w Watermark) bool {
	if old, ok := m.latest[i][w.Column]; ok && old >= w.Value {
		return false
	}
	m.latest[i][w.Column] = w.Value
	return true
}

// SplitSource is implemented by sources that read in splits (a Kafka
// topic's partitions), for the watermark generated per split. RowSplits
// returns the split of each row of the chunk Next last returned (nil: every
// row is of split 0); it is valid until the next call of Next. Splits
// returns the splits the source reads now, those without a row yet
// included (a split that has not read a row still holds a watermark back,
// until it is idle).
type SplitSource interface {
	RowSplits() []int32
	Splits() []int32
}
