package weir

import "github.com/weir-stream/weir/sql/session"

// The types a session answers with are package session's, which the wire
// server shares without importing the engine.
type (
	// Result is the outcome of one statement: see session.Result.
	Result = session.Result
	// Warning is a message of severity WARNING: see session.Warning.
	Warning = session.Warning
	// ParameterStatus is a parameter whose new value the client is told of:
	// see session.ParameterStatus.
	ParameterStatus = session.ParameterStatus
	// Prepared is a parsed and bound statement: see session.Prepared.
	Prepared = session.Prepared
	// Param is one bound parameter value in text form: see session.Param.
	Param = session.Param
)
