//go:build duckdb_arrow

package adhoc

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	stdsql "database/sql"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Signaller signals other sessions: pg_cancel_backend (kind "cancel")
// and pg_terminate_backend ("terminate") of the session with process ID
// pid, with Postgres' privilege rules; ok is false when no session has
// that pid. An Env that is one lets its queries call them.
type Signaller interface {
	SignalBackend(ctx context.Context, kind string, pid int32, timeout time.Duration) (ok bool, err error)
}

// signalFunc is the DuckDB function pg_cancel_backend and
// pg_terminate_backend are written as: weir_signal_backend(pid, kind,
// timeout_ms), run once per row it is called for (volatile), by the
// Signaller of the query's context (withSignaller).
const signalFunc = "weir_signal_backend"

// signalKey is the context key of the query's Signaller.
type signalKey struct{}

// withSignaller returns ctx with env's Signaller for signalFunc, when env
// is one.
func withSignaller(ctx context.Context, env Env) context.Context {
	if s, ok := env.(Signaller); ok {
		return context.WithValue(ctx, signalKey{}, s)
	}
	return ctx
}

// signalBackend is signalFunc's DuckDB implementation.
type signalBackend struct{}

func (signalBackend) Config() duckdb.ScalarFuncConfig {
	integer, _ := duckdb.NewTypeInfo(duckdb.TYPE_INTEGER)
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	bigint, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	boolean, _ := duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	return duckdb.ScalarFuncConfig{
		InputTypeInfos: []duckdb.TypeInfo{integer, varchar, bigint},
		ResultTypeInfo: boolean,
		Volatile:       true,
	}
}

func (signalBackend) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{
		// The binder keeps the query's context (the Signaller) for the
		// rows, which may be read after the query call returned.
		ScalarBinder: func(ctx context.Context, _ []duckdb.ScalarUDFArg) (context.Context, error) { return ctx, nil },
		RowContextExecutor: func(ctx context.Context, values []driver.Value) (any, error) {
			s, ok := ctx.Value(signalKey{}).(Signaller)
			if !ok {
				return nil, sqlstateError(sqlstate.Errorf(sqlstate.FeatureNotSupported, "signalling sessions is not supported here"))
			}
			pid, _ := values[0].(int32)
			kind, _ := values[1].(string)
			ms, _ := values[2].(int64)
			ok, err := s.SignalBackend(ctx, kind, pid, time.Duration(ms)*time.Millisecond)
			if err != nil {
				var se *sqlstate.Error
				if errors.As(err, &se) {
					return nil, sqlstateError(se)
				}
				return nil, err
			}
			return ok, nil
		},
	}
}

// registerSignalFunc defines signalFunc in the DuckDB database of
// connector: DuckDB keeps functions in its system catalog, so that every
// connection has it. It registers through a connection of its own, which
// it closes.
func registerSignalFunc(ctx context.Context, connector *duckdb.Connector) error {
	db := stdsql.OpenDB(keepOpenConnector{connector})
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return duckdb.RegisterScalarUDF(c, signalFunc, signalBackend{})
}

// keepOpenConnector is a DuckDB connector whose database a database/sql
// handle's Close does not close (the connector has no Close method).
type keepOpenConnector struct{ driver.Connector }

// signalCall writes f, a call of pg_cancel_backend(pid) or
// pg_terminate_backend(pid[, timeout]), as signalFunc's; ok is false for
// any other call.
func signalCall(f *sql.FuncCall) (sql.Expr, bool, error) {
	if f.Name.Quoted {
		return nil, false, nil
	}
	var kind string
	switch {
	case f.Name.Value == "pg_cancel_backend" && len(f.Args) == 1:
		kind = "cancel"
	case f.Name.Value == "pg_terminate_backend" && (len(f.Args) == 1 || len(f.Args) == 2):
		kind = "terminate"
	case f.Name.Value == signalFunc:
		return nil, false, sqlstate.ErrorfAt(sqlstate.UndefinedFunction, f.Pos, "function %s does not exist", f.Name.Value)
	default:
		return nil, false, nil
	}
	timeout := "0"
	if len(f.Args) == 2 {
		timeout = castUnlessParam(f.Args[1], "BIGINT")
	}
	x, err := sql.ParseExpr(fmt.Sprintf("%s(%s, '%s', %s)", signalFunc, castUnlessParam(f.Args[0], "INTEGER"), kind, timeout))
	return x, err == nil, err
}

// castUnlessParam returns e's SQL cast to typ, or a parameter ($1) as it
// is, so that DuckDB infers its type from signalFunc's (a cast would make
// it text).
func castUnlessParam(e sql.Expr, typ string) string {
	if _, ok := e.(*sql.Param); ok {
		return sql.String(e)
	}
	return "CAST((" + sql.String(e) + ") AS " + typ + ")"
}

// callsSignalFunc is whether f calls pg_cancel_backend or
// pg_terminate_backend, which only DuckDB runs.
func callsSignalFunc(f *sql.FuncCall) bool {
	return !f.Name.Quoted && (f.Name.Value == "pg_cancel_backend" || f.Name.Value == "pg_terminate_backend")
}

// sqlstateMark starts the text of an error a function DuckDB runs for
// weir returns, so that translateError gives back its SQLSTATE, message
// and detail: "weir-sqlstate CODE: message" then the detail on the next
// line.
const sqlstateMark = "weir-sqlstate "

// sqlstateError returns e as the error of a DuckDB function.
func sqlstateError(e *sqlstate.Error) error {
	text := sqlstateMark + e.Code + ": " + e.Message
	if e.Detail != "" {
		text += "\n" + e.Detail
	}
	return errors.New(text)
}

// markedError returns the error sqlstateError made, from a DuckDB error's
// message; ok is false for any other message.
func markedError(msg string) (*sqlstate.Error, bool) {
	_, rest, ok := strings.Cut(msg, sqlstateMark)
	if !ok {
		return nil, false
	}
	code, rest, ok := strings.Cut(rest, ": ")
	if !ok || len(code) != 5 {
		return nil, false
	}
	message, detail, _ := strings.Cut(rest, "\n")
	detail, _, _ = strings.Cut(detail, "\n")
	return &sqlstate.Error{Code: code, Message: message, Detail: strings.TrimSpace(detail), Position: -1}, true
}
