// Package pipeline is weir's YAML front end: it reads ArkFlow-style pipeline
// files (a state_management: block and a list of streams:, each an input, a
// pipeline of SQL processors and an output) with errors that name the file,
// the line and the key, and compiles each stream to the statements the
// equivalent SQL would run, as AST nodes: CREATE STREAM for the input,
// CREATE MATERIALIZED VIEW for an aggregating query, CREATE SINK for the
// output. It knows neither the engine nor its configuration: the caller
// decodes the configuration blocks (Config), plans the query (QueryPlan) and
// runs the statements.
package pipeline

import (
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/weir-stream/weir/sql"
)

// File is a pipeline file: its logging level and its streams. Its server:
// and state_management: blocks are the engine's configuration, which Load
// decodes through a Config.
type File struct {
	// Path is the file the pipeline was read from, for errors.
	Path string
	// LogLevel is logging.level ("" when not given).
	LogLevel string
	Streams  []Stream
}

// Stream is one entry of `streams:`.
type Stream struct {
	// Line is where the entry starts in the file.
	Line int
	// ID is state.operator_id made a SQL name (lower case, every character
	// other than a letter, digit or _ made a _), or "stream_<n>" (n from
	// 1): the name of the stream's view, and the start of its input's and
	// sink's.
	ID         string
	Input      Input
	Processors []Processor
	// ThreadNum is pipeline.thread_num (1 when not given).
	ThreadNum int
	Output    Output
	// CustomKeys are state.custom_keys: names the stream's state is
	// listed under in SHOW PIPELINES.
	CustomKeys []string
}

// Input is a stream's `input:`.
type Input struct {
	Line int
	// Type is kafka, file, nexmark or generate.
	Type string
	// Kafka.
	Brokers         []string
	Topic           string
	ConsumerGroup   string
	StartFromLatest bool
	// File.
	Path string
	// Codec is json or csv (the records' format).
	Codec string
	// Nexmark.
	Table           string
	Events          int64
	EventsPerSecond int64
	// Generate (ArkFlow's): the JSON record Context repeated, BatchSize
	// records every Interval (as fast as possible when 0), Count in all
	// (0: without end).
	Context   string
	Interval  time.Duration
	BatchSize int64
	Count     int64
	// Schema is the input's columns, in order; empty when the file gives
	// none (they are then inferred from the first records: Columns).
	Schema []sql.ColumnDef
	// Watermark is the input's watermark: (WATERMARK FOR), nil without.
	Watermark *InputWatermark
}

// Processor is an entry of `pipeline.processors:`.
type Processor struct {
	Line int
	// Type is sql, or json_to_arrow / arrow_to_json (which weir's sources
	// and sinks do themselves: they change nothing).
	Type  string
	Query string
}

// Output is a stream's `output:`.
type Output struct {
	Line    int
	Type    string // stdout, kafka, file, blackhole
	Brokers []string
	Topic   string
	Path    string
	Codec   string // json or csv
}

// Config is the engine's configuration, which a pipeline file's server:
// and state_management: blocks set.
type Config interface {
	// DecodeYAML decodes those blocks from the whole file's text (so that
	// its errors' line numbers are the file's), refusing unknown keys; the
	// top-level keys logging and streams are the pipeline's, to skip.
	DecodeYAML(data []byte) error
	// Validate checks the configuration decoded.
	Validate() error
}

// Load reads and checks the pipeline file at path, decoding its
// configuration blocks into cfg. Errors name the file, the line and the
// key. The SQL of the processors is checked when the streams are compiled,
// against the inputs' schemas.
func Load(path string, cfg Config) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return Parse(path, data, cfg)
}

// Parse is Load of a file's text; path names it in errors.
func Parse(path string, data []byte, cfg Config) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := &File{Path: path}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty; a pipeline has state_management: and streams:", path)
	}
	r := &yamlReader{path: path}
	root := doc.Content[0]
	var configKey string // the first of server and state_management
	var configLine int
	if err := r.mapping(root, "", func(key string, v *yaml.Node) error {
		switch key {
		case "server", "state_management":
			if configKey == "" {
				configKey, configLine = key, v.Line
			}
			return nil // decoded below, by the configuration's own decoder
		case "logging":
			return r.mapping(v, "logging", func(k string, v *yaml.Node) error {
				if k != "level" {
					return r.unknown(v, "logging."+k, "level")
				}
				var err error
				f.LogLevel, err = r.str(v, "logging.level")
				return err
			})
		case "streams":
			if v.Kind != yaml.SequenceNode {
				return r.errorf(v.Line, "streams", "want a list of streams")
			}
			for i, sn := range v.Content {
				s, err := r.stream(sn, i)
				if err != nil {
					return err
				}
				f.Streams = append(f.Streams, s)
			}
			return nil
		}
		return r.unknown(v, key, "state_management, streams, server, logging")
	}); err != nil {
		return nil, err
	}
	if configKey != "" {
		if err := cfg.DecodeYAML(data); err != nil {
			return nil, r.errorf(configLine, configKey, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Streams) == 0 {
		return nil, r.errorf(root.Line, "streams", "the file has no streams")
	}
	seen := map[string]int{}
	for _, s := range f.Streams {
		if line, ok := seen[s.ID]; ok {
			return nil, r.errorf(s.Line, "state.operator_id", "%q is the operator_id of the stream at line %d too", s.ID, line)
		}
		seen[s.ID] = s.Line
	}
	return f, nil
}

// IsPipeline reports whether data is the text of a pipeline file rather
// than a server config: YAML with a top-level streams: key.
func IsPipeline(data []byte) bool {
	var top map[string]any
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	_, ok := top["streams"]
	return ok
}
