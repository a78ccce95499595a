package weir

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/exec/connector/blackhole"
	"github.com/weir-stream/weir/exec/connector/datagen"
	"github.com/weir-stream/weir/exec/connector/file"
	"github.com/weir-stream/weir/exec/connector/kafka"
	"github.com/weir-stream/weir/exec/connector/nexmark"
	"github.com/weir-stream/weir/exec/connector/stdout"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
)

// connectors are the source and sink connectors weir is built with: each
// package registers its own.
var connectors = connector.NewRegistry(blackhole.Register, datagen.Register, file.Register, kafka.Register, nexmark.Register, stdout.Register)

// connectorEnv is what the engine gives its connectors (connector.Env).
type connectorEnv struct{ e *Engine }

// Allocator implements connector.Env.
func (c connectorEnv) Allocator() memory.Allocator { return c.e.mem }

// Logger implements connector.Env.
func (c connectorEnv) Logger() *slog.Logger { return c.e.log }

// ResolvePath implements connector.Env: paths are confined to
// server.file_roots.
func (c connectorEnv) ResolvePath(path string) (string, error) { return c.e.roots.Resolve(path) }

// Output implements connector.Env: Config.SinkOutput, else os.Stdout.
func (c connectorEnv) Output() io.Writer {
	if c.e.cfg.SinkOutput != nil {
		return c.e.cfg.SinkOutput
	}
	return os.Stdout
}

// engineOptions are the stream options the engine handles for every
// connector; connectors do not see them.
var engineOptions = []string{"on.error", watermarks.OptIdleTimeout, watermarks.OptLateRows}

// connectorOptions returns a stream's opts without the engine's own options.
func connectorOptions(opts map[string]string) map[string]string {
	return connector.Without(opts, engineOptions)
}

// newConnectorSource returns the source of connector c reading stream s:
// key is the state key of its position, errs receives the records it
// cannot decode.
func (e *Engine) newConnectorSource(c *connector.Source, s *catalog.Object, key []byte, errs connector.RecordErrors) (exec.Source, error) {
	return c.New(connectorEnv{e}, connector.SourceSpec{Schema: s.ConnectorSchema(), Options: connectorOptions(s.Options), Key: key, Errors: errs})
}

// connectStream asks connector c what a new stream st with options opts
// and declared columns has for columns (without _row_id), and runs its
// check: it returns the columns and the warnings for the client. The
// options the connector adds (Kafka's include.*) are added to opts, which
// the catalog keeps.
func (e *Engine) connectStream(ctx context.Context, c *connector.Source, st *sql.CreateStream, opts map[string]string, declared []catalog.Column) ([]catalog.Column, []Warning, error) {
	copts := connectorOptions(opts)
	schema := (&catalog.Object{Columns: declared}).Schema()
	full, err := c.Columns(st, copts, schema)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(opts, copts)
	cols := slices.Clip(declared)
	for _, col := range full[len(declared):] {
		cols = append(cols, catalog.Column{Name: col.Name, Type: col.Type, NotNull: !col.Nullable})
	}
	var warnings []Warning
	if c.Check != nil {
		if warnings, err = c.Check(ctx, connectorEnv{e}, copts, schema); err != nil {
			return nil, nil, err
		}
	}
	return cols, warnings, nil
}
