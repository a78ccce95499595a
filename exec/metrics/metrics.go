// Package metrics is an engine's Prometheus instrumentation: the metric
// descriptors, a registry of the engine's own (so that several engines in
// one process do not collide), the HTTP endpoint that serves it, and a
// collector that reads the engine's figures at each scrape.
//
// The engine feeds it three ways: finished checkpoints are counted as they
// finish (CountCheckpoint), barrier alignment and epoch commit times come
// from the coordinator's hooks (Instrument), and everything else (epochs,
// state sizes, sink and source figures) is read at scrape time through the
// Engine interface, which the engine implements with plain data. The
// package knows nothing of the engine beyond that.
package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Bucket boundaries, in seconds. Checkpoints take from a few milliseconds
// (a small local state) to a minute (a large first upload to S3); barrier
// alignment is usually well under a millisecond and grows with skew between
// inputs; an epoch's commit spans a barrier's trip through every dataflow.
var (
	checkpointBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	alignmentBuckets  = []float64{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}
	commitBuckets     = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
)

// Options configure an engine's Metrics.
type Options struct {
	// Listen is the address the endpoint listens at (host:port; port 0
	// lets the system choose).
	Listen string
	// Engine is read at each scrape.
	Engine Engine
	// Recovery is how the engine obtained its state at start.
	Recovery Recovery
	// Logger gets the endpoint's start and errors (nil: discarded).
	Logger *slog.Logger
}

// Recovery is how an engine obtained its state at start.
type Recovery struct {
	// From says where the state came from: "empty", "local state",
	// "local state (clean shutdown)" or "checkpoint".
	From string
	// Epoch is the epoch of the checkpoint restored (0 when none was).
	Epoch uint64
	// RestoredFiles and RestoredBytes are what was restored of the
	// checkpoint; ExpectedFiles and ExpectedBytes what it holds.
	RestoredFiles, ExpectedFiles int
	RestoredBytes, ExpectedBytes int64
	// SkippedCheckpoints counts the newer checkpoints passed over because
	// they did not verify.
	SkippedCheckpoints int
	// Took is the time taken to obtain the state.
	Took time.Duration
}

// RecoveryOf returns the Recovery of an engine whose state came from from
// (checkpoints.Recovery's From), with the restore's progress p, in took.
func RecoveryOf(from string, p statestore.RestoreProgress, took time.Duration) Recovery {
	return Recovery{
		From: from, Epoch: p.Epoch,
		RestoredFiles: p.Files, ExpectedFiles: p.TotalFiles,
		RestoredBytes: p.Bytes, ExpectedBytes: p.TotalBytes,
		SkippedCheckpoints: len(p.Skipped), Took: took,
	}
}

// Checkpoint is a finished checkpoint, as CountCheckpoint counts it.
type Checkpoint struct {
	// Failed is set for a checkpoint that failed; the figures below are
	// those of a successful one.
	Failed bool
	// Duration is the time to take and upload it, until its manifest was
	// written.
	Duration time.Duration
	// UploadedFiles and UploadedBytes are the state files it uploaded
	// (files stored already are not uploaded again).
	UploadedFiles int
	UploadedBytes int64
	// StateBytes is the size of the state it holds.
	StateBytes int64
}

// CheckpointOf returns what CountCheckpoint counts of st, a finished
// checkpoint's status.
func CheckpointOf(st statestore.CheckpointStatus) Checkpoint {
	return Checkpoint{
		Failed: st.Status != "done", Duration: st.Duration,
		UploadedFiles: st.FilesUploaded, UploadedBytes: st.BytesUploaded, StateBytes: st.StateBytes,
	}
}

// Metrics is an engine's Prometheus instrumentation, served at its listen
// address between Start and Stop. All methods are safe for concurrent use,
// and do nothing on a nil *Metrics (an engine that serves no metrics).
type Metrics struct {
	opts Options
	reg  *prometheus.Registry

	checkpointDuration      prometheus.Histogram
	checkpointUploadedBytes prometheus.Counter
	checkpointUploadedFiles prometheus.Counter
	checkpoints             *prometheus.CounterVec
	checkpointStateBytes    prometheus.Gauge
	barrierAlignment        prometheus.Histogram
	epochCommit             prometheus.Histogram

	srv    *http.Server
	addr   string
	served chan struct{}
}

