// Package pgcopy reads the data of COPY … FROM STDIN in Postgres' text and
// CSV formats into Arrow rows: Options checks a statement's options, and a
// Decoder splits the client's data, however it is cut into messages, into
// records and their fields, undoes the format's escapes and quoting, and
// parses the values into a format.RowBuilder. Errors name the line and the
// column as Postgres' CONTEXT does. Load reads a client's whole COPY FROM
// data through a Decoder into a table's rows, converted as INSERT converts
// its values; Query is the query of COPY t TO STDOUT.
package pgcopy

import (
	"strings"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Options returns the options of a COPY statement (to: COPY TO) with
// Postgres' defaults: tab and \N for text, comma, the empty string and the
// double quote for CSV. It refuses options Postgres refuses and those weir
// does not implement.
func Options(opts []sql.CopyOption, to bool) (session.CopyOptions, error) {
	o := session.CopyOptions{Format: "text"}
	var delim, null, quote, escape *string
	seen := map[string]bool{}
	for _, op := range opts {
		if seen[op.Name] {
			return o, sqlstate.ErrorfAt(sqlstate.SyntaxError, op.Pos, "conflicting or redundant options")
		}
		seen[op.Name] = true
		v := op.Value
		switch op.Name {
		case "format":
			switch strings.ToLower(v) {
			case "text", "csv", "binary":
				o.Format = strings.ToLower(v)
			default:
				return o, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, op.Pos, "COPY format \"%s\" not recognized", v)
			}
		case "header":
			switch strings.ToLower(v) {
			case "", "true", "on", "1":
				o.Header = true
			case "false", "off", "0":
			case "match":
				if to {
					return o, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, op.Pos, "cannot use \"match\" with HEADER in COPY TO")
				}
				o.Header, o.HeaderMatch = true, true
			default:
				return o, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, op.Pos, "header requires a Boolean value or \"match\"")
			}
		case "delimiter":
			delim = &op.Value
		case "null":
			null = &op.Value
		case "quote":
			quote = &op.Value
		case "escape":
			escape = &op.Value
		default:
			return o, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, op.Pos, "COPY option \"%s\" is not supported", op.Name)
		}
	}
	csv := o.Format == "csv"
	if o.Binary() {
		for _, name := range []string{"delimiter", "null", "header", "quote", "escape"} {
			if seen[name] {
				return o, sqlstate.Errorf(sqlstate.SyntaxError, "cannot specify %s in BINARY mode", strings.ToUpper(name))
			}
		}
		return o, nil
	}
	o.Delimiter, o.Null = '\t', `\N`
	if csv {
		o.Delimiter, o.Null, o.Quote = ',', "", '"'
	}
	if delim != nil {
		if len(*delim) != 1 {
			return o, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		o.Delimiter = (*delim)[0]
		if o.Delimiter == '\n' || o.Delimiter == '\r' {
			return o, sqlstate.Errorf(sqlstate.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return")
		}
		if !csv && strings.IndexByte(`\.abcdefghijklmnopqrstuvwxyz0123456789`, o.Delimiter) >= 0 {
			return o, sqlstate.Errorf(sqlstate.InvalidParameterValue, "COPY delimiter cannot be \"%s\"", *delim)
		}
	}
	if null != nil {
		if strings.ContainsAny(*null, "\r\n") {
			return o, sqlstate.Errorf(sqlstate.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
		}
		o.Null = *null
	}
	if (quote != nil || escape != nil) && !csv {
		return o, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY quote available only in CSV mode")
	}
	if quote != nil {
		if len(*quote) != 1 {
			return o, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY quote must be a single one-byte character")
		}
		o.Quote = (*quote)[0]
	}
	o.Escape = o.Quote
	if escape != nil {
		if len(*escape) != 1 {
			return o, sqlstate.Errorf(sqlstate.FeatureNotSupported, "COPY escape must be a single one-byte character")
		}
		o.Escape = (*escape)[0]
	}
	if csv && o.Delimiter == o.Quote {
		return o, sqlstate.Errorf(sqlstate.InvalidParameterValue, "COPY delimiter and quote must be different")
	}
	if strings.IndexByte(o.Null, o.Delimiter) >= 0 {
		return o, sqlstate.Errorf(sqlstate.InvalidParameterValue, "COPY delimiter character must not appear in the NULL specification")
	}
	return o, nil
}
