package expr

import (
	"context"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// computeCtx returns ctx carrying an arrow compute exec context that
// allocates from mem and runs kernels on the calling goroutine.
func computeCtx(ctx context.Context, mem memory.Allocator) context.Context {
	return compute.SetExecCtx(compute.WithAllocator(ctx, mem), serialExecCtx)
}

// serialExecCtx is the compute exec context weir uses: operators already run
// one goroutine per instance, so kernels do not fan out.
var serialExecCtx = func() compute.ExecCtx {
	ec := compute.DefaultExecCtx()
	ec.NumParallel = 1
	return ec
}()

// callCompute runs the arrow compute function name over args and returns its
// array result (the caller releases it).
func callCompute(ctx context.Context, mem memory.Allocator, name string, args ...compute.Datum) (arrow.Array, error) {
	out, err := compute.CallFunction(computeCtx(ctx, mem), name, nil, args...)
	if err != nil {
		return nil, sqlstate.Wrap(sqlstate.Internal, err, "compute "+name)
	}
	defer out.Release()
	ad, ok := out.(*compute.ArrayDatum)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "compute %s returned a %s, not an array", name, out.Kind())
	}
	return ad.MakeArray(), nil
}

// evalDatum evaluates e as a compute argument: constants become scalars (no
// broadcast), everything else an array. The caller releases the datum.
func evalDatum(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, e Expr) (compute.Datum, error) {
	if c, ok := e.(*Const); ok && !c.unknown && c.t.Family != types.Unknown {
		return compute.NewDatum(toScalar(c.v, c.t)), nil
	}
	a, err := e.Eval(ctx, mem, batch)
	if err != nil {
		return nil, err
	}
	d := compute.NewDatum(a)
	a.Release()
	return d, nil
}

// toScalar returns the arrow scalar for the value v (nil: NULL) of type t.
func toScalar(v any, t types.T) scalar.Scalar {
	dt := t.ArrowType()
	if v == nil {
		return scalar.MakeNullScalar(dt)
	}
	switch t.Family {
	case types.Bool:
		return scalar.NewBooleanScalar(v.(bool))
	case types.Int16:
		return scalar.NewInt16Scalar(int16(v.(int64)))
	case types.Int32:
		return scalar.NewInt32Scalar(int32(v.(int64)))
	case types.Int64:
		return scalar.NewInt64Scalar(v.(int64))
	case types.Float32:
		return scalar.NewFloat32Scalar(float32(v.(float64)))
	case types.Float64:
		return scalar.NewFloat64Scalar(v.(float64))
	case types.Numeric:
		return scalar.NewDecimal128Scalar(v.(decimal128.Num), dt)
	case types.Text, types.JSONB:
		return scalar.NewStringScalar(v.(string))
	case types.Bytea:
		return scalar.NewBinaryScalar(memory.NewBufferBytes(v.([]byte)), dt)
	case types.Date:
		return scalar.NewDate32Scalar(arrow.Date32(v.(int32)))
	case types.Timestamp, types.TimestampTZ:
		return scalar.NewTimestampScalar(arrow.Timestamp(v.(int64)), dt)
	case types.Interval:
		return scalar.NewMonthDayNanoIntervalScalar(v.(arrow.MonthDayNanoInterval))
	}
	return scalar.MakeNullScalar(dt)
}

// fixedOut is an output array of n fixed-width values being filled in place.
type fixedOut[T any] struct {
	buf  *memory.Buffer
	vals []T
}

func newFixedOut[T any](mem memory.Allocator, n int) fixedOut[T] {
	var zero T
	size := int(unsafe.Sizeof(zero))
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * size)
	var vals []T
	if n > 0 {
		vals = unsafe.Slice((*T)(unsafe.Pointer(&buf.Bytes()[0])), n)
	}
	return fixedOut[T]{buf: buf, vals: vals}
}

