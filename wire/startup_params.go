package wire

import (
	"maps"
	"slices"
	"strings"

	"github.com/weir-stream/weir/sql/session"
)

// startupSettable are the startup packet parameters that set a run-time
// parameter of the new session, as Postgres applies them: a bad value fails
// the connection. TimeZone is not among them: drivers send the client's own
// zone (pgjdbc sends the JVM's), weir works in UTC only and says so in its
// ParameterStatus, and refusing the connection would lock those drivers out.
// client_encoding is checked before (checkStartupEncoding).
var startupSettable = map[string]bool{
	"application_name": true, "datestyle": true, "intervalstyle": true, "extra_float_digits": true,
	"search_path": true, "statement_timeout": true, "lock_timeout": true, "bytea_output": true,
	"standard_conforming_strings": true,
}

// parameterSetter is implemented by sessions that take run-time parameters
// (weir.Session.SetParameter).
type parameterSetter interface {
	SetParameter(name, value string) error
}

// startupSettings returns the run-time parameters of the startup packet:
// the settable ones above, and every -c name=value (or --name=value) of its
// options parameter, as libpq's PGOPTIONS sends them; names in lower case.
func startupSettings(params map[string]string) map[string]string {
	settings := map[string]string{}
	for k, v := range params {
		if startupSettable[strings.ToLower(k)] {
			settings[strings.ToLower(k)] = v
		}
	}
	words := strings.Fields(params["options"])
	for i := 0; i < len(words); i++ {
		var kv string
		switch w := words[i]; {
		case w == "-c" && i+1 < len(words):
			i++
			kv = words[i]
		case strings.HasPrefix(w, "-c"):
			kv = w[2:]
		case strings.HasPrefix(w, "--"):
			kv = w[2:]
		default:
			continue
		}
		if k, v, ok := strings.Cut(kv, "="); ok {
			settings[strings.ToLower(strings.ReplaceAll(k, "-", "_"))] = v
		}
	}
	return settings
}

// applyStartupParams sets the session's parameters from the startup packet
// (startupSettings), in name order; the first that fails is the error.
func (c *conn) applyStartupParams(params map[string]string) error {
	ps, ok := c.sess.(parameterSetter)
	if !ok {
		return nil
	}
	settings := startupSettings(params)
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if err := checkText(settings[k]); err != nil {
			return err
		}
		if err := ps.SetParameter(k, settings[k]); err != nil {
			return err
		}
	}
	return nil
}

// parameterGetter is implemented by sessions that answer for their run-time
// parameters (weir.Session.Parameter).
type parameterGetter interface {
	Parameter(name string) string
}

// reportedAtStartup returns the ParameterStatus values of a new session:
// those of the parameters clients track (session.ReportedParams) but
// server_version, which Options sets. They are the session's own, once the
// startup packet's parameters are applied, or for a Session that does not
// answer, the defaults with the startup packet's application_name and user.
func reportedAtStartup(sess Session, user string, startup map[string]string) [][2]string {
	var value func(name string) string
	if getter, answers := sess.(parameterGetter); answers {
		value = getter.Parameter
	} else {
		defaults := session.NewParams(session.Env{User: user})
		value = func(name string) string {
			if name == "application_name" {
				return startup["application_name"]
			}
			return defaults.Get(name)
		}
	}
	var out [][2]string
	for _, name := range session.ReportedParams() {
		if name != "server_version" {
			out = append(out, [2]string{name, value(name)})
		}
	}
	return out
}
