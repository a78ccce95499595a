package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/weir-stream/weir/sql/types"
)

// stdJSONDecoder is the encoding/json decoder JSONDecoder replaced, kept as
// the baseline of BenchmarkJSONDecode and as an oracle for the differential
// test. It is used by one goroutine.
type stdJSONDecoder struct {
	members map[string]json.RawMessage
}

// Decode parses one JSON record and appends it to b. On error nothing is
// appended.
func (d *stdJSONDecoder) Decode(line []byte, b *RowBuilder) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return errNotObject
	}
	clear(d.members)
	if d.members == nil {
		d.members = make(map[string]json.RawMessage, len(b.schema))
	}
	if err := json.Unmarshal(line, &d.members); err != nil {
		return fmt.Errorf("%w: %v", errJSON, err)
	}
	for i, c := range b.schema {
		v := &b.vals[i]
		raw, ok := d.members[c.Name]
		if !ok {
			for k, r := range d.members {
				if strings.EqualFold(k, c.Name) {
					raw, ok = r, true
					break
				}
			}
		}
		if !ok || string(raw) == "null" {
			v.null = true
			continue
		}
		if err := parseStdJSONValue(c.Type, raw, v); err != nil {
			return &FieldError{Column: c.Name, Err: err}
		}
	}
	if err := checkNotNull(b); err != nil {
		return err
	}
	b.commit()
	return nil
}

// parseStdJSONValue parses a JSON value (not null) as type t into v.
func parseStdJSONValue(t types.T, raw json.RawMessage, v *value) error {
	if t.Family == types.JSONB {
		v.null = false
		v.str = raw
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		return parseText(t, []byte(s), v)
	case '{', '[':
		if t.Family == types.Text {
			v.null = false
			v.str = raw
			return nil
		}
		return fmt.Errorf("a JSON object or array cannot be %s", t)
	case 't', 'f':
		if t.Family == types.Bool || t.Family == types.Text {
			return parseText(t, raw, v)
		}
		return fmt.Errorf("a JSON boolean cannot be %s", t)
	default: // a number
		if t.IsNumeric() || t.Family == types.Text {
			return parseText(t, raw, v)
		}
		return fmt.Errorf("a JSON number cannot be %s", t)
	}
}
