package file

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestRootsResolve: paths are checked against server.file_roots after
// .. and symbolic links are resolved as the operating system does, and a
// part that does not exist yet (a sink's directory) is taken as written.
func TestRootsResolve(t *testing.T) {
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

	r := NewRoots([]string{root}, "")
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
		got, err := r.Resolve(c.path)
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

// TestDefaultRoots: without server.file_roots, the working directory
// and the data directory are the roots.
func TestDefaultRoots(t *testing.T) {
	data := t.TempDir()
	r := NewRoots(nil, data)
	if _, err := r.Resolve("roots.go"); err != nil {
		t.Errorf("a file under the working directory: %v", err)
	}
	if _, err := r.Resolve(filepath.Join(data, "out")); err != nil {
		t.Errorf("a directory under the data directory: %v", err)
	}
	if _, err := r.Resolve("/etc/passwd"); err == nil {
		t.Error("/etc/passwd is reachable")
	}
}
