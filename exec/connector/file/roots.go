package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// Roots are the directories the file connector may reach
// (server.file_roots): an engine makes one and resolves every path its
// streams and sinks name through Resolve (its connector.Env's
// ResolvePath). Paths are compared physically, once .. and symbolic links
// are resolved as the operating system does, so no link or .. leads
// outside. It is safe for concurrent use.
type Roots struct {
	configured []string
	dataDir    string

	once sync.Once
	dirs []string
	err  error
}

// NewRoots returns the roots configured (server.file_roots); when none
// are, the working directory (unless it is the file system's root) and
// dataDir (when not empty) are. They are resolved to physical paths at
// the first Resolve, once: a source waiting for its file checks its path
// at every poll.
func NewRoots(configured []string, dataDir string) *Roots {
	return &Roots{configured: configured, dataDir: dataDir}
}

// Dirs returns the roots' physical paths, or why one could not be
// resolved.
func (r *Roots) Dirs() ([]string, error) {
	r.once.Do(func() { r.dirs, r.err = r.resolve() })
	return r.dirs, r.err
}

// resolve resolves the roots (Dirs).
func (r *Roots) resolve() ([]string, error) {
	roots := r.configured
	if len(roots) == 0 {
		if wd, err := os.Getwd(); err == nil && filepath.Dir(wd) != wd {
			roots = append(roots, wd)
		}
		if r.dataDir != "" {
			roots = append(roots, r.dataDir)
		}
	}
	out := make([]string, 0, len(roots))
	for _, root := range roots {
		p, err := physicalPath(root)
		if err != nil {
			return nil, fmt.Errorf("server.file_roots: %s: %w", root, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Resolve returns the physical path of path (relative to the working
// directory, with .. and symbolic links resolved: what the file connector
// then opens), or 42501 when it is outside every root.
func (r *Roots) Resolve(path string) (string, error) {
	p, err := physicalPath(path)
	if err != nil {
		return "", sqlstate.Errorf(sqlstate.UndefinedFile, "could not resolve path \"%s\": %v", path, err)
	}
	dirs, err := r.Dirs()
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		if within(p, d) {
			return p, nil
		}
	}
	return "", sqlstate.Errorf(sqlstate.InsufficientPrivilege, "permission denied to reach file \"%s\": it is outside the directories server.file_roots allows", path).
		WithDetail("The allowed directories are " + strings.Join(dirs, ", ") + ".").
		WithHint("Add the directory to server.file_roots in the server's configuration.")
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// physicalPath returns the absolute path path names once every symbolic
// link and .. is resolved as the operating system does (a .. after a link
// leaves the link's target). The part of the path that does not exist yet
// (a sink's directory to create) is taken as written, cleaned.
func physicalPath(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		// Not filepath.Join, which would clean ".." before the links are
		// resolved.
		path = wd + string(filepath.Separator) + path
	}
	return physical(path)
}

// physical resolves an absolute path (physicalPath).
func physical(path string) (string, error) {
	r, err := filepath.EvalSymlinks(path)
	if err == nil {
		return filepath.Abs(r)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	trimmed := strings.TrimRight(path, string(filepath.Separator))
	dir, base := filepath.Split(trimmed)
	if trimmed == "" || dir == "" || dir == path {
		return filepath.Clean(path), nil
	}
	d, err := physical(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, base), nil
}
