//go:build duckdb_arrow

package adhoc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/sql/types"
)

// parseSchema parses "name TYPE, name TYPE(p,s), ..." for tests.
func parseSchema(spec string) (types.Schema, error) {
	var out types.Schema
	for _, part := range splitTop(spec) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, typ, ok := strings.Cut(part, " ")
		if !ok {
			return nil, fmt.Errorf("bad column %q", part)
		}
		t, err := parseType(strings.TrimSpace(typ))
		if err != nil {
			return nil, err
		}
		out = append(out, types.Column{Name: name, Type: t, Nullable: true})
	}
	return out, nil
}

func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func parseType(s string) (types.T, error) {
	u := strings.ToUpper(s)
	if strings.HasPrefix(u, "NUMERIC(") && strings.HasSuffix(u, ")") {
		ps := strings.Split(u[len("NUMERIC("):len(u)-1], ",")
		if len(ps) == 2 {
			p, err1 := strconv.Atoi(strings.TrimSpace(ps[0]))
			sc, err2 := strconv.Atoi(strings.TrimSpace(ps[1]))
			if err1 == nil && err2 == nil {
				return types.NumericType(int32(p), int32(sc)), nil
			}
		}
	}
	switch u {
	case "BOOLEAN", "BOOL":
		return types.BoolType, nil
	case "SMALLINT":
		return types.Int16Type, nil
	case "INT", "INTEGER":
		return types.Int32Type, nil
	case "BIGINT":
		return types.Int64Type, nil
	case "REAL":
		return types.Float32Type, nil
	case "DOUBLE PRECISION", "DOUBLE":
		return types.Float64Type, nil
	case "NUMERIC":
		return types.DefaultNumeric, nil
	case "VARCHAR", "TEXT":
		return types.TextType, nil
	case "DATE":
		return types.DateType, nil
	case "TIMESTAMP":
		return types.TSType, nil
	case "TIMESTAMPTZ":
		return types.TSTZType, nil
	case "INTERVAL":
		return types.IntervalT, nil
	case "BYTEA":
		return types.ByteaType, nil
	case "JSONB":
		return types.JSONBType, nil
	case "UNKNOWN":
		return types.UnknownType, nil
	}
	return types.T{}, fmt.Errorf("unknown type %q", s)
}
