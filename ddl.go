package weir

import (
	"context"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/sourceguard"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// rowIDColumn is the hidden key column of a stream's records (a table's
// is dml.RowIDColumn, which INSERT fills).
const rowIDColumn = "_row_id"

func (s *Session) checkNewName(name sql.ObjectName, ifNotExists bool, tag string) (*Result, error) {
	if _, exists := s.e.cat.Get(name.Last().Value); exists {
		if ifNotExists {
			return &Result{Tag: tag, Notices: []string{"relation \"" + name.Last().Value + "\" already exists, skipping"}}, nil
		}
		return nil, sqlstate.ErrorfAt(sqlstate.DuplicateTable, name.Position(), "relation \"%s\" already exists", name.Last().Value)
	}
	return nil, nil
}

func (s *Session) createTable(ctx context.Context, st *sql.CreateTable) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE TABLE"); res != nil || err != nil {
		return res, err
	}
	cols, key, err := planner.DefineColumns(st.Columns)
	if err != nil {
		return nil, err
	}
	if err := planner.RefuseProcTime(st.Columns); err != nil {
		return nil, err
	}
	opts, err := planner.TableOptions(st)
	if err != nil {
		return nil, err
	}
	wm, err := e.watermarkOf(st.Name.Last().Value, cols, st.Watermark, opts)
	if err != nil {
		return nil, err
	}
	if cols, key, err = planner.DefineTableKey(st, cols, key); err != nil {
		return nil, err
	}
	if len(key) == 0 {
		// A table without a primary key is keyed by a hidden row id.
		cols = append(cols, catalog.Column{Name: dml.RowIDColumn, Type: types.Int64Type, NotNull: true, Hidden: true})
		key = []int{len(cols) - 1}
	}
	o := &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.Table, Columns: cols, Key: key, Definition: sql.String(st), Owner: s.user, Watermark: wm, Options: opts}
	return e.addObject(ctx, o, nil, "CREATE TABLE")
}

func (s *Session) createStream(ctx context.Context, st *sql.CreateStream) (*Result, error) {
	e := s.e
	// The options are validated and the connector's check runs (a Kafka
	// stream's may wait kafkaCheckTimeout for its brokers) before the DDL
	// lock is taken; the name is checked again under it.
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE SOURCE"); res != nil || err != nil {
		return res, err
	}
	declared, _, err := planner.DefineColumns(st.Columns)
	if err != nil {
		return nil, err
	}
	opts := planner.OptionMap(st.Options)
	name := strings.ToLower(opts["connector"])
	conn, ok := connectors.Source(name)
	switch {
	case name == "":
		return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos, "CREATE STREAM needs WITH (connector = '…')")
	case !ok:
		return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "connector \"%s\" is not supported (%s)", opts["connector"], connectors.SourceNames())
	}
	opts["connector"] = name
	if _, err := sourceguard.ParsePolicy(opts); err != nil {
		return nil, err
	}
	declared, procTime, err := planner.SplitProcTime(st.Columns, declared)
	if err != nil {
		return nil, err
	}
	cols, warnings, err := e.connectStream(ctx, conn, st, opts, declared)
	if err != nil {
		return nil, err
	}
	cols = planner.WithProcTime(cols, procTime)
	if err := planner.RefuseProcTimeWatermark(st.Watermark, procTime); err != nil {
		return nil, err
	}
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE SOURCE"); res != nil || err != nil {
		return res, err
	}
	wm, err := e.watermarkOf(st.Name.Last().Value, cols, st.Watermark, opts)
	if err != nil {
		return nil, err
	}
	cols = append(cols, catalog.Column{Name: rowIDColumn, Type: types.Int64Type, NotNull: true, Hidden: true})
	o := &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.Stream, Columns: cols, Key: []int{len(cols) - 1}, Owner: s.user, Pipeline: s.pipeline, PipelineKeys: s.pipelineKeys,
		Options: opts, Definition: sql.String(st), AppendOnly: true, Watermark: wm, Unique: uniqueColumns(conn, opts, declared, cols)}
	if err := e.writeNow(func(w exec.StateWriter) error { return e.cat.Add(w, o) }); err != nil {
		return nil, err
	}
	return &Result{Tag: "CREATE SOURCE", Warnings: warnings}, nil
}

