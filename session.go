package weir

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec/cursor"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Session is one client's connection to the engine. A session runs one
// statement at a time; use one session per goroutine.
type Session struct {
	e        *Engine
	user     string
	database string
	// viewsNamed are the views (CREATE VIEW) the running statement names,
	// which a materialized view or sink it creates depends on.
	viewsNamed []string
	// params are the session's run-time parameters (SET, SHOW).
	params *session.Params
	// pipeline, when set, marks the objects the session creates as made
	// for that stream of a pipeline file (catalog.Object.Pipeline).
	pipeline     string
	pipelineKeys []string
	// tx is the open transaction block (nil: every statement is its own
	// transaction).
	tx *transaction
	// unboundSuperuser: the user was no role when the session opened, so
	// the session has every right (roles.go).
	unboundSuperuser bool
	// cursors are the session's open cursors (cursor.go).
	cursors cursor.Set
}

// NewSession opens a session for user on database, who has authenticated
// already (the database name is informational: weir has one). A user that
// is a role acts with its privileges; any other user is a superuser
// (roles.go: openRole).
func (e *Engine) NewSession(ctx context.Context, user, database string) (*Session, error) {
	s := &Session{e: e, user: user, database: database}
	s.params = session.NewParams(session.Env{SynchronousCommit: e.cfg.State.SynchronousCommit, User: user, Superuser: s.superuser})
	if err := s.openRole(ctx); err != nil {
		return nil, err
	}
	e.activity.Open(ctx, s, user)
	e.backends.Open(ctx, s, s.backend())
	return s, nil
}

// Close ends the session; an open transaction block is rolled back.
func (s *Session) Close() error {
	defer s.e.activity.Close(s)
	defer s.e.backends.Close(s)
	s.endTransaction()
	s.cursors.CloseAll()
	return nil
}

// ExecuteScript runs the ';'-separated statements of text in order, calling
// emit with each statement's result. It stops at the first error.
func (s *Session) ExecuteScript(ctx context.Context, text string, emit func(*Result) error) error {
	stmts, err := sql.Parse(text)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		res, err := s.withStatementTimeout(ctx, st, s.execute)
		if err != nil {
			return err
		}
		if err := emit(res); err != nil {
			return err
		}
	}
	return nil
}

// Exec runs a script and discards its rows: the embedding API's way to run DDL and DML.
func (s *Session) Exec(ctx context.Context, text string) error {
	return s.ExecuteScript(ctx, text, func(r *Result) error {
		if r.Rows != nil {
			r.Rows.Release()
		}
		return nil
	})
}

// Prepare parses and binds one statement with $n parameters.
func (s *Session) Prepare(ctx context.Context, text string, paramTypes []types.T) (_ *Prepared, err error) {
	ctx, done := s.params.StatementDeadline(ctx)
	defer func() { err = done(err) }()
	st, err := sql.ParseOne(text)
	if _, ends := st.(*sql.Transaction); s.tx != nil && !ends {
		// In a transaction block, a statement that cannot be prepared fails
		// the block, and a failed block prepares nothing but its end.
		if s.tx.failed {
			return nil, errTxAborted()
		}
		defer func() {
			if err != nil {
				s.tx.failed = true
			}
		}()
	}
	if err != nil {
		return nil, err
	}
	// Describing a statement reads what it names (DuckDB runs the query):
	// the session must be allowed to, as to run it.
	if err := s.authorize(st); err != nil {
		return nil, err
	}
	undo, err := planner.ExpandPlainViews(s.e.cat, st)
	if err != nil {
		return nil, err
	}
	defer undo()
	p := &Prepared{Text: text, Stmt: st, ParamTypes: paramTypes}
	switch st := st.(type) {
	case *sql.Select:
		p.Columns, p.ParamTypes, err = s.queries().Describe(ctx, st, paramTypes)
		if err != nil {
			return nil, err
		}
	case *sql.Insert, *sql.Update, *sql.Delete:
		b := planner.NewBinder(s.e.cat, paramTypes)
		if err := s.bindDML(b, st); err != nil {
			return nil, err
		}
		p.ParamTypes = b.Params
	case *sql.DeclareCursor:
		if _, p.ParamTypes, err = s.queries().Describe(ctx, st.Query, paramTypes); err != nil {
			return nil, err
		}
	case *sql.FetchCursor:
		if p.Columns, err = s.cursors.Columns(st); err != nil {
			return nil, err
		}
	default:
		p.Columns = resultColumns(st)
	}
	for i, t := range p.ParamTypes {
		if t == types.UnknownType {
			p.ParamTypes[i] = types.TextType
		}
	}
	return p, nil
}

