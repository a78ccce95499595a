package weir

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config configures an Engine. Its YAML form is the server's config file:
// the `server:` and `state_management:` blocks of DESIGN.md.
type Config struct {
	Server ServerConfig `yaml:"server"`
	State  StateConfig  `yaml:"state_management"`
	// Logger receives the engine's structured logs; nil discards them.
	Logger *slog.Logger `yaml:"-"`
	// RestoreFrom, when not 0, makes Open restore the checkpoint of that
	// epoch (one of the retained ones) instead of using the newest or the
	// local state of a clean shutdown (`weir serve --restore-from`).
	RestoreFrom uint64 `yaml:"-"`
	// SinkOutput is where stdout sinks print (os.Stdout when nil).
	SinkOutput io.Writer `yaml:"-"`
	// CheckpointHook, when set, is called at each step of every checkpoint
	// (statestore.CheckpointStep names them) and of every sink's delivery
	// ("sink-prepared", "sink-committing", "sink-committed"); crash tests kill the process
	// there.
	CheckpointHook func(step string) `yaml:"-"`
	// Clock, when set, is the wall clock barriers take their time from
	// (exec.Barrier.Time: a view's now(), TTL expiry); tests move it by hand.
	Clock func() time.Time `yaml:"-"`
}

// ServerConfig is the `server:` block.
type ServerConfig struct {
	Listen  string `yaml:"listen"`
	DataDir string `yaml:"data_dir"`
	// MetricsListen is the host:port where the engine serves Prometheus
	// metrics at GET /metrics (exec/metrics); empty, the default, serves none.
	MetricsListen string `yaml:"metrics_listen"`
	// MaxStatementBytes bounds a statement's text; a longer one is refused
	// with SQLSTATE 54000. 0 means DefaultMaxStatementBytes (16 MiB).
	MaxStatementBytes int `yaml:"max_statement_bytes"`
	// QueryMemoryLimit is the memory ad-hoc queries may use in DuckDB
	// ("4GB", "512MB"); a query that needs more fails with 53200. Empty
	// means a quarter of the machine's memory.
	QueryMemoryLimit string `yaml:"query_memory_limit"`
	// FileRoots are the directories the file connector (streams and
	// sinks) may read and write, once .. and symbolic links are resolved:
	// CREATE refuses other paths with 42501. Empty, the default, means the
	// directory the server was started in (unless it is /) and the data
	// directory.
	FileRoots []string `yaml:"file_roots"`
	// MaxConnections bounds the sessions open at once (Postgres'
	// max_connections); 0 means no bound. Past it a connection is refused
	// with 53300.
	MaxConnections int `yaml:"max_connections"`
	// MaxStartupConnections bounds the connections that have not finished
	// logging in; 0 means the wire server's default (64).
	MaxStartupConnections int `yaml:"max_startup_connections"`
	// SubscribeBufferBytes bounds the changes a SUBSCRIBE holds for a
	// client that does not read them; past it the subscription ends with
	// 53000. 0 means 64 MiB.
	SubscribeBufferBytes int64 `yaml:"subscribe_buffer_bytes"`
	// CursorConnections is how many DuckDB connections, apart from the
	// pool every session's queries share, cursors' open queries may keep
	// (exec/adhoc: Options.HeldConns), one session's a quarter of them (at
	// least one); 0 means 8. CursorMemoryBytes bounds the rows a cursor
	// reads into memory instead when it may take none of them; past it
	// DECLARE fails with 53000. 0 means 64 MiB.
	CursorConnections int   `yaml:"cursor_connections"`
	CursorMemoryBytes int64 `yaml:"cursor_memory_bytes"`
	// Auth and TLS are how clients connect (auth.go).
	Auth AuthConfig `yaml:"auth"`
	TLS  TLSConfig  `yaml:"tls"`
}

// StateConfig is the `state_management:` block, with the keys ArkFlow
// users know.
type StateConfig struct {
	// Enabled false keeps state in the data directory without checkpoints.
	Enabled bool `yaml:"enabled"`
	// BackendType is where checkpoints go: memory (none: state is lost at
	// exit), local (data_dir/checkpoints), s3 (s3_config), or hybrid (local
	// at every checkpoint, S3 at every s3_upload_every-th).
	BackendType          string `yaml:"backend_type"`
	CheckpointIntervalMS int64  `yaml:"checkpoint_interval_ms"`
	RetainedCheckpoints  int    `yaml:"retained_checkpoints"`
	// S3UploadEvery is, with backend hybrid, how many local checkpoints
	// there are per checkpoint to S3.
	S3UploadEvery int `yaml:"s3_upload_every"`
	// ExactlyOnce true makes FLUSH and DDL return once a checkpoint holds
	// their effects; false returns as soon as they are visible (lower
	// latency; views over streams rewind with their sources after a crash).
	ExactlyOnce bool `yaml:"exactly_once"`
	// SynchronousCommit is the default of the sessions' synchronous_commit:
	// on (an INSERT, UPDATE, DELETE or COMMIT is answered once it is visible
	// and synced to the table write log, which a restart after a crash
	// applies again) or off (once it is visible; a crash of the machine may
	// lose the writes of the last moments, as in Postgres).
	SynchronousCommit string `yaml:"synchronous_commit"`
	// StateTimeoutMS, when positive, expires the groups of every view not
	// changed for that long (a view's ttl option overrides it).
	StateTimeoutMS int64    `yaml:"state_timeout_ms"`
	S3             S3Config `yaml:"s3_config"`
}

// DefaultMaxStatementBytes is the default of server.max_statement_bytes.
const DefaultMaxStatementBytes = 16 << 20

