package weir

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/metrics"
	"github.com/weir-stream/weir/statestore"
)

// newMetrics returns the Prometheus metrics of e (exec/metrics), or nil
// when e's configuration serves none (server.metrics_listen empty). Call
// it once e's state, checkpointer and recovery information are set.
func newMetrics(e *Engine) *metrics.Metrics {
	if e.cfg.Server.MetricsListen == "" {
		return nil
	}
	p := e.recovery.prog
	return metrics.New(metrics.Options{
		Listen: e.cfg.Server.MetricsListen,
		Engine: engineFigures{e},
		Recovery: metrics.Recovery{
			From: e.recovery.from, Epoch: p.Epoch,
			RestoredFiles: p.Files, ExpectedFiles: p.TotalFiles,
			RestoredBytes: p.Bytes, ExpectedBytes: p.TotalBytes,
			SkippedCheckpoints: len(p.Skipped), Took: e.recovery.took,
		},
		Logger: e.log,
	})
}

// checkpointFigures returns what the metrics count of a finished
// checkpoint.
func checkpointFigures(st statestore.CheckpointStatus) metrics.Checkpoint {
	return metrics.Checkpoint{
		Failed: st.Status != "done", Duration: st.Duration,
		UploadedFiles: st.FilesUploaded, UploadedBytes: st.BytesUploaded, StateBytes: st.StateBytes,
	}
}

// MetricsAddr returns the address the Prometheus endpoint listens at
// (server.metrics_listen with the port resolved, so ":0" shows the port the
// system chose), or "" when the engine serves no metrics.
func (e *Engine) MetricsAddr() string {
	return e.metrics.Addr()
}

// engineFigures is the engine as exec/metrics reads it at each scrape.
type engineFigures struct{ e *Engine }

func (f engineFigures) CheckpointEpoch() exec.Epoch {
	if f.e.cp == nil {
		return 0
	}
	return exec.Epoch(f.e.cp.Durable())
}

func (f engineFigures) CommittedEpoch() exec.Epoch { return f.e.coord.Committed() }

// StateSizes estimates each object's state with Pebble's EstimateDiskUsage
// over its state tables.
func (f engineFigures) StateSizes() []metrics.StateSize {
	e := f.e
	db := e.store.DB()
	var sizes []metrics.StateSize
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
		sizes = append(sizes, metrics.StateSize{Object: o.Name, Bytes: size})
	}
	return sizes
}

func (f engineFigures) Sinks() []metrics.Sink {
	var sinks []metrics.Sink
	for _, j := range f.e.jobs.List() {
		d := j.sink
		if d == nil {
			continue
		}
		st := d.Stats()
		sinks = append(sinks, metrics.Sink{
			Name: d.name, Records: st.Records, Bytes: st.Bytes,
			Committed: st.Committed, Aborted: st.Aborted, Active: st.Prepared != 0,
			Delivered: st.Delivered, LastLag: st.LastLag,
		})
	}
	return sinks
}

func (f engineFigures) Sources() []metrics.Source {
	var sources []metrics.Source
	for _, j := range f.e.jobs.List() {
		for _, s := range j.sources {
			if p, ok := s.src.Progress(); ok {
				sources = append(sources, metrics.Source{Stream: s.stream.Name, View: j.obj.Name, Progress: p})
			}
		}
	}
	return sources
}