// Execute runs a prepared statement with bound parameters.
func (s *Session) Execute(ctx context.Context, p *Prepared, params []Param) (*Result, error) {
	st := p.Stmt.(sql.Statement)
	if len(params) != len(p.ParamTypes) {
		return nil, sqlstate.Errorf(sqlstate.ProtocolViolation,
			"bind message supplies %d parameters, but prepared statement requires %d", len(params), len(p.ParamTypes))
	}
	if len(params) > 0 {
		// The values go into the statement's AST as typed constants, for
		// this execution only.
		undo, err := planner.BindParams(st, planner.ParamValues(p.ParamTypes, params))
		if err != nil {
			return nil, err
		}
		defer undo()
	}
	return s.withStatementTimeout(ctx, st, s.execute)
}

// withStatementTimeout runs st with run under the session's
// statement_timeout (sql/session: Params.WithStatementTimeout).
func (s *Session) withStatementTimeout(ctx context.Context, st sql.Statement, run func(context.Context, sql.Statement) (*Result, error)) (*Result, error) {
	defer s.beginActivity(st)()
	return s.params.WithStatementTimeout(ctx, func(ctx context.Context) (*Result, error) { return run(ctx, st) })
}

// execute runs one statement, in the session's transaction block if one is
// open.
func (s *Session) execute(ctx context.Context, st sql.Statement) (res *Result, err error) {
	defer func() { s.params.FilterMessages(res) }()
	if t, ok := st.(*sql.Transaction); ok {
		return s.transactionStatement(ctx, t)
	}
	return s.inTransaction(ctx, st, s.run)
}

// run runs one statement other than the transaction statements.
func (s *Session) run(ctx context.Context, st sql.Statement) (*Result, error) {
	if err := s.authorize(st); err != nil {
		return nil, err
	}
	if _, ok := st.(*sql.CreatePlainView); !ok {
		// The views (CREATE VIEW) the statement names become their queries.
		s.viewsNamed = planner.PlainViewsNamed(s.e.cat, st)
		defer func() { s.viewsNamed = nil }()
		undo, err := planner.ExpandPlainViews(s.e.cat, st)
		if err != nil {
			return nil, err
		}
		defer undo()
	}
	switch st := st.(type) {
	case *sql.Select:
		return s.query(ctx, st)
	case *sql.CreateTable:
		return s.durable(ctx)(s.createTable(ctx, st))
	case *sql.CreateStream:
		return s.durable(ctx)(s.createStream(ctx, st))
	case *sql.CreateView:
		return s.durable(ctx)(s.createView(ctx, st))
	case *sql.CreatePlainView:
		return s.durable(ctx)(s.createPlainView(ctx, st))
	case *sql.CreateSink:
		return s.durable(ctx)(s.createSink(ctx, st))
	case *sql.Drop:
		return s.durable(ctx)(s.drop(ctx, st))
	case *sql.Insert, *sql.Update, *sql.Delete:
		return s.dml(ctx, st)
	case *sql.Flush:
		return s.flush(ctx)
	case *sql.Copy:
		return s.copyStatement(ctx, st)
	case *sql.Subscribe:
		return s.subscribeStatement(ctx, st)
	case *sql.DeclareCursor, *sql.FetchCursor, *sql.CloseCursor:
		return s.cursorStatement(ctx, st)
	case *sql.Deallocate:
		return s.deallocate(ctx, st)
	case *sql.Discard:
		return s.discard(ctx, st)
	case *sql.AlterViewResume:
		return s.durable(ctx)(s.resumeView(ctx, st))
	case *sql.Show:
		return s.show(st)
	case *sql.ShowCreate:
		return s.showCreate(st)
	case *sql.Describe:
		return s.describe(st)
	case *sql.Explain:
		return s.explain(st)
	case *sql.Set:
		return s.set(st)
	case *sql.CreateRole, *sql.AlterRole, *sql.DropRole, *sql.Grant:
		return s.durable(ctx)(s.roleStatement(ctx, st))
	case *sql.CreateFunction, *sql.DropFunction:
		return s.durable(ctx)(s.functionStatement(ctx, st))
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Position(), "statement %T is not supported", st)
}

// resultColumns returns the row description of statements that are not queries.
func resultColumns(st sql.Statement) types.Schema {
	switch st := st.(type) {
	case *sql.Show:
		if st.What == sql.ShowVariable {
			return session.ShowColumns(st.Variable)
		}
		return systables.NamesColumns
	case *sql.ShowCreate:
		return systables.CreateColumns
	case *sql.Describe:
		return systables.DescribeColumns
	case *sql.Explain:
		return explainColumns
	}
	return nil
}

func fmtTag(verb string, n int64) string { return fmt.Sprintf("%s %d", verb, n) }

// durable wraps the outcome of a DDL statement: once it succeeded, it
// returns only after a checkpoint holds the catalog change, so DDL that
// returned survives a crash.
func (s *Session) durable(ctx context.Context) func(*Result, error) (*Result, error) {
	return func(res *Result, err error) (*Result, error) {
		if err != nil || s.e.cp == nil {
			return res, err
		}
		if err := s.e.durableFlush(ctx); err != nil {
			return nil, fmt.Errorf("%s took effect, but no checkpoint holds it yet: %w", res.Tag, err)
		}
		return res, nil
	}
}
