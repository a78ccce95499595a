package blackhole

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
)

// Register adds the blackhole sink to r.
func Register(r *connector.Registry) {
	r.AddSink(connector.Sink{Name: "blackhole", Options: []string{},
		Configure: func(map[string]string) (connector.SinkConfig, error) { return sinkConfig{}, nil }})
}

// sinkConfig is a blackhole sink's configuration: it has none.
type sinkConfig struct{}

// NewWriter implements connector.SinkConfig.
func (sinkConfig) NewWriter(connector.Env, connector.SinkSpec) (exec.SinkWriter, error) {
	return &Sink{}, nil
}
