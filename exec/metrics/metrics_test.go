package metrics

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/weir-stream/weir/exec"
)

// fakeEngine is an Engine of fixed figures.
type fakeEngine struct {
	checkpoint, committed exec.Epoch
	state                 []StateSize
	sinks                 []Sink
	sources               []Source
}

func (f fakeEngine) CheckpointEpoch() exec.Epoch { return f.checkpoint }
func (f fakeEngine) CommittedEpoch() exec.Epoch  { return f.committed }
func (f fakeEngine) StateSizes() []StateSize     { return f.state }
func (f fakeEngine) Sinks() []Sink               { return f.sinks }
func (f fakeEngine) Sources() []Source           { return f.sources }

// sample returns the value of the sample of family name whose labels are
// exactly labels (name=value pairs), and whether there is one. A
// histogram's value is its sample count.
func sample(families []*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel())*2 != len(labels) {
				continue
			}
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if v, ok := have[labels[i]]; !ok || v != labels[i+1] {
					continue next
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue(), true
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue(), true
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// TestCollect checks the metrics read from the engine at a scrape: their
// names, labels and values, and that a source's bytes and lag are left out
// when it has none.
func TestCollect(t *testing.T) {
	m := New(Options{Listen: "127.0.0.1:0", Engine: fakeEngine{
		checkpoint: 4, committed: 6,
		state: []StateSize{{Object: "orders", Bytes: 1234}},
		sinks: []Sink{{Name: "out", Records: 7, Bytes: 99, Committed: 3, Aborted: 1, Active: true,
			Delivered: 5, LastLag: 250 * time.Millisecond}},
		sources: []Source{
			{Stream: "clicks", View: "per_page", Progress: exec.SourceProgress{
				Rows: 10, Errors: 2, Bytes: 300, Lag: 40, LagUnit: "bytes", Status: exec.SourceWaiting}},
			{Stream: "gen", View: "gen_count", Progress: exec.SourceProgress{Rows: 3, Bytes: -1, Lag: -1},
				Watermarked: true, LateRows: 4, HasWatermarkLag: true, WatermarkLag: 1500 * time.Millisecond},
		},
	}})
	fams, err := m.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"weir_checkpoint_epoch", nil, 4},
		{"weir_committed_epoch", nil, 6},
		{"weir_state_bytes", []string{"object", "orders"}, 1234},
		{"weir_sink_records_total", []string{"sink", "out"}, 7},
		{"weir_sink_bytes_total", []string{"sink", "out"}, 99},
		{"weir_sink_transactions_total", []string{"sink", "out", "status", "committed"}, 3},
		{"weir_sink_transactions_total", []string{"sink", "out", "status", "aborted"}, 1},
		{"weir_sink_transactions_active", []string{"sink", "out"}, 1},
		{"weir_sink_delivered_epoch", []string{"sink", "out"}, 5},
		{"weir_sink_delivery_lag_seconds", []string{"sink", "out"}, 0.25},
		{"weir_source_rows_total", []string{"source", "clicks", "view", "per_page"}, 10},
		{"weir_source_errors_total", []string{"source", "clicks", "view", "per_page"}, 2},
		{"weir_source_bytes_total", []string{"source", "clicks", "view", "per_page"}, 300},
		{"weir_source_lag", []string{"source", "clicks", "view", "per_page", "unit", "bytes"}, 40},
		{"weir_source_waiting", []string{"source", "clicks", "view", "per_page"}, 1},
		{"weir_source_rows_total", []string{"source", "gen", "view", "gen_count"}, 3},
		{"weir_source_waiting", []string{"source", "gen", "view", "gen_count"}, 0},
		{"weir_late_rows_total", []string{"source", "gen", "view", "gen_count"}, 4},
		{"weir_watermark_lag_seconds", []string{"source", "gen", "view", "gen_count"}, 1.5},
		{"weir_checkpoints_total", []string{"status", "done"}, 0},
		{"weir_checkpoints_total", []string{"status", "failed"}, 0},
	} {
		v, ok := sample(fams, c.name, c.labels...)
		if !ok {
			t.Errorf("%s%v: missing", c.name, c.labels)
		} else if v != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.want)
		}
	}
	if _, ok := sample(fams, "weir_late_rows_total", "source", "clicks", "view", "per_page"); ok {
		t.Error("weir_late_rows_total of a stream without a watermark")
	}
	if _, ok := sample(fams, "weir_source_bytes_total", "source", "gen", "view", "gen_count"); ok {
		t.Error("weir_source_bytes_total of a source that reads no bytes")
	}
	for _, f := range fams {
		if f.GetName() == "weir_source_lag" && len(f.GetMetric()) != 1 {
			t.Errorf("weir_source_lag has %d samples, want the one of the source whose lag is known", len(f.GetMetric()))
		}
	}
}

