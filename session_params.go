package weir

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// sessionParam is one run-time parameter a session can SET and SHOW.
type sessionParam struct {
	// name is Postgres' spelling (TimeZone, DateStyle): SHOW's column name
	// and SHOW ALL's. Lookups are case-insensitive.
	name string
	// def is the value a session starts with and RESET returns to;
	// defaultOf, when set, gives it instead (a default the server's config
	// decides).
	def       string
	defaultOf func(*Session) string
	// check validates a value SET gives and returns the value SHOW then
	// prints. Nil means the parameter cannot be changed (server_version).
	check func(v string) (string, error)
	// description is SHOW ALL's third column.
	description string
}

// sessionParams are the parameters weir knows, by lower-case name. SET of
// any other name fails with 42704, as in Postgres.
//
// A parameter is added by an entry here (or, from another file, by a call of
// registerSessionParam in an init function, as synchronous_commit.go and
// txn.go do); the session reads its value with Session.param.
var sessionParams = map[string]*sessionParam{}

func init() {
	for _, p := range []*sessionParam{
		{name: "application_name", def: "", check: anyText, description: "Sets the application name to be reported in statistics and logs."},
		{name: "client_encoding", def: "UTF8", check: session.ClientEncoding, description: "Sets the client's character set encoding (weir speaks UTF8 only)."},
		{name: "DateStyle", def: "ISO, MDY", check: checkDateStyle, description: "Sets the display format for date and time values (weir prints ISO only)."},
		{name: "IntervalStyle", def: "postgres", check: oneOf("postgres"), description: "Sets the display format for interval values (weir prints postgres only)."},
		{name: "TimeZone", def: "UTC", check: checkTimeZone, description: "Sets the time zone for displaying and interpreting time stamps (weir works in UTC only)."},
		{name: "extra_float_digits", def: "1", check: intRange(-15, 3), description: "Sets the number of digits displayed for floating-point values (weir always prints the shortest exact form)."},
		{name: "search_path", def: "public", check: anyText, description: "Sets the schema search order for names that are not schema-qualified (weir has one schema)."},
		{name: "standard_conforming_strings", def: "on", check: oneOf("on"), description: "Causes '...' strings to treat backslashes literally (always on in weir)."},
		{name: "bytea_output", def: "hex", check: oneOf("hex"), description: "Sets the output format for bytea (hex only in weir)."},
		{name: "statement_timeout", def: "0", check: checkMillis, description: "Sets the maximum allowed duration of any statement (0 is no limit)."},
		{name: "client_min_messages", def: "notice", check: oneOf("debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error"), description: "Sets the message levels that are sent to the client (weir sends notices and warnings)."},
		{name: "lock_timeout", def: "0", check: checkMillis, description: "Sets the maximum allowed duration of any wait for a lock (weir takes no locks a statement waits for)."},
		{name: "server_version", def: "16.0", description: "Shows the server version."},
		{name: "server_version_num", def: "160000", description: "Shows the server version as an integer."},
		{name: "server_encoding", def: "UTF8", description: "Shows the server (database) character set encoding."},
		{name: "integer_datetimes", def: "on", description: "Shows whether datetimes are integer based."},
		{name: "max_identifier_length", def: "63", description: "Shows the maximum identifier length."},
		{name: "is_superuser", def: "on", description: "Shows whether the current user is a superuser."},
		{name: "session_authorization", def: "", description: "Shows the session user name."},
	} {
		registerSessionParam(p)
	}
}

// registerSessionParam adds p to sessionParams.
func registerSessionParam(p *sessionParam) { sessionParams[strings.ToLower(p.name)] = p }

// localPrefix marks, in Session.vars, a value SET LOCAL gave.
const localPrefix = "\x00local."

// inTransactionBlock reports whether the session is inside BEGIN … COMMIT,
// where SET LOCAL takes effect until the block ends (endTransactionParams).
func (s *Session) inTransactionBlock() bool { return s.tx != nil }

// endTransactionParams drops the values SET LOCAL gave in the transaction
// that ends.
func (s *Session) endTransactionParams() {
	for k := range s.vars {
		if strings.HasPrefix(k, localPrefix) {
			delete(s.vars, k)
		}
	}
}

// param returns the session's value of the parameter named (lower case).
func (s *Session) param(name string) string {
	switch {
	case name == "transaction_read_only" && s.tx != nil && s.tx.readOnly:
		return "on"
	case name == "is_superuser" && !s.superuser():
		return "off"
	case name == "session_authorization":
		return s.user
	}
	if v, ok := s.vars[localPrefix+name]; ok {
		return v
	}
	if v, ok := s.vars[name]; ok {
		return v
	}
	if p, ok := sessionParams[name]; ok {
		return s.paramDefault(p)
	}
	return ""
}

