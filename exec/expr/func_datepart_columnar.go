package expr

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// datePartColumnar is date_part(field, ts) (extract) over a batch of
// timestamps for a constant field of the calendar or the clock, or nil for
// the other fields, which keep timePart's row path.
func datePartColumnar(field string) *columnarFunc {
	var part func(f *civilTime) int
	switch strings.ToLower(field) {
	case "year", "years":
		part = func(f *civilTime) int { return f.year }
	case "quarter":
		part = func(f *civilTime) int { return (f.month-1)/3 + 1 }
	case "month", "months":
		part = func(f *civilTime) int { return f.month }
	case "day", "days":
		part = func(f *civilTime) int { return f.day }
	case "dow":
		part = func(f *civilTime) int { return f.wday }
	case "isodow":
		part = func(f *civilTime) int { return (f.wday+6)%7 + 1 }
	case "doy":
		part = func(f *civilTime) int { return f.yday }
	case "hour", "hours":
		part = func(f *civilTime) int { return f.hour }
	case "minute", "minutes":
		part = func(f *civilTime) int { return f.minute }
	default:
		return nil
	}
	return &columnarFunc{args: []int{1}, eval: func(mem memory.Allocator, n int, args []arrow.Array) (arrow.Array, error) {
		ts, ok := args[0].(*array.Timestamp)
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.Internal, "date_part over Arrow %s, not a timestamp", args[0].DataType())
		}
		valid := strictValidity(mem, n, ts)
		out := newFixedOut[float64](mem, n)
		var f civilTime
		for i, v := range ts.TimestampValues() {
			if valid.valid(i) {
				f.set(int64(v))
				out.vals[i] = float64(part(&f))
			} else {
				out.vals[i] = 0
			}
		}
		return out.finish(types.Float64Type.ArrowType(), valid.buf, valid.nulls), nil
	}}
}
