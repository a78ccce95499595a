//go:build duckdb_arrow

package weir_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTemporalFilterClock: with the barriers' clock moved by hand
// (Config.Clock), a view with `ts > now() - INTERVAL '1 hour' AND ts <=
// now()` lets rows in as now() reaches them and retracts them an hour later,
// and its filter's state holds only the rows still to enter or leave (and
// now()): freed as they go.
func TestTemporalFilterClock(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixMicro())
	cfg := memoryConfig()
	cfg.Clock = func() time.Time { return time.UnixMicro(now.Load()) }
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE ev (id INT PRIMARY KEY, ts TIMESTAMPTZ)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW past_hour AS SELECT id FROM ev WHERE ts > now() - INTERVAL '1 hour' AND ts <= now()`)
	mustExec(t, conn, `INSERT INTO ev VALUES (1, '2030-01-01 10:00:00+00'), (2, '2030-01-01 11:30:00+00'), (3, '2030-01-01 11:55:00+00'), (4, '2030-01-01 12:20:00+00'), (5, '2030-01-01 14:00:00+00')`)
	step := func(at time.Duration, want []string, wantKeys int64) {
		t.Helper()
		now.Store(t0.Add(at).UnixMicro())
		mustExec(t, conn, `FLUSH`)
		if got := queryText(t, conn, `SELECT id FROM past_hour ORDER BY id`); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("now() = T0+%s: got %q, want %q", at, got, want)
		}
		keys, err := ts.eng.StateTableKeys("past_hour")
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || keys[1] != wantKeys {
			t.Fatalf("now() = T0+%s: state keys %v, want the filter's %d", at, keys, wantKeys)
		}
	}
	// Rows 2 to 5 may still move, row 1 never will.
	step(0, []string{"2", "3"}, 4+1)
	// Row 2 leaves and is freed, row 4 enters.
	step(40*time.Minute, []string{"3", "4"}, 3+1)
	mustExec(t, conn, `UPDATE ev SET ts = '2030-01-01 12:30:00+00' WHERE id = 3`)
	mustExec(t, conn, `DELETE FROM ev WHERE id = 4`)
	step(41*time.Minute, []string{"3"}, 2+1)
	// Everything but row 5 has left; row 5, at the lower bound, never entered.
	step(3*time.Hour, nil, 0+1)
	mustExec(t, conn, `INSERT INTO ev VALUES (6, '2030-01-01 14:50:00+00'), (7, '2030-01-01 15:10:00+00')`)
	step(3*time.Hour, []string{"6"}, 2+1)
	step(4*time.Hour, []string{"7"}, 1+1)
}

// TestTemporalFilterStateBound: rows arriving for 60 epochs, each epoch's
// rows a minute later than the last's and now() following them, through
// `ts > now() - INTERVAL '10 minutes'`: the view holds the last ten
// minutes' rows and the filter's state never more than those and now().
func TestTemporalFilterStateBound(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var now atomic.Int64
	now.Store(t0.UnixMicro())
	cfg := memoryConfig()
	cfg.Clock = func() time.Time { return time.UnixMicro(now.Load()) }
	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE ev (id INT PRIMARY KEY, ts TIMESTAMPTZ)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW last10 AS SELECT id FROM ev WHERE ts > now() - INTERVAL '10 minutes'`)
	const perEpoch = 20
	for e := 1; e <= 60; e++ {
		at := t0.Add(time.Duration(e) * time.Minute)
		var rows []string
		for i := range perEpoch {
			rows = append(rows, fmt.Sprintf("(%d, '%s')", e*perEpoch+i, at.Add(time.Duration(i)*time.Second).Format(time.RFC3339)))
		}
		mustExec(t, conn, `INSERT INTO ev VALUES `+strings.Join(rows, ", "))
		now.Store(at.Add(time.Minute - time.Second).UnixMicro())
		mustExec(t, conn, `FLUSH`)
		// Epochs e-9 … e are inside: rows of e-9 start at now() - 10m + 1s.
		wantRows := min(e, 10) * perEpoch
		if got := queryText(t, conn, `SELECT count(*) FROM last10`); got[0] != fmt.Sprint(wantRows) {
			t.Fatalf("epoch %d: %s rows in the view, want %d", e, got[0], wantRows)
		}
		keys, err := ts.eng.StateTableKeys("last10")
		if err != nil {
			t.Fatal(err)
		}
		if keys[1] != int64(wantRows)+1 {
			t.Fatalf("epoch %d: the filter keeps %d keys, want its %d rows and now()", e, keys[1], wantRows)
		}
	}
}
