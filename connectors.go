package weir

import (
	"context"
	"sort"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/datagen"
	"github.com/weir-stream/weir/exec/connector/file"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/exec/connector/kafka"
	"github.com/weir-stream/weir/exec/connector/nexmark"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// connector is what the engine knows of one kind of stream (the connector
// option of CREATE STREAM): which columns its records have and how to read
// them.
type connector struct {
	// columns returns the stream's columns (without _row_id) from the
	// declared ones and the INCLUDE clauses; a connector with a fixed record
	// shape supplies them when none are declared. It validates opts.
	columns func(st *sql.CreateStream, opts map[string]string, declared []catalog.Column) ([]catalog.Column, error)
	// newSource returns the source reading stream s for view; key is the
	// state key under which the source records its position, and errs
	// receives the records it cannot decode. opts are s.Options without the
	// engine's own (on.error).
	newSource func(e *Engine, s *catalog.Object, opts map[string]string, key []byte, errs *streamErrorSink) (exec.Source, error)
	// check, when set, looks at what a new stream reads at CREATE STREAM,
	// after columns validated its options: an error refuses the stream;
	// warnings go to the client.
	check func(ctx context.Context, e *Engine, opts map[string]string, declared []catalog.Column) ([]Warning, error)
}

// connectors are the stream connectors by name.
var connectors = map[string]connector{
	"file":    {columns: fileColumns, newSource: newFileSource, check: checkFileStream},
	"nexmark": {columns: nexmarkColumns, newSource: newNexmarkSource},
	"datagen": {columns: datagenColumns, newSource: newDatagenSource},
	"kafka":   {columns: kafkaColumns, newSource: newKafkaSource, check: checkKafkaStream},
}

// connectorNames lists the connectors for error messages.
func connectorNames() string {
	names := make([]string, 0, len(connectors))
	for n := range connectors {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// noIncludes refuses INCLUDE clauses for connectors whose records have no
// metadata.
func noIncludes(st *sql.CreateStream, name string) error {
	for _, inc := range st.Includes {
		return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, inc.Pos, "INCLUDE %s is not supported by the %s connector", inc.What, name)
	}
	return nil
}

// needColumns refuses a stream without columns for connectors that cannot
// know them.
func needColumns(st *sql.CreateStream, declared []catalog.Column, name string) error {
	if len(declared) == 0 {
		return sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos, "a %s stream needs a column list", name)
	}
	return nil
}

// streamSchema is the schema of a stream's declared columns, without _row_id.
func streamSchema(s *catalog.Object) types.Schema {
	full := s.FullSchema()
	return full[:len(full)-1]
}

func fileColumns(st *sql.CreateStream, opts map[string]string, declared []catalog.Column) ([]catalog.Column, error) {
	if err := noIncludes(st, "file"); err != nil {
		return nil, err
	}
	if err := needColumns(st, declared, "file"); err != nil {
		return nil, err
	}
	if _, err := file.ParseOptions(connectorOptions(opts), (&catalog.Object{Columns: declared}).FullSchema()); err != nil {
		return nil, err
	}
	return declared, nil
}

func newFileSource(e *Engine, s *catalog.Object, opts map[string]string, key []byte, errs *streamErrorSink) (exec.Source, error) {
	o, err := file.ParseOptions(opts, streamSchema(s))
	if err != nil {
		return nil, err
	}
	o.Key = key
	o.Logger = e.log
	o.Resolve = e.resolveFilePath
	return file.NewSource(o, e.mem, errs)
}

// engineOptions are the stream options the engine handles for every
// connector; connectors do not see them.
var engineOptions = []string{"on.error"}

// connectorOptions returns a stream's opts without the engine's own options.
func connectorOptions(opts map[string]string) map[string]string {
	return withoutOptions(opts, engineOptions)
}

// withoutOptions returns a copy of opts without the keys of engine.
func withoutOptions(opts map[string]string, engine []string) map[string]string {
	out := make(map[string]string, len(opts))
	for k, v := range opts {
		out[k] = v
	}
	for _, k := range engine {
		delete(out, k)
	}
	return out
}

// nexmarkColumns: the declared columns must be fields of the table; with
// none declared, the stream has every column of the table.
func nexmarkColumns(st *sql.CreateStream, opts map[string]string, declared []catalog.Column) ([]catalog.Column, error) {
	if err := noIncludes(st, "nexmark"); err != nil {
		return nil, err
	}
	o, err := nexmark.ParseOptions(connectorOptions(opts), (&catalog.Object{Columns: declared}).Schema())
	if err != nil {
		return nil, err
	}
	if len(declared) > 0 {
		return declared, nil
	}
	var cols []catalog.Column
	for _, c := range nexmark.Columns(o.Table) {
		cols = append(cols, catalog.Column{Name: c.Name, Type: c.Type})
	}
	return cols, nil
}

func newNexmarkSource(e *Engine, s *catalog.Object, opts map[string]string, key []byte, _ *streamErrorSink) (exec.Source, error) {
	o, err := nexmark.ParseOptions(opts, streamSchema(s))
	if err != nil {
		return nil, err
	}
	o.Key = key
	return nexmark.NewSource(o, e.mem)
}

func datagenColumns(st *sql.CreateStream, opts map[string]string, declared []catalog.Column) ([]catalog.Column, error) {
	if err := noIncludes(st, "datagen"); err != nil {
		return nil, err
	}
	if err := needColumns(st, declared, "datagen"); err != nil {
		return nil, err
	}
	if _, err := datagen.ParseOptions(connectorOptions(opts), (&catalog.Object{Columns: declared}).Schema()); err != nil {
		return nil, err
	}
	return declared, nil
}

func newDatagenSource(e *Engine, s *catalog.Object, opts map[string]string, key []byte, _ *streamErrorSink) (exec.Source, error) {
	o, err := datagen.ParseOptions(opts, streamSchema(s))
	if err != nil {
		return nil, err
	}
	o.Key = key
	return datagen.NewSource(o, e.mem)
}

// kafkaColumns are the declared columns, then the record metadata the
// INCLUDE clauses name (as include.* options, which the catalog keeps).
func kafkaColumns(st *sql.CreateStream, opts map[string]string, declared []catalog.Column) ([]catalog.Column, error) {
	if err := needColumns(st, declared, "kafka"); err != nil {
		return nil, err
	}
	for _, inc := range st.Includes {
		name := "kafka_" + inc.What
		if inc.Alias != nil {
			name = inc.Alias.Value
		}
		opts["include."+inc.What] = name
	}
	schema := (&catalog.Object{Columns: declared}).Schema()
	o, err := kafka.ParseOptions(connectorOptions(opts), schema)
	if err != nil {
		return nil, err
	}
	if _, err := format.NewDecoder(o.Format, connectorOptions(opts), schema); err != nil {
		return nil, err
	}
	cols := declared
	for _, c := range o.Include {
		cols = append(cols, catalog.Column{Name: c.Name, Type: c.Type})
	}
	return cols, nil
}

// kafkaIncludes counts the metadata columns at the end of a kafka stream.
func kafkaIncludes(opts map[string]string) int {
	n := 0
	for k := range opts {
		if strings.HasPrefix(k, "include.") && k != "include.key.type" {
			n++
		}
	}
	return n
}

func newKafkaSource(e *Engine, s *catalog.Object, opts map[string]string, key []byte, errs *streamErrorSink) (exec.Source, error) {
	schema := streamSchema(s)
	schema = schema[:len(schema)-kafkaIncludes(opts)]
	o, err := kafka.ParseOptions(opts, schema)
	if err != nil {
		return nil, err
	}
	if o.Decoder, err = format.NewDecoder(o.Format, opts, schema); err != nil {
		return nil, err
	}
	o.Key = key
	o.Errors = partitionErrorSink{errs}
	return kafka.NewSource(o, e.mem, e.log)
}

// partitionErrorSink hands a Kafka source's bad records to the stream's sink.
type partitionErrorSink struct{ s *streamErrorSink }

// RecordError takes a record that did not decode.
func (p partitionErrorSink) RecordError(partition int32, offset int64, raw []byte, err error) {
	p.s.RecordPartitionError(partition, offset, raw, err)
}
