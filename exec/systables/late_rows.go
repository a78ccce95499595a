package systables

import (
	"bytes"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/sourceguard"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// AppendLateRows appends to out weir_late_rows' rows for the late rows a
// watermark of stream, read by view, keeps in table (exec/watermarks),
// read from r. column is the watermark's column and t its type, in which
// the values print.
func AppendLateRows(out []LateRowRow, r exec.StateReader, table statestore.TableID, stream, view, column string, t types.T) ([]LateRowRow, error) {
	err := watermarks.LateRows(r, table, func(l watermarks.LateRow) bool {
		out = append(out, LateRowRow{Stream: stream, View: view, Seq: int64(l.Seq), Split: l.Split,
			Column: column, Value: watermarks.Text(t, l.Value), Watermark: watermarks.Text(t, l.Watermark),
			Reason: watermarks.LateReason, Row: l.Row, At: l.At})
		return true
	})
	return out, err
}

// AppendDeadLetters appends to out weir_dead_letters' rows for the dead
// letters view, over stream, keeps in table (exec/sourceguard), read from
// r. A letter that cannot be read is left out and told to bad.
func AppendDeadLetters(out []DeadLetterRow, r exec.StateReader, table statestore.TableID, stream, view string, bad func(error)) []DeadLetterRow {
	_ = sourceguard.DeadLetters(r, table, func(seq uint64, d sourceguard.BadRecord, err error) bool {
		if err != nil {
			bad(err)
			return true
		}
		out = append(out, DeadLetterRow{Stream: stream, View: view, Seq: int64(seq), Partition: d.Partition, Offset: d.Offset,
			Error: d.Err, Raw: bytes.Clone(d.Raw) /* the scan's only until it returns */, At: d.At})
		return true
	})
	return out
}
