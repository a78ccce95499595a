package connector_test

import (
	"strings"
	"testing"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// testSource and testSink are connectors that do nothing, under a name.
func testSource(name string) connector.Source {
	return connector.Source{Name: name,
		Columns: func(_ *sql.CreateStream, _ map[string]string, declared types.Schema) (types.Schema, error) {
			return declared, nil
		},
		New: func(connector.Env, connector.SourceSpec) (exec.Source, error) { return nil, nil }}
}

func testSink(name string, avro bool) connector.Sink {
	s := connector.Sink{Name: name, Options: []string{},
		Configure: func(map[string]string) (connector.SinkConfig, error) { return nil, nil }}
	if avro {
		s.AvroSubject = func(opts map[string]string) string { return opts["topic"] }
	}
	return s
}

// TestRegistry: connectors are found by name, and the lists for messages
// come from what was registered, sorted, as a sentence.
func TestRegistry(t *testing.T) {
	r := connector.NewRegistry(
		func(r *connector.Registry) { r.AddSource(testSource("kafka")); r.AddSink(testSink("kafka", true)) },
		func(r *connector.Registry) { r.AddSink(testSink("stdout", false)) },
		func(r *connector.Registry) { r.AddSource(testSource("file")); r.AddSink(testSink("file", false)) },
		func(r *connector.Registry) { r.AddSource(testSource("datagen")) },
	)
	if s, ok := r.Source("file"); !ok || s.Name != "file" {
		t.Errorf("Source(file) = %v, %v", s, ok)
	}
	if _, ok := r.Source("stdout"); ok {
		t.Error("stdout is a sink, not a source")
	}
	if _, ok := r.Sink("FILE"); ok {
		t.Error("names are looked up as given (lower case)")
	}
	for _, c := range []struct{ got, want string }{
		{r.SourceNames(), "datagen, file or kafka"},
		{r.SinkNames(), "file, kafka or stdout"},
		{r.AvroSinkNames(), "kafka"},
		{connector.NewRegistry(func(r *connector.Registry) { r.AddSink(testSink("a", false)); r.AddSink(testSink("b", false)) }).SinkNames(), "a or b"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestRegistryRefuses: a name registered twice, a name not in lower case
// and a descriptor without its constructor are mistakes of a connector
// package, caught when the registry is built.
func TestRegistryRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		add  func(*connector.Registry)
		want string
	}{
		{"twice", func(r *connector.Registry) { r.AddSink(testSink("file", false)); r.AddSink(testSink("file", false)) }, `"file" is registered twice`},
		{"upper case", func(r *connector.Registry) { r.AddSource(testSource("Kafka")) }, `"Kafka" is not a lower-case name`},
		{"empty", func(r *connector.Registry) { r.AddSource(testSource("")) }, `"" is not a lower-case name`},
		{"no Configure", func(r *connector.Registry) { r.AddSink(connector.Sink{Name: "x", Options: []string{}}) }, `sink "x" needs Configure`},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, c.want) {
					t.Errorf("panic %q, want %q", msg, c.want)
				}
			}()
			connector.NewRegistry(c.add)
		})
	}
}

// TestWithout: the engine's options are taken out of a copy.
func TestWithout(t *testing.T) {
	opts := map[string]string{"connector": "file", "path": "/tmp", "on.error": "skip"}
	got := connector.Without(opts, []string{"on.error"})
	if len(got) != 2 || got["path"] != "/tmp" || got["connector"] != "file" {
		t.Errorf("Without = %v", got)
	}
	if opts["on.error"] != "skip" {
		t.Error("Without changed its argument")
	}
}
