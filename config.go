package weir

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
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
}

// ServerConfig is the `server:` block.
type ServerConfig struct {
	Listen  string `yaml:"listen"`
	DataDir string `yaml:"data_dir"`
}

// StateConfig is the `state_management:` block. The keys are those ArkFlow
// users know; backends other than memory and local come with the
// checkpoint issue.
type StateConfig struct {
	Enabled              bool   `yaml:"enabled"`
	BackendType          string `yaml:"backend_type"` // memory | local
	CheckpointIntervalMS int64  `yaml:"checkpoint_interval_ms"`
	RetainedCheckpoints  int    `yaml:"retained_checkpoints"`
	ExactlyOnce          bool   `yaml:"exactly_once"`
	StateTimeoutMS       int64  `yaml:"state_timeout_ms"`
}

// DefaultConfig returns the configuration `weir serve` starts from: state on
// local disk under ./weir-data, an epoch every second.
func DefaultConfig() Config {
	return Config{
		Server: ServerConfig{Listen: "127.0.0.1:5454", DataDir: "weir-data"},
		State: StateConfig{
			Enabled:              true,
			BackendType:          "local",
			CheckpointIntervalMS: 1000,
			RetainedCheckpoints:  5,
			ExactlyOnce:          true,
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
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Validate checks the values of c and names the offending key.
func (c Config) Validate() error {
	switch c.State.BackendType {
	case "memory", "local":
	case "s3", "hybrid":
		return fmt.Errorf("state_management.backend_type: %q is not available yet (memory or local)", c.State.BackendType)
	default:
		return fmt.Errorf("state_management.backend_type: unknown backend %q (memory or local)", c.State.BackendType)
	}
	if c.State.CheckpointIntervalMS <= 0 {
		return fmt.Errorf("state_management.checkpoint_interval_ms: must be positive, got %d", c.State.CheckpointIntervalMS)
	}
	if c.State.BackendType == "local" && c.Server.DataDir == "" {
		return fmt.Errorf("server.data_dir: required with backend_type local")
	}
	return nil
}

func (c Config) interval() time.Duration {
	return time.Duration(c.State.CheckpointIntervalMS) * time.Millisecond
}
