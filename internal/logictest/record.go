// Package logictest runs sqllogictest files (the CockroachDB / RisingWave
// dialect) against a Postgres-protocol server through pgx: weir's end-to-end
// tests live in testdata/slt/*.slt and are run with RunFile.
//
// A file is a sequence of records separated by blank lines:
//
//	statement ok              the statement must succeed
//	statement ok warning <regex>   ... and send a WARNING whose message matches regex
//	statement count N         the statement must succeed and affect N rows
//	statement error <regex>   the statement must fail with a message matching regex
//	statement error 42P01     ... or with that SQLSTATE (exactly 5 of [0-9A-Z])
//	statement error pgcode 42P01 [regex]   both
//	query <types> [rowsort|valuesort|nosort|colnames][,…] [label]
//	<sql>
//	----
//	<expected rows, one per line, values separated by whitespace>
//	query error <regex>       as statement error, for a query
//	halt                      stop reading the file
//	include <glob>            run the matching files (relative to this one) here
//	# mode extended           from here on use the extended protocol (# mode simple: back)
//
// A record may be preceded by `connection <name>` (run it on a separately
// opened connection of that name; a name `label@user` connects as user),
// `skipif <engine>` and `onlyif <engine>`
// (the engine is "weir" unless Options.Engine says otherwise). Lines starting with '#' are comments. `sleep` is
// refused: tests are made deterministic with FLUSH, never with timing.
package logictest

import "regexp"

// Engine is the default name skipif and onlyif lines are compared with.
const Engine = "weir"

// Kind is the kind of a record.
type Kind uint8

// Record kinds.
const (
	// KindStatement is `statement ok|count|error`.
	KindStatement Kind = iota
	// KindQuery is `query <types>` or `query error`.
	KindQuery
	// KindHalt is `halt`: the rest of the file is not run.
	KindHalt
	// KindInclude is `include <glob>`.
	KindInclude
	// KindMode is a `# mode simple|extended` directive.
	KindMode
)

// SortMode says how a query's rows are ordered before they are compared.
type SortMode uint8

// Sort modes.
const (
	// NoSort compares rows in the order the server returned them.
	NoSort SortMode = iota
	// RowSort sorts the rows (as their printed lines) on both sides.
	RowSort
	// ValueSort sorts every single value on both sides, ignoring rows.
	ValueSort
)

// String returns the keyword of the sort mode.
func (s SortMode) String() string {
	switch s {
	case RowSort:
		return "rowsort"
	case ValueSort:
		return "valuesort"
	}
	return "nosort"
}

// Protocol is the Postgres sub-protocol used to run statements.
type Protocol uint8

// Protocols.
const (
	// Simple is the simple query protocol (the default).
	Simple Protocol = iota
	// Extended is Parse/Bind/Describe/Execute; results are still requested in
	// text format so that values compare the same in both modes.
	Extended
)

// String returns the name used in `# mode` directives.
func (p Protocol) String() string {
	if p == Extended {
		return "extended"
	}
	return "simple"
}

// ErrorExpectation is what an expected error must look like. An empty Code
// matches any code; a nil Regex matches any message.
type ErrorExpectation struct {
	Code  string
	Regex *regexp.Regexp
}

// String returns the expectation as written after `error`.
func (e *ErrorExpectation) String() string {
	switch {
	case e.Code != "" && e.Regex != nil:
		return "pgcode " + e.Code + " " + e.Regex.String()
	case e.Code != "":
		return e.Code
	case e.Regex != nil:
		return e.Regex.String()
	}
	return ""
}

// Record is one parsed record of a logic test file. Records are immutable
// once Parse returns them.
type Record struct {
	Kind Kind
	File string
	Line int // 1-based line of the record's directive

	Conn   string   // connection name; "" is the default connection
	SkipIf []string // engines named by skipif lines
	OnlyIf []string // engines named by onlyif lines

	SQL string

	// Error is set for `statement error` and `query error`.
	Error *ErrorExpectation
	// Count is the expected number of affected rows of `statement count`, or -1.
	Count int64
	// Warning is set for `statement ok warning <regex>`: the statement must
	// send a WARNING notice whose message matches.
	Warning *regexp.Regexp

	Types    string // query column type letters, e.g. "ITR"
	Sort     SortMode
	ColNames bool   // the first expected line holds the column names
	Label    string // queries with the same label must return the same rows

	Expected []string // expected result lines, as written
	// SQLEnd is the 0-based index of the line after the SQL; Separator tells
	// whether a `----` line follows it; ResultStart and ResultEnd delimit the
	// expected lines (0-based, end exclusive). Used to rewrite files.
	SQLEnd      int
	Separator   bool
	ResultStart int
	ResultEnd   int

	Pattern  string   // include
	Protocol Protocol // mode
}

// Skipped reports whether skipif/onlyif lines exclude the record for engine.
func (r *Record) Skipped(engine string) bool {
	for _, e := range r.SkipIf {
		if e == engine {
			return true
		}
	}
	if len(r.OnlyIf) == 0 {
		return false
	}
	for _, e := range r.OnlyIf {
		if e == engine {
			return false
		}
	}
	return true
}
