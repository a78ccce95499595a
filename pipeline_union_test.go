package weir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestPipelineUnion runs a pipeline whose processor is a UNION ALL of two
// queries over its input (each operand reads flow), aggregated by the next
// processor: the view counts the rows of both operands, and --check prints
// the statements with the union in the view's query.
func TestPipelineUnion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "events.csv")
	var csv strings.Builder
	csv.WriteString("k,v\n")
	for i := range 30 {
		fmt.Fprintf(&csv, "%d,%d\n", i%3, i)
	}
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "union.yaml")
	text := fmt.Sprintf(`state_management:
  backend_type: memory
  checkpoint_interval_ms: 50
streams:
  - input:
      type: file
      path: %s
      schema: {k: BIGINT, v: BIGINT}
    pipeline:
      processors:
        - type: sql
          query: SELECT k, v FROM flow WHERE v < 10 UNION ALL SELECT k, v * 100 FROM flow WHERE v >= 20
        - type: sql
          query: SELECT k, count(*) AS n, sum(v) AS total FROM flow GROUP BY k
    output:
      type: blackhole
    state:
      operator_id: split
server:
  file_roots: [%s]
`, csvPath, dir)
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := weir.LoadPipeline(file)
	if err != nil {
		t.Fatal(err)
	}
	check, err := weir.CheckPipeline(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if want := "CREATE MATERIALIZED VIEW split AS SELECT k, count(*) AS n, sum(v) AS total FROM (SELECT k, v FROM split_input AS flow WHERE v < 10 UNION ALL SELECT k, v * 100 FROM split_input AS flow WHERE v >= 20) AS flow GROUP BY k"; !strings.Contains(check, want) {
		t.Errorf("CheckPipeline output lacks %q:\n%s", want, check)
	}
	ts := startServer(t, p.Config)
	if _, err := ts.eng.StartPipeline(ctx, p); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, ts.dsn)
	// Rows v < 10 as they are, rows v >= 20 times 100; k = v mod 3.
	want := make([]string, 3)
	for k := range 3 {
		n, total := 0, 0
		for v := k; v < 30; v += 3 {
			switch {
			case v < 10:
				n, total = n+1, total+v
			case v >= 20:
				n, total = n+1, total+100*v
			}
		}
		want[k] = fmt.Sprintf("%d %d %d", k, n, total)
	}
	waitForRows(t, conn, `SELECT * FROM split ORDER BY k`, want)
}
