package adhoc

import (
	"os"
	"path/filepath"
	"testing"
)

// TestTotalMemoryKB reads MemTotal from a file in /proc/meminfo's format,
// and 0 from a file without it or no file.
func TestTotalMemoryKB(t *testing.T) {
	dir := t.TempDir()
	meminfo := filepath.Join(dir, "meminfo")
	if err := os.WriteFile(meminfo, []byte("MemTotal:       16318496 kB\nMemFree:         1024 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := totalMemoryKB(meminfo); got != 16318496 {
		t.Errorf("totalMemoryKB = %d, want 16318496", got)
	}
	if got := totalMemoryKB(filepath.Join(dir, "none")); got != 0 {
		t.Errorf("totalMemoryKB of no file = %d, want 0", got)
	}
}
