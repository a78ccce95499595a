package weir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// crashSetup is the start of a test that runs weir as a child process
// (startWeirProcess) and kills it: it skips the test with -short, builds
// weir once (buildWeir), and writes in a new temporary folder root the
// config file config, with a local state store checkpointed every
// checkpointMS ms that keeps retained checkpoints, and root as
// server.file_roots when fileRoots is set. The child's data directory is
// dataDir, in root.
func crashSetup(t *testing.T, checkpointMS, retained int, fileRoots bool) (bin, root, dataDir, config string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs weir as a child process")
	}
	bin, err := buildWeir()
	if err != nil {
		t.Fatal(err)
	}
	root = t.TempDir()
	dataDir = filepath.Join(root, "data")
	config = filepath.Join(root, "weir.yaml")
	var text string
	if fileRoots {
		text = "server:\n  file_roots: ['" + root + "']\n"
	}
	text += fmt.Sprintf("state_management:\n  backend_type: local\n  checkpoint_interval_ms: %d\n  retained_checkpoints: %d\n", checkpointMS, retained)
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return bin, root, dataDir, config
}
