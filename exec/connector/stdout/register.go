package stdout

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
)

// Register adds the stdout sink to r: it prints to the engine's output.
func Register(r *connector.Registry) {
	r.AddSink(connector.Sink{Name: "stdout", Options: []string{}, New: func(env connector.Env, s connector.SinkSpec) (exec.SinkWriter, error) {
		return NewSink(s.Name, env.Output()), nil
	}})
}
