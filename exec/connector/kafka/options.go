// Package kafka is the Kafka source: a stream whose records are the messages
// of a Kafka topic, read from every partition (including partitions added
// while it runs) at the offsets recorded in committed state, so a restart
// continues exactly after what the last committed epoch saw.
package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// RowIDColumn is the name of the hidden BIGINT column the source appends
// after the declared and included columns: RowID of the record (its
// partition, offset and the topic's generation), unique and stable per
// record across restarts and across the topic's deletion and re-creation.
const RowIDColumn = "_row_id"

// DefaultBatchRows is the most records a chunk holds unless batch_rows says otherwise.
const DefaultBatchRows = 4096

// DefaultDiscoveryInterval is how often the source looks for new partitions
// (and refreshes the high watermarks behind Progress's lag).
const DefaultDiscoveryInterval = 10 * time.Second

// StartupMode says where a partition without recorded state starts.
type StartupMode string

// The startup modes.
const (
	// StartEarliest starts at the oldest retained record.
	StartEarliest StartupMode = "earliest"
	// StartLatest starts after the last record written before the source opened.
	StartLatest StartupMode = "latest"
	// StartGroup starts at the consumer group's committed offset (earliest
	// where the group has none).
	StartGroup StartupMode = "group"
)

// OnError says what happens to a record that does not decode.
type OnError string

// The error policies. Skip and DLQ both hand the record to Options.Errors
// and go on; the engine decides what the sink does with it.
const (
	ErrorSkip OnError = "skip"
	ErrorDLQ  OnError = "dlq"
	ErrorFail OnError = "fail"
)

// IncludeKind names a piece of record metadata exposed as a column.
type IncludeKind string

// The metadata a stream can include.
const (
	IncludeKey       IncludeKind = "key"       // BYTEA, or VARCHAR with include.key.type = 'varchar'
	IncludePartition IncludeKind = "partition" // INT
	IncludeOffset    IncludeKind = "offset"    // BIGINT
	IncludeTimestamp IncludeKind = "timestamp" // TIMESTAMPTZ
)

// IncludeColumn is one metadata column, emitted after the declared columns
// in the order of Options.Include.
type IncludeColumn struct {
	Kind IncludeKind
	Name string
	Type types.T
}

// Decoder decodes one record value into a row of b. On error it appends
// nothing. format.JSONDecoder and format.CSVDecoder satisfy it. A Decoder is
// used by one goroutine (the one calling Source.Next).
type Decoder interface {
	Decode(value []byte, b *format.RowBuilder) error
}

// ErrorSink receives the records that do not decode (on.error = 'skip' or
// 'dlq'). raw is the record value, valid only during the call. It is called
// from the goroutine calling Source.Next.
type ErrorSink interface {
	RecordError(partition int32, offset int64, raw []byte, err error)
}

// Security is how the source or the sink connects to the brokers.
type Security struct {
	// Protocol is PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
	Protocol string
	// CALocation, CertLocation and KeyLocation are PEM files (SSL, SASL_SSL).
	CALocation, CertLocation, KeyLocation string
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (SASL_*).
	Mechanism, Username, Password string
}

// Options configures a Source.
type Options struct {
	Topic   string
	Brokers []string
	// Format is the format option as given (validated by the engine, which
	// sets Decoder accordingly).
	Format      string
	StartupMode StartupMode
	// GroupID, when set, is the consumer group the offsets recorded at each
	// barrier are committed to, for lag monitoring only.
	GroupID       string
	OnError       OnError
	Include       []IncludeColumn
	ReadCommitted bool
	Security      Security
	// Schema is the stream's declared columns.
	Schema            types.Schema
	BatchRows         int
	DiscoveryInterval time.Duration

	// Key is the state key prefix the offsets are recorded under (set by the engine).
	Key []byte
	// Decoder decodes record values (set by the engine).
	Decoder Decoder
	// Errors receives undecodable records under skip and dlq; nil counts
	// and logs them only (set by the engine).
	Errors ErrorSink
}

