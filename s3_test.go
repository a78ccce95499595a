package weir_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/internal/miniotest"
	"github.com/weir-stream/weir/statestore"
)

// minioConfig is an engine config on a fresh data directory whose
// checkpoints (backend s3 or hybrid) go to srv's bucket under prefix, one
// every 50 ms.
func minioConfig(t *testing.T, srv *miniotest.Server, backend, prefix string) weir.Config {
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.BackendType = backend
	cfg.State.CheckpointIntervalMS = 50
	cfg.State.S3 = weir.S3Config{Bucket: miniotest.Bucket, Prefix: prefix, EndpointURL: srv.Endpoint,
		AccessKeyID: miniotest.User, SecretAccessKey: miniotest.Password}
	return cfg
}

// TestS3Checkpoints checkpoints to MinIO as S3: while MinIO is down the
// checkpoints fail and processing goes on; once it is back a later
// checkpoint succeeds; and an engine on an empty data directory recovers
// everything from S3 alone.
func TestS3Checkpoints(t *testing.T) {
	srv := miniotest.Start(t)
	s3cfg := func() weir.Config {
		cfg := minioConfig(t, srv, "s3", "engine")
		cfg.State.RetainedCheckpoints = 2
		return cfg
	}
	ts := startServer(t, s3cfg())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE TABLE t (id BIGINT PRIMARY KEY, g INT, v BIGINT)`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW sums AS SELECT g, count(*) AS n, sum(v) AS s FROM t GROUP BY g`)
	mustExec(t, conn, `INSERT INTO t VALUES (1, 1, 10), (2, 1, 20), (3, 2, 30)`)
	mustExec(t, conn, `FLUSH`)

	srv.Stop()
	mustExec(t, conn, `INSERT INTO t VALUES (4, 2, 40), (5, 3, 50)`)
	// Processing goes on without the store: the view changes.
	deadline := time.Now().Add(20 * time.Second)
	for strings.Join(queryText(t, conn, `SELECT g, n, s FROM sums ORDER BY g`), ",") != "1 2 30,2 2 70,3 1 50" {
		if time.Now().After(deadline) {
			t.Fatalf("the view did not change while the store was down: %v", queryText(t, conn, `SELECT * FROM sums`))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// An upload in flight when the store went down fails only once the S3
	// client's retries (5 attempts, exponential backoff) give up.
	deadline = time.Now().Add(90 * time.Second)
	for len(queryText(t, conn, `SELECT epoch FROM weir_checkpoints WHERE status = 'failed'`)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint failed while the store was down: %v", queryText(t, conn, `SELECT epoch, status, error FROM weir_checkpoints`))
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.Restart()
	mustExec(t, conn, `INSERT INTO t VALUES (6, 3, 60)`)
	mustExec(t, conn, `FLUSH`) // a checkpoint after the outage holds everything
	conn.Close(t.Context())
	ts.stop()

	// A new machine: an empty data directory, the same bucket and prefix.
	ts = startServer(t, s3cfg())
	conn = connect(t, ts.dsn)
	if got := strings.Join(queryText(t, conn, `SELECT g, n, s FROM sums ORDER BY g`), ","); got != "1 2 30,2 2 70,3 2 110" {
		t.Errorf("recovered from S3: %s", got)
	}
	if got := queryText(t, conn, `SELECT source FROM weir_recovery`); len(got) != 1 || got[0] != "checkpoint" {
		t.Errorf("weir_recovery = %v", got)
	}
	mustExec(t, conn, `INSERT INTO t VALUES (7, 1, 1)`)
	mustExec(t, conn, `FLUSH`)
	if got := strings.Join(queryText(t, conn, `SELECT g, n, s FROM sums WHERE g = 1`), ","); got != "1 3 31" {
		t.Errorf("after recovery: %s", got)
	}
}

// TestHybridCheckpoints: backend hybrid writes a checkpoint to the data
// directory at every epoch and to S3 at every s3_upload_every-th; the
// manifests record where each source was; an engine on an empty data
// directory recovers from S3, and one whose data directory survived a crash
// recovers from the newer local checkpoints.
func TestHybridCheckpoints(t *testing.T) {
	ctx := t.Context()
	srv := miniotest.Start(t)
	cfg := minioConfig(t, srv, "hybrid", "hybrid")
	cfg.State.S3UploadEvery = 4

	ts := startServer(t, cfg)
	conn := connect(t, ts.dsn)
	mustExec(t, conn, `CREATE STREAM bid WITH (connector = 'nexmark', nexmark.table = 'bid', nexmark.events.total = '5000')`)
	mustExec(t, conn, `CREATE MATERIALIZED VIEW per_auction AS SELECT auction % 7 AS a, count(*) AS n FROM bid GROUP BY auction % 7`)
	want := "4600" // bids of 5000 events
	deadline := time.Now().Add(30 * time.Second)
	for {
		mustExec(t, conn, `FLUSH`)
		got := queryText(t, conn, `SELECT sum(n) FROM per_auction`)
		if len(got) == 1 && got[0] == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("per_auction holds %v bids, want %s", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for {
		counts := queryText(t, conn, `SELECT store, count(*) FROM weir_checkpoints WHERE status = 'done' GROUP BY store ORDER BY store`)
		if len(counts) == 2 {
			var local, s3 int
			fmt.Sscanf(counts[0], "local %d", &local)
			fmt.Sscanf(counts[1], "s3 %d", &s3)
			if s3 >= 2 {
				if local < 2*s3 {
					t.Errorf("checkpoints done per store %v: want about 4 local per S3 one", counts)
				}
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("checkpoints: %v", queryText(t, conn, `SELECT epoch, store, status, error FROM weir_checkpoints`))
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantRows := queryText(t, conn, `SELECT * FROM per_auction ORDER BY a`)
	conn.Close(ctx)
	ts.stop()

	// Both stores hold the final checkpoint, which records where the view's
	// source stopped: after the last of the 5000 events.
	for _, store := range []string{"local", "s3"} {
		c := cfg
		c.State.BackendType = store
		objects, err := weir.OpenCheckpointStore(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		epochs, err := statestore.ListCheckpoints(ctx, objects)
		if err != nil || len(epochs) == 0 {
			t.Fatalf("%s: checkpoints %v, %v", store, epochs, err)
		}
		m, err := statestore.ReadManifest(ctx, objects, epochs[len(epochs)-1])
		if err != nil {
			t.Fatal(err)
		}
		var info weir.CheckpointInfo
		if err := json.Unmarshal(m.Info, &info); err != nil {
			t.Fatal(err)
		}
		if len(info.Sources) != 1 || info.Sources[0].View != "per_auction" || info.Sources[0].Stream != "bid" || info.Sources[0].Position != "5000" {
			t.Errorf("%s: checkpoint %d records sources %+v", store, m.Epoch, info.Sources)
		}
	}

	// A crash (no clean-shutdown marker) with the data directory intact:
	// recovery takes the local checkpoint, the newest.
	if err := os.Remove(filepath.Join(cfg.Server.DataDir, "clean-shutdown")); err != nil {
		t.Fatal(err)
	}
	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	if got := queryText(t, conn, `SELECT source FROM weir_recovery`); len(got) != 1 || got[0] != "checkpoint (local)" {
		t.Errorf("weir_recovery after a crash = %v", got)
	}
	if got := queryText(t, conn, `SELECT * FROM per_auction ORDER BY a`); fmt.Sprint(got) != fmt.Sprint(wantRows) {
		t.Errorf("after a crash: %v, want %v", got, wantRows)
	}
	conn.Close(ctx)
	ts.stop()

	// A new machine: an empty data directory; S3 alone.
	cfg.Server.DataDir = t.TempDir()
	ts = startServer(t, cfg)
	conn = connect(t, ts.dsn)
	if got := queryText(t, conn, `SELECT source FROM weir_recovery`); len(got) != 1 || got[0] != "checkpoint (s3)" {
		t.Errorf("weir_recovery on a new machine = %v", got)
	}
	if got := queryText(t, conn, `SELECT * FROM per_auction ORDER BY a`); fmt.Sprint(got) != fmt.Sprint(wantRows) {
		t.Errorf("recovered from S3: %v, want %v", got, wantRows)
	}
}

// TestFlushWithoutExactlyOnce: with exactly_once false, FLUSH returns once
// its rows are visible even while no checkpoint can be written (the store
// is down); with exactly_once true the same FLUSH fails, naming the cause.
func TestFlushWithoutExactlyOnce(t *testing.T) {
	srv := miniotest.Start(t)
	for _, exactlyOnce := range []bool{false, true} {
		cfg := minioConfig(t, srv, "s3", fmt.Sprintf("eo-%v", exactlyOnce))
		cfg.State.ExactlyOnce = exactlyOnce
		ts := startServer(t, cfg)
		conn := connect(t, ts.dsn)
		mustExec(t, conn, `CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT)`)
		srv.Stop()
		mustExec(t, conn, `INSERT INTO t VALUES (1, 10)`)
		_, err := conn.Exec(t.Context(), `FLUSH`)
		switch {
		case !exactlyOnce && err != nil:
			t.Errorf("exactly_once false: FLUSH with the store down: %v", err)
		case exactlyOnce && (err == nil || !strings.Contains(err.Error(), "no checkpoint could be written")):
			t.Errorf("exactly_once true: FLUSH with the store down returned %v, want a failed checkpoint", err)
		}
		if got := queryText(t, conn, `SELECT v FROM t`); len(got) != 1 || got[0] != "10" {
			t.Errorf("exactly_once %v: t holds %v", exactlyOnce, got)
		}
		srv.Restart()
		conn.Close(t.Context())
		ts.stop()
	}
}