// finish wraps the values with validity (nil: all valid) into an array of dt;
// it takes over the buffers.
func (o fixedOut[T]) finish(dt arrow.DataType, validity *memory.Buffer, nulls int) arrow.Array {
	data := array.NewData(dt, len(o.vals), []*memory.Buffer{validity, o.buf}, nil, nulls, 0)
	o.buf.Release()
	if validity != nil {
		validity.Release()
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// andValidity returns the validity bitmap of rows valid in every array of
// as (nil when all rows are valid) and its null count.
func andValidity(mem memory.Allocator, n int, as ...arrow.Array) (*memory.Buffer, int) {
	anyNulls := false
	for _, a := range as {
		if a.NullN() > 0 {
			anyNulls = true
		}
	}
	if !anyNulls {
		return nil, 0
	}
	nbytes := int(bitutil.BytesForBits(int64(n)))
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(nbytes)
	bits := buf.Bytes()
	first := true
	for _, a := range as {
		if a.NullN() == 0 {
			continue
		}
		if a.DataType().ID() == arrow.NULL {
			clear(bits)
			first = false
			continue
		}
		src, off := a.NullBitmapBytes(), a.Data().Offset()
		if first {
			bitutil.CopyBitmap(src, off, n, bits, 0)
			first = false
		} else {
			bitutil.BitmapAnd(bits, src, 0, int64(off), bits, 0, int64(n))
		}
	}
	return buf, n - bitutil.CountSetBits(bits, 0, n)
}

// binaryFixed applies f to the rows of l and r where both are valid and
// returns the results as an array of dt. f's error aborts the evaluation.
func binaryFixed[A, B, R any](mem memory.Allocator, dt arrow.DataType, l fixedArray[A], r fixedArray[B], f func(a A, b B) (R, error)) (arrow.Array, error) {
	n := l.Len()
	validity, nulls := andValidity(mem, n, l, r)
	out := newFixedOut[R](mem, n)
	lv, rv := l.Values(), r.Values()
	var err error
	if validity == nil {
		for i := range n {
			if out.vals[i], err = f(lv[i], rv[i]); err != nil {
				out.buf.Release()
				return nil, err
			}
		}
	} else {
		bits := validity.Bytes()
		for i := range n {
			if !bitutil.BitIsSet(bits, i) {
				continue
			}
			if out.vals[i], err = f(lv[i], rv[i]); err != nil {
				out.buf.Release()
				validity.Release()
				return nil, err
			}
		}
	}
	return out.finish(dt, validity, nulls), nil
}

// unaryFixed applies f to the valid rows of a.
func unaryFixed[A, R any](mem memory.Allocator, dt arrow.DataType, a fixedArray[A], f func(a A) (R, error)) (arrow.Array, error) {
	n := a.Len()
	validity, nulls := andValidity(mem, n, a)
	out := newFixedOut[R](mem, n)
	av := a.Values()
	var err error
	for i := range n {
		if validity != nil && !bitutil.BitIsSet(validity.Bytes(), i) {
			continue
		}
		if out.vals[i], err = f(av[i]); err != nil {
			out.buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, err
		}
	}
	return out.finish(dt, validity, nulls), nil
}

// rowwise evaluates f over rows of args (values in canonical form; a row
// with any NULL argument is NULL unless callOnNull) into an array of type t.
func rowwise(mem memory.Allocator, t types.T, n int, args []arrow.Array, callOnNull bool, f func(vs []any) (any, error)) (arrow.Array, error) {
	b := newBuilder(mem, t, n)
	defer b.Release()
	vs := make([]any, len(args))
	for i := range n {
		null := false
		for j, a := range args {
			vs[j] = valueAt(a, i)
			if vs[j] == nil {
				null = true
			}
		}
		if null && !callOnNull {
			b.AppendNull()
			continue
		}
		v, err := f(vs)
		if err != nil {
			return nil, err
		}
		appendValue(b, v)
	}
	return b.NewArray(), nil
}
