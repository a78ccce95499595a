package session

import (
	"maps"
	"strings"
	"time"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Default, as the value given to Params.Set or Params.Local, is SET … TO
// DEFAULT (and RESET): the parameter goes back to its default. It is the
// value the parser gives sql.Set for these statements.
const Default = "DEFAULT"

// Env is what some parameters' values come from besides SET: the server's
// configuration and the session's user. The engine gives it when it opens a
// session.
type Env struct {
	// SynchronousCommit is the server's state_management.synchronous_commit,
	// the default of the session's synchronous_commit: "off" is off, any
	// other value on.
	SynchronousCommit string
	// User is the session's user (session_authorization).
	User string
	// Superuser reports whether the user has every right (is_superuser);
	// nil means that it has.
	Superuser func() bool
}

// Params are one session's values of its run-time parameters: those SET
// gave, those SET LOCAL gave in the open transaction block, and the
// defaults of the rest. A Params is used by one session at a time.
type Params struct {
	env Env
	// values are the values SET gave, by lower-case name.
	values map[string]string
	// block is the open transaction block (nil: none).
	block *paramBlock
}

// paramBlock is what Params keep of an open transaction block.
type paramBlock struct {
	readOnly bool
	// local are the values SET LOCAL gave, by lower-case name: they hold
	// until the block ends.
	local map[string]string
	// saved are the values SET had given at BEGIN, which ROLLBACK puts back.
	saved map[string]string
}

// NewParams returns the parameters of a session that starts: every one at
// its default.
func NewParams(env Env) *Params {
	return &Params{env: env, values: map[string]string{}}
}

// Get returns the session's value of the parameter name (in any case), as
// SHOW prints it, or "" for a name weir does not know.
func (p *Params) Get(name string) string {
	name = strings.ToLower(name)
	def, ok := params[name]
	if !ok {
		return ""
	}
	if def.shown != nil {
		return def.shown(p)
	}
	if p.block != nil {
		if v, ok := p.block.local[name]; ok {
			return v
		}
	}
	if v, ok := p.values[name]; ok {
		return v
	}
	return p.defaultOf(def)
}

// defaultOf is the value def starts with in the session.
func (p *Params) defaultOf(def *param) string {
	if def.defaultOf != nil {
		return def.defaultOf(p.env)
	}
	return def.def
}

// Set runs SET name = value (SET name TO DEFAULT when value is Default)
// for the rest of the session, and answers as SET does: with the
// parameter's new value for the client when clients track it. An unknown
// name fails with 42704, a parameter that cannot be changed with 55P02, a
// value weir refuses with 22023 or 0A000 (the errors have no position).
func (p *Params) Set(name, value string) (*Result, error) {
	def, v, err := p.checkValue(name, value)
	if err != nil {
		return nil, err
	}
	key := strings.ToLower(def.name)
	if p.block != nil {
		delete(p.block.local, key)
	}
	if value == Default {
		delete(p.values, key)
	} else {
		p.values[key] = v
	}
	return &Result{Tag: "SET", Reports: p.report(nil, def)}, nil
}

// Local runs SET LOCAL name = value (SET LOCAL name TO DEFAULT when value is
// Default): the value holds until the transaction block ends. Outside a
// block it changes nothing and answers with Postgres' notice; its errors
// are Set's.
func (p *Params) Local(name, value string) (*Result, error) {
	def, v, err := p.checkValue(name, value)
	if err != nil {
		return nil, err
	}
	res := &Result{Tag: "SET"}
	if p.block == nil {
		res.Notices = append(res.Notices, "SET LOCAL can only be used in transaction blocks")
		return res, nil
	}
	p.block.local[strings.ToLower(def.name)] = v
	return res, nil
}

// checkValue returns the parameter name and the value SET of value gives
// it: the parameter's default for Default, else the value its check
// returns.
func (p *Params) checkValue(name, value string) (*param, string, error) {
	def, known := lookup(name)
	if !known {
		return nil, "", sqlstate.Errorf(sqlstate.UndefinedObject, "unrecognized configuration parameter \"%s\"", name)
	}
	if def.check == nil {
		return nil, "", sqlstate.Errorf(sqlstate.CantChangeRuntimeParam, "parameter \"%s\" cannot be changed", strings.ToLower(name))
	}
	if value == Default {
		return def, p.defaultOf(def), nil
	}
	v, err := def.check(value)
	if err != nil {
		if se, ok := err.(*sqlstate.Error); ok {
			return nil, "", se
		}
		return nil, "", sqlstate.Errorf(sqlstate.InvalidParameterValue,
			"invalid value for parameter \"%s\": \"%s\"", def.name, value).WithDetail(err.Error())
	}
	return def, v, nil
}

// ResetAll runs RESET ALL: every parameter SET or SET LOCAL changed goes
// back to its default, and the client is told of those it tracks.
func (p *Params) ResetAll() *Result {
	res := &Result{Tag: "RESET"}
	for _, name := range paramNames() {
		_, set := p.values[name]
		local := false
		if p.block != nil {
			_, local = p.block.local[name]
			delete(p.block.local, name)
		}
		delete(p.values, name)
		if set || local {
			res.Reports = p.report(res.Reports, params[name])
		}
	}
	return res
}

// report appends to reports the value of def when clients track it.
func (p *Params) report(reports []ParameterStatus, def *param) []ParameterStatus {
	if !def.reported {
		return reports
	}
	return append(reports, ParameterStatus{Name: def.name, Value: p.Get(def.name)})
}

// Begin starts a transaction block (read-only for BEGIN READ ONLY): SET
// LOCAL applies until End, and Rollback undoes the block's SETs.
func (p *Params) Begin(readOnly bool) {
	p.block = &paramBlock{readOnly: readOnly, local: map[string]string{}, saved: maps.Clone(p.values)}
}

// Rollback puts back the values SET had given when the block began, as
// ROLLBACK (or a COMMIT that fails) does. The block goes on until End.
func (p *Params) Rollback() {
	if p.block != nil {
		p.values = maps.Clone(p.block.saved)
	}
}

// End ends the transaction block: the values SET LOCAL gave are gone, and
// those SET gave stay unless Rollback put back the earlier ones.
func (p *Params) End() { p.block = nil }

// Show returns the rows of SHOW name: the parameter's value, or for SHOW
// ALL every parameter's name, value and description, sorted by name. An
// unknown name fails with 42704 (without a position).
func (p *Params) Show(name string) ([][]any, error) {
	if strings.EqualFold(name, "all") {
		names := paramNames()
		rows := make([][]any, len(names))
		for i, n := range names {
			def := params[n]
			rows[i] = []any{def.name, p.Get(n), def.description}
		}
		return rows, nil
	}
	if _, known := lookup(name); !known {
		return nil, sqlstate.Errorf(sqlstate.UndefinedObject, "unrecognized configuration parameter \"%s\"", name)
	}
	return [][]any{{p.Get(name)}}, nil
}

// showAllColumns are SHOW ALL's columns.
var showAllColumns = types.Schema{{Name: "name", Type: types.TextType}, {Name: "setting", Type: types.TextType},
	{Name: "description", Type: types.TextType}}

// ShowColumns is the row description of SHOW name: SHOW ALL's columns, or
// one text column named as Postgres spells the parameter.
func ShowColumns(name string) types.Schema {
	if strings.EqualFold(name, "all") {
		return showAllColumns
	}
	if def, ok := lookup(name); ok {
		name = def.name
	} else {
		name = strings.ToLower(name)
	}
	return types.Schema{{Name: name, Type: types.TextType}}
}

// StatementTimeout is the session's statement_timeout (0: none).
func (p *Params) StatementTimeout() time.Duration {
	ms, _ := parseMillis(p.Get("statement_timeout"))
	return time.Duration(ms) * time.Millisecond
}

// SynchronousCommit reports whether the session's writes wait until they
// are durable (synchronous_commit is not off).
func (p *Params) SynchronousCommit() bool {
	return p.Get("synchronous_commit") != "off"
}

// FilterMessages drops from res the messages below the session's
// client_min_messages: notices at warning, notices and warnings at error.
func (p *Params) FilterMessages(res *Result) {
	if res == nil {
		return
	}
	switch p.Get("client_min_messages") {
	case "error":
		res.Warnings = nil
		fallthrough
	case "warning":
		res.Notices = nil
	}
}
