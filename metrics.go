package weir

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// metricsPath is where the metrics endpoint serves the text exposition.
const metricsPath = "/metrics"

// Bucket boundaries, in seconds. Checkpoints take from a few milliseconds
// (a small local state) to a minute (a large first upload to S3); barrier
// alignment is usually well under a millisecond and grows with skew between
// inputs; an epoch's commit spans a barrier's trip through every dataflow.
var (
	checkpointBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	alignmentBuckets  = []float64{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}
	commitBuckets     = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
)

// metrics is an Engine's Prometheus instrumentation, served at
// server.metrics_listen. Its registry is the engine's own, so that several
// engines in one process do not collide. Checkpoint counters and histograms
// are fed from the checkpointer's history (synced at each epoch commit and
// at each scrape); state sizes, source progress and epochs are read at
// scrape time by a collector; alignment and commit times come from the
// coordinator's hooks. All methods are safe for concurrent use.
type metrics struct {
	e   *Engine
	reg *prometheus.Registry

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

// newMetrics returns the metrics of e, or nil when e's configuration
// serves none (server.metrics_listen empty). Call it once e's state,
// checkpointer and recovery information are set.
func newMetrics(e *Engine) *metrics {
	if e.cfg.Server.MetricsListen == "" {
		return nil
	}
	m := &metrics{e: e, reg: prometheus.NewRegistry()}
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
		engineCollector{e},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	m.registerRecovery(e.recovery)
	return m
}

// registerRecovery registers gauges of how Open obtained the state; they do
// not change afterwards.
func (m *metrics) registerRecovery(r recoveryInfo) {
	gauge := func(name, help string, v float64) {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(v)
		m.reg.MustRegister(g)
	}
	p := r.prog
	gauge("weir_recovery_restored_files", "State files restored from a checkpoint at start.", float64(p.Files))
	gauge("weir_recovery_expected_files", "State files of the checkpoint restored at start.", float64(p.TotalFiles))
	gauge("weir_recovery_restored_bytes", "Bytes of state restored from a checkpoint at start.", float64(p.Bytes))
	gauge("weir_recovery_expected_bytes", "Bytes of state of the checkpoint restored at start.", float64(p.TotalBytes))
	gauge("weir_recovery_epoch", "Epoch of the checkpoint restored at start (0 when none was).", float64(p.Epoch))
	gauge("weir_recovery_skipped_checkpoints", "Checkpoints passed over at start because they did not verify.", float64(len(p.Skipped)))
	gauge("weir_recovery_duration_seconds", "Time taken at start to obtain the state.", r.took.Seconds())
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "weir_recovery_info",
		Help: "Where the state came from at start (label from: empty, local state, local state (clean shutdown), checkpoint); always 1.",
	}, []string{"from"})
	info.WithLabelValues(r.from).Set(1)
	m.reg.MustRegister(info)
}

// instrument sets the coordinator hooks that feed m into opts; with a nil
// m it does nothing.
func (m *metrics) instrument(opts *exec.CoordinatorOptions) {
	if m == nil {
		return
	}
	opts.OnBarrierAligned = func(d time.Duration) { m.barrierAlignment.Observe(d.Seconds()) }
	opts.OnEpochCommitted = func(_ exec.Epoch, d time.Duration) {
		m.epochCommit.Observe(d.Seconds())
	}
}

// countCheckpoint counts a finished checkpoint (of either store, with
// backend hybrid). With a nil m it does nothing.
func (m *metrics) countCheckpoint(st statestore.CheckpointStatus) {
	if m == nil {
		return
	}
	m.checkpoints.WithLabelValues(st.Status).Inc()
	if st.Status == "done" {
		m.checkpointDuration.Observe(st.Duration.Seconds())
		m.checkpointUploadedBytes.Add(float64(st.BytesUploaded))
		m.checkpointUploadedFiles.Add(float64(st.FilesUploaded))
		m.checkpointStateBytes.Set(float64(st.StateBytes))
	}
}

// gather gathers the registry: what a scrape returns.
func (m *metrics) gather() ([]*dto.MetricFamily, error) {
	return m.reg.Gather()
}

// start listens at server.metrics_listen and serves GET /metrics until
// stop. With a nil m it does nothing.
func (m *metrics) start() error {
	if m == nil {
		return nil
	}
	ln, err := net.Listen("tcp", m.e.cfg.Server.MetricsListen)
	if err != nil {
		return fmt.Errorf("server.metrics_listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, promhttp.HandlerFor(prometheus.GathererFunc(m.gather), promhttp.HandlerOpts{
		ErrorLog:      promLogger{m.e},
		ErrorHandling: promhttp.ContinueOnError,
	}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	m.addr = ln.Addr().String()
	m.served = make(chan struct{})
	go func() {
		defer close(m.served)
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.e.log.Error("metrics endpoint stopped", "addr", m.addr, "err", err)
		}
	}()
	m.e.log.Info("serving metrics", "addr", m.addr, "path", metricsPath)
	return nil
}

