package session

import (
	"slices"
	"strings"
)

// param is one run-time parameter a session can SET and SHOW.
type param struct {
	// name is Postgres' spelling (TimeZone, DateStyle): SHOW's column name,
	// SHOW ALL's and ParameterStatus'. Lookups are case-insensitive.
	name string
	// def is the value a session starts with and RESET returns to;
	// defaultOf, when set, gives it instead (a default the server's
	// configuration decides).
	def       string
	defaultOf func(Env) string
	// check validates a value SET gives and returns the value SHOW then
	// prints. Nil means the parameter cannot be changed (server_version).
	check func(v string) (string, error)
	// shown, when set, is the value SHOW prints in place of the session's:
	// the parameter tells of the session's state (its user, its rights,
	// its transaction block).
	shown func(*Params) string
	// reported parameters are told to the client at startup and when SET
	// changes them (ParameterStatus), as Postgres' GUC_REPORT ones are.
	reported bool
	// description is SHOW ALL's third column.
	description string
}

// isolationLevel is the one isolation level weir runs transaction blocks
// at: their statements read one snapshot, and COMMIT fails when another
// session changed a row the block changed (first committer wins), as
// REPEATABLE READ does in Postgres.
const isolationLevel = "repeatable read"

// params are the parameters weir knows, by lower-case name. SET of any
// other name fails with 42704, as in Postgres.
var params = map[string]*param{}

func init() {
	for _, p := range []*param{
		{name: "application_name", def: "", check: anyText, reported: true, description: "Sets the application name to be reported in statistics and logs."},
		{name: "client_encoding", def: "UTF8", check: ClientEncoding, reported: true, description: "Sets the client's character set encoding (weir speaks UTF8 only)."},
		{name: "DateStyle", def: "ISO, MDY", check: checkDateStyle, reported: true, description: "Sets the display format for date and time values (weir prints ISO only)."},
		{name: "IntervalStyle", def: "postgres", check: oneOf("postgres"), reported: true, description: "Sets the display format for interval values (weir prints postgres only)."},
		{name: "TimeZone", def: "UTC", check: checkTimeZone, reported: true, description: "Sets the time zone for displaying and interpreting time stamps (weir works in UTC only)."},
		{name: "extra_float_digits", def: "1", check: intRange(-15, 3), description: "Sets the number of digits displayed for floating-point values (weir always prints the shortest exact form)."},
		{name: "search_path", def: "public", check: anyText, description: "Sets the schema search order for names that are not schema-qualified (weir has one schema)."},
		{name: "standard_conforming_strings", def: "on", check: oneOf("on"), reported: true, description: "Causes '...' strings to treat backslashes literally (always on in weir)."},
		{name: "bytea_output", def: "hex", check: oneOf("hex"), description: "Sets the output format for bytea (hex only in weir)."},
		{name: "statement_timeout", def: "0", check: checkMillis, description: "Sets the maximum allowed duration of any statement (0 is no limit)."},
		{name: "client_min_messages", def: "notice", check: oneOf("debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"), description: "Sets the message levels that are sent to the client (weir sends notices and warnings)."},
		{name: "lock_timeout", def: "0", check: checkMillis, description: "Sets the maximum allowed duration of any wait for a lock (weir takes no locks a statement waits for)."},
		{name: "synchronous_commit", defaultOf: defaultSynchronousCommit, check: checkSynchronousCommit, description: "Sets whether a write waits until it is synced to the table write log before it is answered (off: only until it is visible)."},
		{name: "transaction_isolation", def: isolationLevel, check: checkIsolation, description: "Sets the transaction isolation level (weir runs every transaction at repeatable read)."},
		{name: "default_transaction_isolation", def: isolationLevel, check: checkIsolation, description: "Sets the transaction isolation level (weir runs every transaction at repeatable read)."},
		{name: "transaction_read_only", def: "off", check: checkReadOnly, shown: readOnlyShown, description: "Shows whether the current transaction is read-only (BEGIN READ ONLY)."},
		{name: "server_version", def: "16.0", reported: true, description: "Shows the server version."},
		{name: "server_version_num", def: "160000", description: "Shows the server version as an integer."},
		{name: "server_encoding", def: "UTF8", reported: true, description: "Shows the server (database) character set encoding."},
		{name: "integer_datetimes", def: "on", reported: true, description: "Shows whether datetimes are integer based."},
		{name: "max_identifier_length", def: "63", description: "Shows the maximum identifier length."},
		{name: "is_superuser", def: "on", shown: superuserShown, reported: true, description: "Shows whether the current user is a superuser."},
		{name: "session_authorization", shown: func(p *Params) string { return p.env.User }, reported: true, description: "Shows the session user name."},
	} {
		params[strings.ToLower(p.name)] = p
	}
}

// lookup returns the parameter named name, in any case.
func lookup(name string) (*param, bool) {
	p, ok := params[strings.ToLower(name)]
	return p, ok
}

// paramNames are the lower-case names of the parameters, sorted: SHOW
// ALL's order.
func paramNames() []string {
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// defaultSynchronousCommit is a session's synchronous_commit until SET:
// the server's state_management.synchronous_commit.
func defaultSynchronousCommit(env Env) string {
	if env.SynchronousCommit == "off" {
		return "off"
	}
	return "on"
}

// readOnlyShown is transaction_read_only: on in a block that BEGIN READ
// ONLY started.
func readOnlyShown(p *Params) string {
	if p.block != nil && p.block.readOnly {
		return "on"
	}
	return "off"
}

// superuserShown is is_superuser: whether the session's user has every
// right now (a role's SUPERUSER attribute may change during the session).
func superuserShown(p *Params) string {
	if p.env.Superuser != nil && !p.env.Superuser() {
		return "off"
	}
	return "on"
}

// ReportedParams are the names, in Postgres' spelling and name order, of
// the parameters a client is told of (ParameterStatus) when its session
// starts and when SET changes them, as Postgres' GUC_REPORT ones.
func ReportedParams() []string {
	var names []string
	for _, n := range paramNames() {
		if p := params[n]; p.reported {
			names = append(names, p.name)
		}
	}
	return names
}
