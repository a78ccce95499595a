// Package systables defines weir's system tables: read-only tables computed
// from the engine's live state when a query reads them. Every user can
// query them besides the catalog's tables:
//
//	weir_jobs           one row per table and view dataflow: running or failed, and why;
//	                    how many instances its aggregate runs as, and its fragments
//	weir_sources        one row per source (a view reading a stream): rows read, position, lag;
//	                    status (running, waiting while it retries, or failed with its
//	                    view) and its last error
//	weir_source_errors  one row per source that skipped records it could not decode
//	weir_dead_letters   the records streams with on.error = 'dlq' could not decode
//	weir_late_rows      the rows of streams with a watermark that came below it and were
//	                    dropped (the newest watermark.late_rows per view's source)
//	weir_checkpoints    the checkpoints this process took: epoch, duration, bytes, status,
//	                    and the pipeline streams (operator_ids) whose state each holds
//	weir_sinks          one row per sink: records and bytes delivered, transactions
//	                    committed and aborted, the last delivered epoch, delivery lag
//	weir_recovery       how the state was obtained at start: from a checkpoint (files and
//	                    bytes fetched, of how many, checkpoints passed over), the local
//	                    directory of a clean shutdown, or empty; and the table write
//	                    log's records and rows applied again after it
//
// Besides them, pg_catalog.go has Postgres' catalog relations (pg_class,
// pg_attribute, pg_type, …) computed from weir's catalog, for psql and
// drivers.
//
// The package owns each table's name, columns and the making of its record
// batch from plain rows, and keeps the rows the reader may see; the engine
// gives all the rows (Engine).
package systables

import (
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql/types"
)

// Table is a system table.
type Table struct {
	Name   string
	Schema types.Schema
	// appendRows appends the rows of the table that may accepts, read from
	// e, one value per column of Schema each.
	appendRows func(b *rowBuilder, e Engine, may Filter)
}

// Lookup returns the system table called name.
func Lookup(name string) (*Table, bool) {
	for _, t := range tables {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Read returns the rows of t that may accepts, read from e now, as one
// record batch of t's schema; the caller releases it.
func (t *Table) Read(mem memory.Allocator, e Engine, may Filter) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, t.Schema.Arrow())
	defer b.Release()
	t.appendRows(&rowBuilder{b: b}, e, may)
	return b.NewRecordBatch()
}

