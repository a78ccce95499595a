package format

import (
	"errors"
	"testing"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

func TestNewDecoder(t *testing.T) {
	schema := types.Schema{
		{Name: "a", Type: types.Int64Type, Nullable: true},
		{Name: "b", Type: types.TextType, Nullable: true},
	}
	for _, tc := range []struct {
		name string
		opts map[string]string
		line string // decoded when the decoder is made
		want string // printed rows, or the error
	}{
		{"json", nil, `{"a":1,"b":"x"}`, "a=1 | b=x\n"},
		{"JSON", map[string]string{"topic": "t"}, `{"b":"y"}`, "a=NULL | b=y\n"},
		{"csv", nil, `1,x`, "a=1 | b=x\n"},
		{"csv", map[string]string{"CSV.Delimiter": "|"}, `1|x,y`, "a=1 | b=x,y\n"},
		{"csv", map[string]string{"csv.delimiter": "→"}, `1→x`, "a=1 | b=x\n"},
		{"csv", map[string]string{"csv.delimiter": ""}, ``, `invalid value for option csv.delimiter: "" (want one character other than a quote or a line break)`},
		{"csv", map[string]string{"csv.delimiter": ";;"}, ``, `invalid value for option csv.delimiter: ";;" (want one character other than a quote or a line break)`},
		{"csv", map[string]string{"csv.delimter": ";"}, ``, `option csv.delimter does not apply to format csv`},
		{"json", map[string]string{"csv.delimiter": ";"}, ``, `option csv.delimiter does not apply to format json`},
		{"avro", nil, ``, `format avro requires option schema.registry (the schema registry's URL)`},
		{"avro", map[string]string{"schema.registry": "ftp://u:secret@h"}, ``, `invalid value for option schema.registry: schema registry URL: want http(s)://host[:port]`},
		{"avro", map[string]string{"schema.registry": "http://u:secret@h:8081"}, ``, ``},
		{"protobuf", nil, ``, `invalid value for option format: "protobuf" (want json, csv or avro)`},
	} {
		d, err := NewDecoder(tc.name, tc.opts, schema)
		if err != nil {
			var se *sqlstate.Error
			if !errors.As(err, &se) || se.Code != sqlstate.InvalidParameterValue {
				t.Errorf("NewDecoder(%s, %v): %v is not a 22023 *sqlstate.Error", tc.name, tc.opts, err)
			}
			if err.Error() != tc.want {
				t.Errorf("NewDecoder(%s, %v) error:\n got %s\nwant %s", tc.name, tc.opts, err, tc.want)
			}
			continue
		}
		if tc.line == "" {
			if tc.want != "" {
				t.Errorf("NewDecoder(%s, %v) succeeded, want %s", tc.name, tc.opts, tc.want)
			}
			continue
		}
		if got := decodeLines(t, d, schema, []string{tc.line}); got != tc.want {
			t.Errorf("NewDecoder(%s, %v) decoded %q:\n got %s\nwant %s", tc.name, tc.opts, tc.line, got, tc.want)
		}
	}
}
