// Package connector is the registry of weir's connectors: a source
// connector (the connector option of CREATE STREAM) or a sink connector
// (CREATE SINK) is one package that describes itself with a Source or a
// Sink — its name, how it checks its options, what columns it gives a
// stream, its constructors — and adds it to a Registry in its Register
// function. The engine knows connectors only through the registry and
// gives them what they need of it through Env.
package connector

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Env is what connectors need of the engine.
type Env interface {
	// Allocator is the memory the sources' batches are built in.
	Allocator() memory.Allocator
	// Logger is the engine's log.
	Logger() *slog.Logger
	// ResolvePath returns the physical path of a file or directory a
	// connector reads or writes, or 42501 when it is outside the server's
	// file roots.
	ResolvePath(path string) (string, error)
	// Output is where the stdout sinks print.
	Output() io.Writer
}

// Registry holds the connectors by name. It is filled before the engine
// starts and only read afterwards.
type Registry struct {
	sources map[string]*Source
	sinks   map[string]*Sink
}

// NewRegistry returns a registry holding the connectors each register
// function adds (a connector package's Register).
func NewRegistry(register ...func(*Registry)) *Registry {
	r := &Registry{sources: map[string]*Source{}, sinks: map[string]*Sink{}}
	for _, add := range register {
		add(r)
	}
	return r
}

// AddSource adds a source connector. Its name is lower case, and taken by
// no other source connector.
func (r *Registry) AddSource(s Source) {
	checkName(s.Name, r.sources[s.Name] != nil)
	if s.Columns == nil || s.New == nil {
		panic(fmt.Sprintf("connector: source %q needs Columns and New", s.Name))
	}
	r.sources[s.Name] = &s
}

// AddSink adds a sink connector. Its name is lower case, and taken by no
// other sink connector.
func (r *Registry) AddSink(s Sink) {
	checkName(s.Name, r.sinks[s.Name] != nil)
	if s.Configure == nil {
		panic(fmt.Sprintf("connector: sink %q needs Configure", s.Name))
	}
	r.sinks[s.Name] = &s
}

// checkName panics on a connector name that is empty, not lower case, or
// taken: a mistake in a connector package, not in a statement.
func checkName(name string, taken bool) {
	switch {
	case name == "" || name != strings.ToLower(name):
		panic(fmt.Sprintf("connector: name %q is not a lower-case name", name))
	case taken:
		panic(fmt.Sprintf("connector: %q is registered twice", name))
	}
}

// Source returns the source connector named name (lower case).
func (r *Registry) Source(name string) (*Source, bool) {
	s, ok := r.sources[name]
	return s, ok
}

// Sink returns the sink connector named name (lower case).
func (r *Registry) Sink(name string) (*Sink, bool) {
	s, ok := r.sinks[name]
	return s, ok
}

// SourceNames lists the source connectors for messages: "datagen, file
// or kafka".
func (r *Registry) SourceNames() string { return listNames(slices.Sorted(maps.Keys(r.sources))) }

// SinkNames lists the sink connectors for messages: "blackhole, file or
// kafka".
func (r *Registry) SinkNames() string { return listNames(slices.Sorted(maps.Keys(r.sinks))) }

// AvroSinkNames lists the sink connectors that carry format avro.
func (r *Registry) AvroSinkNames() string {
	var names []string
	for _, n := range slices.Sorted(maps.Keys(r.sinks)) {
		if r.sinks[n].AvroSubject != nil {
			names = append(names, n)
		}
	}
	return listNames(names)
}

// listNames joins names as a sentence does: "a", "a or b", "a, b or c".
func listNames(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Without returns a copy of opts without the keys drop: a connector's
// options without the engine's own.
func Without(opts map[string]string, drop []string) map[string]string {
	out := maps.Clone(opts)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range drop {
		delete(out, k)
	}
	return out
}
