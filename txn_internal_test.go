package weir

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/weir-stream/weir/exec/checkpoints"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestCloseUnderOpenTransaction: an engine closes cleanly while a session
// it served is still inside a transaction block (an embedding program that
// did not close it): the block's snapshot does not keep the state store
// open.
func TestCloseUnderOpenTransaction(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.NewSession(ctx, "weir", "weir")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE t (a INT)", "BEGIN", "INSERT INTO t VALUES (1)", "SELECT * FROM t"} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := e.Close(ctx); err != nil {
		t.Fatalf("Close with a transaction open: %v", err)
	}
	if _, ok := checkpoints.CleanShutdown(cfg.Server.DataDir); !ok {
		t.Fatal("no clean-shutdown marker after Close")
	}
	// The session ends after its engine without harm.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCommitAfterTableFailed: a table that fails while a transaction block
// holds writes to it fails the COMMIT with its failure (not as a table
// dropped meanwhile), and none of the block's writes is applied.
func TestCommitAfterTableFailed(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	s, err := e.NewSession(ctx, "weir", "weir")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{"CREATE TABLE t (a INT)", "CREATE TABLE u (a INT)", "BEGIN", "INSERT INTO u VALUES (1)", "INSERT INTO t VALUES (1)"} {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	o, _ := e.cat.Get("t")
	e.failed.Record(o, errors.New("the disk caught fire"))
	err = s.Exec(ctx, "COMMIT")
	var se *sqlstate.Error
	if !errors.As(err, &se) || se.Message != `table "t" has failed: the disk caught fire` {
		t.Fatalf("COMMIT after t failed: %v, want t's failure", err)
	}
	res, err := e.Query(ctx, "SELECT count(*) FROM u")
	if err != nil {
		t.Fatal(err)
	}
	vals, err := res.Values()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(vals); got != "[[0]]" {
		t.Fatalf("u after the failed COMMIT: %s, want no rows", got)
	}
}