// S3Config is the `s3_config:` block of `state_management:`: where
// backend_type s3 writes checkpoints. Without keys the AWS default
// credential chain is used; with endpoint_url (MinIO and other S3-compatible
// stores) addressing is path-style.
type S3Config struct {
	Bucket          string `yaml:"bucket"`
	Region          string `yaml:"region"`
	Prefix          string `yaml:"prefix"`
	EndpointURL     string `yaml:"endpoint_url"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
}

// DefaultConfig returns the configuration `weir serve` starts from: state on
// local disk under ./weir-data, an epoch every second.
func DefaultConfig() Config {
	return Config{
		Server: ServerConfig{Listen: "127.0.0.1:5454", DataDir: "weir-data", MaxConnections: 100},
		State: StateConfig{
			Enabled:              true,
			BackendType:          "local",
			CheckpointIntervalMS: 1000,
			RetainedCheckpoints:  5,
			S3UploadEvery:        10,
			ExactlyOnce:          true,
			SynchronousCommit:    "on",
		},
	}
}

// LoadConfig reads a YAML config file over DefaultConfig. Unknown keys and
// bad values are errors naming the file, the line and the key.
func LoadConfig(path string) (Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w%s", path, err, quoteLines(data, err.Error()))
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// stateTimeout is StateTimeoutMS as a duration (0: groups never expire).
func (c StateConfig) stateTimeout() time.Duration {
	return time.Duration(c.StateTimeoutMS) * time.Millisecond
}

// Validate checks the values of c and names the offending key.
func (c Config) Validate() error {
	if err := c.Server.validateSecurity(); err != nil {
		return err
	}
	if c.Server.MaxConnections < 0 {
		return fmt.Errorf("server.max_connections: must be 0 (no bound) or positive, got %d", c.Server.MaxConnections)
	}
	if c.Server.MaxStartupConnections < 0 {
		return fmt.Errorf("server.max_startup_connections: must be 0 (the default, 64) or positive, got %d", c.Server.MaxStartupConnections)
	}
	if c.Server.SubscribeBufferBytes < 0 {
		return fmt.Errorf("server.subscribe_buffer_bytes: must not be negative, got %d", c.Server.SubscribeBufferBytes)
	}
	if c.Server.CursorConnections < 0 {
		return fmt.Errorf("server.cursor_connections: must be 0 (the default, 8) or positive, got %d", c.Server.CursorConnections)
	}
	if c.Server.CursorMemoryBytes < 0 {
		return fmt.Errorf("server.cursor_memory_bytes: must not be negative, got %d", c.Server.CursorMemoryBytes)
	}
	if c.Server.MaxStatementBytes < 0 || c.Server.MaxStatementBytes > 64<<20 {
		return fmt.Errorf("server.max_statement_bytes: must be between 0 and %d (the protocol's message bound), got %d", 64<<20, c.Server.MaxStatementBytes)
	}
	if c.Server.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.Server.MetricsListen); err != nil {
			return fmt.Errorf("server.metrics_listen: %w", err)
		}
	}
	switch c.State.BackendType {
	case "memory", "local":
	case "s3", "hybrid":
		if c.State.S3.Bucket == "" {
			return fmt.Errorf("state_management.s3_config.bucket: required with backend_type %s", c.State.BackendType)
		}
		if (c.State.S3.AccessKeyID == "") != (c.State.S3.SecretAccessKey == "") {
			return fmt.Errorf("state_management.s3_config: access_key_id and secret_access_key go together (or leave both out for the AWS default credentials)")
		}
		if c.State.BackendType == "hybrid" && c.State.S3UploadEvery < 1 {
			return fmt.Errorf("state_management.s3_upload_every: must be at least 1, got %d", c.State.S3UploadEvery)
		}
	default:
		return fmt.Errorf("state_management.backend_type: unknown backend %q (memory, local, s3 or hybrid)", c.State.BackendType)
	}
	switch c.State.SynchronousCommit {
	case "", "on", "off":
	default:
		return fmt.Errorf("state_management.synchronous_commit: must be on or off, got %q", c.State.SynchronousCommit)
	}
	for i, r := range c.Server.FileRoots {
		if strings.TrimSpace(r) == "" {
			return fmt.Errorf("server.file_roots[%d]: empty path", i)
		}
	}
	if c.State.CheckpointIntervalMS <= 0 {
		return fmt.Errorf("state_management.checkpoint_interval_ms: must be positive, got %d", c.State.CheckpointIntervalMS)
	}
	if c.State.StateTimeoutMS < 0 {
		return fmt.Errorf("state_management.state_timeout_ms: must be 0 (keys never expire) or positive, got %d", c.State.StateTimeoutMS)
	}
	if c.State.RetainedCheckpoints < 1 {
		return fmt.Errorf("state_management.retained_checkpoints: must be at least 1, got %d", c.State.RetainedCheckpoints)
	}
	if c.State.BackendType != "memory" && c.Server.DataDir == "" {
		return fmt.Errorf("server.data_dir: required with backend_type %s", c.State.BackendType)
	}
	return nil
}

func (c Config) interval() time.Duration {
	return time.Duration(c.State.CheckpointIntervalMS) * time.Millisecond
}

// lineRef finds the "line N:" references of a YAML error.
var lineRef = regexp.MustCompile(`line (\d+):`)

// quoteLines returns the lines of data that msg refers to by number, so that
// an error whose text names only a line ("cannot unmarshal !!str into int")
// also shows the key.
func quoteLines(data []byte, msg string) string {
	lines := strings.Split(string(data), "\n")
	var b strings.Builder
	for _, m := range lineRef.FindAllStringSubmatch(msg, -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > len(lines) {
			continue
		}
		fmt.Fprintf(&b, "\n  line %d: %s", n, strings.TrimSpace(lines[n-1]))
	}
	return b.String()
}
