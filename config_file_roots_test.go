package weir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileRootsConfig: server.file_roots is read from the config file, and
// an empty entry is refused.
func TestFileRootsConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("server:\n  file_roots: [/srv/files, data/in]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Server.FileRoots) != 2 || cfg.Server.FileRoots[0] != "/srv/files" || cfg.Server.FileRoots[1] != "data/in" {
		t.Errorf("file_roots = %q", cfg.Server.FileRoots)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("server:\n  file_roots: ['']\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(bad); err == nil || !strings.Contains(err.Error(), "server.file_roots[0]") {
		t.Errorf("an empty root: %v", err)
	}
}