// ParseOptions validates the WITH options of CREATE STREAM ... WITH
// (connector = 'kafka', ...) against the declared schema. Keys are
// case-insensitive. Errors are *sqlstate.Error 22023 naming the option
// (42701 for a column name clash). Key, Decoder and Errors are left for the
// caller to set.
func ParseOptions(opts map[string]string, schema types.Schema) (Options, error) {
	o := Options{
		StartupMode: StartEarliest, OnError: ErrorSkip, Schema: schema,
		BatchRows: DefaultBatchRows, DiscoveryInterval: DefaultDiscoveryInterval,
	}
	var keyType string
	conn := newConnOptions()
	include := map[IncludeKind]string{}
	// Sorted, so that of two bad options the same one is always reported.
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		switch key := strings.ToLower(k); key {
		case "connector":
			if !strings.EqualFold(v, "kafka") {
				return Options{}, bad(key, "the kafka source needs connector = 'kafka', not %q", v)
			}
		case "topic":
			o.Topic = v
		case "format":
			o.Format = strings.ToLower(v)
		case "scan.startup.mode":
			switch strings.ToLower(v) {
			case "earliest", "earliest-offset":
				o.StartupMode = StartEarliest
			case "latest", "latest-offset":
				o.StartupMode = StartLatest
			case "group", "group-offsets":
				o.StartupMode = StartGroup
			default:
				return Options{}, bad(key, "scan.startup.mode must be 'earliest', 'latest' or 'group', not %q", v)
			}
		case "group.id", "properties.group.id":
			if v == "" {
				return Options{}, bad(key, "group.id must not be empty")
			}
			o.GroupID = v
		case "on.error":
			switch e := OnError(strings.ToLower(v)); e {
			case ErrorSkip, ErrorDLQ, ErrorFail:
				o.OnError = e
			default:
				return Options{}, bad(key, "on.error must be 'skip', 'dlq' or 'fail', not %q", v)
			}
		case "include.key", "include.partition", "include.offset", "include.timestamp":
			name := strings.TrimSpace(v)
			if name == "" {
				return Options{}, bad(key, "%s must name a column", key)
			}
			include[IncludeKind(strings.TrimPrefix(key, "include."))] = name
		case "include.key.type":
			keyType = strings.ToLower(v)
		case "batch_rows":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1<<20 {
				return Options{}, bad(key, "batch_rows must be an integer between 1 and 1048576, not %q", v)
			}
			o.BatchRows = n
		case "scan.topic-partition-discovery.interval":
			d, err := parseDuration(v)
			if err != nil || d < 10*time.Millisecond {
				return Options{}, bad(key, "%s must be a duration of at least 10ms (e.g. '30s'), not %q", key, v)
			}
			o.DiscoveryInterval = d
		case "properties.isolation.level":
			switch strings.ToLower(v) {
			case "read_committed":
				o.ReadCommitted = true
			case "read_uncommitted":
				o.ReadCommitted = false
			default:
				return Options{}, bad(key, "%s must be 'read_committed' or 'read_uncommitted', not %q", key, v)
			}
		default:
			ok, err := conn.parse(key, v)
			if err != nil {
				return Options{}, err
			}
			if !ok {
				return Options{}, bad(k, "unknown option %q for the kafka source", k)
			}
		}
	}
	o.Brokers, o.Security = conn.brokers, conn.security
	if o.Topic == "" {
		return Options{}, bad("topic", "the kafka source needs a topic option")
	}
	if len(o.Brokers) == 0 {
		return Options{}, bad("brokers", "the kafka source needs a brokers option (host:port, ...)")
	}
	if o.StartupMode == StartGroup && o.GroupID == "" {
		return Options{}, bad("group.id", "scan.startup.mode = 'group' needs a group.id")
	}
	if err := conn.validate(); err != nil {
		return Options{}, err
	}
	if err := o.parseInclude(include, keyType); err != nil {
		return Options{}, err
	}
	if len(schema) == 0 {
		return Options{}, sqlstate.Errorf(sqlstate.InvalidParameterValue, "a kafka stream needs at least one column")
	}
	return o, nil
}

