package weir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestResolveFilePath: paths are checked against server.file_roots after
// .. and symbolic links are resolved as the operating system does, and a
// part that does not exist yet (a sink's directory) is taken as written.
func TestResolveFilePath(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{filepath.Join(root, "sub", "in.csv"), filepath.Join(outside, "secret.csv")} {
		if err := os.WriteFile(f, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Links inside the root: one to a directory outside, one to the file
	// outside, one to a directory inside.
	mustLink := func(target, link string) {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	mustLink(outside, filepath.Join(root, "out"))
	mustLink(filepath.Join(outside, "secret.csv"), filepath.Join(root, "secret.csv"))
	mustLink(filepath.Join(root, "sub"), filepath.Join(root, "alias"))

	e := &Engine{cfg: Config{Server: ServerConfig{FileRoots: []string{root}}}}
	for _, c := range []struct {
		path, want string // want: the resolved path, or "" when refused
	}{
		{filepath.Join(root, "sub", "in.csv"), filepath.Join(root, "sub", "in.csv")},
		{filepath.Join(root, "alias", "in.csv"), filepath.Join(root, "sub", "in.csv")},
		{filepath.Join(root, "sub", "..", "sub", "in.csv"), filepath.Join(root, "sub", "in.csv")},
		{filepath.Join(root, "new", "dir"), filepath.Join(root, "new", "dir")},
		{root, root},
		{filepath.Join(outside, "secret.csv"), ""},
		{filepath.Join(root, "secret.csv"), ""},
		{filepath.Join(root, "out", "secret.csv"), ""},
		{filepath.Join(root, "out", "new"), ""},
		// The OS follows out first, then .. leaves its target: written
		// out/../outside is base/outside (refused), not root/outside, and
		// out/../root is root itself.
		{root + "/out/../outside/secret.csv", ""},
		{root + "/out/../root/sub/in.csv", filepath.Join(root, "sub", "in.csv")},
		{root + "/alias/../sub/in.csv", filepath.Join(root, "sub", "in.csv")},
		{root + "/../outside/secret.csv", ""},
		{"/etc/passwd", ""},
	} {
		got, err := e.resolveFilePath(c.path)
		if c.want == "" {
			var se *sqlstate.Error
			if err == nil || !errors.As(err, &se) || se.Code != sqlstate.InsufficientPrivilege {
				t.Errorf("%s: got %q, %v; want 42501", c.path, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.path, got, err, c.want)
		}
	}
}

// TestDefaultFileRoots: without server.file_roots, the working directory
// and the data directory are the roots.
func TestDefaultFileRoots(t *testing.T) {
	data := t.TempDir()
	e := &Engine{cfg: Config{Server: ServerConfig{DataDir: data}}}
	if _, err := e.resolveFilePath("testdata/data/readings.csv"); err != nil {
		t.Errorf("a file under the working directory: %v", err)
	}
	if _, err := e.resolveFilePath(filepath.Join(data, "out")); err != nil {
		t.Errorf("a directory under the data directory: %v", err)
	}
	if _, err := e.resolveFilePath("/etc/passwd"); err == nil {
		t.Error("/etc/passwd is reachable")
	}
}

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
