package weir

import (
	"bytes"

	"gopkg.in/yaml.v3"

	"github.com/weir-stream/weir/sql/pipeline"
)

// Pipeline is an ArkFlow-style pipeline file (package sql/pipeline reads
// it): the `state_management:` block (the server config's keys),
// optionally `server:` and `logging:`, and a list of `streams:`, each an
// input, a pipeline of SQL processors and an output. Engine.StartPipeline
// runs the statements each stream compiles to: the streams, views and sinks
// the equivalent SQL would create.
type Pipeline struct {
	pipeline.File
	// Config is the file's server and state_management blocks over
	// DefaultConfig.
	Config Config
}

// LoadPipeline reads and checks a pipeline file. Errors name the file, the
// line and the key. The SQL of the processors is checked when the pipeline
// starts (Engine.StartPipeline), against the inputs' schemas.
func LoadPipeline(path string) (*Pipeline, error) {
	p := &Pipeline{Config: DefaultConfig()}
	f, err := pipeline.Load(path, (*pipelineConfig)(&p.Config))
	if err != nil {
		return nil, err
	}
	p.File = *f
	return p, nil
}

// pipelineConfig is a Config as a pipeline file's configuration blocks
// set it (pipeline.Config).
type pipelineConfig Config

// DecodeYAML decodes the server and state_management blocks of the
// pipeline file whose text is data over c.
func (c *pipelineConfig) DecodeYAML(data []byte) error {
	whole := struct {
		Config  `yaml:",inline"`
		Logging yaml.Node `yaml:"logging"`
		Streams yaml.Node `yaml:"streams"`
	}{Config: Config(*c)}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&whole); err != nil {
		return err
	}
	*c = pipelineConfig(whole.Config)
	return nil
}

// Validate checks c as Config.Validate does.
func (c *pipelineConfig) Validate() error { return Config(*c).Validate() }
