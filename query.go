package weir

import (
	"context"
	"strings"

	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// query runs an ad-hoc SELECT over the last committed epoch (in a
// transaction block, over the block's snapshot and writes): exec/adhoc
// chooses how (adhoc.Queries), once no relation it reads has failed.
func (s *Session) query(ctx context.Context, st *sql.Select) (*Result, error) {
	if err := s.checkRelations(st); err != nil {
		return nil, err
	}
	q := s.queries()
	warnings := &queryWarnings{}
	q.Env = queryEnv{s: s, warnings: warnings}
	cols, rows, err := q.Run(ctx, st)
	if err != nil {
		return nil, err
	}
	return &Result{Columns: cols, Rows: rows, Tag: "SELECT", Warnings: warnings.take()}, nil
}

// queries returns the session's ad-hoc query runner: the engine's catalog
// and DuckDB, reading what the session reads (queryEnv).
func (s *Session) queries() adhoc.Queries {
	return adhoc.Queries{Catalog: s.e.cat, Mem: s.e.mem, DuckDB: s.e.duck, Env: queryEnv{s: s}}
}

// queryEnv is a session as its ad-hoc queries see it (adhoc.Env).
type queryEnv struct {
	s *Session
	// warnings gets the WARNINGs of the query's functions
	// (pg_cancel_backend's), for its Result; nil drops them.
	warnings *queryWarnings
}

// Snapshot returns the session's snapshot (readSnapshot).
func (q queryEnv) Snapshot() (statestore.Reader, func(), error) {
	snap, release, err := q.s.readSnapshot()
	if err != nil {
		return nil, nil, err
	}
	return snap.reader(), release, nil
}

// User returns the role the session runs as: current_user and
// session_user in its queries.
func (q queryEnv) User() string { return q.s.user }

// Setting returns the session's value of the parameter name as SHOW
// prints it: current_setting(name) in its queries.
func (q queryEnv) Setting(name string) (string, error) {
	if strings.EqualFold(name, "all") {
		return "", sqlstate.Errorf(sqlstate.UndefinedObject, "unrecognized configuration parameter \"%s\"", name)
	}
	rows, err := q.s.params.Show(name)
	if err != nil {
		return "", err
	}
	return rows[0][0].(string), nil
}

// SystemTable returns the system table called name with the rows about
// objects the session may see (Session.mayObserve).
func (q queryEnv) SystemTable(name string) (adhoc.Relation, bool) {
	return q.s.e.systemRelation(name, q.s.mayObserve, q.s)
}

// checkRelations returns the error of the first relation st reads whose
// dataflow (or one it reads) has failed: its rows are stale, and a query
// says so instead of answering from them.
func (s *Session) checkRelations(st *sql.Select) error {
	var err error
	sql.WalkTableNames(st, func(t *sql.TableName) {
		if err == nil {
			if ferr := s.e.failed.ReadErr(t.Name.Last().Value); ferr != nil {
				err = ferr.At(t.Position())
			}
		}
	})
	return err
}
