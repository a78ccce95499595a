package connector

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Sink describes a sink connector: the options it takes, its checks at
// CREATE SINK, and how it delivers records. How changes are encoded (the
// type, format, primary_key, exactly_once and schema.registry options) is
// the engine's: the options a sink connector is given are the sink's WITH
// options (lower-case keys) without those of the encoding, but with
// connector and exactly_once.
type Sink struct {
	// Name is the value of the connector option that selects it.
	Name string
	// Options are the options the connector takes besides the engine's
	// (empty, not nil, when it takes none): the engine refuses any other,
	// naming it. Nil leaves unknown options to Check.
	Options []string
	// Check, when set, checks a sink's options, at CREATE SINK and when
	// the sink starts. Errors are *sqlstate.Error naming the option.
	Check func(opts map[string]string) error
	// CheckNew, when set, checks at CREATE SINK, after Check, what a new
	// sink named name writes to (a file sink's directory).
	CheckNew func(env Env, name string, opts map[string]string) error
	// AvroSubject, when set, says the connector carries format avro: the
	// sink's schemas are registered under the subjects AvroSubject(opts)
	// followed by "-value" and "-key".
	AvroSubject func(opts map[string]string) string
	// Provision, when set, makes sure at CREATE SINK that what the sink
	// writes to exists (a Kafka topic), after everything else accepted the
	// sink. It returns notices for the client and what it made ("" when
	// nothing), which stays if the statement fails after all. looked is
	// what Lookup returned (nil when it was not called).
	Provision func(ctx context.Context, opts map[string]string, looked any) (notices []string, made string, err error)
	// Lookup, when set, asks before the engine's DDL lock is taken what
	// Provision would (whether a topic exists): so that a destination slow
	// to answer does not hold up other DDL. opts are not checked yet; it
	// returns nil when it cannot tell.
	Lookup func(ctx context.Context, opts map[string]string) any
	// New returns the writer delivering a sink's records.
	New func(env Env, s SinkSpec) (exec.SinkWriter, error)
}

// SinkSpec is what the engine gives a sink connector to deliver a sink's
// records with.
type SinkSpec struct {
	// Name is the sink's name.
	Name string
	// Options are the sink's options, without the engine's.
	Options map[string]string
	// Format is how its records are encoded: json, csv or avro.
	Format string
	// ExactlyOnce says deliveries wait for checkpoints and are committed
	// once (the exactly_once option, or the server's default).
	ExactlyOnce bool
	// Log is the state table of the sink's undelivered records: the same
	// across restarts, and new for a sink dropped and created again under
	// the same name.
	Log statestore.TableID
}
