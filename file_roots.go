package weir

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

// fileRoots returns the directories the file connector may reach
// (server.file_roots; by default the working directory and the data
// directory, the working directory only when it is not the file system's
// root), resolved to physical paths once: a source waiting for its file
// checks its path at every poll.
func (e *Engine) fileRoots() ([]string, error) {
	e.roots.once.Do(func() { e.roots.dirs, e.roots.err = e.resolveFileRoots() })
	return e.roots.dirs, e.roots.err
}

// fileRootsOnce holds the resolved file roots.
type fileRootsOnce struct {
	once sync.Once
	dirs []string
	err  error
}

// resolveFileRoots resolves the file roots (fileRoots).
func (e *Engine) resolveFileRoots() ([]string, error) {
	roots := e.cfg.Server.FileRoots
	if len(roots) == 0 {
		if wd, err := os.Getwd(); err == nil && filepath.Dir(wd) != wd {
			roots = append(roots, wd)
		}
		if e.cfg.Server.DataDir != "" {
			roots = append(roots, e.cfg.Server.DataDir)
		}
	}
	out := make([]string, 0, len(roots))
	for _, r := range roots {
		p, err := physicalPath(r)
		if err != nil {
			return nil, fmt.Errorf("server.file_roots: %s: %w", r, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// resolveFilePath returns the physical path of path (relative to the
// working directory, with .. and symbolic links resolved: what the file
// connector then opens), or 42501 when it is outside every file root.
func (e *Engine) resolveFilePath(path string) (string, error) {
	p, err := physicalPath(path)
	if err != nil {
		return "", sqlstate.Errorf(sqlstate.UndefinedFile, "could not resolve path \"%s\": %v", path, err)
	}
	roots, err := e.fileRoots()
	if err != nil {
		return "", err
	}
	for _, r := range roots {
		if within(p, r) {
			return p, nil
		}
	}
	return "", sqlstate.Errorf(sqlstate.InsufficientPrivilege, "permission denied to reach file \"%s\": it is outside the directories server.file_roots allows", path).
		WithDetail("The allowed directories are " + strings.Join(roots, ", ") + ".").
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
