package catalog

import (
	"testing"

	"github.com/weir-stream/weir/sql/types"
)

// TestColumnTypeName checks DESCRIBE's type names: VARCHAR(n) and CHAR(n)
// with their length, as Postgres' format_type prints them.
func TestColumnTypeName(t *testing.T) {
	for _, tc := range []struct {
		col  Column
		want string
	}{
		{Column{Type: types.TextType}, "character varying"},
		{Column{Type: types.TextType, Length: 3}, "character varying(3)"},
		{Column{Type: types.TextType, Length: 2, Fixed: true}, "character(2)"},
		{Column{Type: types.Int32Type}, "integer"},
	} {
		if got := tc.col.TypeName(); got != tc.want {
			t.Errorf("%+v: %q; want %q", tc.col, got, tc.want)
		}
	}
}
