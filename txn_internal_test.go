package weir

import (
	"context"
	"testing"

	"github.com/weir-stream/weir/exec/checkpoints"
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
