package expr

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// columnarFunc is a function call evaluated over whole arrays: one pass
// over a batch's values without boxing them, for the calls whose cost
// shows in the Nexmark profiles. The constant arguments are read once,
// when the call is resolved; eval gets the arrays of the others. It must
// answer exactly what the call's row function does.
type columnarFunc struct {
	// args are the positions of the call's arguments eval takes, in order.
	args []int
	// eval returns the call's n results over args.
	eval func(mem memory.Allocator, n int, args []arrow.Array) (arrow.Array, error)
}

// evalColumnar evaluates f through its columnarFunc.
func (f *funcExpr) evalColumnar(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	c := f.columnar
	args := make([]arrow.Array, len(c.args))
	for i, j := range c.args {
		a, err := f.args[j].Eval(ctx, mem, batch)
		if err != nil {
			releaseAll(args[:i])
			return nil, err
		}
		args[i] = a
	}
	defer releaseAll(args)
	return c.eval(mem, int(batch.NumRows()), args)
}

// constArgs returns the values of args[i] for each i of idx when they are
// all non-NULL constants, else false.
func constArgs(args []Expr, idx ...int) ([]any, bool) {
	out := make([]any, len(idx))
	for k, i := range idx {
		c, ok := args[i].(*Const)
		if !ok || c.v == nil {
			return nil, false
		}
		out[k] = c.v
	}
	return out, true
}

// textOut is a text array of n rows written in one pass: a row's bytes are
// appended to bytes (after reserve made room for them), then end closes
// the row. Its buffers come from the evaluation's allocator.
type textOut struct {
	n       int
	offsets *memory.Buffer
	offs    []int32
	data    *memory.Buffer
	// bytes is data's content so far; its capacity is data's length, so
	// appending within a reservation never leaves the buffer.
	bytes []byte
	// tooLong is set once the text passes what int32 offsets address.
	tooLong bool
}

// newTextOut returns a textOut of n rows with room for dataCap bytes.
func newTextOut(mem memory.Allocator, n, dataCap int) *textOut {
	o := &textOut{n: n, offsets: memory.NewResizableBuffer(mem), data: memory.NewResizableBuffer(mem)}
	o.offsets.Resize((n + 1) * arrow.Int32SizeBytes)
	o.offs = arrow.Int32Traits.CastFromBytes(o.offsets.Bytes())
	o.offs[0] = 0
	o.data.Resize(max(dataCap, 64))
	o.bytes = o.data.Bytes()[:0:o.data.Len()]
	return o
}

// reserve makes room for k more bytes.
func (o *textOut) reserve(k int) {
	used := len(o.bytes)
	if used+k <= cap(o.bytes) {
		return
	}
	o.data.Resize(max(2*cap(o.bytes), used+k))
	o.bytes = o.data.Bytes()[:used:o.data.Len()]
}

// end closes row i (rows are closed in order; a NULL row is closed empty).
func (o *textOut) end(i int) {
	if len(o.bytes) > math.MaxInt32 {
		o.tooLong = true
		return
	}
	o.offs[i+1] = int32(len(o.bytes))
}

// release frees the buffers of an abandoned textOut.
func (o *textOut) release() {
	o.offsets.Release()
	o.data.Release()
}

// finish returns the text array with validity (nil: all valid) and nulls
// NULL rows; it takes over validity.
func (o *textOut) finish(validity *memory.Buffer, nulls int) (arrow.Array, error) {
	if o.tooLong {
		o.release()
		if validity != nil {
			validity.Release()
		}
		return nil, tooLong()
	}
	o.data.Resize(len(o.bytes))
	data := array.NewData(arrow.BinaryTypes.String, o.n, []*memory.Buffer{validity, o.offsets, o.data}, nil, nulls, 0)
	o.release()
	if validity != nil {
		validity.Release()
	}
	defer data.Release()
	return array.MakeFromData(data), nil
}

// validRows is the validity of a columnar call's rows: valid(i) says
// whether row i's arguments are all non-NULL.
type validRows struct {
	buf   *memory.Buffer
	bits  []byte
	nulls int
}

// strictValidity returns the validity of rows where every array of as is
// non-NULL.
func strictValidity(mem memory.Allocator, n int, as ...arrow.Array) validRows {
	buf, nulls := andValidity(mem, n, as...)
	v := validRows{buf: buf, nulls: nulls}
	if buf != nil {
		v.bits = buf.Bytes()
	}
	return v
}

func (v validRows) valid(i int) bool { return v.bits == nil || bitutil.BitIsSet(v.bits, i) }

func (v validRows) release() {
	if v.buf != nil {
		v.buf.Release()
	}
}

// stringArg returns a as a text array, or an internal error.
func stringArg(name string, a arrow.Array) (*array.String, error) {
	s, ok := a.(*array.String)
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.Internal, "%s over Arrow %s, not text", name, a.DataType())
	}
	return s, nil
}

// stringDataLen returns the bytes of a's values.
func stringDataLen(a *array.String) int {
	if a.Len() == 0 {
		return 0
	}
	offs := a.ValueOffsets()
	return int(offs[len(offs)-1] - offs[0])
}
