package delivery

import (
	"context"
	"strings"

	"github.com/weir-stream/weir/exec/connector"
)

// LookupDestination configures a new sink with options opts before the
// engine takes its DDL lock and, when its connector (of reg) provisions a
// destination, looks the destination up (connector.Provisioner). It returns
// the configuration, which keeps the answer, or nil when the options are
// not a sink connector's or not valid (the statement then fails under the
// lock).
func LookupDestination(ctx context.Context, reg *connector.Registry, opts map[string]string) connector.SinkConfig {
	c, ok := reg.Sink(strings.ToLower(opts["connector"]))
	if !ok {
		return nil
	}
	config, err := c.Configure(ConnectorOptions(opts))
	if err != nil {
		return nil
	}
	if p, ok := config.(connector.Provisioner); ok {
		p.Lookup(ctx)
	}
	return config
}
