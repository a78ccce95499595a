package pipeline

import "fmt"

// Error is a mistake in a pipeline file, or an error one of its streams met
// when it was compiled or started: it names the file, the line and the key.
type Error struct {
	Path string
	Line int
	// Key is where in the file the mistake is: a dotted path of keys
	// (streams[0].input.type), or what the line starts (stream orders).
	Key string
	Err error
}

// Error returns "file:line: key: what".
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s: %v", e.Path, e.Line, e.Key, e.Err)
}

// Unwrap returns the error without its place: a SQL error keeps its
// SQLSTATE.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error at line of f concerning key; format may wrap an
// error with %w.
func (f *File) Errorf(line int, key, format string, args ...any) error {
	return errorAt(f.Path, line, key, format, args...)
}

// errorAt returns an Error at line of the file path concerning key.
func errorAt(path string, line int, key, format string, args ...any) error {
	return &Error{Path: path, Line: line, Key: key, Err: fmt.Errorf(format, args...)}
}
