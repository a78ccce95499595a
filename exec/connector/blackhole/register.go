package blackhole

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
)

// Register adds the blackhole sink to r.
func Register(r *connector.Registry) {
	r.AddSink(connector.Sink{Name: "blackhole", Options: []string{},
		New: func(connector.Env, connector.SinkSpec) (exec.SinkWriter, error) { return &Sink{}, nil }})
}
