package weir

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/delivery"
	"github.com/weir-stream/weir/planner/catalog"
)

// sinkDriver is a running sink's delivery (exec/delivery), with the name
// and spec weir_sinks shows of it.
type sinkDriver struct {
	*delivery.Driver
	name string
	spec delivery.Spec
}

func newSinkDriver(e *Engine, o *catalog.Object, spec delivery.Spec, w exec.SinkWriter) *sinkDriver {
	return &sinkDriver{name: o.Name, spec: spec, Driver: delivery.New(delivery.Options{
		Name: o.Name, Log: o.StateTables[0], Store: e.store, Writer: w,
		Committed: e.coord.Committed,
		Durable:   func() exec.Epoch { return e.deliverable(spec.ExactlyOnce) },
		Hook:      e.cfg.CheckpointHook,
		Logger:    e.log,
	})}
}

// deliverable returns the newest epoch whose output a sink may commit to
// its destination: with exactly-once, the newest durable checkpoint's
// (with backend hybrid, the newest in S3, which a lost machine recovers
// from; the committed epoch when there are no checkpoints), else the
// committed epoch.
func (e *Engine) deliverable(exactlyOnce bool) exec.Epoch {
	committed := e.coord.Committed()
	if !exactlyOnce || e.cp == nil {
		return committed
	}
	return min(committed, exec.Epoch(e.cp.DurableEverywhere()))
}
