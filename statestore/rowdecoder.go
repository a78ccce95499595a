package statestore

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/sql/types"
)

// RowDecoder decodes rows encoded by AppendRow (every column of a schema, in
// order) into Arrow record batches of that schema, reusing its builders from
// batch to batch. A RowDecoder is used by one goroutine at a time; Release
// frees it.
type RowDecoder struct {
	schema   types.Schema
	rb       *array.RecordBuilder
	builders []array.Builder
	rows     int
	scratch  []byte
}

// NewRowDecoder returns a decoder of rows of schema s whose batches are
// allocated from mem.
func NewRowDecoder(mem memory.Allocator, s types.Schema) *RowDecoder {
	rb := array.NewRecordBuilder(mem, s.Arrow())
	return &RowDecoder{schema: s, rb: rb, builders: rb.Fields()}
}

// Append decodes one encoded row of len(schema) values, with no bytes after
// the last, and appends it to the batch being built. On error (ErrCorrupt)
// nothing is appended: the bytes are checked before any value is decoded.
func (d *RowDecoder) Append(encoded []byte) error {
	rest := encoded
	var err error
	for i, c := range d.schema {
		if rest, err = decodeValue(rest, c.Type, 0, nil, nil); err != nil {
			return fmt.Errorf("statestore: decoding column %d (%q) of row %x: %w", i, c.Name, encoded, err)
		}
	}
	if len(rest) != 0 {
		return fmt.Errorf("statestore: row %x has %d bytes after its %d values: %w", encoded, len(rest), len(d.schema), ErrCorrupt)
	}
	rest = encoded
	for i, c := range d.schema {
		if rest, err = decodeValue(rest, c.Type, 0, d.builders[i], &d.scratch); err != nil {
			return fmt.Errorf("statestore: decoding column %d (%q): %w", i, c.Name, err)
		}
	}
	d.rows++
	return nil
}

// Len returns the number of rows appended since the last NewBatch.
func (d *RowDecoder) Len() int { return d.rows }

// NewBatch hands over a record batch of the rows appended since the last
// NewBatch (possibly none) and resets the decoder. The caller releases it.
func (d *RowDecoder) NewBatch() arrow.RecordBatch {
	d.rows = 0
	return d.rb.NewRecordBatch()
}

// Release frees the decoder's builders, dropping rows not yet handed over.
func (d *RowDecoder) Release() {
	d.rb.Release()
}