var tables = []*Table{
	{
		Name: "weir_jobs",
		Schema: types.Schema{
			{Name: "name", Type: types.TextType}, {Name: "kind", Type: types.TextType},
			{Name: "status", Type: types.TextType}, {Name: "error", Type: types.TextType},
			{Name: "parallelism", Type: types.Int32Type}, {Name: "fragments", Type: types.Int32Type},
		},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range e.Jobs() {
				if !mayAll(may, r.Name) {
					continue
				}
				b.text(r.Name)
				b.text(r.Kind)
				b.text(r.Status)
				b.textOrNull(r.Error)
				b.int32(int32(r.Parallelism))
				b.int32(int32(r.Fragments))
				b.end()
			}
		},
	},
	{
		Name: "weir_sources",
		Schema: types.Schema{
			{Name: "view", Type: types.TextType}, {Name: "stream", Type: types.TextType},
			{Name: "connector", Type: types.TextType}, {Name: "rows", Type: types.Int64Type},
			{Name: "errors", Type: types.Int64Type}, {Name: "position", Type: types.TextType},
			{Name: "lag", Type: types.Int64Type}, {Name: "lag_unit", Type: types.TextType},
			{Name: "lag_detail", Type: types.TextType}, {Name: "bytes", Type: types.Int64Type},
			{Name: "rows_per_second", Type: types.Float64Type},
			{Name: "status", Type: types.TextType}, {Name: "last_error", Type: types.TextType},
			{Name: "watermark", Type: types.TextType}, {Name: "watermark_detail", Type: types.TextType},
			{Name: "late_rows", Type: types.Int64Type},
		},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range e.Sources() {
				if !mayAll(may, r.View, r.Stream) {
					continue
				}
				b.text(r.View)
				b.text(r.Stream)
				b.text(r.Connector)
				b.int64(r.Rows)
				b.int64(r.Errors)
				b.text(r.Position)
				b.int64OrNull(r.Lag, r.Lag < 0)
				b.text(r.LagUnit)
				b.textOrNull(r.LagDetail)
				b.int64OrNull(r.Bytes, r.Bytes < 0)
				b.float64(r.RowsPerSecond)
				b.text(r.Status)
				b.textOrNull(r.LastError)
				b.textOrNull(r.Watermark)
				b.textOrNull(r.WatermarkDetail)
				b.int64OrNull(r.LateRows, !r.Watermarked)
				b.end()
			}
		},
	},
	{
		Name: "weir_source_errors",
		Schema: types.Schema{
			{Name: "stream", Type: types.TextType}, {Name: "view", Type: types.TextType},
			{Name: "errors", Type: types.Int64Type}, {Name: "last_error", Type: types.TextType},
			{Name: "last_line", Type: types.Int64Type}, {Name: "last_offset", Type: types.Int64Type},
		},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range e.SourceErrors() {
				if !mayAll(may, r.View, r.Stream) {
					continue
				}
				b.text(r.Stream)
				b.text(r.View)
				b.int64(r.Count)
				b.text(r.LastError)
				b.int64(r.LastLine)
				b.int64(r.LastOffset)
				b.end()
			}
		},
	},
	{
		Name: "weir_dead_letters",
		Schema: types.Schema{
			{Name: "stream", Type: types.TextType}, {Name: "view", Type: types.TextType},
			{Name: "seq", Type: types.Int64Type}, {Name: "partition", Type: types.Int32Type},
			{Name: "offset", Type: types.Int64Type}, {Name: "error", Type: types.TextType},
			{Name: "raw", Type: types.ByteaType}, {Name: "received_at", Type: types.TSTZType},
		},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range e.DeadLetters() {
				if !mayAll(may, r.View, r.Stream) {
					continue
				}
				b.text(r.Stream)
				b.text(r.View)
				b.int64(r.Seq)
				b.int32OrNull(r.Partition, r.Partition < 0)
				b.int64(r.Offset)
				b.text(r.Error)
				b.bytes(r.Raw)
				b.timestamp(r.At)
				b.end()
			}
		},
	},
	{
		Name: "weir_late_rows",
		Schema: types.Schema{
			{Name: "stream", Type: types.TextType}, {Name: "view", Type: types.TextType},
			{Name: "seq", Type: types.Int64Type}, {Name: "split", Type: types.Int32Type},
			{Name: "column_name", Type: types.TextType}, {Name: "value", Type: types.TextType},
			{Name: "watermark", Type: types.TextType}, {Name: "reason", Type: types.TextType},
			{Name: "row", Type: types.TextType}, {Name: "received_at", Type: types.TSTZType},
		},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range e.LateRows() {
				if !mayAll(may, r.View, r.Stream) {
					continue
				}
				b.text(r.Stream)
				b.text(r.View)
				b.int64(r.Seq)
				b.int32(r.Split)
				b.text(r.Column)
				b.text(r.Value)
				b.text(r.Watermark)
				b.text(r.Reason)
				b.text(r.Row)
				b.timestamp(r.At)
				b.end()
			}
		},
	},
	{
		Name: "weir_sinks",
		Schema: types.Schema{
			{Name: "sink", Type: types.TextType}, {Name: "connector", Type: types.TextType},
			{Name: "type", Type: types.TextType}, {Name: "format", Type: types.TextType},
			{Name: "exactly_once", Type: types.BoolType}, {Name: "records", Type: types.Int64Type},
			{Name: "bytes", Type: types.Int64Type}, {Name: "commits", Type: types.Int64Type},
			{Name: "aborts", Type: types.Int64Type}, {Name: "delivered_epoch", Type: types.Int64Type},
			{Name: "pending_epochs", Type: types.Int64Type}, {Name: "lag_ms", Type: types.Float64Type},
			{Name: "error", Type: types.TextType},
		},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range e.Sinks() {
				if !mayAll(may, r.Sink) {
					continue
				}
				b.text(r.Sink)
				b.text(r.Connector)
				b.text(r.Type)
				b.text(r.Format)
				b.bool(r.ExactlyOnce)
				b.int64(r.Records)
				b.int64(r.Bytes)
				b.int64(r.Commits)
				b.int64(r.Aborts)
				b.int64(r.DeliveredEpoch)
				b.int64(r.PendingEpochs)
				b.milliseconds(r.Lag)
				b.textOrNull(r.Error)
				b.end()
			}
		},
	},
	{
		Name: "weir_checkpoints",
		Schema: types.Schema{
			{Name: "epoch", Type: types.Int64Type}, {Name: "started", Type: types.TSTZType},
			{Name: "duration_ms", Type: types.Float64Type}, {Name: "files", Type: types.Int64Type},
			{Name: "files_uploaded", Type: types.Int64Type}, {Name: "bytes_uploaded", Type: types.Int64Type},
			{Name: "state_bytes", Type: types.Int64Type}, {Name: "status", Type: types.TextType},
			{Name: "error", Type: types.TextType}, {Name: "store", Type: types.TextType},
			{Name: "pipelines", Type: types.TextType},
		},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range e.Checkpoints() {
				b.int64(int64(r.Epoch))
				b.timestamp(r.Started)
				b.milliseconds(r.Duration)
				b.int64(int64(r.Files))
				b.int64(int64(r.FilesUploaded))
				b.int64(r.BytesUploaded)
				b.int64(r.StateBytes)
				b.text(r.Status)
				b.textOrNull(r.Err)
				b.text(r.Store)
				b.textOrNull(strings.Join(pipelines(r.ObjectPipelines, may), ","))
				b.end()
			}
		},
	},
	{
		Name: "weir_recovery",
		Schema: types.Schema{
			{Name: "source", Type: types.TextType}, {Name: "epoch", Type: types.Int64Type},
			{Name: "files", Type: types.Int64Type}, {Name: "total_files", Type: types.Int64Type},
			{Name: "bytes", Type: types.Int64Type}, {Name: "total_bytes", Type: types.Int64Type},
			{Name: "seconds", Type: types.Float64Type}, {Name: "skipped", Type: types.TextType},
			{Name: "table_log_records", Type: types.Int64Type}, {Name: "table_log_rows", Type: types.Int64Type},
		},
		// The row is about the engine, not an object: every reader sees it.
		appendRows: func(b *rowBuilder, e Engine, _ Filter) {
			r := e.Recovery()
			b.text(r.Source)
			b.int64(int64(r.Epoch))
			b.int64(int64(r.Files))
			b.int64(int64(r.TotalFiles))
			b.int64(r.Bytes)
			b.int64(r.TotalBytes)
			b.float64(r.Took.Seconds())
			b.text(strings.Join(r.Skipped, "; "))
			b.int64(r.TableLogRecords)
			b.int64(r.TableLogRows)
			b.end()
		},
	},
}

// mayAll reports whether may accepts every one of names.
func mayAll(may Filter, names ...string) bool {
	for _, n := range names {
		if !may(n) {
			return false
		}
	}
	return true
}

// pipelines returns the pipeline streams of the objects of objects (object
// name to pipeline stream) that may accepts, sorted, each once.
func pipelines(objects map[string]string, may Filter) []string {
	var ids []string
	for name, p := range objects {
		if p != "" && !slices.Contains(ids, p) && may(name) {
			ids = append(ids, p)
		}
	}
	slices.Sort(ids)
	return ids
}
