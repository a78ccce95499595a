package weir

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// scrapeMetrics GETs the engine's /metrics and parses the text exposition.
func scrapeMetrics(t *testing.T, e *Engine) map[string]*dto.MetricFamily {
	t.Helper()
	addr := e.MetricsAddr()
	if addr == "" {
		t.Fatal("MetricsAddr is empty with server.metrics_listen set")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	families, err := new(expfmt.TextParser).TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return families
}

// metricValue returns the value of the sample of family name whose labels
// include labels (name=value pairs), and whether there is one.
func metricValue(families map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
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
		case m.GetUntyped() != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsEndpoint opens an engine with checkpoints on local disk and a
// metrics endpoint, fills a table and a view, flushes, and reads the
// checkpoint, state size, source, epoch and recovery metrics from GET
// /metrics.
func TestMetricsEndpoint(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.Server.MetricsListen = "127.0.0.1:0"
	cfg.State.CheckpointIntervalMS = 50
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	s, _ := e.NewSession(ctx, "weir", "weir")
	var rows []string
	for i := range 200 {
		rows = append(rows, fmt.Sprintf("(%d, %d, %d.5)", i, i%7, i))
	}
	if err := s.Exec(ctx, `CREATE TABLE orders (id BIGINT PRIMARY KEY, k INT, v DOUBLE PRECISION);
		CREATE MATERIALIZED VIEW per_k AS SELECT k, count(*) AS n, sum(v) AS total FROM orders GROUP BY k;
		CREATE STREAM gen (id BIGINT) WITH (connector = 'datagen', fields.id.kind = 'sequence', fields.id.start = '1', fields.id.end = '100');
		CREATE MATERIALIZED VIEW gen_count AS SELECT count(*) AS n FROM gen;
		CREATE SINK per_k_out FROM per_k WITH (connector = 'blackhole', type = 'upsert');
		INSERT INTO orders VALUES `+strings.Join(rows, ", ")+`;
		FLUSH`); err != nil {
		t.Fatal(err)
	}
	// The sink delivers once the checkpoint holding the rows is written.
	fams := scrapeMetrics(t, e)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if v, _ := metricValue(fams, "weir_sink_delivered_epoch", "sink", "per_k_out"); v > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
		fams = scrapeMetrics(t, e)
	}
	expect := func(name string, ok func(float64) bool, labels ...string) {
		t.Helper()
		v, found := metricValue(fams, name, labels...)
		if !found {
			t.Errorf("%s%v: missing", name, labels)
			return
		}
		if !ok(v) {
			t.Errorf("%s%v = %v", name, labels, v)
		}
	}
	positive := func(v float64) bool { return v > 0 }
	zero := func(v float64) bool { return v == 0 }
	expect("weir_checkpoint_epoch", positive)
	expect("weir_committed_epoch", positive)
	expect("weir_checkpoint_duration_seconds", func(v float64) bool { return v >= 1 })
	expect("weir_checkpoint_uploaded_bytes_total", positive)
	expect("weir_checkpoint_uploaded_files_total", positive)
	expect("weir_checkpoint_state_bytes", positive)
	expect("weir_checkpoints_total", positive, "status", "done")
	expect("weir_checkpoints_total", zero, "status", "failed")
	expect("weir_epoch_commit_seconds", positive)
	expect("weir_state_bytes", positive, "object", "per_k")
	expect("weir_state_bytes", positive, "object", "orders")
	expect("weir_recovery_info", func(v float64) bool { return v == 1 }, "from", "empty")
	expect("weir_recovery_duration_seconds", func(v float64) bool { return v >= 0 })
	expect("weir_barrier_alignment_seconds", zero) // no dataflow has two inputs
	expect("weir_sink_records_total", func(v float64) bool { return v == 7 }, "sink", "per_k_out")
	expect("weir_sink_transactions_total", positive, "sink", "per_k_out", "status", "committed")
	expect("weir_sink_transactions_total", zero, "sink", "per_k_out", "status", "aborted")
	expect("weir_sink_delivered_epoch", positive, "sink", "per_k_out")
	expect("weir_sink_transactions_active", func(v float64) bool { return v <= 1 }, "sink", "per_k_out")
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("the Go runtime collector is missing")
	}
	// The datagen source may still be emitting; its rows only grow.
	expect("weir_source_rows_total", positive, "source", "gen", "view", "gen_count")
	expect("weir_source_errors_total", zero, "source", "gen", "view", "gen_count")
	expect("weir_source_waiting", zero, "source", "gen", "view", "gen_count")
	if _, ok := metricValue(fams, "weir_source_lag", "source", "gen", "view", "gen_count", "unit", "rows"); !ok {
		t.Error("weir_source_lag of gen_count is missing")
	}

	// Closing stops the endpoint.
	addr := e.MetricsAddr()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("the metrics endpoint at %s still accepts connections after Close", addr)
	}

	// Reopened from its clean shutdown, the engine reports the checkpoint
	// epoch it resumed from and how it got its state.
	e2, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close(ctx)
	fams = scrapeMetrics(t, e2)
	expect("weir_checkpoint_epoch", positive)
	expect("weir_recovery_info", func(v float64) bool { return v == 1 }, "from", "local state (clean shutdown)")
	expect("weir_state_bytes", positive, "object", "per_k")
}

