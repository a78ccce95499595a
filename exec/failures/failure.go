// Package failures is the record of failed dataflows: why the dataflow of
// a view, a sink or a table stopped with an error (Failure), kept in the
// state's meta table so that it survives a restart (Set), and the errors and
// warnings that tell the users of the object, and of what reads it, that
// its rows are stale. What only the engine knows (its running jobs, its
// catalog, how it writes at once, who may read what) it asks through the
// Engine interface; the package does not import the engine.
package failures

import (
	"errors"
	"fmt"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Failure is why the dataflow of a view (or a sink, or a table) stopped
// with an error. It is kept in the state (the meta table), so it survives a
// restart: a failed view stays failed, and its queries say why, until it is
// resumed (ALTER MATERIALIZED VIEW … RESUME) or dropped.
type Failure struct {
	// Name and Kind name the object ("materialized view", "sink", "table").
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Epoch is the epoch the failure happened in: the data of that epoch
	// (or of an earlier one still being committed) made it fail. The
	// object's rows are those of the epochs before.
	Epoch exec.Epoch `json:"epoch"`
	// Code is the SQLSTATE of the cause (55000 when it had none); Cause is
	// its message ("division by zero"); Error is the whole error, with the
	// fragment and operator it came from (weir_jobs.error).
	Code  string    `json:"code"`
	Cause string    `json:"cause"`
	Error string    `json:"error"`
	At    time.Time `json:"at"`
}

// Describe returns the failure of object o, whose dataflow stopped with err
// in epoch (the one in flight: the committed epoch + 1).
func Describe(o *catalog.Object, epoch exec.Epoch, err error) Failure {
	f := Failure{Name: o.Name, Kind: o.Kind.String(), Epoch: epoch, Code: sqlstate.ObjectNotInPrerequisiteState,
		Cause: err.Error(), Error: err.Error(), At: time.Now().UTC()}
	var se *sqlstate.Error
	if errors.As(err, &se) {
		if se.Code != "" {
			f.Code = se.Code
		}
		f.Cause = se.Message
	}
	return f
}

// Err is the error a query of the failed object gets.
func (f Failure) Err() *sqlstate.Error {
	return sqlstate.Errorf(f.Code, "%s", f.Message()).WithDetail(f.Detail()).WithHint(f.Hint())
}

// ReaderErr is the error a query of reader, which reads the failed object
// directly or through others, gets.
func (f Failure) ReaderErr(reader *catalog.Object) *sqlstate.Error {
	return sqlstate.Errorf(f.Code, "%s \"%s\" cannot be read: %s \"%s\", which it reads, has failed: %s", reader.Kind, reader.Name, f.Kind, f.Name, f.Cause).
		WithDetail(f.Detail()).WithHint(f.Hint())
}

// Message says which object failed and why, as errors and warnings say it.
func (f Failure) Message() string {
	return fmt.Sprintf("%s \"%s\" has failed: %s", f.Kind, f.Name, f.Cause)
}

// ReaderMessage is what weir_jobs says of a dataflow that stopped because
// it reads the failed object.
func (f Failure) ReaderMessage() string {
	return fmt.Sprintf("%s \"%s\", which it reads, has failed", f.Kind, f.Name)
}

// Detail says since when the object's rows are stale.
func (f Failure) Detail() string {
	return fmt.Sprintf("Its dataflow stopped in epoch %d; its rows are those of the epochs before, so they are not shown.", f.Epoch)
}

// Hint says what to do: RESUME a view once its input is fixed, or drop
// and create the object again.
func (f Failure) Hint() string {
	if f.Kind != catalog.View.String() {
		return sql.String(f.drop()) + " and create it again."
	}
	return fmt.Sprintf("Fix or delete the input rows that make it fail, then run ALTER MATERIALIZED VIEW %s RESUME to rebuild it from its input; or DROP it and create it again with a definition that handles them.", f.Name)
}

// Warnings returns one WARNING per failure, for a statement's result: the
// failure's Message, Detail and Hint.
func Warnings(fs []Failure) []session.Warning {
	out := make([]session.Warning, len(fs))
	for i, f := range fs {
		out[i] = session.Warning{Code: sqlstate.Warning, Message: f.Message(), Detail: f.Detail(), Hint: f.Hint()}
	}
	return out
}

// drop returns the DROP statement of the failed object.
func (f Failure) drop() *sql.Drop {
	d := &sql.Drop{Name: sql.ObjectName{Parts: []sql.Name{{Value: f.Name}}}}
	for _, k := range []sql.ObjectKind{sql.ObjStream, sql.ObjTable, sql.ObjView, sql.ObjSink, sql.ObjPlainView} {
		if planner.CatalogKind(k).String() == f.Kind {
			d.Kind = k
		}
	}
	return d
}
