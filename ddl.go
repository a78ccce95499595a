package weir

import (
	"context"
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/expr"
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

func columnsOf(defs []sql.ColumnDef) ([]catalog.Column, []int, error) {
	cols := make([]catalog.Column, len(defs))
	var key []int
	for i, d := range defs {
		for j := 0; j < i; j++ {
			if cols[j].Name == d.Name.Value {
				return nil, nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, d.Name.Pos, "column \"%s\" specified more than once", d.Name.Value)
			}
		}
		cols[i] = catalog.Column{Name: d.Name.Value, Type: d.Type.Type, NotNull: d.NotNull || d.PrimaryKey,
			Length: d.Type.Length, Fixed: d.Type.Fixed, ProcTime: d.ProcTime}
		if d.PrimaryKey {
			key = append(key, i)
		}
	}
	return cols, key, nil
}

func (s *Session) createTable(ctx context.Context, st *sql.CreateTable) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE TABLE"); res != nil || err != nil {
		return res, err
	}
	cols, key, err := columnsOf(st.Columns)
	if err != nil {
		return nil, err
	}
	if err := refuseProcTime(st.Columns); err != nil {
		return nil, err
	}
	opts, err := tableOptions(st)
	if err != nil {
		return nil, err
	}
	wm, err := e.watermarkOf(st.Name.Last().Value, cols, st.Watermark, opts)
	if err != nil {
		return nil, err
	}
	if len(st.PrimaryKey) > 0 {
		if len(key) > 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, st.PrimaryKey[0].Pos, "multiple primary keys for table \"%s\" are not allowed", st.Name.Last().Value)
		}
		for _, n := range st.PrimaryKey {
			idx := -1
			for i, c := range cols {
				if c.Name == n.Value {
					idx = i
				}
			}
			if idx < 0 {
				return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, n.Pos, "column \"%s\" named in key does not exist", n.Value)
			}
			cols[idx].NotNull = true
			key = append(key, idx)
		}
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
	declared, _, err := columnsOf(st.Columns)
	if err != nil {
		return nil, err
	}
	opts := optionMap(st.Options)
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
	declared, procTime, err := splitProcTime(st.Columns, declared)
	if err != nil {
		return nil, err
	}
	cols, warnings, err := e.connectStream(ctx, conn, st, opts, declared)
	if err != nil {
		return nil, err
	}
	cols = withProcTime(cols, procTime)
	if err := refuseProcTimeWatermark(st.Watermark, procTime); err != nil {
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

// optionMap returns WITH options by lower-case key.
func optionMap(options []sql.Option) map[string]string {
	opts := make(map[string]string, len(options))
	for _, o := range options {
		opts[strings.ToLower(o.Key)] = o.Value
	}
	return opts
}

func (s *Session) createView(ctx context.Context, st *sql.CreateView) (*Result, error) {
	e := s.e
	e.ddl.Lock()
	defer e.ddl.Unlock()
	if res, err := s.checkNewName(st.Name, st.IfNotExists, "CREATE MATERIALIZED VIEW"); res != nil || err != nil {
		return res, err
	}
	plan, err := s.planView(st)
	if err != nil {
		return nil, err
	}
	opts, err := viewOptions(st, plan)
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

// viewOptions checks the WITH options of CREATE MATERIALIZED VIEW: ttl
// (a duration; '0' turns off the server's state_timeout_ms for the view),
// on a view that groups, and parallelism (how many instances its aggregate
// runs as). An unknown option is an error, not ignored.
func viewOptions(st *sql.CreateView, plan *planner.StreamPlan) (map[string]string, error) {
	var opts map[string]string
	for _, opt := range st.Options {
		key := strings.ToLower(opt.Key)
		switch key {
		case "ttl":
		case parallelismOption:
			n, err := checkParallelism(opt.Value)
			if err != nil {
				return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "option parallelism: %v", err)
			}
			if n > 1 && !dataflow.Parallelizable(plan) {
				return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, opt.Pos, "option parallelism splits the groups of a single GROUP BY among instances; this view has no GROUP BY, a global aggregate, or more than one aggregation").
					WithHint("Such a view runs as one instance.")
			}
			if opts == nil {
				opts = map[string]string{}
			}
			opts[key] = opt.Value
			continue
		default:
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "unknown option %q of CREATE MATERIALIZED VIEW (ttl, parallelism)", opt.Key)
		}
		d, err := expr.ParseDuration(opt.Value)
		if err != nil || d < 0 {
			if err == nil {
				err = fmt.Errorf("a ttl cannot be negative")
			}
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "option ttl: %v", err)
		}
		if d > 0 && !plan.HasGroups() {
			return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, opt.Pos, "option ttl expires the groups of a GROUP BY; this view has none").
				WithHint("Its rows are kept as long as the view exists.")
		}
		if opts == nil {
			opts = map[string]string{}
		}
		opts[key] = opt.Value
	}
	return opts, nil
}

func (s *Session) planView(st *sql.CreateView) (*planner.StreamPlan, error) {
	node, err := planner.NewBinder(s.e.cat, nil).BindSelect(st.Query)
	if err != nil {
		return nil, err
	}
	plan, err := planner.PlanStream(node)
	if err != nil {
		return nil, at(err, st.Query.Pos)
	}
	if st.EmitOnWindowClose {
		if plan, err = planner.EmitOnWindowClose(plan); err != nil {
			return nil, at(err, st.EmitPos)
		}
	}
	seen := map[string]bool{}
	for i, c := range plan.Cols {
		if c.Hidden {
			continue
		}
		if seen[c.Name] {
			return nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, st.Query.Items[min(i, len(st.Query.Items)-1)].Pos, "column \"%s\" specified more than once", c.Name)
		}
		seen[c.Name] = true
	}
	return plan, nil
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
	tag := "DROP " + dropNoun(st.Kind)
	o, ok := e.cat.Get(name)
	want := planner.CatalogKind(st.Kind)
	if !ok {
		if st.IfExists {
			return &Result{Tag: tag, Notices: []string{strings.ToLower(dropNoun(st.Kind)) + " \"" + name + "\" does not exist, skipping"}}, nil
		}
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, st.Name.Position(), "%s \"%s\" does not exist", strings.ToLower(dropNoun(st.Kind)), name)
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

func dropNoun(k sql.ObjectKind) string {
	switch k {
	case sql.ObjStream:
		return "SOURCE"
	case sql.ObjTable:
		return "TABLE"
	case sql.ObjView:
		return "MATERIALIZED VIEW"
	case sql.ObjPlainView:
		return "VIEW"
	}
	return "SINK"
}
