package weir

import (
	"context"
	"testing"
	"time"
)

// TestSelfUnionOneSource: a union view that names one stream twice reads it
// with one source (the planner shares a scan of a relation), so the stream
// is read once, and weir_sources and the Prometheus series — which identify
// a source by (stream, view) — show one source with the rows it read (two
// sources of one stream in one view would collide there).
func TestSelfUnionOneSource(t *testing.T) {
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
	if err := e.Exec(ctx, `CREATE STREAM gen (id BIGINT) WITH (connector = 'datagen', fields.id.kind = 'sequence', fields.id.start = '1', fields.id.end = '100');
		CREATE MATERIALIZED VIEW halves AS SELECT id FROM gen WHERE id <= 50 UNION ALL SELECT id FROM gen WHERE id > 50`); err != nil {
		t.Fatal(err)
	}
	waitRows(t, e, "SELECT count(*) FROM halves", "[[100]]")
	deadline := time.Now().Add(10 * time.Second)
	for {
		families := scrapeMetrics(t, e)
		n := 0
		var total float64
		if f, ok := families["weir_source_rows_total"]; ok {
			for _, m := range f.Metric {
				for _, l := range m.Label {
					if l.GetName() == "view" && l.GetValue() == "halves" {
						n++
						total += m.GetCounter().GetValue()
					}
				}
			}
		}
		if n == 1 && total == 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("view halves reads gen once, 100 rows; the scrape has %d series for it, %v rows in all", n, total)
		}
		time.Sleep(100 * time.Millisecond)
	}
	waitRows(t, e, "SELECT count(*), sum(rows) FROM weir_sources WHERE view = 'halves'", "[[1 100]]")
}
