package weir

import (
	"context"
	"testing"
)

// TestTableWatermarkMetrics checks that a table with WATERMARK FOR reports
// as a source whose stream and view are the table: the changes it took,
// the rows it dropped as late and how far its watermark trails the clock.
func TestTableWatermarkMetrics(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.State.BackendType = "memory"
	cfg.Server.MetricsListen = "127.0.0.1:0"
	cfg.State.CheckpointIntervalMS = 50
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	s, _ := e.NewSession(ctx, "weir", "weir")
	if err := s.Exec(ctx, `CREATE TABLE readings (id INT PRIMARY KEY, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds');
		INSERT INTO readings VALUES (1, '2024-01-01 00:00:10'), (2, '2024-01-01 00:00:20'), (3, '2024-01-01 00:00:12');
		FLUSH`); err != nil {
		t.Fatal(err)
	}
	fams := scrapeMetrics(t, e)
	for name, want := range map[string]func(float64) bool{
		"weir_source_rows_total":     func(v float64) bool { return v == 3 },
		"weir_late_rows_total":       func(v float64) bool { return v == 1 },
		"weir_watermark_lag_seconds": func(v float64) bool { return v > 365*24*3600 }, // 2024 is long past
	} {
		v, ok := metricValue(fams, name, "source", "readings", "view", "readings")
		if !ok || !want(v) {
			t.Errorf("%s of the table: %v (found %v)", name, v, ok)
		}
	}
}