func (s *Session) createView(ctx context.Context, st *sql.CreateView) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE MATERIALIZED VIEW"); res != nil || err != nil {
		return res, err
	}
	plan, err := planner.PlanView(e.cat, st)
	if err != nil {
		return nil, err
	}
	opts, err := planner.ViewOptions(st, plan, dataflow.Parallelizable(plan))
	if err != nil {
		return nil, err
	}
	cols := make([]catalog.Column, len(plan.Cols))
	for i, c := range plan.Cols {
		cols[i] = catalog.Column{Name: c.Name, Type: c.Type, Hidden: c.Hidden}
	}
	o := &catalog.Object{Name: st.Name.Last().Value, Kind: catalog.View, Columns: cols, Key: plan.Key, Owner: s.user, Pipeline: s.pipeline, PipelineKeys: s.pipelineKeys,
		Definition: sql.String(st), Uses: append(plan.InputNames(), s.viewsNamed...), AppendOnly: plan.AppendOnly, Options: opts}
	// Its rows, then what its plan declares.
	return e.addObject(ctx, o, plan, "CREATE MATERIALIZED VIEW")
}

// addObject records o and starts its dataflow. o gets fresh state tables:
// the first holds its rows (or a sink's log), the others are bound to the
// tables plan (nil for a table) declares, and the plan is recorded with
// them (the plan a restart runs).
func (e *Engine) addObject(ctx context.Context, o *catalog.Object, plan *planner.StreamPlan, tag string) (*Result, error) {
	resume, err := e.coord.Pause(ctx)
	if err != nil {
		return nil, err
	}
	defer resume()
	n := 1
	if plan != nil {
		n += dataflow.NumTables(plan)
	}
	if o.Kind == catalog.Table && o.Watermark != nil {
		n++ // the watermark's state (watermarks.Table)
	}
	err = e.writeNow(func(w exec.StateWriter) error {
		ids, err := e.cat.AllocTables(w, n)
		if err != nil {
			return err
		}
		o.StateTables = ids
		if plan != nil {
			tables, err := dataflow.Bind(plan, ids[1:], catalog.LayoutDeclared)
			if err != nil {
				return err
			}
			if o.Plan, err = dataflow.MarshalPlan(plan, tables); err != nil {
				return err
			}
			o.Layout = catalog.LayoutDeclared
		}
		return e.cat.Add(w, o)
	})
	if err != nil {
		return nil, err
	}
	if err := e.startObject(ctx, o, true); err != nil {
		_ = e.writeNow(func(w exec.StateWriter) error { return e.cat.Remove(w, o.Name) })
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

func (s *Session) drop(ctx context.Context, st *sql.Drop) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	name := st.Name.Last().Value
	tag := "DROP " + planner.DropNoun(st.Kind)
	o, ok := e.cat.Get(name)
	want := planner.CatalogKind(st.Kind)
	if !ok {
		if st.IfExists {
			return &Result{Tag: tag, Notices: []string{strings.ToLower(planner.DropNoun(st.Kind)) + " \"" + name + "\" does not exist, skipping"}}, nil
		}
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, st.Name.Position(), "%s \"%s\" does not exist", strings.ToLower(planner.DropNoun(st.Kind)), name)
	}
	if o.Kind != want {
		return nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, st.Name.Position(), "\"%s\" is not a %s", name, want).
			WithHint("Use DROP " + strings.ToUpper(o.Kind.String()) + " to remove a " + o.Kind.String() + ".")
	}
	victims := []*catalog.Object{o}
	for i := 0; i < len(victims); i++ {
		deps := e.cat.Dependents(victims[i].Name)
		if len(deps) > 0 && !st.Cascade {
			return nil, sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, st.Name.Position(),
				"cannot drop %s %s because other objects depend on it", o.Kind, name).
				WithDetail(deps[0].Kind.String() + " " + deps[0].Name + " depends on " + victims[i].Kind.String() + " " + victims[i].Name).
				WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
		victims = append(victims, deps...)
	}
	resume, err := e.coord.Pause(ctx)
	if err != nil {
		return nil, err
	}
	defer resume()
	e.endSubscriptionsReading(victims)
	err = e.stopAndClear(victims, func(w exec.StateWriter, v *catalog.Object) error {
		return e.cat.Remove(w, v.Name)
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: tag}, nil
}

// stopAndClear stops the dataflows of objs, the last first (objects come
// before the ones that read them), forgets their source errors, and in one
// write per object deletes its state and its recorded failure and runs then
// (DROP: the catalog entry; nil: nothing more). The coordinator must be
// paused.
func (e *Engine) stopAndClear(objs []*catalog.Object, then func(w exec.StateWriter, o *catalog.Object) error) error {
	for i := len(objs) - 1; i >= 0; i-- {
		v := objs[i]
		if j, ok := e.jobs.Get(v.Name); ok {
			e.stopJob(j)
		}
		e.errors.Forget(v.Name)
		err := e.writeNow(func(w exec.StateWriter) error {
			for _, t := range v.StateTables {
				lo, hi := statestore.TableSpan(t)
				if err := w.DeleteRange(lo, hi); err != nil {
					return err
				}
			}
			if err := e.failed.Forget(w, v.Name); err != nil {
				return err
			}
			if then == nil {
				return nil
			}
			return then(w, v)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
