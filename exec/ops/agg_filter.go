package ops

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// aggInput evaluates the input of aggregate i over batch: its argument, with
// FILTER (WHERE …) applied by making the argument NULL in the rows where the
// condition is not true (every aggregate but count(*) skips NULLs). For
// count(*) with a FILTER it is a boolean array valid exactly where the
// condition is true, which the aggCount that implements it counts. It is
// nil for count(*) without a FILTER. The caller releases it.
func (h *HashAgg) aggInput(ctx context.Context, i int, batch arrow.RecordBatch) (arrow.Array, error) {
	a := h.spec.Aggs[i]
	var arr arrow.Array
	if a.Arg != nil {
		var err error
		if arr, err = a.Arg.Eval(ctx, h.mem, batch); err != nil {
			return nil, err
		}
	}
	if a.Filter == nil {
		return arr, nil
	}
	mask, err := a.Filter.Eval(ctx, h.mem, batch)
	if err != nil {
		if arr != nil {
			arr.Release()
		}
		return nil, err
	}
	defer mask.Release()
	if arr != nil {
		defer arr.Release()
	}
	if s, ok := h.accs[i].(*aggStringAgg); ok && s.array {
		// array_agg keeps NULLs: it skips the rows the mask drops.
		return s.filtered(arr, mask)
	}
	return filterNulls(h.mem, arr, mask)
}

// filterNulls returns arr with NULL in every row where mask (a boolean
// array) is not true; when arr is nil, a boolean array of true where mask is
// true and NULL elsewhere.
func filterNulls(mem memory.Allocator, arr, mask arrow.Array) (arrow.Array, error) {
	m, ok := mask.(*array.Boolean)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: FILTER evaluated to %s", mask.DataType())
	}
	n := m.Len()
	keep := func(i int) bool { return m.IsValid(i) && m.Value(i) }
	if arr == nil {
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if keep(i) {
				b.UnsafeAppend(true)
			} else {
				b.UnsafeAppendBoolToBitmap(false)
			}
		}
		return b.NewArray(), nil
	}
	if arr.Len() != n {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: FILTER of %d rows over %d", n, arr.Len())
	}
	d := arr.Data()
	bufs := d.Buffers()
	if len(bufs) == 0 {
		return nil, sqlstate.Errorf(sqlstate.Internal, "hash aggregate: FILTER over %s", arr.DataType())
	}
	off := d.Offset()
	validity := memory.NewResizableBuffer(mem)
	defer validity.Release()
	validity.Resize(int(bitutil.BytesForBits(int64(off + n))))
	bits := validity.Bytes()
	clear(bits)
	for i := 0; i < n; i++ {
		if arr.IsValid(i) && keep(i) {
			bitutil.SetBit(bits, off+i)
		}
	}
	out := make([]*memory.Buffer, len(bufs))
	copy(out, bufs)
	out[0] = validity
	nd := array.NewData(d.DataType(), n, out, d.Children(), array.UnknownNullCount, off)
	defer nd.Release()
	return array.MakeFromData(nd), nil
}
