package weir

import (
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/metrics"
	"github.com/weir-stream/weir/sql/types"
)

// newMetrics returns the Prometheus metrics of e (exec/metrics), or nil
// when e's configuration serves none (server.metrics_listen empty). Call
// it once e's state, checkpointer and recovery information are set.
func newMetrics(e *Engine) *metrics.Metrics {
	if e.cfg.Server.MetricsListen == "" {
		return nil
	}
	return metrics.New(metrics.Options{
		Listen: e.cfg.Server.MetricsListen, Engine: engineFigures{e}, Logger: e.log,
		Recovery: metrics.RecoveryOf(e.recovery.From, e.recovery.Progress, e.recovery.Took),
	})
}

// MetricsAddr returns the address the Prometheus endpoint listens at
// (server.metrics_listen with the port resolved, so ":0" shows the port the
// system chose), or "" when the engine serves no metrics.
func (e *Engine) MetricsAddr() string {
	return e.metrics.Addr()
}

// engineFigures is the engine as exec/metrics reads it at each scrape.
type engineFigures struct{ e *Engine }

func (f engineFigures) CheckpointEpoch() exec.Epoch { return exec.Epoch(f.e.cp.Durable()) }
func (f engineFigures) CommittedEpoch() exec.Epoch  { return f.e.coord.Committed() }

func (f engineFigures) StateSizes() (sizes []metrics.StateSize) {
	for _, o := range f.e.cat.List(0) {
		if len(o.StateTables) > 0 {
			n, err := f.e.store.TablesDiskUsage(o.StateTables)
			if err != nil {
				f.e.log.Warn("metrics: estimating state size", "object", o.Name, "err", err)
			}
			sizes = append(sizes, metrics.StateSize{Object: o.Name, Bytes: n})
		}
	}
	return sizes
}

func (f engineFigures) Sinks() (sinks []metrics.Sink) {
	for _, j := range f.e.jobs.List() {
		if d := j.sink; d != nil {
			st := d.Stats()
			sinks = append(sinks, metrics.Sink{Name: d.name, Records: st.Records, Bytes: st.Bytes, Committed: st.Committed,
				Aborted: st.Aborted, Active: st.Prepared != 0, Delivered: st.Delivered, LastLag: st.LastLag})
		}
	}
	return sinks
}

func (f engineFigures) Sources() (sources []metrics.Source) {
	f.e.eachSource(func(j *job, s jobSource, p exec.SourceProgress) {
		src := metrics.Source{Stream: s.stream.Name, View: j.obj.Name, Progress: p}
		if s.wm != nil {
			st := s.wm.Status()
			src.Watermarked, src.LateRows = true, st.Late
			if t := s.stream.WatermarkType(); st.Has && (t.Family == types.Timestamp || t.Family == types.TimestampTZ) {
				src.HasWatermarkLag, src.WatermarkLag = true, time.Since(time.UnixMicro(st.Watermark))
			}
		}
		sources = append(sources, src)
	})
	return append(sources, f.e.tableMetricSources()...)
}
