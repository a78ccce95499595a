package connector

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Sink describes a sink connector: the options it takes and what it makes
// of them. How changes are encoded (the type, format, primary_key,
// exactly_once and schema.registry options) is the engine's: the options
// a sink connector is given are the sink's WITH options (lower-case keys)
// without those of the encoding, but with connector and exactly_once.
type Sink struct {
	// Name is the value of the connector option that selects it.
	Name string
	// Options are the options the connector takes besides the engine's
	// (empty, not nil, when it takes none): the engine refuses any other,
	// naming it. Nil leaves unknown options to Configure.
	Options []string
	// Configure checks a sink's options and returns the connector's
	// configuration of the sink, at CREATE SINK and whenever the sink
	// starts. Errors are *sqlstate.Error naming the option.
	Configure func(opts map[string]string) (SinkConfig, error)
	// AvroSubject, when set, says the connector carries format avro: the
	// sink's schemas are registered under the subjects AvroSubject(opts)
	// followed by "-value" and "-key".
	AvroSubject func(opts map[string]string) string
}

// SinkConfig is a sink as its connector configured it from its options.
// It may also be a NewSinkChecker and a Provisioner.
type SinkConfig interface {
	// NewWriter returns the writer delivering the sink's records.
	NewWriter(env Env, s SinkSpec) (exec.SinkWriter, error)
}

// NewSinkChecker is a SinkConfig that checks at CREATE SINK what a new
// sink named name writes to (a file sink's directory).
type NewSinkChecker interface {
	CheckNew(env Env, name string) error
}

// Provisioner is a SinkConfig that makes sure at CREATE SINK that what the
// sink writes to exists (a Kafka topic), after everything else accepted
// the sink.
type Provisioner interface {
	// Lookup asks what Provision needs to know (whether the topic exists)
	// and keeps the answer. The engine calls it before it takes its DDL
	// lock, so that a destination slow to answer does not hold up other
	// DDL.
	Lookup(ctx context.Context)
	// Provision makes the destination exist, unless Lookup found it (or
	// could not tell: its error is then Provision's). It returns notices
	// for the client and what it made ("" when nothing), which stays if
	// the statement fails after all.
	Provision(ctx context.Context) (notices []string, made string, err error)
}

// SinkSpec is what the engine gives a sink connector to deliver a sink's
// records with.
type SinkSpec struct {
	// Name is the sink's name.
	Name string
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
