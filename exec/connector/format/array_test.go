package format

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
)

// TestJSONArrays decodes JSON arrays into array columns: each element as a
// column of the element type would be, null a NULL element; a JSON string
// is read as Postgres' array text; a nested array or a value of the wrong
// type is the record's error.
func TestJSONArrays(t *testing.T) {
	schema := types.Schema{
		{Name: "tags", Type: types.ArrayOf(types.TextType), Nullable: true},
		{Name: "nums", Type: types.ArrayOf(types.Int32Type), Nullable: true},
		{Name: "ts", Type: types.ArrayOf(types.TSType), Nullable: true},
	}
	got := decodeLines(t, &JSONDecoder{}, schema, []string{
		`{"tags": ["a", "b c", null, ""], "nums": [1, -2, null], "ts": ["2024-01-02 03:04:05"]}`,
		`{"tags": [], "nums": null}`,
		`{"tags": [1, true], "nums": ["7"]}`,
		`{"tags": [["x"]]}`,
		`{"nums": [1.5]}`,
		`{"nums": "{1,2}"}`,
		`{"tags": "{a,\"b c\",NULL}", "nums": "{1,x}"}`,
		`{"tags": "{a,\"b c\",NULL}"}`,
	})
	want := `line 4: error: column "tags": a JSON array inside an array cannot be decoded: weir's arrays have one dimension
line 5: error: column "nums": invalid integer
line 7: error: column "nums": invalid input syntax for type integer: "x"
tags=["a","b c",null,""] | nums=[1,-2,null] | ts=["2024-01-02T03:04:05"]
tags=[] | nums=NULL | ts=NULL
tags=["1","true"] | nums=[7] | ts=NULL
tags=NULL | nums=[1,2] | ts=NULL
tags=["a","b c",null] | nums=NULL | ts=NULL
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestCSVArrays decodes Postgres' array text in CSV fields.
func TestCSVArrays(t *testing.T) {
	schema := types.Schema{
		{Name: "id", Type: types.Int32Type},
		{Name: "tags", Type: types.ArrayOf(types.TextType), Nullable: true},
	}
	got := decodeLines(t, &CSVDecoder{}, schema, []string{
		`1,"{a,""b c"",NULL}"`,
		`2,{}`,
		`3,"{1,2"`,
	})
	want := `line 3: error: column "tags": malformed array literal: "{1,2"
id=1 | tags=["a","b c",null]
id=2 | tags=[]
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestSinkEncoderArrays checks that a JSON sink writes an array as a JSON
// array of its elements, NULL elements as null.
func TestSinkEncoderArrays(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := types.Schema{
		{Name: "nums", Type: types.ArrayOf(types.Int32Type), Nullable: true},
		{Name: "tags", Type: types.ArrayOf(types.TextType), Nullable: true},
		{Name: "oks", Type: types.ArrayOf(types.BoolType), Nullable: true},
	}
	rec, _, err := array.RecordFromJSON(mem, schema.Arrow(), strings.NewReader(
		`[{"nums": [1, null, -3], "tags": ["a", "b \"c\"", null], "oks": [true, false]}, {"nums": [], "tags": null, "oks": null}]`))
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Chunk{Batch: rec, Ops: []exec.Op{exec.Insert, exec.Insert}}
	defer c.Release()
	enc, err := NewSinkEncoder(mem, SinkAppendOnly, "json", []string{"nums", "tags", "oks"}, []int{0, 1, 2}, schema.Types(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := enc.Encode(c, func(_, value []byte) { got = append(got, string(value)) }); err != nil {
		t.Fatal(err)
	}
	want := []string{`{"nums":[1,null,-3],"tags":["a","b \"c\"",null],"oks":[true,false]}`, `{"nums":[],"tags":null,"oks":null}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
