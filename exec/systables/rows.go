package systables

import (
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Filter reports whether the reader of a system table may see its rows
// about the object called name.
type Filter func(name string) bool

// Engine is what the system tables read: the engine's live state, as the
// rows of each table, all of them. The package keeps those the reader may
// see (Table.Read): the rows about objects its Filter accepts (a job; a
// source, both its view and its stream; a sink), and in a checkpoint's
// row the pipelines of objects it accepts. The engine implements it; a
// method is called each time a query reads its table, from the query's
// goroutine.
type Engine interface {
	Jobs() []JobRow
	Sources() []SourceRow
	SourceErrors() []SourceErrorRow
	DeadLetters() []DeadLetterRow
	LateRows() []LateRowRow
	Sinks() []SinkRow
	Checkpoints() []CheckpointRow
	Recovery() RecoveryRow
}

// JobRow is a row of weir_jobs: the dataflow of a table, view or sink.
type JobRow struct {
	Name string
	Kind string // its object's kind: "table", "materialized view", "sink"
	// Status is "running", "stopped" or "failed".
	Status string
	// Error is why the job failed, or what it reads that failed; empty
	// (NULL) when neither.
	Error string
	// Parallelism is how many instances the job's aggregate runs as.
	Parallelism int
	Fragments   int
}

// SourceRow is a row of weir_sources: the source of a stream a view reads,
// with its progress. A negative Lag or Bytes is NULL (unknown lag; a
// generator reads no bytes), and so is an empty LagDetail or LastError;
// Status is "running", "waiting", or "failed" once the view's dataflow
// failed.
type SourceRow struct {
	View, Stream, Connector string
	exec.SourceProgress
	// RowsPerSecond is the rate of the last whole measuring window.
	RowsPerSecond float64
	// Watermarked is set for a stream with WATERMARK FOR. Watermark is its
	// watermark as text in its column's type (empty, NULL, before the
	// first), WatermarkDetail each split's ("p0:…,p1:idle"), and LateRows
	// the rows dropped as late since the source opened; all NULL for a
	// stream without WATERMARK FOR.
	Watermarked                bool
	Watermark, WatermarkDetail string
	LateRows                   int64
}

// LateRowRow is a row of weir_late_rows: a row of a stream with a
// watermark that arrived below it, and was dropped from a view's dataflow.
type LateRowRow struct {
	Stream, View string
	// Seq numbers the view's late rows in the order they came.
	Seq   int64
	Split int32
	// Column is the watermark column; Value the row's value of it and
	// Watermark the watermark it was below, as text in the column's type.
	Column, Value, Watermark string
	Reason                   string
	Row                      string
	At                       time.Time
}

// SourceErrorRow is a row of weir_source_errors: the records a source
// could not decode.
type SourceErrorRow struct {
	Stream, View string
	Count        int64 // records skipped
	LastError    string
	LastLine     int64
	LastOffset   int64
}

// DeadLetterRow is a row of weir_dead_letters: a record a stream with
// on.error = 'dlq' could not decode.
type DeadLetterRow struct {
	Stream, View string
	// Seq numbers the view's dead letters in the order they came.
	Seq       int64
	Partition int32 // negative: NULL (a file has no partitions)
	Offset    int64
	Error     string
	Raw       []byte
	At        time.Time
}

// SinkRow is a row of weir_sinks: a sink's delivery.
type SinkRow struct {
	Sink, Connector, Type, Format string
	ExactlyOnce                   bool
	Records, Bytes                int64
	Commits, Aborts               int64
	// DeliveredEpoch is the newest epoch the destination holds;
	// PendingEpochs how many committed epochs it does not hold yet.
	DeliveredEpoch, PendingEpochs int64
	// Lag is how long the last delivered epoch took from its commit in
	// the engine to its commit in the destination.
	Lag   time.Duration
	Error string // empty: NULL
}

// CheckpointRow is a row of weir_checkpoints: a checkpoint this process
// took (its status: "uploading", "done" or "failed"; an empty Err is NULL)
// and the store it went to.
type CheckpointRow struct {
	statestore.CheckpointStatus
	Store string
	// ObjectPipelines are the objects of the checkpoint's catalog that a
	// pipeline made, each with its pipeline stream (operator_id): the
	// table shows the pipelines whose state the checkpoint holds, those of
	// objects the reader may see.
	ObjectPipelines map[string]string
}

// RecoveryRow is the one row of weir_recovery: how the engine obtained its
// state when it started.
type RecoveryRow struct {
	// Source is "empty", "local state", "local state (clean shutdown)" or
	// "checkpoint".
	Source string
	// RestoreProgress is the restored checkpoint's epoch, what was fetched
	// of how much, and the checkpoints passed over (Skipped), and why.
	statestore.RestoreProgress
	Took time.Duration
	// TableLogRecords and TableLogRows are the table write log's records
	// (and their rows) applied again after the state was obtained.
	TableLogRecords, TableLogRows int64
}
