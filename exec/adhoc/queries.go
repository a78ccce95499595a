//go:build duckdb_arrow

package adhoc

import (
	"context"
	"errors"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Env is what the engine gives the ad-hoc queries of one session; the
// engine implements it, and decides through it what the session reads and
// sees.
type Env interface {
	// Snapshot returns the state the session's queries read (the last
	// committed epoch, or a transaction block's snapshot with the block's
	// writes over it) and the function that releases it. A query calls it
	// once per path it tries and releases it before it returns: what it
	// returns no longer reads the snapshot.
	Snapshot() (statestore.Reader, func(), error)
	// SystemTable returns the system table called name, whose rows are
	// those the session may see; ok is false when no system table has that
	// name.
	SystemTable(name string) (rel Relation, ok bool)
}

// Queries runs one session's ad-hoc queries (SELECT): it chooses their
// path. A query on every key column of a table or view reads the key from
// the state store; a plan RunsLocally accepts runs on weir's operators; the
// rest (joins, aggregates, system tables, whatever weir's binder lacks)
// runs in DuckDB over Arrow copies of the relations it names. Queries of
// plain views must have them expanded (planner.ExpandPlainViews) and the
// session's privileges checked before they come here.
type Queries struct {
	Catalog *catalog.Catalog
	Mem     memory.Allocator
	DuckDB  *Engine
	Env     Env
}

// Run runs st and returns its columns and rows, which the caller releases.
func (q Queries) Run(ctx context.Context, st *sql.Select) (types.Schema, array.RecordReader, error) {
	b := planner.NewBinder(q.Catalog, nil)
	node, err := b.BindSelect(st)
	var want types.Schema
	switch {
	case err == nil && !q.readsCatalogRelation(st) && !callsCatalogFunc(st):
		want = planner.Schema(node)
		if rows, ok, err := q.pointLookup(ctx, st, node); ok || err != nil {
			return want, rows, err
		}
		if RunsLocally(node) && !scansStream(node) {
			return q.runLocal(ctx, node)
		}
	case err == nil: // it names pg_catalog's relation, not the catalog's object the binder found, or calls a catalog function
	case q.namesSystemTable(st) || callsCatalogFunc(st):
	case joinsRelations(st) && bindingGap(err):
	case !fallsBackToDuckDB(err):
		return nil, nil, err
	}
	literals := b.ResolvedLiterals
	if err != nil {
		literals = SetOpLiterals(q.Catalog, st)
	}
	undoInline, err := planner.InlineFunctions(q.Catalog, st, b.Inlined)
	if err != nil {
		return nil, nil, err
	}
	defer undoInline()
	return q.runInDuckDB(ctx, st, want, literals)
}

// Describe returns the result columns of st, a statement of the extended
// protocol, and the types of its $n parameters: those the client declared
// (paramTypes), else those the binder infers from context, else those
// DuckDB infers (for a query weir's binder leaves to DuckDB, which DuckDB
// describes), else UnknownType.
func (q Queries) Describe(ctx context.Context, st *sql.Select, paramTypes []types.T) (types.Schema, []types.T, error) {
	b := planner.NewBinder(q.Catalog, paramTypes)
	node, err := b.BindSelect(st)
	if err == nil && !q.readsCatalogRelation(st) && !callsCatalogFunc(st) {
		return planner.Schema(node), b.Params, nil
	}
	if !fallsBackToDuckDB(err) && !q.namesSystemTable(st) && !callsCatalogFunc(st) {
		return nil, nil, err
	}
	// DuckDB describes the statement with NULL for its parameters, and
	// LIMIT 0: only the columns are wanted.
	n := 0
	undo, err := planner.BindParams(st, planner.NullParams(&n))
	if err != nil {
		return nil, nil, err
	}
	undoInline, err := planner.InlineFunctions(q.Catalog, st, b.Inlined)
	if err != nil {
		undo()
		return nil, nil, err
	}
	limit, offset := st.Limit, st.Offset
	st.Limit, st.Offset = &sql.Literal{Kind: sql.LitInteger, Value: "0"}, nil
	cols, rows, err := q.runInDuckDB(ctx, st, nil, nil)
	st.Limit, st.Offset = limit, offset
	undoInline()
	undo()
	if err != nil {
		return nil, nil, err
	}
	rows.Release()
	// The binder stopped before it typed every parameter: DuckDB types the
	// others; what it cannot stays unknown.
	params := b.Params
	for len(params) < n {
		params = append(params, types.UnknownType)
	}
	typeCatalogFuncParams(st, params, paramTypes)
	if slices.Contains(params, types.UnknownType) {
		if inferred, err := q.duckParamTypes(ctx, st); err == nil {
			for i, t := range inferred {
				if i < len(params) && params[i] == types.UnknownType {
					params[i] = t
				}
			}
		}
	}
	return cols, params, nil
}

// fallsBackToDuckDB reports whether a binder error means "weir's streaming
// binder does not support this shape" (joins, several relations), which an
// ad-hoc query can still run in DuckDB.
func fallsBackToDuckDB(err error) bool {
	var se *sqlstate.Error
	return errors.As(err, &se) && se.Code == sqlstate.FeatureNotSupported && !planner.Refused(err)
}

// bindingGap reports whether a binder error may be a gap of weir's
// binder rather than the query's: a feature views lack, or a function or
// operator it does not have (DuckDB has more).
func bindingGap(err error) bool {
	var se *sqlstate.Error
	return errors.As(err, &se) && !planner.Refused(err) &&
		(se.Code == sqlstate.FeatureNotSupported || se.Code == sqlstate.UndefinedFunction)
}

// joinsRelations reports whether st reads several relations in one FROM
// clause (a join, or a comma list) anywhere. Such a query that the binder
// cannot bind for a gap of its own (bindingGap) runs in DuckDB, as every
// join did before views could join: DuckDB answers it, or fails with an
// error weir rewords as Postgres would word it.
func joinsRelations(st *sql.Select) bool {
	found := false
	sql.Walk(st, func(n sql.Node) bool {
		switch n := n.(type) {
		case *sql.JoinTableExpr:
			found = true
		case *sql.Select:
			found = found || len(n.From) > 1
		}
		return !found
	})
	return found
}

// scansStream reports whether n reads a stream, which has no rows to query.
func scansStream(n planner.Node) bool {
	if sc, ok := n.(*planner.Scan); ok {
		return sc.Object.Kind == catalog.Stream
	}
	for _, c := range n.Children() {
		if scansStream(c) {
			return true
		}
	}
	return false
}

// namesSystemTable reports whether st reads a system table (such as
// weir_source_errors), which the binder does not know and DuckDB serves.
func (q Queries) namesSystemTable(st *sql.Select) bool {
	found := false
	sql.WalkTableNames(st, func(t *sql.TableName) {
		name := t.Name.Last().Value
		if _, ok := q.Catalog.Get(name); !ok || q.catalogRelation(t) {
			if _, ok := q.Env.SystemTable(systemTableName(t)); ok {
				found = true
			}
		}
	})
	return found
}

// runLocal runs a plan of scans, filters, projections, sorts and limits on
// weir's own operators over the snapshot (see RunsLocally).
func (q Queries) runLocal(ctx context.Context, node planner.Node) (types.Schema, array.RecordReader, error) {
	snap, release, err := q.Env.Snapshot()
	if err != nil {
		return nil, nil, err
	}
	defer release()
	rows, err := RunLocal(ctx, q.Mem, node, func(_ context.Context, sc *planner.Scan) (array.RecordReader, error) {
		return ReadRows(q.Mem, snap, sc.Object)
	})
	if err != nil {
		return nil, nil, err
	}
	return planner.Schema(node), rows, nil
}

// runInDuckDB runs st in DuckDB over the snapshot of every relation it
// names; want is the binder's schema of st (nil when it did not bind),
// whose names the result's columns take, and literals holds the binder's
// ResolvedLiterals.
func (q Queries) runInDuckDB(ctx context.Context, st *sql.Select, want types.Schema, literals map[*sql.SelectItem]types.T) (types.Schema, array.RecordReader, error) {
	snap, release, err := q.Env.Snapshot()
	if err != nil {
		return nil, nil, err
	}
	defer release()
	text, rels, err := q.duckStatement(st, snap, literals)
	if err != nil {
		return nil, nil, err
	}
	cols, rows, err := q.DuckDB.Query(withSignaller(ctx, q.Env), text, rels, want)
	if err != nil {
		return nil, nil, UserError(st, err)
	}
	for i := range cols {
		if i < len(want) {
			cols[i].Name = want[i].Name
		}
	}
	return cols, rows, nil
}

// duckStatement returns st as the text DuckDB runs, and the relations it
// reads from snap (Engine.Prepare): a table or view, or a system table;
// naming a sink or a stream, or nothing the catalog or the system tables
// know, is an error. literals holds the select items a set operation
// typed. st is as it was when it returns.
func (q Queries) duckStatement(st *sql.Select, snap statestore.Reader, literals map[*sql.SelectItem]types.T) (string, []Relation, error) {
	defer planner.ExpandUsingStars(q.Catalog, st)()
	defer planner.StripSystemTime(st)()
	undoSession, err := q.writeSessionValues(st)
	if err != nil {
		return "", nil, err
	}
	defer undoSession()
	undoWindows, err := planner.ExpandWindowTVFs(q.Catalog, st)
	if err != nil {
		return "", nil, err
	}
	defer undoWindows()
	return q.DuckDB.Prepare(st, literals, func(t *sql.TableName) (Relation, error) {
		name := t.Name.Last().Value
		o, ok := q.Catalog.Get(name)
		ok = ok && !q.catalogRelation(t)
		switch {
		case !ok:
			if rel, ok := q.Env.SystemTable(systemTableName(t)); ok {
				return rel, nil
			}
			return Relation{}, sqlstate.ErrorfAt(sqlstate.UndefinedTable, t.Position(), "relation \"%s\" does not exist", name)
		case o.Kind == catalog.Sink:
			return Relation{}, sqlstate.ErrorfAt(sqlstate.WrongObjectType, t.Position(), "\"%s\" is a sink, not a relation", name)
		case o.Kind == catalog.Stream:
			return Relation{}, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, t.Position(),
				"stream \"%s\" cannot be queried directly", name).WithHint("Create a materialized view over it and query the view.")
		}
		return Relation{Schema: o.Schema(), Scan: func(context.Context) (array.RecordReader, error) {
			return ReadRelation(q.Mem, snap, o)
		}}, nil
	})
}

// duckParamTypes returns the types DuckDB infers for the $n parameters of
// st, a query only DuckDB can run (UnknownType where it infers none).
func (q Queries) duckParamTypes(ctx context.Context, st *sql.Select) ([]types.T, error) {
	snap, release, err := q.Env.Snapshot()
	if err != nil {
		return nil, err
	}
	defer release()
	text, rels, err := q.duckStatement(st, snap, nil)
	if err != nil {
		return nil, err
	}
	return q.DuckDB.ParamTypes(ctx, text, rels)
}
