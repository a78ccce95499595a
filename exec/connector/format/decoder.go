package format

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Decoder decodes one record (a line of a file, the value of a Kafka
// message) and appends it to a RowBuilder; on error nothing is appended. A
// Decoder is used by one goroutine.
type Decoder interface {
	Decode(value []byte, b *RowBuilder) error
}

// Option keys NewDecoder reads.
const (
	OptCSVDelimiter   = "csv.delimiter"
	OptSchemaRegistry = "schema.registry"
)

// formatOptions lists, per format, the option keys it takes.
var formatOptions = map[string][]string{
	"json": nil,
	"csv":  {OptCSVDelimiter},
	"avro": {OptSchemaRegistry},
}

// NewDecoder returns a decoder of format name ("json", "csv" or "avro",
// case-insensitive) into rows of schema, configured by opts: csv takes
// csv.delimiter (one character, default ','; fields are columns in order),
// avro requires schema.registry (the registry's http(s) URL, userinfo as
// basic auth). opts may hold the other options of a source: only keys
// starting with "csv.", "json.", "avro." or "schema.registry" are checked,
// and such a key the format does not take is an error. Errors are
// *sqlstate.Error 22023 naming the key.
func NewDecoder(name string, opts map[string]string, schema types.Schema) (Decoder, error) {
	name = strings.ToLower(name)
	takes, ok := formatOptions[name]
	if !ok {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue,
			"invalid value for option format: %q (want json, csv or avro)", name)
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, "csv.") && !strings.HasPrefix(lk, "json.") &&
			!strings.HasPrefix(lk, "avro.") && !strings.HasPrefix(lk, OptSchemaRegistry) {
			continue
		}
		known := false
		for _, t := range takes {
			known = known || lk == t
		}
		if !known {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue,
				"option %s does not apply to format %s", k, name)
		}
	}
	switch name {
	case "json":
		return &JSONDecoder{}, nil
	case "csv":
		d := &CSVDecoder{Delimiter: ','}
		if s, ok := lookup(opts, OptCSVDelimiter); ok {
			r, n := utf8.DecodeRuneInString(s)
			if n == 0 || n != len(s) || r == utf8.RuneError || r == '"' || r == '\n' || r == '\r' {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue,
					"invalid value for option %s: %q (want one character other than a quote or a line break)", OptCSVDelimiter, s)
			}
			d.Delimiter = r
		}
		return d, nil
	default: // avro
		u, ok := lookup(opts, OptSchemaRegistry)
		if !ok || u == "" {
			return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue,
				"format avro requires option %s (the schema registry's URL)", OptSchemaRegistry)
		}
		reg, err := NewRegistryClient(u, nil)
		if err != nil {
			return nil, sqlstate.Wrap(sqlstate.InvalidParameterValue, err,
				"invalid value for option "+OptSchemaRegistry)
		}
		return NewAvroDecoder(reg, schema), nil
	}
}

// lookup returns the option key (matched case-insensitively).
func lookup(opts map[string]string, key string) (string, bool) {
	if v, ok := opts[key]; ok {
		return v, true
	}
	for k, v := range opts {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}
