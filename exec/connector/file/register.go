package file

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Register adds the file source and the file sink to r.
func Register(r *connector.Registry) {
	r.AddSource(connector.Source{Name: "file", Columns: columns, Check: checkStream, New: newSource})
	r.AddSink(connector.Sink{Name: "file", Options: []string{"path"}, Configure: configureSink})
}

// columns are a file stream's declared columns, which it needs.
func columns(st *sql.CreateStream, opts map[string]string, declared types.Schema) (types.Schema, error) {
	if err := connector.NoIncludes(st, "file"); err != nil {
		return nil, err
	}
	if err := connector.NeedColumns(st, declared, "file"); err != nil {
		return nil, err
	}
	if _, err := ParseOptions(opts, declared); err != nil {
		return nil, err
	}
	return declared, nil
}

// checkStream checks a new file stream's path at CREATE STREAM: it must be
// inside the server's file roots (42501) and name a file that exists and
// can be read (58P01, 42501).
func checkStream(_ context.Context, env connector.Env, opts map[string]string, declared types.Schema) ([]session.Warning, error) {
	o, err := ParseOptions(opts, declared)
	if err != nil {
		return nil, err
	}
	p, err := env.ResolvePath(o.Path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, openError(o.Path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, sqlstate.Errorf(sqlstate.WrongObjectType, "\"%s\" is a directory", o.Path).
			WithHint("A file stream reads one file; path names it.")
	}
	return nil, nil
}

// openError is Postgres' error for a file that cannot be opened.
func openError(path string, err error) error {
	var errno syscall.Errno
	reason := err.Error()
	if errors.As(err, &errno) {
		reason = errnoText(errno)
	}
	code := sqlstate.SystemError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		code = sqlstate.UndefinedFile
	case errors.Is(err, fs.ErrPermission):
		code = sqlstate.InsufficientPrivilege
	}
	return sqlstate.Errorf(code, "could not open file \"%s\" for reading: %s", path, reason)
}

// errnoText is the C library's message for errno, capitalised as
// Postgres prints it ("No such file or directory").
func errnoText(errno syscall.Errno) string {
	s := errno.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func newSource(env connector.Env, s connector.SourceSpec) (exec.Source, error) {
	o, err := ParseOptions(s.Options, s.Schema)
	if err != nil {
		return nil, err
	}
	o.Key = s.Key
	o.Logger = env.Logger()
	o.Resolve = env.ResolvePath
	return NewSource(o, env.Allocator(), s.Errors)
}

// sinkConfig is a file sink's configuration: the directory it writes to.
type sinkConfig struct{ dir string }

// configureSink checks a file sink's options: it needs a directory.
func configureSink(opts map[string]string) (connector.SinkConfig, error) {
	if opts["path"] == "" {
		return nil, bad("path", "a file sink needs path = 'directory'")
	}
	return sinkConfig{dir: opts["path"]}, nil
}

// CheckNew implements connector.NewSinkChecker: a new file sink's
// directory must be inside the server's file roots (42501), and its name,
// which starts the name of every file it writes, must be a plain file name
// (no separator, not . or ..), so that the files stay in that directory.
func (c sinkConfig) CheckNew(env connector.Env, name string) error {
	if !ValidPrefix(name) {
		return sqlstate.Errorf(sqlstate.InvalidName, "a file sink's name cannot hold \"/\", \"\\\" or be \".\" or \"..\": %q", name).
			WithHint("Its files are named after it, in the directory of its path option.")
	}
	_, err := env.ResolvePath(c.dir)
	return err
}

// NewWriter implements connector.SinkConfig.
func (c sinkConfig) NewWriter(env connector.Env, s connector.SinkSpec) (exec.SinkWriter, error) {
	ext := "jsonl"
	if s.Format == "csv" {
		ext = "csv"
	}
	return NewSink(SinkOptions{Dir: c.dir, Prefix: s.Name, Ext: ext, Resolve: env.ResolvePath})
}
