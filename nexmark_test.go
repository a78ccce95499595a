package weir_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-stream/weir/exec"
)

// TestNexmarkAggregationsMatchDuckDB maintains a few aggregations over a
// bounded nexmark bid stream as views, exports the same bids to a CSV file
// (through a subscription), and checks that DuckDB computes the same rows
// from the file.
func TestNexmarkAggregationsMatchDuckDB(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	// 20000 events: 18400 bids.
	mustExec(t, conn, `CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '20000', nexmark.seed = '7')`)
	queries := map[string]string{
		"per_auction": `SELECT auction, count(*) AS n, min(price) AS low, max(price) AS top, sum(price) AS total FROM bid GROUP BY auction`,
		"per_channel": `SELECT channel, count(*) AS n, sum(price) AS total, max(date_time) AS last FROM bid GROUP BY channel`,
		"big_bids":    `SELECT bidder % 10 AS b, count(*) AS n, sum(price) AS total FROM bid WHERE price > 1000 GROUP BY bidder % 10`,
		"everything":  `SELECT count(*) AS n, count(DISTINCT auction) AS auctions FROM bid`,
	}
	for name, q := range queries {
		mustExec(t, conn, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
	}

	path := filepath.Join(t.TempDir(), "bids.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "auction,bidder,price,channel,date_time")
	var mu sync.Mutex
	sub, err := ts.eng.Subscribe(ctx, `SELECT auction, bidder, price, channel, date_time FROM bid`, func(_ context.Context, c exec.Chunk) error {
		mu.Lock()
		defer mu.Unlock()
		for i := range c.NumRows() {
			for j := range 5 {
				if j > 0 {
					w.WriteByte(',')
				}
				w.WriteString(c.Batch.Column(j).ValueStr(i))
			}
			w.WriteByte('\n')
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for sub.Progress().Rows < 18400 {
		if time.Now().After(deadline) {
			t.Fatalf("the export read %d of 18400 bids", sub.Progress().Rows)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustExec(t, conn, "FLUSH")
	if err := sub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	mu.Unlock()
	f.Close()

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE bid AS SELECT * FROM read_csv('%s', header = true,
		columns = {'auction': 'BIGINT', 'bidder': 'BIGINT', 'price': 'BIGINT', 'channel': 'VARCHAR', 'date_time': 'TIMESTAMP'})`, path)); err != nil {
		t.Fatal(err)
	}
	duckRows := func(q string) []string {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("duckdb: %s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, v := range vals {
				switch v := v.(type) {
				case time.Time:
					parts = append(parts, v.Format("2006-01-02 15:04:05.999999"))
				default:
					parts = append(parts, fmt.Sprint(v))
				}
			}
			out = append(out, strings.Join(parts, " "))
		}
		return out
	}
	if got := duckRows(queries["everything"]); len(got) != 1 || !strings.HasPrefix(got[0], "18400 ") {
		t.Fatalf("DuckDB read %v from the export, want 18400 bids", got)
	}
	for name, q := range queries {
		want := duckRows(q + " ORDER BY 1")
		got := queryText(t, conn, "SELECT * FROM "+name+" ORDER BY 1")
		if len(want) < 2 && name != "everything" {
			t.Errorf("%s: DuckDB found %d rows; the test needs more", name, len(want))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: weir and DuckDB disagree\nweir:   %.300v\nduckdb: %.300v", name, got, want)
		}
	}
}
