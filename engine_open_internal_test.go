package weir

import (
	"context"
	"testing"
)

// onDiskConfig returns the configuration of an engine with its state in a
// directory of the test's, checkpointing every 50 ms: one that restarts
// where it stopped.
func onDiskConfig(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	cfg.State.CheckpointIntervalMS = 50
	return cfg
}

// mustOpen opens an engine with cfg, failing the test when it cannot.
func mustOpen(t *testing.T, cfg Config) *Engine {
	t.Helper()
	e, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
