package statestore_test

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// propertyTypes are the types the property tests generate values of.
var propertyTypes = []types.T{
	types.BoolType, types.Int16Type, types.Int32Type, types.Int64Type,
	types.Float32Type, types.Float64Type, types.NumericType(38, 4), types.NumericType(9, 0),
	types.TextType, types.JSONBType, types.ByteaType, types.DateType, types.TSType,
	types.TSTZType, types.IntervalT,
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 2)) }

// randomBytes returns short byte strings over a small alphabet rich in the
// bytes the string encoding treats specially.
func randomBytes(r *rand.Rand) []byte {
	alphabet := []byte{0x00, 0x01, 0x02, 'a', 'b', 0xFE, 0xFF}
	v := make([]byte, r.IntN(6))
	for i := range v {
		v[i] = alphabet[r.IntN(len(alphabet))]
	}
	return v
}

// randomInt returns an int64 that is often an edge value.
func randomInt(r *rand.Rand, bits uint) int64 {
	lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
	switch r.IntN(6) {
	case 0:
		return lo
	case 1:
		return hi
	case 2:
		return int64(r.IntN(5)) - 2
	}
	return lo + int64(r.Uint64()%uint64(hi-lo)) + int64(r.IntN(2))
}

func randomFloat(r *rand.Rand) float64 {
	specials := []float64{math.Inf(-1), math.Inf(1), math.NaN(), math.Copysign(math.NaN(), -1),
		0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, -math.MaxFloat64, 1, -1}
	if r.IntN(3) == 0 {
		return specials[r.IntN(len(specials))]
	}
	return math.Float64frombits(r.Uint64())
}

// randomArray returns n random values of type t, about one in ten NULL.
func randomArray(r *rand.Rand, mem memory.Allocator, t types.T, n int) arrow.Array {
	b := array.NewBuilder(mem, t.ArrowType())
	defer b.Release()
	for range n {
		if r.IntN(10) == 0 {
			b.AppendNull()
			continue
		}
		switch b := b.(type) {
		case *array.BooleanBuilder:
			b.Append(r.IntN(2) == 1)
		case *array.Int16Builder:
			b.Append(int16(randomInt(r, 16)))
		case *array.Int32Builder:
			b.Append(int32(randomInt(r, 32)))
		case *array.Int64Builder:
			b.Append(randomInt(r, 64))
		case *array.Float32Builder:
			b.Append(float32(randomFloat(r)))
		case *array.Float64Builder:
			b.Append(randomFloat(r))
		case *array.Decimal128Builder:
			v := decimal128.New(randomInt(r, 64)>>r.IntN(64), r.Uint64())
			if t.Precision < 19 {
				v = decimal128.FromI64(randomInt(r, 30))
			}
			b.Append(v)
		case *array.StringBuilder:
			b.BinaryBuilder.Append(randomBytes(r))
		case *array.BinaryBuilder:
			b.Append(randomBytes(r))
		case *array.Date32Builder:
			b.Append(arrow.Date32(randomInt(r, 32)))
		case *array.TimestampBuilder:
			b.Append(arrow.Timestamp(randomInt(r, 64)))
		case *array.MonthDayNanoIntervalBuilder:
			b.Append(arrow.MonthDayNanoInterval{Months: int32(randomInt(r, 3)), Days: int32(randomInt(r, 3)), Nanoseconds: randomInt(r, 64)})
		}
	}
	return b.NewArray()
}

// compareFloat orders floats as SQL does: -0 == +0, NaN equal to itself and
// greater than every other value.
func compareFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}

// compareSQL compares rows i and j of arr in SQL order, NULL first.
func compareSQL(arr arrow.Array, i, j int) int {
	if ni, nj := arr.IsNull(i), arr.IsNull(j); ni || nj {
		switch {
		case ni && nj:
			return 0
		case ni:
			return -1
		}
		return 1
	}
	switch a := arr.(type) {
	case *array.Boolean:
		x, y := a.Value(i), a.Value(j)
		if x == y {
			return 0
		} else if y {
			return -1
		}
		return 1
	case *array.Int16:
		return cmp.Compare(a.Value(i), a.Value(j))
	case *array.Int32:
		return cmp.Compare(a.Value(i), a.Value(j))
	case *array.Int64:
		return cmp.Compare(a.Value(i), a.Value(j))
	case *array.Float32:
		return compareFloat(float64(a.Value(i)), float64(a.Value(j)))
	case *array.Float64:
		return compareFloat(a.Value(i), a.Value(j))
	case *array.Decimal128:
		return a.Value(i).Cmp(a.Value(j))
	case *array.String:
		return cmp.Compare(a.Value(i), a.Value(j))
	case *array.Binary:
		return bytes.Compare(a.Value(i), a.Value(j))
	case *array.Date32:
		return cmp.Compare(a.Value(i), a.Value(j))
	case *array.Timestamp:
		return cmp.Compare(a.Value(i), a.Value(j))
	case *array.MonthDayNanoInterval:
		x, y := a.Value(i), a.Value(j)
		return cmp.Or(cmp.Compare(x.Months, y.Months), cmp.Compare(x.Days, y.Days), cmp.Compare(x.Nanoseconds, y.Nanoseconds))
	}
	panic("compareSQL: unexpected array " + arr.DataType().String())
}