// New returns the metrics of an engine, registered and not served yet.
func New(opts Options) *Metrics {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{opts: opts, reg: prometheus.NewRegistry()}
	m.checkpointDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "weir_checkpoint_duration_seconds",
		Help:    "Time to take and upload a successful checkpoint, until its manifest was written.",
		Buckets: checkpointBuckets,
	})
	m.checkpointUploadedBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "weir_checkpoint_uploaded_bytes_total",
		Help: "Bytes of state files uploaded by checkpoints (files stored already are not uploaded again).",
	})
	m.checkpointUploadedFiles = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "weir_checkpoint_uploaded_files_total",
		Help: "State files uploaded by checkpoints.",
	})
	m.checkpoints = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "weir_checkpoints_total",
		Help: "Checkpoints finished by this process, by status (done or failed).",
	}, []string{"status"})
	m.checkpoints.WithLabelValues("done")
	m.checkpoints.WithLabelValues("failed")
	m.checkpointStateBytes = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "weir_checkpoint_state_bytes",
		Help: "Size of the state in the newest successful checkpoint.",
	})
	m.barrierAlignment = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "weir_barrier_alignment_seconds",
		Help:    "Time from the first input of a multi-input dataflow delivering a barrier until all of its inputs had.",
		Buckets: alignmentBuckets,
	})
	m.epochCommit = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "weir_epoch_commit_seconds",
		Help:    "Time from injecting an epoch's barrier until the epoch was committed.",
		Buckets: commitBuckets,
	})
	m.reg.MustRegister(
		m.checkpointDuration, m.checkpointUploadedBytes, m.checkpointUploadedFiles, m.checkpoints,
		m.checkpointStateBytes, m.barrierAlignment, m.epochCommit,
		collector{opts.Engine},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.registerRecovery(opts.Recovery)
	return m
}

// registerRecovery registers gauges of how the engine obtained its state;
// they do not change afterwards.
func (m *Metrics) registerRecovery(r Recovery) {
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(v)
		m.reg.MustRegister(g)
	}
	gauge("weir_recovery_restored_files", "State files restored from a checkpoint at start.", float64(r.RestoredFiles))
	gauge("weir_recovery_expected_files", "State files of the checkpoint restored at start.", float64(r.ExpectedFiles))
	gauge("weir_recovery_restored_bytes", "Bytes of state restored from a checkpoint at start.", float64(r.RestoredBytes))
	gauge("weir_recovery_expected_bytes", "Bytes of state of the checkpoint restored at start.", float64(r.ExpectedBytes))
	gauge("weir_recovery_epoch", "Epoch of the checkpoint restored at start (0 when none was).", float64(r.Epoch))
	gauge("weir_recovery_skipped_checkpoints", "Checkpoints passed over at start because they did not verify.", float64(r.SkippedCheckpoints))
	gauge("weir_recovery_duration_seconds", "Time taken at start to obtain the state.", r.Took.Seconds())
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weir_recovery_info",
		Help: "Where the state came from at start (label from: empty, local state, local state (clean shutdown), checkpoint); always 1.",
	}, []string{"from"})
	info.WithLabelValues(r.From).Set(1)
	m.reg.MustRegister(info)
}

// Instrument sets the coordinator hooks that feed m into opts (barrier
// alignment and epoch commit times; exec imports no Prometheus).
func (m *Metrics) Instrument(opts *exec.CoordinatorOptions) {
	if m == nil {
		return
	}
	opts.OnBarrierAligned = func(d time.Duration) { m.barrierAlignment.Observe(d.Seconds()) }
	opts.OnEpochCommitted = func(_ exec.Epoch, d time.Duration) {
		m.epochCommit.Observe(d.Seconds())
	}
}

// CountCheckpoint counts a finished checkpoint (of either store, with
// backend hybrid).
func (m *Metrics) CountCheckpoint(c Checkpoint) {
	if m == nil {
		return
	}
	if c.Failed {
		m.checkpoints.WithLabelValues("failed").Inc()
		return
	}
	m.checkpoints.WithLabelValues("done").Inc()
	m.checkpointDuration.Observe(c.Duration.Seconds())
	m.checkpointUploadedBytes.Add(float64(c.UploadedBytes))
	m.checkpointUploadedFiles.Add(float64(c.UploadedFiles))
	m.checkpointStateBytes.Set(float64(c.StateBytes))
}

// Gather gathers the registry: what a scrape returns.
func (m *Metrics) Gather() ([]*dto.MetricFamily, error) {
	return m.reg.Gather()
}
