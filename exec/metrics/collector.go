package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/weir-stream/weir/exec"
)

// Engine is what the metrics read from an engine at each scrape, as plain
// data. Its methods are called from the scrape's goroutine, concurrently
// with everything the engine does.
type Engine interface {
	// CheckpointEpoch returns the epoch of the newest durable checkpoint
	// (0 when none is).
	CheckpointEpoch() exec.Epoch
	// CommittedEpoch returns the newest committed epoch: what queries read.
	CommittedEpoch() exec.Epoch
	// StateSizes returns the state size of each catalog object that keeps
	// state.
	StateSizes() []StateSize
	// Sinks returns the delivery figures of each running sink.
	Sinks() []Sink
	// Sources returns the progress of each source a running job reads,
	// for the sources that report progress.
	Sources() []Source
}

// StateSize is the estimated on-disk size of a catalog object's state
// (flushed state only).
type StateSize struct {
	Object string
	Bytes  uint64
}

// Sink is what a running sink's delivery has done since the engine opened.
type Sink struct {
	Name string
	// Records and Bytes (keys and values) are what it prepared for
	// delivery.
	Records, Bytes int64
	// Committed and Aborted count its deliveries by outcome.
	Committed, Aborted int64
	// Active is set while a delivery is prepared and waits for its
	// checkpoint to commit (an open Kafka transaction).
	Active bool
	// Delivered is the newest epoch whose output the destination holds.
	Delivered exec.Epoch
	// LastLag is the time from an epoch's commit to the commit of its
	// delivery, for the last delivery.
	LastLag time.Duration
}

// Source is the progress of the source of a stream that a view reads.
type Source struct {
	// Stream is the source's stream; View the job that reads it.
	Stream, View string
	Progress     exec.SourceProgress
	// Watermarked is set for a stream with WATERMARK FOR: LateRows counts
	// the rows its source dropped as late since it opened, and, when
	// HasWatermarkLag, WatermarkLag is how far the watermark (of a
	// timestamp column) trails the wall clock.
	Watermarked     bool
	LateRows        int64
	HasWatermarkLag bool
	WatermarkLag    time.Duration
}

// collector reads, at each scrape, what the engine knows already: the
// epochs, the size of each catalog object's state and the progress of
// every source and sink.
type collector struct{ engine Engine }

var (
	descCheckpointEpoch = prometheus.NewDesc("weir_checkpoint_epoch",
		"Epoch of the newest durable checkpoint (0 when none is).", nil, nil)
	descCommittedEpoch = prometheus.NewDesc("weir_committed_epoch",
		"Newest committed epoch: what queries read.", nil, nil)
	descStateBytes = prometheus.NewDesc("weir_state_bytes",
		"Estimated on-disk bytes of each catalog object's state (flushed state only).", []string{"object"}, nil)
	descSourceRows = prometheus.NewDesc("weir_source_rows_total",
		"Records a source emitted since it opened.", []string{"source", "view"}, nil)
	descSourceErrors = prometheus.NewDesc("weir_source_errors_total",
		"Records a source could not decode since it opened.", []string{"source", "view"}, nil)
	descSourceBytes = prometheus.NewDesc("weir_source_bytes_total",
		"Bytes of records a source read since it opened (sources that read bytes only).", []string{"source", "view"}, nil)
	descSourceLag = prometheus.NewDesc("weir_source_lag",
		"What is known to be written but not read yet by a source, in the label unit's terms (bytes, records, rows, events).",
		[]string{"source", "view", "unit"}, nil)
	descSourceWaiting = prometheus.NewDesc("weir_source_waiting",
		"1 while a source cannot read and retries (its Kafka brokers or topic are away; weir_sources says why), else 0.",
		[]string{"source", "view"}, nil)
	descLateRows = prometheus.NewDesc("weir_late_rows_total",
		"Rows of a stream with a watermark that its source dropped as late (below the watermark) since it opened; weir_late_rows keeps the newest.",
		[]string{"source", "view"}, nil)
	descWatermarkLag = prometheus.NewDesc("weir_watermark_lag_seconds",
		"How far a stream's watermark (on a timestamp column) trails the wall clock.", []string{"source", "view"}, nil)
	descSinkRecords = prometheus.NewDesc("weir_sink_records_total",
		"Records a sink prepared for delivery since the engine opened.", []string{"sink"}, nil)
	descSinkBytes = prometheus.NewDesc("weir_sink_bytes_total",
		"Bytes (keys and values) a sink prepared for delivery since the engine opened.", []string{"sink"}, nil)
	descSinkTransactions = prometheus.NewDesc("weir_sink_transactions_total",
		"Deliveries a sink committed or aborted since the engine opened.", []string{"sink", "status"}, nil)
	descSinkActive = prometheus.NewDesc("weir_sink_transactions_active",
		"Deliveries prepared and waiting for their checkpoint to commit (an open Kafka transaction).", []string{"sink"}, nil)
	descSinkEpoch = prometheus.NewDesc("weir_sink_delivered_epoch",
		"The newest epoch whose output the sink's destination holds.", []string{"sink"}, nil)
	descSinkLag = prometheus.NewDesc("weir_sink_delivery_lag_seconds",
		"Time from an epoch's commit to the commit of its delivery, for the last delivery.", []string{"sink"}, nil)
)

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCheckpointEpoch, descCommittedEpoch, descStateBytes,
		descSourceRows, descSourceErrors, descSourceBytes, descSourceLag, descSourceWaiting, descLateRows, descWatermarkLag,
		descSinkRecords, descSinkBytes, descSinkTransactions, descSinkActive, descSinkEpoch, descSinkLag} {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	e := c.engine
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descCheckpointEpoch, float64(e.CheckpointEpoch()))
	gauge(descCommittedEpoch, float64(e.CommittedEpoch()))
	for _, s := range e.StateSizes() {
		gauge(descStateBytes, float64(s.Bytes), s.Object)
	}
	for _, s := range e.Sinks() {
		active := 0.0
		if s.Active {
			active = 1
		}
		counter(descSinkRecords, float64(s.Records), s.Name)
		counter(descSinkBytes, float64(s.Bytes), s.Name)
		counter(descSinkTransactions, float64(s.Committed), s.Name, "committed")
		counter(descSinkTransactions, float64(s.Aborted), s.Name, "aborted")
		gauge(descSinkActive, active, s.Name)
		gauge(descSinkEpoch, float64(s.Delivered), s.Name)
		gauge(descSinkLag, s.LastLag.Seconds(), s.Name)
	}
	for _, s := range e.Sources() {
		p := s.Progress
		counter(descSourceRows, float64(p.Rows), s.Stream, s.View)
		counter(descSourceErrors, float64(p.Errors), s.Stream, s.View)
		if p.Bytes >= 0 {
			counter(descSourceBytes, float64(p.Bytes), s.Stream, s.View)
		}
		if p.Lag >= 0 {
			gauge(descSourceLag, float64(p.Lag), s.Stream, s.View, p.LagUnit)
		}
		waiting := 0.0
		if p.Status == exec.SourceWaiting {
			waiting = 1
		}
		gauge(descSourceWaiting, waiting, s.Stream, s.View)
		if s.Watermarked {
			counter(descLateRows, float64(s.LateRows), s.Stream, s.View)
		}
		if s.HasWatermarkLag {
			gauge(descWatermarkLag, s.WatermarkLag.Seconds(), s.Stream, s.View)
		}
	}
}
