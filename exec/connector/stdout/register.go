package stdout

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
)

// Register adds the stdout sink to r: it prints to the engine's output.
func Register(r *connector.Registry) {
	r.AddSink(connector.Sink{Name: "stdout", Options: []string{},
		Configure: func(map[string]string) (connector.SinkConfig, error) { return sinkConfig{}, nil }})
}

// sinkConfig is a stdout sink's configuration: it has none.
type sinkConfig struct{}

// NewWriter implements connector.SinkConfig.
func (sinkConfig) NewWriter(env connector.Env, s connector.SinkSpec) (exec.SinkWriter, error) {
	return NewSink(s.Name, env.Output()), nil
}