// parseInclude fills o.Include in a fixed order (key, partition, offset,
// timestamp) and checks the names clash with nothing.
func (o *Options) parseInclude(include map[IncludeKind]string, keyType string) error {
	if keyType != "" && include[IncludeKey] == "" {
		return bad("include.key.type", "include.key.type needs include.key")
	}
	seen := map[string]bool{strings.ToLower(RowIDColumn): true}
	for _, c := range o.Schema {
		if strings.EqualFold(c.Name, RowIDColumn) {
			return sqlstate.Errorf(sqlstate.DuplicateColumn, "column name %q is reserved by the kafka source", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
	}
	for _, kind := range []IncludeKind{IncludeKey, IncludePartition, IncludeOffset, IncludeTimestamp} {
		name, ok := include[kind]
		if !ok {
			continue
		}
		c := IncludeColumn{Kind: kind, Name: name}
		switch kind {
		case IncludeKey:
			switch keyType {
			case "", "bytea":
				c.Type = types.ByteaType
			case "varchar", "text":
				c.Type = types.TextType
			default:
				return bad("include.key.type", "include.key.type must be 'bytea' or 'varchar', not %q", keyType)
			}
		case IncludePartition:
			c.Type = types.Int32Type
		case IncludeOffset:
			c.Type = types.Int64Type
		case IncludeTimestamp:
			c.Type = types.TSTZType
		}
		if strings.EqualFold(name, RowIDColumn) {
			return sqlstate.Errorf(sqlstate.DuplicateColumn, "column name %q is reserved by the kafka source", name).
				WithDetail("option: include." + string(kind))
		}
		if seen[strings.ToLower(name)] {
			return sqlstate.Errorf(sqlstate.DuplicateColumn, "column %q of include.%s is already a column of the stream", name, kind).
				WithDetail("option: include." + string(kind))
		}
		seen[strings.ToLower(name)] = true
		o.Include = append(o.Include, c)
	}
	return nil
}

// validate checks the TLS and SASL options agree with the protocol, and
// that the certificate files load.
func (s Security) validate(sslKeys, saslKeys []string) error {
	useTLS := s.Protocol == "SSL" || s.Protocol == "SASL_SSL"
	useSASL := strings.HasPrefix(s.Protocol, "SASL_")
	if !useTLS && len(sslKeys) > 0 {
		return bad(sslKeys[0], "%s needs properties.security.protocol 'SSL' or 'SASL_SSL'", sslKeys[0])
	}
	if !useSASL && len(saslKeys) > 0 {
		return bad(saslKeys[0], "%s needs properties.security.protocol 'SASL_SSL' or 'SASL_PLAINTEXT'", saslKeys[0])
	}
	if useSASL {
		switch {
		case s.Mechanism == "":
			return bad("properties.sasl.mechanism", "properties.security.protocol %s needs properties.sasl.mechanism", s.Protocol)
		case s.Username == "":
			return bad("properties.sasl.username", "properties.security.protocol %s needs properties.sasl.username", s.Protocol)
		case s.Password == "":
			return bad("properties.sasl.password", "properties.security.protocol %s needs properties.sasl.password", s.Protocol)
		}
	}
	if useTLS {
		if _, err := s.TLSConfig(); err != nil {
			return err
		}
	}
	return nil
}

// TLSConfig returns the TLS configuration of SSL and SASL_SSL (nil for the
// other protocols), loading the CA and client certificate files. Errors are
// *sqlstate.Error 22023 naming the option of the file that failed.
func (s Security) TLSConfig() (*tls.Config, error) {
	if s.Protocol != "SSL" && s.Protocol != "SASL_SSL" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.CALocation != "" {
		pem, err := os.ReadFile(s.CALocation)
		if err != nil {
			return nil, bad("properties.ssl.ca.location", "cannot read the CA file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, bad("properties.ssl.ca.location", "the CA file holds no PEM certificate")
		}
		cfg.RootCAs = pool
	}
	switch {
	case s.CertLocation != "" && s.KeyLocation != "":
		cert, err := tls.LoadX509KeyPair(s.CertLocation, s.KeyLocation)
		if err != nil {
			return nil, bad("properties.ssl.certificate.location", "cannot load the client certificate and key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case s.CertLocation != "":
		return nil, bad("properties.ssl.key.location", "properties.ssl.certificate.location needs properties.ssl.key.location")
	case s.KeyLocation != "":
		return nil, bad("properties.ssl.certificate.location", "properties.ssl.key.location needs properties.ssl.certificate.location")
	}
	return cfg, nil
}

// parseDuration accepts a Go duration ('30s', '500ms') or a number of milliseconds.
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(n) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(strings.ReplaceAll(v, " ", ""))
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: %w", v, err)
	}
	return d, nil
}

func bad(key, format string, args ...any) *sqlstate.Error {
	e := sqlstate.Errorf(sqlstate.InvalidParameterValue, format, args...)
	return e.WithDetail("option: " + key)
}