// TestCountCheckpoint checks the checkpoint counters, histogram and gauge
// after a successful and a failed checkpoint, and the recovery gauges.
func TestCountCheckpoint(t *testing.T) {
	m := New(Options{Engine: fakeEngine{}, Recovery: Recovery{
		From: "checkpoint", Epoch: 9, RestoredFiles: 3, ExpectedFiles: 4, RestoredBytes: 300, ExpectedBytes: 400,
		SkippedCheckpoints: 1, Took: 2 * time.Second,
	}})
	m.CountCheckpoint(Checkpoint{Duration: 2 * time.Second, UploadedFiles: 2, UploadedBytes: 2048, StateBytes: 4096})
	m.CountCheckpoint(Checkpoint{Failed: true, Duration: time.Second, UploadedFiles: 5, UploadedBytes: 5, StateBytes: 5})
	fams, err := m.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"weir_checkpoints_total", []string{"status", "done"}, 1},
		{"weir_checkpoints_total", []string{"status", "failed"}, 1},
		{"weir_checkpoint_duration_seconds", nil, 1},
		{"weir_checkpoint_uploaded_files_total", nil, 2},
		{"weir_checkpoint_uploaded_bytes_total", nil, 2048},
		{"weir_checkpoint_state_bytes", nil, 4096},
		{"weir_recovery_info", []string{"from", "checkpoint"}, 1},
		{"weir_recovery_epoch", nil, 9},
		{"weir_recovery_restored_files", nil, 3},
		{"weir_recovery_expected_files", nil, 4},
		{"weir_recovery_restored_bytes", nil, 300},
		{"weir_recovery_expected_bytes", nil, 400},
		{"weir_recovery_skipped_checkpoints", nil, 1},
		{"weir_recovery_duration_seconds", nil, 2},
	} {
		v, ok := sample(fams, c.name, c.labels...)
		if !ok {
			t.Errorf("%s%v: missing", c.name, c.labels)
		} else if v != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.want)
		}
	}
}

// TestEndpoint serves the metrics, scrapes GET /metrics, and checks that
// Stop closes the listener and that a taken address fails Start.
func TestEndpoint(t *testing.T) {
	m := New(Options{Listen: "127.0.0.1:0", Engine: fakeEngine{committed: 3}})
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	addr := m.Addr()
	resp, err := http.Get("http://" + addr + Path)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := new(expfmt.TextParser).TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	if v := parsed["weir_committed_epoch"].GetMetric()[0].GetGauge().GetValue(); v != 3 {
		t.Errorf("weir_committed_epoch = %v, want 3", v)
	}
	if _, ok := parsed["go_goroutines"]; !ok {
		t.Error("the Go runtime collector is missing")
	}

	taken := New(Options{Listen: addr, Engine: fakeEngine{}})
	if err := taken.Start(); err == nil {
		taken.Stop(context.Background())
		t.Errorf("Start at %s, which is taken, succeeded", addr)
	}

	if err := m.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("the endpoint at %s still accepts connections after Stop", addr)
	}

	var none *Metrics
	if none.Addr() != "" || none.Start() != nil || none.Stop(context.Background()) != nil {
		t.Error("a nil *Metrics is not an engine without metrics")
	}
}

// TestBarrierAlignment runs a fragment with two inputs under a coordinator
// instrumented by the metrics, delivers a barrier on one input well before
// the other, and checks weir_barrier_alignment_seconds.
func TestBarrierAlignment(t *testing.T) {
	ctx := context.Background()
	m := New(Options{Listen: "127.0.0.1:0", Engine: fakeEngine{}})
	var opts exec.CoordinatorOptions
	m.Instrument(&opts)
	coord := exec.NewCoordinator(opts)
	in1, in2 := make(chan exec.Message, 1), make(chan exec.Message, 1)
	f := exec.NewFragment(exec.FragmentSpec{Name: "join", Inputs: []<-chan exec.Message{in1, in2}})
	coord.AddFragment(f)
	go f.Run(ctx)
	const skew = 30 * time.Millisecond
	in1 <- exec.Message{Barrier: &exec.Barrier{Epoch: 1, Kind: exec.Checkpoint}}
	time.Sleep(skew)
	in2 <- exec.Message{Barrier: &exec.Barrier{Epoch: 1, Kind: exec.Checkpoint}}
	close(in1)
	close(in2)
	<-f.Done()
	var out dto.Metric
	if err := m.barrierAlignment.Write(&out); err != nil {
		t.Fatal(err)
	}
	// The fragment starts timing when its goroutine takes the first barrier,
	// which may be a little after the send: half the skew shows the wait was
	// measured.
	h := out.GetHistogram()
	if h.GetSampleCount() != 1 || h.GetSampleSum() < skew.Seconds()/2 {
		t.Fatalf("weir_barrier_alignment_seconds: count %d sum %v, want 1 and at least %v", h.GetSampleCount(), h.GetSampleSum(), skew/2)
	}
}