// paramDefault is the value p starts with in the session.
func (s *Session) paramDefault(p *sessionParam) string {
	if p.defaultOf != nil {
		return p.defaultOf(s)
	}
	return p.def
}

// set runs SET, SET LOCAL, SET … TO DEFAULT and RESET.
func (s *Session) set(st *sql.Set) (*Result, error) {
	name := strings.ToLower(st.Name)
	res := &Result{Tag: "SET"}
	if name == "all" && st.Value == "DEFAULT" {
		reset := &Result{Tag: "RESET"}
		for k := range s.vars {
			n := strings.TrimPrefix(k, localPrefix)
			if p, ok := sessionParams[n]; ok && p.check != nil {
				delete(s.vars, k)
				if reportedParams[n] {
					reset.Reports = append(reset.Reports, ParameterStatus{Name: p.name, Value: s.param(n)})
				}
			}
		}
		return reset, nil
	}
	p, known := sessionParams[name]
	if !known {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, st.Pos, "unrecognized configuration parameter \"%s\"", st.Name)
	}
	if p.check == nil {
		return nil, sqlstate.ErrorfAt(sqlstate.CantChangeRuntimeParam, st.Pos, "parameter \"%s\" cannot be changed", name)
	}
	v := s.paramDefault(p)
	if st.Value != "DEFAULT" {
		var err error
		if v, err = p.check(st.Value); err != nil {
			return nil, paramError(err, p, st)
		}
	}
	if st.Local {
		if !s.inTransactionBlock() {
			res.Notices = append(res.Notices, "SET LOCAL can only be used in transaction blocks")
			return res, nil
		}
		s.vars[localPrefix+name] = v
		return res, nil
	}
	delete(s.vars, localPrefix+name)
	if st.Value == "DEFAULT" {
		delete(s.vars, name)
	} else {
		s.vars[name] = v
	}
	if reportedParams[name] {
		res.Reports = append(res.Reports, ParameterStatus{Name: p.name, Value: s.param(name)})
	}
	return res, nil
}

// reportedParams are the parameters whose changes the client is told of
// (Postgres' GUC_REPORT ones), by lower-case name.
var reportedParams = map[string]bool{
	"application_name": true, "client_encoding": true, "datestyle": true, "intervalstyle": true,
	"is_superuser": true, "server_encoding": true, "server_version": true, "session_authorization": true,
	"standard_conforming_strings": true, "timezone": true, "integer_datetimes": true,
}

// paramError gives a check's error the statement's position; a plain error
// becomes Postgres' 22023 "invalid value for parameter".
func paramError(err error, p *sessionParam, st *sql.Set) error {
	if se, ok := err.(*sqlstate.Error); ok {
		return se.At(st.Pos)
	}
	return sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos,
		"invalid value for parameter \"%s\": \"%s\"", p.name, st.Value).WithDetail(err.Error())
}

// showParamColumns are SHOW ALL's columns.
var showParamColumns = types.Schema{{Name: "name", Type: types.TextType}, {Name: "setting", Type: types.TextType},
	{Name: "description", Type: types.TextType}}

// showParam runs SHOW name and SHOW ALL.
func (s *Session) showParam(st *sql.Show) (*Result, error) {
	name := strings.ToLower(st.Variable)
	if name == "all" {
		names := make([]string, 0, len(sessionParams))
		for n := range sessionParams {
			names = append(names, n)
		}
		slices.Sort(names)
		rows := make([][]any, len(names))
		for i, n := range names {
			p := sessionParams[n]
			rows[i] = []any{p.name, s.param(n), p.description}
		}
		return textResult(s.e.mem, showParamColumns, rows, "SHOW"), nil
	}
	if _, known := sessionParams[name]; !known {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedObject, st.Pos, "unrecognized configuration parameter \"%s\"", st.Variable)
	}
	return textResult(s.e.mem, showParamSchema(name), [][]any{{s.param(name)}}, "SHOW"), nil
}

// showParamSchema is the row description of SHOW name: SHOW ALL's columns,
// or one column named as Postgres spells the parameter.
func showParamSchema(name string) types.Schema {
	name = strings.ToLower(name)
	if name == "all" {
		return showParamColumns
	}
	if p, ok := sessionParams[name]; ok {
		name = p.name
	}
	return types.Schema{{Name: name, Type: types.TextType}}
}

// statementTimeout is the session's statement_timeout (0: none).
func (s *Session) statementTimeout() time.Duration {
	ms, _ := parseMillis(s.param("statement_timeout"))
	return time.Duration(ms) * time.Millisecond
}

