package systables

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// rowBuilder appends rows to a record builder one value at a time, each
// to the next column, so a table's code says its values in its columns'
// order without their numbers.
type rowBuilder struct {
	b   *array.RecordBuilder
	col int
}

// next returns the builder of the next column.
func (r *rowBuilder) next() array.Builder {
	f := r.b.Field(r.col)
	r.col++
	return f
}

// end finishes a row; it panics unless the row had a value for every
// column (a table whose code and columns disagree).
func (r *rowBuilder) end() {
	if n := r.b.Schema().NumFields(); r.col != n {
		panic(fmt.Sprintf("systables: row of %d values for %d columns", r.col, n))
	}
	r.col = 0
}

func (r *rowBuilder) text(s string) { r.next().(*array.StringBuilder).Append(s) }

// textOrNull appends s, or NULL when s is empty.
func (r *rowBuilder) textOrNull(s string) {
	if s == "" {
		r.next().AppendNull()
		return
	}
	r.text(s)
}

func (r *rowBuilder) int32(v int32) { r.next().(*array.Int32Builder).Append(v) }

func (r *rowBuilder) int32OrNull(v int32, null bool) {
	if null {
		r.next().AppendNull()
		return
	}
	r.int32(v)
}

func (r *rowBuilder) int64(v int64) { r.next().(*array.Int64Builder).Append(v) }

func (r *rowBuilder) int64OrNull(v int64, null bool) {
	if null {
		r.next().AppendNull()
		return
	}
	r.int64(v)
}

func (r *rowBuilder) float64(v float64) { r.next().(*array.Float64Builder).Append(v) }

// milliseconds appends d in milliseconds, to the microsecond.
func (r *rowBuilder) milliseconds(d time.Duration) {
	r.float64(float64(d.Microseconds()) / 1000)
}

func (r *rowBuilder) bool(v bool) { r.next().(*array.BooleanBuilder).Append(v) }

func (r *rowBuilder) bytes(v []byte) { r.next().(*array.BinaryBuilder).Append(v) }

// timestamp appends t to a timestamptz column (microseconds since the
// epoch).
func (r *rowBuilder) timestamp(t time.Time) {
	r.next().(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
}
