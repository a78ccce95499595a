// Package nexmark is the built-in Nexmark generator source: the person,
// auction and bid events of the Nexmark auction benchmark, generated
// deterministically from a seed straight into Arrow builders, so that a user
// can run the benchmark queries with no Kafka at all.
//
// One generated event sequence is shared by every table: event number i is a
// person, an auction or a bid according to its position in blocks of 50
// (1 : 3 : 46), and its contents depend only on the seed and i. A source over
// one table emits the events of its kind and skips the others, so several
// sources over the same seed agree (the ids a bid references are those of
// people and auctions the other sources emit).
package nexmark

import (
	"strconv"
	"strings"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// RowIDColumn is the name of the hidden BIGINT column the source appends to
// the declared columns: the event's number in the generated sequence.
const RowIDColumn = "_row_id"

// DefaultBatchRows is the most rows a chunk holds unless nexmark.batch.rows
// says otherwise.
const DefaultBatchRows = 8192

// DefaultSeed is the seed of the event sequence unless nexmark.seed says otherwise.
const DefaultSeed = 0x6e65786d61726b

// MaxEventsPerSecond bounds nexmark.events.per.second.
const MaxEventsPerSecond = 1_000_000_000

// The tables, as nexmark.table names them.
const (
	TablePerson  = "person"
	TableAuction = "auction"
	TableBid     = "bid"
)

// Options configures a Source.
type Options struct {
	// Table is TablePerson, TableAuction or TableBid.
	Table string
	// TotalEvents is the length of the whole event sequence (every kind
	// counted); 0 means unbounded.
	TotalEvents int64
	// EventsPerSecond paces the whole sequence (every kind counted) and sets
	// the spacing of event timestamps; 0 generates as fast as possible, with
	// timestamps spaced as at DefaultEventTimeRate.
	EventsPerSecond int64
	// Seed selects the event sequence.
	Seed int64
	// BatchRows is the most rows a chunk holds.
	BatchRows int
	// Schema is the stream's declared columns (without RowIDColumn): a
	// subset of Columns(Table) in any order, with compatible types. Empty
	// means every column of the table.
	Schema types.Schema
	// Key is the state key the source records its position under.
	Key []byte
}

// ParseOptions validates the WITH options of CREATE STREAM ... WITH
// (connector = 'nexmark', ...) against the declared schema. Keys are
// case-insensitive. A trailing RowIDColumn in schema (the hidden column the
// engine appends) is ignored. Option errors are *sqlstate.Error 22023 naming
// the option; column errors name the column (42703 for a column the table
// does not have, 42804 for an incompatible type). Key is left for the caller.
func ParseOptions(opts map[string]string, schema types.Schema) (Options, error) {
	o := Options{Seed: DefaultSeed, BatchRows: DefaultBatchRows}
	for k, v := range opts {
		switch key := strings.ToLower(k); key {
		case "connector":
			if !strings.EqualFold(v, "nexmark") {
				return Options{}, bad("connector", "the nexmark source needs connector = 'nexmark', not %q", v)
			}
		case "nexmark.table", "nexmark.table.type":
			t := strings.ToLower(strings.TrimSpace(v))
			if columnsOf(t) == nil {
				return Options{}, bad(key, "%s must be 'bid', 'auction' or 'person', not %q", key, v)
			}
			o.Table = t
		case "nexmark.events.total", "nexmark.event.num":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 {
				return Options{}, bad(key, "%s must be a non-negative integer, not %q", key, v)
			}
			o.TotalEvents = n
		case "nexmark.events.per.second":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || n < 0 || n > MaxEventsPerSecond {
				return Options{}, bad(key, "%s must be an integer between 0 and %d, not %q", key, MaxEventsPerSecond, v)
			}
			o.EventsPerSecond = n
		case "nexmark.seed":
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return Options{}, bad(key, "%s must be an integer, not %q", key, v)
			}
			o.Seed = n
		case "nexmark.batch.rows", "nexmark.max.chunk.size":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 || n > 1<<20 {
				return Options{}, bad(key, "%s must be an integer between 1 and 1048576, not %q", key, v)
			}
			o.BatchRows = n
		default:
			return Options{}, bad(k, "unknown option %q for the nexmark source", k)
		}
	}
	if o.Table == "" {
		return Options{}, bad("nexmark.table", "the nexmark source needs a nexmark.table option ('bid', 'auction' or 'person')")
	}
	if n := len(schema); n > 0 && strings.EqualFold(schema[n-1].Name, RowIDColumn) && schema[n-1].Type == types.Int64Type {
		schema = schema[:n-1]
	}
	if _, err := resolve(o.Table, schema); err != nil {
		return Options{}, err
	}
	o.Schema = schema
	return o, nil
}

// Columns returns every column of a Nexmark table, named and typed as
// RisingWave's nexmark source declares them, or nil for an unknown table.
// The engine uses it for a stream declared without a column list.
func Columns(table string) types.Schema {
	fs := columnsOf(strings.ToLower(table))
	if fs == nil {
		return nil
	}
	out := make(types.Schema, len(fs))
	for i, f := range fs {
		out[i] = types.Column{Name: f.name, Type: f.typ, Nullable: true}
	}
	return out
}

func bad(key, format string, args ...any) error {
	e := sqlstate.Errorf(sqlstate.InvalidParameterValue, format, args...)
	return e.WithDetail("option: " + key)
}
