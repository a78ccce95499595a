package sql

import (
	"errors"
	"testing"
)

// TestCatalogSyntax parses the spellings of psql's catalog queries into
// weir's grammar: OPERATOR(pg_catalog.op), pg_catalog-qualified functions
// and types, COLLATE of the byte-order collations, ARRAY(subquery) and
// TRIM(… FROM …).
func TestCatalogSyntax(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`c.relname OPERATOR(pg_catalog.~) '^(users)$' COLLATE pg_catalog.default`, `c.relname ~ '^(users)$'`},
		{`a OPERATOR(=) b`, `a = b`},
		{`pg_catalog.pg_table_is_visible(c.oid)`, `pg_table_is_visible(c.oid)`},
		{`c.reloftype::pg_catalog.regtype::pg_catalog.text`, `c.reloftype::BIGINT::VARCHAR`},
		{`'16392'::pg_catalog.oid`, `'16392'::BIGINT`},
		{`x COLLATE "C" = y COLLATE "POSIX"`, `x = y`},
		{`ARRAY(SELECT rolname FROM pg_roles ORDER BY 1)`, `ARRAY(SELECT rolname FROM pg_roles ORDER BY 1)`},
		{`trim(trailing ';' from s)`, `rtrim(s, ';')`},
		{`trim(leading from s)`, `ltrim(s)`},
		{`trim(both 'x' from s)`, `btrim(s, 'x')`},
		{`trim('x' from s)`, `btrim(s, 'x')`},
		{`trim(s)`, `trim(s)`},
		{`pg_catalog.c`, `pg_catalog.c`},
		{`pg_catalog.pg_class.relname = pg_catalog.pg_namespace.nspname`, `pg_class.relname = pg_namespace.nspname`},
	} {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := String(e); got != c.want {
			t.Errorf("%s = %s, want %s", c.in, got, c.want)
		}
	}
	_, err := ParseExpr(`x COLLATE "fr_FR"`)
	var se *Error
	if !errors.As(err, &se) || se.Code != "42704" || se.Msg != `collation "fr_FR" for encoding "UTF8" does not exist` {
		t.Errorf("COLLATE \"fr_FR\": %v", err)
	}
}