// TestMetricsTwoEngines checks that two engines in one process have
// registries of their own, and that an engine without metrics_listen
// serves none.
func TestMetricsTwoEngines(t *testing.T) {
	ctx := context.Background()
	open := func(listen string) *Engine {
		cfg := DefaultConfig()
		cfg.State.BackendType = "memory"
		cfg.State.CheckpointIntervalMS = 50
		cfg.Server.MetricsListen = listen
		e, err := Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close(ctx) })
		return e
	}
	a, b, off := open("127.0.0.1:0"), open("127.0.0.1:0"), open("")
	if off.MetricsAddr() != "" {
		t.Errorf("MetricsAddr without metrics_listen = %q", off.MetricsAddr())
	}
	s, _ := a.NewSession(ctx, "weir", "weir")
	if err := s.Exec(ctx, `CREATE TABLE only_in_a (id BIGINT PRIMARY KEY); INSERT INTO only_in_a VALUES (1); FLUSH`); err != nil {
		t.Fatal(err)
	}
	if _, ok := metricValue(scrapeMetrics(t, a), "weir_state_bytes", "object", "only_in_a"); !ok {
		t.Error("engine a does not report its table")
	}
	fb := scrapeMetrics(t, b)
	if _, ok := metricValue(fb, "weir_state_bytes", "object", "only_in_a"); ok {
		t.Error("engine b reports engine a's table")
	}
	if v, _ := metricValue(fb, "weir_checkpoint_epoch"); v != 0 {
		t.Errorf("weir_checkpoint_epoch without checkpoints = %v", v)
	}
}

// TestMetricsListenBad checks that a metrics_listen that is not an address,
// or one that cannot be bound, fails Open with an error naming the key.
func TestMetricsListenBad(t *testing.T) {
	ctx := context.Background()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, listen := range []string{"no-port", "127.0.0.1:notaport", busy.Addr().String()} {
		cfg := DefaultConfig()
		cfg.Server.DataDir = t.TempDir()
		cfg.State.CheckpointIntervalMS = 50
		cfg.Server.MetricsListen = listen
		e, err := Open(ctx, cfg)
		if err == nil {
			e.Close(ctx)
			t.Errorf("metrics_listen %q: Open succeeded", listen)
			continue
		}
		if !strings.Contains(err.Error(), "server.metrics_listen") {
			t.Errorf("metrics_listen %q: error %q does not name server.metrics_listen", listen, err)
		}
	}
}
