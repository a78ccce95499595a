//go:build duckdb_arrow

package adhoc

import (
	"bytes"
	"context"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/statestore"
)

// Bytes that lead each sort key's encoding and place NULL before or after
// every value.
const (
	sortNullFirst = 0x00
	sortValue     = 0x01
	sortNullLast  = 0x02
)

// sortBatches returns the rows of in, whose columns are cols, ordered by
// keys, as one batch (nil when in has no rows). The order is Postgres': keys
// compare as the state store's memcomparable encoding does (numbers by
// value, NaN above every other float, text by bytes as in the C collation),
// NULL placed by each key's NullsFirst; ties keep their input order.
func sortBatches(ctx context.Context, mem memory.Allocator, in []arrow.RecordBatch, cols []planner.Col, keys []planner.SortKey) (arrow.RecordBatch, error) {
	if len(in) == 0 {
		return nil, nil
	}
	type row struct {
		key []byte
		pos int64
	}
	rows := make([]row, 0, in[0].NumRows())
	var buf []byte
	var base int64
	for _, b := range in {
		encs := make([]statestore.ValueEncoder, len(keys))
		for j, k := range keys {
			t, arr := cols[k.Column].Type, b.Column(k.Column)
			if k.Desc {
				encs[j] = statestore.NewValueEncoderDesc(t, arr)
			} else {
				encs[j] = statestore.NewValueEncoder(t, arr)
			}
		}
		for i := 0; i < int(b.NumRows()); i++ {
			start := len(buf)
			for j, k := range keys {
				if b.Column(k.Column).IsNull(i) {
					if k.NullsFirst {
						buf = append(buf, sortNullFirst)
					} else {
						buf = append(buf, sortNullLast)
					}
					continue
				}
				buf = append(buf, sortValue)
				buf = encs[j](buf, i)
			}
			rows = append(rows, row{key: buf[start:len(buf):len(buf)], pos: base + int64(i)})
		}
		base += b.NumRows()
	}
	if len(rows) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(rows, func(a, b row) int { return bytes.Compare(a.key, b.key) })

	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.Reserve(len(rows))
	for _, r := range rows {
		ib.UnsafeAppend(r.pos)
	}
	idx := ib.NewInt64Array()
	defer idx.Release()

	ctx = compute.WithAllocator(ctx, mem)
	out := make([]arrow.Array, in[0].NumCols())
	defer func() {
		for _, a := range out {
			if a != nil {
				a.Release()
			}
		}
	}()
	for c := range out {
		parts := make([]arrow.Array, len(in))
		for i, b := range in {
			parts[i] = b.Column(c)
		}
		col, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, err
		}
		out[c], err = expr.Take(ctx, mem, col, idx)
		col.Release()
		if err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(in[0].Schema(), out, int64(len(rows))), nil
}