// TestMemcmpProperties checks, for random values of every type, that byte
// order of encodings equals SQL order (ascending and descending), and that
// rows round trip through AppendRow and RowDecoder.
func TestMemcmpProperties(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := newRand(1)
	const n = 150
	schema := make(types.Schema, len(propertyTypes))
	cols := make([]arrow.Array, len(propertyTypes))
	for c, typ := range propertyTypes {
		schema[c] = types.Column{Name: typ.String(), Type: typ, Nullable: true}
		arr := randomArray(r, mem, typ, n)
		cols[c] = arr
		asc := make([][]byte, n)
		desc := make([][]byte, n)
		enc := statestore.NewValueEncoder(typ, arr)
		for i := range n {
			asc[i] = statestore.AppendValue(nil, typ, arr, i)
			desc[i] = statestore.AppendValueDesc(nil, typ, arr, i)
			if fast := enc(nil, i); !bytes.Equal(fast, asc[i]) {
				t.Fatalf("%s row %d: ValueEncoder %x, AppendValue %x", typ, i, fast, asc[i])
			}
		}
		// Encoders honour the offset of a sliced array.
		sliced := array.NewSlice(arr, 3, n-2)
		sliceEnc := statestore.NewValueEncoder(typ, sliced)
		for i := 0; i < sliced.Len(); i++ {
			if got := sliceEnc(nil, i); !bytes.Equal(got, asc[i+3]) || !bytes.Equal(statestore.AppendValue(nil, typ, sliced, i), asc[i+3]) {
				t.Fatalf("%s: sliced row %d encodes as %x, want %x", typ, i, got, asc[i+3])
			}
		}
		sliced.Release()
		for i := range n {
			for j := range n {
				want := compareSQL(arr, i, j)
				if got := bytes.Compare(asc[i], asc[j]); got != want {
					t.Fatalf("%s: rows %d, %d (%s, %s): bytes compare %d, SQL %d",
						typ, i, j, formatValue(typ, arr, i), formatValue(typ, arr, j), got, want)
				}
				if got := bytes.Compare(desc[j], desc[i]); got != want {
					t.Fatalf("%s: rows %d, %d: descending bytes compare %d, SQL %d", typ, j, i, got, want)
				}
			}
		}
	}
	ts := make([]types.T, len(schema))
	for c := range schema {
		ts[c] = schema[c].Type
	}
	rec := array.NewRecordBatch(schema.Arrow(), cols, n)
	for _, a := range cols {
		a.Release()
	}
	defer rec.Release()

	d := statestore.NewRowDecoder(mem, schema)
	defer d.Release()
	all := make([]int, len(schema))
	for c := range all {
		all[c] = c
	}
	var rows [][]byte
	for i := range n {
		row := statestore.AppendRow(nil, ts, rec, all, i)
		if nilCols := statestore.AppendRow(nil, ts, rec, nil, i); !bytes.Equal(row, nilCols) {
			t.Fatalf("row %d: AppendRow with nil cols differs", i)
		}
		rows = append(rows, row)
		if err := d.Append(row); err != nil {
			t.Fatal(err)
		}
		// A corrupt row is rejected without appending anything.
		if err := d.Append(row[:len(row)-1]); err == nil {
			t.Fatalf("row %d: truncated row decoded", i)
		}
		if err := d.Append(append(row[:len(row):len(row)], 0)); err == nil {
			t.Fatalf("row %d: row with a trailing byte decoded", i)
		}
	}
	if d.Len() != n {
		t.Fatalf("decoder has %d rows, want %d", d.Len(), n)
	}
	got := d.NewBatch()
	defer got.Release()
	if d.Len() != 0 || got.NumRows() != n {
		t.Fatalf("batch has %d rows, decoder %d left", got.NumRows(), d.Len())
	}
	// Decoded values are the canonical forms of the originals (-0 → 0, NaN
	// payloads dropped): they re-encode to the same bytes.
	for i := range n {
		if again := statestore.AppendRow(nil, ts, got, nil, i); !bytes.Equal(again, rows[i]) {
			t.Fatalf("row %d re-encodes as %x, was %x", i, again, rows[i])
		}
	}
	for c := range schema {
		if typ := schema[c].Type; !typ.IsFloat() && !array.Equal(got.Column(c), rec.Column(c)) {
			t.Fatalf("column %s does not round trip", typ)
		}
	}
	// The decoder is reusable after NewBatch.
	if err := d.Append(rows[0]); err != nil {
		t.Fatal(err)
	}
	again := d.NewBatch()
	defer again.Release()
	if again.NumRows() != 1 {
		t.Fatalf("second batch has %d rows", again.NumRows())
	}
}
