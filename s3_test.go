package weir_test

import (
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/statestore/objstore/miniotest"
)

// TestS3Checkpoints checkpoints to MinIO as S3: while MinIO is down the
// checkpoints fail and processing goes on; once it is back a later
// checkpoint succeeds; and an engine on an empty data directory recovers
// everything from S3 alone.
func TestS3Checkpoints(t *testing.T) {
	srv := miniotest.Start(t)
	s3cfg := func() weir.Config {
		cfg := weir.DefaultConfig()
		cfg.Server.DataDir = t.TempDir()
		cfg.State.BackendType = "s3"
		cfg.State.CheckpointIntervalMS = 50
		cfg.State.RetainedCheckpoints = 2
		cfg.State.S3 = weir.S3Config{Bucket: miniotest.Bucket, Prefix: "engine", EndpointURL: srv.Endpoint,
			AccessKeyID: miniotest.User, SecretAccessKey: miniotest.Password}
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
