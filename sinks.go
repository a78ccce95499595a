package weir

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/exec/delivery"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

func (s *Session) createSink(ctx context.Context, st *sql.CreateSink) (*Result, error) {
	e := s.e
	opts := planner.OptionMap(st.Options)
	// The query is planned and the destination looked up before the DDL
	// lock is taken (a Kafka sink's brokers may take seconds to answer),
	// unless the statement fails anyway; the plan is used under the lock
	// if the catalog has not changed since (else the query is planned
	// again), and the configuration that keeps the answer is used below.
	var looked connector.SinkConfig
	gen := e.cat.Generation()
	plan, planErr := planner.PlanSink(e.cat, st)
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE SINK"); res == nil && err == nil && planErr == nil {
		looked = delivery.LookupDestination(ctx, connectors, opts)
	}
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE SINK"); res != nil || err != nil {
		return res, err
	}
	if e.cat.Generation() != gen {
		plan, planErr = planner.PlanSink(e.cat, st)
	}
	if planErr != nil {
		return nil, planErr
	}
	spec, err := e.sinkSpec(st.Name.Last().Value, opts, plan, st.Pos, looked)
	if err != nil {
		return nil, err
	}
	if c, ok := spec.Config.(connector.NewSinkChecker); ok {
		if err := c.CheckNew(connectorEnv{e}, st.Name.Last().Value); err != nil {
			return nil, err
		}
	}
	if spec.Format == "avro" {
		// The schemas are registered now, once; the ids are kept with the
		// sink, so a restart needs no registry.
		ids, err := spec.RegisterSchemas(ctx, st.Name.Last().Value, opts)
		if err != nil {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos, "sink %s: %v", st.Name.Last().Value, err).WithDetail("option: schema.registry")
		}
		opts["avro.schema.ids"] = ids
	}
	var notices []string
	var made string
	if p, ok := spec.Config.(connector.Provisioner); ok {
		// The destination (a Kafka topic) is made last, after what can
		// refuse the sink: a sink over a failed relation is refused when
		// it starts.
		if ferr := e.failed.ReadErr(plan.InputNames()...); ferr != nil {
			return nil, ferr
		}
		if notices, made, err = p.Provision(ctx); err != nil {
			return nil, err
		}
	}
	o := &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.Sink, Options: opts, Owner: s.user, Pipeline: s.pipeline, PipelineKeys: s.pipelineKeys,
		Definition: sql.String(st), Uses: append(plan.InputNames(), s.viewsNamed...), AppendOnly: plan.AppendOnly}
	for _, c := range plan.Cols {
		o.Columns = append(o.Columns, catalog.Column{Name: c.Name, Type: c.Type, Hidden: c.Hidden})
	}
	// The log of undelivered records, then what its plan declares.
	res, err := e.addObject(ctx, o, plan, "CREATE SINK")
	if err != nil && made != "" {
		e.log.Warn("CREATE SINK failed after it made its destination, which stays", "sink", o.Name, "made", made, "err", err)
	}
	if res != nil {
		res.Notices = append(res.Notices, notices...)
	}
	return res, err
}

// sinkSpec checks a sink's options against its query (delivery.ParseSpec).
// Errors point at pos. config, when not nil, is the connector's
// configuration of opts, made already.
func (e *Engine) sinkSpec(name string, opts map[string]string, plan *planner.StreamPlan, pos sql.Pos, config connector.SinkConfig) (delivery.Spec, error) {
	return delivery.ParseSpec(name, opts, plan, delivery.SpecOptions{Connectors: connectors, ExactlyOnce: e.cfg.State.ExactlyOnce, Pos: pos, Config: config})
}

// sinkOperator returns the last operator of sink o's dataflow and the
// driver of its delivery (none for a Process, whose last operator is its Go
// function).
func (e *Engine) sinkOperator(o *catalog.Object, plan *planner.StreamPlan) (exec.Operator, *sinkDriver, error) {
	if o.Options["connector"] == goConnector {
		fn, ok := e.processFuncs.Load(o.Name)
		if !ok {
			return nil, nil, fmt.Errorf("process %s has no function: call Engine.Process", o.Name)
		}
		return ops.NewProcess(fn.(ProcessFunc), o.StateTables[0]), nil, nil
	}
	spec, err := e.sinkSpec(o.Name, o.Options, plan, 0, nil)
	if err != nil {
		return nil, nil, err
	}
	op, err := spec.Encoder(e.mem, o.Name, o.Options, o.StateTables[0])
	if err != nil {
		return nil, nil, err
	}
	w, err := spec.Config.NewWriter(connectorEnv{e}, connector.SinkSpec{Name: o.Name, Format: spec.Format, ExactlyOnce: spec.ExactlyOnce, Log: o.StateTables[0]})
	if err != nil {
		return nil, nil, err
	}
	return op, newSinkDriver(e, o, spec, w), nil
}
