package session

import "strconv"

// Setting is a row of pg_settings: one parameter of the session, as
// Postgres 16 describes it.
type Setting struct {
	Name, Setting, Unit, Category, ShortDesc, Context, VarType, Source, BootVal, ResetVal string
}

// settingKind is what pg_settings says of a parameter besides its value:
// its type, unit, group and when it may change, as in Postgres' GUC tables.
type settingKind struct {
	varType, unit, category, context string
}

// The groups of Postgres' parameters weir's are in.
const (
	catLocale    = "Client Connection Defaults / Locale and Formatting"
	catStatement = "Client Connection Defaults / Statement Behavior"
	catPreset    = "Preset Options"
)

// settingKinds are the settingKind of each parameter, by lower-case name.
var settingKinds = map[string]settingKind{
	"application_name":              {"string", "", "Reporting and Logging / What to Log", "user"},
	"client_encoding":               {"string", "", catLocale, "user"},
	"datestyle":                     {"string", "", catLocale, "user"},
	"intervalstyle":                 {"enum", "", catLocale, "user"},
	"timezone":                      {"string", "", catLocale, "user"},
	"extra_float_digits":            {"integer", "", catLocale, "user"},
	"search_path":                   {"string", "", catStatement, "user"},
	"standard_conforming_strings":   {"bool", "", "Version and Platform Compatibility / Previous PostgreSQL Versions", "user"},
	"bytea_output":                  {"enum", "", catStatement, "user"},
	"statement_timeout":             {"integer", "ms", catStatement, "user"},
	"client_min_messages":           {"enum", "", catStatement, "user"},
	"lock_timeout":                  {"integer", "ms", catStatement, "user"},
	"synchronous_commit":            {"enum", "", "Write-Ahead Log / Settings", "user"},
	"transaction_isolation":         {"enum", "", catStatement, "user"},
	"default_transaction_isolation": {"enum", "", catStatement, "user"},
	"transaction_read_only":         {"bool", "", catStatement, "user"},
	"server_version":                {"string", "", catPreset, "internal"},
	"server_version_num":            {"integer", "", catPreset, "internal"},
	"server_encoding":               {"string", "", catPreset, "internal"},
	"integer_datetimes":             {"bool", "", catPreset, "internal"},
	"max_identifier_length":         {"integer", "", catPreset, "internal"},
	"is_superuser":                  {"bool", "", "Ungrouped", "internal"},
	"session_authorization":         {"string", "", "Ungrouped", "user"},
}

// Settings returns the rows of pg_settings: every parameter, sorted by
// name, with the session's value (a time in its unit, milliseconds),
// where the value comes from ("session" once SET or SET LOCAL gave it,
// else "default"), the value the server starts with (boot_val) and the
// one RESET returns to (reset_val).
func (p *Params) Settings() []Setting {
	names := paramNames()
	out := make([]Setting, 0, len(names))
	for _, n := range names {
		def := params[n]
		kind := settingKinds[n]
		s := Setting{Name: def.name, Setting: p.Get(n), Unit: kind.unit, Category: kind.category, ShortDesc: def.description,
			Context: kind.context, VarType: kind.varType, Source: "default", BootVal: def.def, ResetVal: p.defaultOf(def)}
		if def.defaultOf != nil {
			s.BootVal = def.defaultOf(Env{}) // without the server's configuration
		}
		if def.shown != nil {
			s.BootVal, s.ResetVal = s.Setting, s.Setting // the session's state, not a value SET gives
		}
		if _, set := p.values[n]; set {
			s.Source = "session"
		}
		if p.block != nil {
			if _, set := p.block.local[n]; set {
				s.Source = "session"
			}
		}
		if kind.unit == "ms" {
			ms, _ := parseMillis(s.Setting)
			s.Setting = strconv.FormatInt(ms, 10)
		}
		out = append(out, s)
	}
	return out
}