// stop closes the listener and waits for the scrapes in progress (until
// ctx is done, then it drops them). With a nil or unstarted m it does
// nothing.
func (m *metrics) stop(ctx context.Context) error {
	if m == nil || m.srv == nil {
		return nil
	}
	err := m.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, m.srv.Close())
	}
	<-m.served
	return err
}

// MetricsAddr returns the address the Prometheus endpoint listens at
// (server.metrics_listen with the port resolved, so ":0" shows the port the
// system chose), or "" when the engine serves no metrics.
func (e *Engine) MetricsAddr() string {
	if e.metrics == nil {
		return ""
	}
	return e.metrics.addr
}

// promLogger passes promhttp's errors to the engine's log.
type promLogger struct{ e *Engine }

func (l promLogger) Println(v ...any) { l.e.log.Warn("metrics: " + fmt.Sprint(v...)) }

// engineCollector reads, at each scrape, what the engine knows already:
// the epochs, the size of each catalog object's state and the progress of
// every source (the figures of weir_sources).
type engineCollector struct{ e *Engine }

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

func (c engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCheckpointEpoch, descCommittedEpoch, descStateBytes,
		descSourceRows, descSourceErrors, descSourceBytes, descSourceLag, descSourceWaiting,
		descSinkRecords, descSinkBytes, descSinkTransactions, descSinkActive, descSinkEpoch, descSinkLag} {
		ch <- d
	}
}

func (c engineCollector) Collect(ch chan<- prometheus.Metric) {
	e := c.e
	var durable uint64
	if e.cp != nil {
		durable = e.cp.Durable()
	}
	ch <- prometheus.MustNewConstMetric(descCheckpointEpoch, prometheus.GaugeValue, float64(durable))
	if e.coord != nil {
		ch <- prometheus.MustNewConstMetric(descCommittedEpoch, prometheus.GaugeValue, float64(e.coord.Committed()))
	}
	db := e.store.DB()
	for _, o := range e.cat.List(0) {
		if len(o.StateTables) == 0 {
			continue
		}
		var size uint64
		for _, t := range o.StateTables {
			lo, hi := statestore.TableSpan(t)
			n, err := db.EstimateDiskUsage(lo, hi)
			if err != nil {
				e.log.Warn("metrics: estimating state size", "object", o.Name, "err", err)
				continue
			}
			size += n
		}
		ch <- prometheus.MustNewConstMetric(descStateBytes, prometheus.GaugeValue, float64(size), o.Name)
	}
	for _, j := range e.jobs.List() {
		if d := j.sink; d != nil {
			st := d.Stats()
			active := 0.0
			if st.Prepared != 0 {
				active = 1
			}
			ch <- prometheus.MustNewConstMetric(descSinkRecords, prometheus.CounterValue, float64(st.Records), d.name)
			ch <- prometheus.MustNewConstMetric(descSinkBytes, prometheus.CounterValue, float64(st.Bytes), d.name)
			ch <- prometheus.MustNewConstMetric(descSinkTransactions, prometheus.CounterValue, float64(st.Committed), d.name, "committed")
			ch <- prometheus.MustNewConstMetric(descSinkTransactions, prometheus.CounterValue, float64(st.Aborted), d.name, "aborted")
			ch <- prometheus.MustNewConstMetric(descSinkActive, prometheus.GaugeValue, active, d.name)
			ch <- prometheus.MustNewConstMetric(descSinkEpoch, prometheus.GaugeValue, float64(st.Delivered), d.name)
			ch <- prometheus.MustNewConstMetric(descSinkLag, prometheus.GaugeValue, st.LastLag.Seconds(), d.name)
		}
		for _, s := range j.sources {
			p, ok := s.src.Progress()
			if !ok {
				continue
			}
			src, view := s.stream.Name, j.obj.Name
			ch <- prometheus.MustNewConstMetric(descSourceRows, prometheus.CounterValue, float64(p.Rows), src, view)
			ch <- prometheus.MustNewConstMetric(descSourceErrors, prometheus.CounterValue, float64(p.Errors), src, view)
			if p.Bytes >= 0 {
				ch <- prometheus.MustNewConstMetric(descSourceBytes, prometheus.CounterValue, float64(p.Bytes), src, view)
			}
			if p.Lag >= 0 {
				ch <- prometheus.MustNewConstMetric(descSourceLag, prometheus.GaugeValue, float64(p.Lag), src, view, p.LagUnit)
			}
			waiting := 0.0
			if p.Status == exec.SourceWaiting {
				waiting = 1
			}
			ch <- prometheus.MustNewConstMetric(descSourceWaiting, prometheus.GaugeValue, waiting, src, view)
		}
	}
}
