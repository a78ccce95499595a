package tablelog

import (
	"errors"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

const schema = "k int, v varchar"

// TestRecordRoundTrip: the changes of two tables encode into one payload
// that decodes to the same ops and rows, and the rows decode back to the
// values written.
func TestRecordRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := exectest.ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	a := exectest.MustChunk(t, mem, schema, "+ | 1 | one\n- | 2 | two")
	b := exectest.MustChunk(t, mem, schema, "U- | 3 | old\nU+ | 3 | new")
	c := exectest.MustChunk(t, mem, schema, "+ | 9 | NULL")
	defer a.Release()
	defer b.Release()
	defer c.Release()
	parts := []Changes{Encode(7, s.Types(), []exec.Chunk{a, b}), Encode(8, s.Types(), []exec.Chunk{c})}
	if want := []exec.Op{exec.Insert, exec.Delete, exec.UpdateDelete, exec.UpdateInsert}; !slices.Equal(parts[0].Ops, want) {
		t.Fatalf("ops: got %v, want %v", parts[0].Ops, want)
	}

	got, err := DecodeRecord(EncodeRecord(parts))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("decoded %d tables, want 2", len(got))
	}
	for i := range parts {
		if got[i].Table != parts[i].Table || !slices.Equal(got[i].Ops, parts[i].Ops) || !slices.EqualFunc(got[i].Rows, parts[i].Rows, slices.Equal) {
			t.Fatalf("table %d: got %+v, want %+v", i, got[i], parts[i])
		}
	}

	dec := statestore.NewRowDecoder(mem, s)
	defer dec.Release()
	for _, row := range got[0].Rows {
		if err := dec.Append(row); err != nil {
			t.Fatal(err)
		}
	}
	batch := dec.NewBatch()
	defer batch.Release()
	var rows []string
	for i := 0; i < int(batch.NumRows()); i++ {
		rows = append(rows, exectest.FormatRow(batch, i))
	}
	if want := []string{"1 | one", "2 | two", "3 | old", "3 | new"}; !slices.Equal(rows, want) {
		t.Fatalf("rows: got %q, want %q", rows, want)
	}

	if got, err := DecodeRecord(EncodeRecord(nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty record: %v, %v", got, err)
	}
	if trunc := parts[0].Truncated(1); len(trunc.Ops) != 1 || len(trunc.Rows) != 1 || trunc.Table != 7 {
		t.Fatalf("Truncated(1): %+v", trunc)
	}
}

// TestDecodeRecordMalformed: a payload cut anywhere, or whose counts or
// lengths run past its end, is ErrBadRecord, never a panic or a short
// result.
func TestDecodeRecordMalformed(t *testing.T) {
	mem := memory.NewGoAllocator()
	s, _ := exectest.ParseSchema(schema)
	c := exectest.MustChunk(t, mem, schema, "+ | 1 | one\n+ | 2 | two")
	defer c.Release()
	payload := EncodeRecord([]Changes{Encode(3, s.Types(), []exec.Chunk{c}), Encode(4, s.Types(), []exec.Chunk{c})})
	for n := 0; n < len(payload); n++ {
		if _, err := DecodeRecord(payload[:n]); !errors.Is(err, ErrBadRecord) {
			t.Fatalf("payload cut at %d of %d: %v, want ErrBadRecord", n, len(payload), err)
		}
	}
	for _, bad := range [][]byte{
		{0x01, 0x03, 0xff, 0xff, 0x03}, // a table of more rows than bytes
		{0x01, 0x03, 0x01, 0x00, 0x7f}, // a row longer than the rest
		{0x01, 0x03, 0x01, 0x00, 0x80}, // a length that does not end
	} {
		if _, err := DecodeRecord(bad); !errors.Is(err, ErrBadRecord) {
			t.Fatalf("%x: %v, want ErrBadRecord", bad, err)
		}
	}
}

// TestEncodedRowsDoNotOverlap: the rows Encode returns share one buffer
// but not their capacity, so appending to one leaves the next intact.
func TestEncodedRowsDoNotOverlap(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := exectest.ParseSchema(schema)
	if err != nil {
		t.Fatal(err)
	}
	a := exectest.MustChunk(t, mem, schema, "+ | 1 | a\n+ | 2 | a much longer value than the first row's")
	b := exectest.MustChunk(t, mem, schema, "- | 3 | c")
	defer a.Release()
	defer b.Release()
	c := Encode(7, s.Types(), []exec.Chunk{a, b})
	if len(c.Rows) != 3 || len(c.Ops) != 3 {
		t.Fatalf("encoded %d rows and %d ops, want 3", len(c.Rows), len(c.Ops))
	}
	want := make([][]byte, len(c.Rows))
	for i, row := range c.Rows {
		want[i] = slices.Clone(row)
	}
	for i := range c.Rows {
		_ = append(c.Rows[i], 0xff, 0xff, 0xff, 0xff)
	}
	for i, row := range c.Rows {
		if !slices.Equal(row, want[i]) {
			t.Fatalf("row %d changed by an append to another: got %x, want %x", i, row, want[i])
		}
	}
	if empty := Encode(7, s.Types(), nil); len(empty.Rows) != 0 {
		t.Fatalf("no chunks encoded %d rows", len(empty.Rows))
	}
}
