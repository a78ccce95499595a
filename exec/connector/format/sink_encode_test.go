package format

import (
	"fmt"
	"strings"
	"testing"

	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
)

// encoderChunk builds a chunk of (k bigint, x double, ok boolean, s text)
// from rows "op | k | x | ok | s" (NULL for a null); it cannot use
// exectest, whose datadriven flags clash with this package's tests.
func encoderChunk(t *testing.T, mem memory.Allocator, rows string) exec.Chunk {
	t.Helper()
	schema := types.Schema{{Name: "k", Type: types.Int64Type}, {Name: "x", Type: types.Float64Type, Nullable: true},
		{Name: "ok", Type: types.BoolType, Nullable: true}, {Name: "s", Type: types.TextType, Nullable: true}}
	rb := array.NewRecordBuilder(mem, schema.Arrow())
	defer rb.Release()
	var ops []exec.Op
	for _, line := range strings.Split(rows, "\n") {
		f := strings.Split(line, " | ")
		op := map[string]exec.Op{"+": exec.Insert, "-": exec.Delete, "U-": exec.UpdateDelete, "U+": exec.UpdateInsert}[f[0]]
		ops = append(ops, op)
		k, _ := strconv.ParseInt(f[1], 10, 64)
		rb.Field(0).(*array.Int64Builder).Append(k)
		x, _ := strconv.ParseFloat(f[2], 64)
		if f[2] == "NaN" {
			x = math.NaN()
		}
		rb.Field(1).(*array.Float64Builder).Append(x)
		if f[3] == "NULL" {
			rb.Field(2).AppendNull()
		} else {
			rb.Field(2).(*array.BooleanBuilder).Append(f[3] == "true")
		}
		if f[4] == "NULL" {
			rb.Field(3).AppendNull()
		} else {
			rb.Field(3).(*array.StringBuilder).Append(f[4])
		}
	}
	return exec.Chunk{Batch: rb.NewRecordBatch(), Ops: ops}
}

// TestSinkEncoder checks the JSON records of each sink type: numbers,
// NaN and infinities (strings), booleans, NULL, text needing escapes;
// an update under the same key is one upsert record, under a new key a
// tombstone and a record; Debezium pairs an update into one "u" change.
func TestSinkEncoder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ts := []types.T{types.Int64Type, types.Float64Type, types.BoolType, types.TextType}
	names := []string{"k", "x", "ok", "s"}
	encode := func(typ SinkType, rows string) string {
		t.Helper()
		enc, err := NewSinkEncoder(mem, typ, "json", names, []int{0, 1, 2, 3}, ts, []int{0})
		if err != nil {
			t.Fatal(err)
		}
		c := encoderChunk(t, mem, rows)
		defer c.Release()
		var out []string
		if err := enc.Encode(c, func(key, value []byte) {
			v := "tombstone"
			if value != nil {
				v = string(value)
			}
			out = append(out, fmt.Sprintf("%s %s", key, v))
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "\n")
	}
	got := encode(SinkUpsert, "+ | 1 | 1.5 | true | a\"b\n+ | 2 | NaN | NULL | NULL\n+ | 3 | -Infinity | false | é\nU- | 1 | 1.5 | true | x\nU+ | 1 | 2 | true | y\nU- | 2 | 0 | true | x\nU+ | 4 | 0 | true | x\n- | 3 | 0 | false | z")
	want := `{"k":1} {"k":1,"x":1.5,"ok":true,"s":"a\"b"}
{"k":2} {"k":2,"x":"NaN","ok":null,"s":null}
{"k":3} {"k":3,"x":"-Infinity","ok":false,"s":"é"}
{"k":1} {"k":1,"x":2,"ok":true,"s":"y"}
{"k":2} tombstone
{"k":4} {"k":4,"x":0,"ok":true,"s":"x"}
{"k":3} tombstone`
	if got != want {
		t.Errorf("upsert:\n%s\nwant\n%s", got, want)
	}
	got = encode(SinkDebezium, "U- | 1 | 1.5 | true | x\nU+ | 1 | 2 | true | y\n- | 3 | 0 | false | z")
	for i, want := range []string{`{"k":1} {"before":{"k":1,"x":1.5,"ok":true,"s":"x"},"after":{"k":1,"x":2,"ok":true,"s":"y"},"op":"u","ts_ms":`,
		`{"k":3} {"before":{"k":3,"x":0,"ok":false,"s":"z"},"after":null,"op":"d","ts_ms":`} {
		if lines := strings.Split(got, "\n"); len(lines) != 2 || !strings.HasPrefix(lines[i], want) {
			t.Errorf("debezium line %d:\n%s\nwant a prefix\n%s", i, got, want)
		}
	}
}
