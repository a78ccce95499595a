package weir_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCrashSessionWindow kills weir with SIGKILL at random moments while a
// file stream with a watermark keeps growing under two SESSION views (an
// updating one and one with EMIT ON WINDOW CLOSE), and checks that after
// the last recovery both hold exactly the sessions an uninterrupted run
// closes: each key's rows that were not late, split where two are 10 s or
// more apart, for the sessions ending by the final watermark. Sessions
// open at a crash live on in the operator's state (rows and session
// entries), and the source replays the rows after the last checkpoint; a
// recovery that lost the state or replayed into it twice would miss rows
// or count them twice.
func TestCrashSessionWindow(t *testing.T) {
	bin, root, dataDir, config := crashSetup(t, 100, 2, true)

	// Row i is by key i%4 at 2i seconds, with a 15 s pause after every
	// 40 rows (each key's sessions then span a burst), a 12 s pause of
	// key 3 alone every 10th burst, every 7th row 3 s early (within the
	// 5 s delay) and every 31st 20 s early (late).
	const rows = 4_000
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) time.Time {
		s := 2*i + 15*(i/40)
		switch {
		case i%31 == 0:
			s -= 20
		case i%7 == 0:
			s -= 3
		}
		if i%4 == 3 && (i/40)%10 == 5 && i%40 >= 20 {
			s += 12
		}
		return base.Add(time.Duration(s) * time.Second)
	}
	csvPath := filepath.Join(root, "events.csv")
	if err := os.WriteFile(csvPath, []byte("id,k,ts\n"), 0o644); err != nil {
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
			for n := 0; n < 20 && i < rows; n, i = n+1, i+1 {
				fmt.Fprintf(&b, "%d,%d,%s\n", i, i%4, at(i).Format("2006-01-02 15:04:05"))
			}
			if _, err := f.WriteString(b.String()); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()

	// The uninterrupted run: a row below the largest ts so far minus 5 s
	// is late; the sessions of each key's other rows that end by the
	// final watermark are closed.
	const layout = "2006-01-02 15:04:05"
	byKey := map[int][]time.Time{}
	sums := map[int][]int{}
	var maxTS time.Time
	for i := range rows {
		ts := at(i)
		if i > 0 && ts.Before(maxTS.Add(-5*time.Second)) {
			continue
		}
		if ts.After(maxTS) {
			maxTS = ts
		}
		byKey[i%4] = append(byKey[i%4], ts)
		sums[i%4] = append(sums[i%4], i)
	}
	wm := maxTS.Add(-5 * time.Second)
	var want []string
	for k, times := range byKey {
		ids := sums[k]
		idx := make([]int, len(times))
		for j := range idx {
			idx[j] = j
		}
		sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]].Before(times[idx[b]]) })
		for j := 0; j < len(idx); {
			e, sum := j+1, ids[idx[j]]
			for e < len(idx) && times[idx[e]].Sub(times[idx[e-1]]) < 10*time.Second {
				sum += ids[idx[e]]
				e++
			}
			start, end := times[idx[j]], times[idx[e-1]].Add(10*time.Second)
			if !end.After(wm) {
				want = append(want, fmt.Sprintf("%d %s %s %d %d", k, start.Format(layout), end.Format(layout), e-j, sum))
			}
			j = e
		}
	}
	if len(want) < 100 {
		t.Fatalf("only %d closed sessions in the data", len(want))
	}

	const view = `SELECT k, window_start, window_end, count(*) AS n, sum(id) AS s FROM SESSION(events PARTITION BY k, ts, INTERVAL '10 seconds') GROUP BY k, window_start, window_end`
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 24))
	for round := range 6 {
		p := startWeirProcess(t, bin, dataDir, config)
		if round == 0 {
			conn, err := pgx.Connect(context.Background(), p.dsn)
			if err != nil {
				t.Fatal(err)
			}
			mustExec(t, conn, fmt.Sprintf(`CREATE STREAM events (id INT, k INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5 seconds') WITH (connector = 'file', path = '%s', format = 'csv')`, csvPath))
			mustExec(t, conn, `CREATE MATERIALIZED VIEW sessions AS `+view)
			mustExec(t, conn, `CREATE MATERIALIZED VIEW sessions_closed AS `+view+` EMIT ON WINDOW CLOSE`)
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
	// The sources are done when both views hold the closed sessions; a
	// view that settles on others fails at the deadline.
	deadline := time.Now().Add(60 * time.Second)
	for _, v := range []string{"sessions", "sessions_closed"} {
		for {
			mustExec(t, conn, `FLUSH`)
			got := queryText(t, conn, `SELECT * FROM `+v)
			if sameRows(got, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d sessions, want %d\n got %.600v\nwant %.600v", v, len(got), len(want), sorted(got), sorted(want))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("%d sessions closed", len(want))
}
