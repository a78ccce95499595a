package weir_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashWatermark kills weir with SIGKILL at random moments while a file
// stream with a watermark keeps growing, and checks that the late-row
// decisions after every recovery are those of an uninterrupted run: the
// view holds exactly the rows that were not late when they came, and
// weir_late_rows exactly the others, each once. The file is one split, so
// which rows are late follows from their order alone; a recovery that
// restarted the watermark instead of restoring it with the file's position
// would let late rows of the replayed part through.
func TestCrashWatermark(t *testing.T) {
	bin, root, dataDir, config := crashSetup(t, 100, 2, true)

	// Row i is at second i, except every 7th, 3 s early (within the 5 s
	// delay), every 31st, 20 s early (late once the watermark has passed
	// it), and every 200th from the 100th, 120 s late: it raises the
	// watermark so far that the 114 rows after it are late, which only a
	// watermark restored with the file's position knows after a crash
	// among them. The rows are written a few at a time, so that every
	// round reads some and replays the ones after its last checkpoint.
	const rows = 6_000
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) time.Time {
		s := i
		switch {
		case i%200 == 100:
			s += 120
		case i%31 == 0:
			s -= 20
		case i%7 == 0:
			s -= 3
		}
		return base.Add(time.Duration(s) * time.Second)
	}
	csvPath := filepath.Join(root, "events.csv")
	if err := os.WriteFile(csvPath, []byte("id,ts\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		f, err := os.OpenFile(csvPath, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for i := 0; i < rows; {
			var b strings.Builder
			for n := 0; n < 25 && i < rows; n, i = n+1, i+1 {
				fmt.Fprintf(&b, "%d,%s\n", i, at(i).Format("2006-01-02 15:04:05"))
			}
			if _, err := f.WriteString(b.String()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()

	// The uninterrupted run's decisions: a row below the largest ts so far
	// minus 5 s is late.
	var wantKept, wantLate []string
	var maxTS time.Time
	for i := range rows {
		ts := at(i)
		if i > 0 && ts.Before(maxTS.Add(-5*time.Second)) {
			wantLate = append(wantLate, fmt.Sprint(i))
			continue
		}
		if ts.After(maxTS) {
			maxTS = ts
		}
		wantKept = append(wantKept, fmt.Sprint(i))
	}
	if len(wantLate) < 100 {
		t.Fatalf("only %d late rows in the data", len(wantLate))
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))
	for round := range 6 {
		p := startWeirProcess(t, bin, dataDir, config)
		if round == 0 {
			conn, err := pgx.Connect(context.Background(), p.dsn)
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, conn, fmt.Sprintf(`CREATE STREAM events (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'file', path = '%s', format = 'csv')`, csvPath))
			mustExec(t, conn, `CREATE MATERIALIZED VIEW kept AS SELECT id, ts FROM events`)
			conn.Close(context.Background())
		}
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		p.kill()
	}
	<-writerDone

	p := startWeirProcess(t, bin, dataDir, config)
	defer p.kill()
	conn, err := pgx.Connect(context.Background(), p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	waitForRows(t, conn, `SELECT count(*), sum(id) FROM kept`, []string{fmt.Sprintf("%d %d", len(wantKept), sumOf(wantKept))})
	mustExec(t, conn, `FLUSH`)
	if got := queryText(t, conn, `SELECT id FROM kept ORDER BY id`); strings.Join(got, ",") != strings.Join(wantKept, ",") {
		t.Fatalf("the view kept %d rows, want %d", len(got), len(wantKept))
	}
	got := queryText(t, conn, `SELECT substr(row, 2, strpos(row, ',') - 2) AS id FROM weir_late_rows WHERE view = 'kept' ORDER BY seq`)
	if strings.Join(got, ",") != strings.Join(wantLate, ",") {
		t.Fatalf("weir_late_rows has %d rows, want %d:\n got %.300v\nwant %.300v", len(got), len(wantLate), got, wantLate)
	}
}

func sumOf(ids []string) int64 {
	var s int64
	for _, id := range ids {
		var v int64
		fmt.Sscan(id, &v)
		s += v
	}
	return s
}