// ---------------------------------------------------------------- checks

func anyText(v string) (string, error) { return v, nil }

// oneOf accepts only the given values (case-insensitive), the only ones weir
// implements.
func oneOf(allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		l := strings.ToLower(strings.TrimSpace(v))
		if slices.Contains(allowed, l) {
			return l, nil
		}
		return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "weir supports only %s", strings.Join(allowed, ", "))
	}
}

// intRange accepts an integer in [lo, hi].
func intRange(lo, hi int) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", fmt.Errorf("invalid value for parameter: %q requires an integer value", v)
		}
		if n < lo || n > hi {
			return "", fmt.Errorf("%d is outside the valid range for parameter (%d .. %d)", n, lo, hi)
		}
		return strconv.Itoa(n), nil
	}
}

// checkDateStyle accepts the styles weir prints: ISO, with any field order.
func checkDateStyle(v string) (string, error) {
	order := "MDY"
	for _, part := range strings.Split(v, ",") {
		switch w := strings.ToUpper(strings.TrimSpace(part)); w {
		case "ISO", "DEFAULT":
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			order = "MDY"
		case "DMY", "EURO", "EUROPEAN":
			order = "DMY"
		case "YMD":
			order = "YMD"
		case "SQL", "POSTGRES", "GERMAN":
			return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "DateStyle %s is not supported", w).
				WithHint("weir prints dates and times in the ISO style only.")
		default:
			return "", fmt.Errorf("unrecognized key word: %q", strings.TrimSpace(part))
		}
	}
	return "ISO, " + order, nil
}

// utcNames are the zone names that mean UTC.
var utcNames = map[string]bool{
	"utc": true, "etc/utc": true, "uct": true, "etc/uct": true, "gmt": true, "etc/gmt": true, "gmt0": true,
	"etc/gmt0": true, "gmt+0": true, "gmt-0": true, "etc/gmt+0": true, "etc/gmt-0": true, "greenwich": true,
	"etc/greenwich": true, "universal": true, "etc/universal": true, "zulu": true, "etc/zulu": true, "z": true,
	"0": true, "+0": true, "-0": true, "00:00": true, "+00:00": true, "-00:00": true, "utc0": true,
}

// checkTimeZone accepts UTC under its names; weir keeps and prints every
// timestamptz in UTC, so another zone is refused instead of ignored.
func checkTimeZone(v string) (string, error) {
	if utcNames[strings.ToLower(strings.TrimSpace(v))] {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(v); err != nil {
		if _, nerr := strconv.ParseFloat(v, 64); nerr != nil {
			return "", fmt.Errorf("time zone %q not recognized", v)
		}
	}
	return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "time zone \"%s\" is not supported", v).
		WithHint("weir works in UTC only: timestamptz values print in UTC and now() and current_date are UTC.")
}

// checkMillis accepts a duration in Postgres' form for time parameters: an
// integer of milliseconds, or a number with a unit (us, ms, s, min, h, d);
// SHOW prints it in the largest unit that divides it.
func checkMillis(v string) (string, error) {
	ms, err := parseMillis(v)
	if err != nil {
		return "", err
	}
	return formatMillis(ms), nil
}

// millisUnits are the units of time parameters, in milliseconds, largest first.
var millisUnits = []struct {
	name string
	ms   float64
}{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}, {"us", 0.001}}

func parseMillis(v string) (int64, error) {
	t := strings.TrimSpace(v)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || i == 0 && (t[i] == '-' || t[i] == '+')) {
		i++
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid value: %q", v)
	}
	unit := strings.TrimSpace(t[i:])
	scale := 1.0
	if unit != "" {
		found := false
		for _, u := range millisUnits {
			if u.name == unit {
				scale, found = u.ms, true
			}
		}
		if !found {
			return 0, fmt.Errorf("valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\"")
		}
	}
	ms := math.Round(n * scale)
	if ms < 0 || ms > math.MaxInt32 {
		return 0, fmt.Errorf("%s is outside the valid range for parameter (0 .. %d)", t, math.MaxInt32)
	}
	return int64(ms), nil
}

func formatMillis(ms int64) string {
	if ms == 0 {
		return "0"
	}
	for _, u := range millisUnits[:5] {
		if ms%int64(u.ms) == 0 {
			return strconv.FormatInt(ms/int64(u.ms), 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// filterMessages drops from res the messages below the session's
// client_min_messages: notices at warning, notices and warnings at error.
func (s *Session) filterMessages(res *Result) {
	if res == nil {
		return
	}
	switch s.param("client_min_messages") {
	case "error":
		res.Warnings = nil
		fallthrough
	case "warning":
		res.Notices = nil
	}
}
