package connector

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Source describes a source connector: what a stream reading through it
// has for columns, and how its records are read. The options it is given
// are the stream's WITH options (lower-case keys) without the engine's own
// (on.error).
type Source struct {
	// Name is the value of the connector option that selects it.
	Name string
	// Columns returns the stream's columns (without the engine's _row_id):
	// the declared ones, then those the INCLUDE clauses of st add; a
	// connector with a fixed record shape supplies them all when none are
	// declared. It checks opts (errors are *sqlstate.Error naming the
	// option) and may add options to it, which the catalog keeps with the
	// stream (Kafka records its INCLUDE clauses so).
	Columns func(st *sql.CreateStream, opts map[string]string, declared types.Schema) (types.Schema, error)
	// Check, when set, looks at what a new stream reads at CREATE STREAM,
	// after Columns accepted its options, before the engine's DDL lock is
	// taken: an error refuses the stream; warnings go to the client.
	Check func(ctx context.Context, env Env, opts map[string]string, declared types.Schema) ([]session.Warning, error)
	// New returns the source reading a stream for one view.
	New func(env Env, s SourceSpec) (exec.Source, error)
	// Unique, when set, names the columns of a stream with options opts
	// and declared columns whose values its records never repeat and
	// never leave NULL (Nexmark's auction and person ids); the planner
	// proves joins' one-per-key sides from them.
	Unique func(opts map[string]string, declared types.Schema) []string
}

// SourceSpec is what the engine gives a source connector to read a
// stream with.
type SourceSpec struct {
	// Schema is the stream's columns, without _row_id.
	Schema types.Schema
	// Options are the stream's options, without the engine's own.
	Options map[string]string
	// Key is the state key under which the source records its position.
	Key []byte
	// Errors receives the records the source cannot decode.
	Errors RecordErrors
}

// RecordErrors takes the records a source cannot decode, which count
// against the stream's on.error policy and are kept as dead letters.
type RecordErrors interface {
	// RecordError takes a bad record at offset of an unpartitioned input
	// (a file), on line (-1 when the input has no lines).
	RecordError(offset, line int64, raw []byte, err error)
	// RecordPartitionError takes a bad record at offset of a partition.
	RecordPartitionError(partition int32, offset int64, raw []byte, err error)
}

// NoIncludes refuses INCLUDE clauses for the connectors whose records
// have no metadata.
func NoIncludes(st *sql.CreateStream, connector string) error {
	for _, inc := range st.Includes {
		return sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, inc.Pos, "INCLUDE %s is not supported by the %s connector", inc.What, connector)
	}
	return nil
}

// NeedColumns refuses a stream without declared columns for the
// connectors that cannot know them.
func NeedColumns(st *sql.CreateStream, declared types.Schema, connector string) error {
	if len(declared) == 0 {
		return sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos, "a %s stream needs a column list", connector)
	}
	return nil
}
