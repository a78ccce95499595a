//go:build duckdb_arrow

package adhoc

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// Postgres' privilege inquiry functions over weir's catalog:
// has_table_privilege([role,] table, privilege) and
// has_any_column_privilege (weir grants no column privileges, so a column
// privilege is the table's) answer from pg_roles and pg_class.relacl as
// Postgres does: a superuser and the owner hold every privilege, another
// role what relacl grants it or PUBLIC; has_schema_privilege([role,]
// schema, privilege) answers USAGE of every schema, and CREATE in public
// (weir's one schema objects are created in) or for a superuser. The role
// is a name (current_user is written as the session's role before); the
// table a name, qualified or quoted as regclass reads it, or an OID; the
// privilege a constant, of several privileges separated by commas any
// one. As in Postgres a role of no such name is 42704, a table of no such
// name 42P01, a table's OID of no relation NULL, and so is a NULL role or
// object.
func init() {
	pgCatalogFuncs["has_table_privilege"] = tablePrivilegeSQL
	pgCatalogFuncs["has_any_column_privilege"] = tablePrivilegeSQL
	pgCatalogFuncs["has_schema_privilege"] = schemaPrivilegeSQL
	for _, f := range []string{"has_table_privilege", "has_any_column_privilege", "has_schema_privilege"} {
		delete(duckOnlyCatalogFuncs, f)
	}
	funcMacros = append(funcMacros,
		// weir_acl_grants reports whether one of acl's entries
		// (grantee=letters/grantor) grants role, or PUBLIC (no grantee),
		// one of the privilege letters in letters.
		`CREATE OR REPLACE TEMP MACRO weir_acl_grants(acl, role, letters) AS coalesce(len(list_filter(acl,
			e -> split_part(e, '=', 1) IN (role, '') AND regexp_matches(split_part(split_part(e, '=', 2), '/', 1), '[' || letters || ']'))) > 0, false)`)
}

// privilegeLetters are the letters of Postgres' ACL items for the
// privileges a table has.
var privilegeLetters = map[string]string{"SELECT": "r", "INSERT": "a", "UPDATE": "w", "DELETE": "d",
	"TRUNCATE": "D", "REFERENCES": "x", "TRIGGER": "t", "USAGE": "U", "CREATE": "C"}

// privilegeArgs splits the arguments of a privilege inquiry function
// (role, object, privilege: writeSessionValues gives a call without a role
// the session's) and
// returns the privileges' letters; a privilege that is not a string
// constant, or names no privilege of allowed, is an error of the query.
func privilegeArgs(a []string, allowed string) (role, object, letters string, err string) {
	if len(a) < 3 {
		return "", "", "", "a privilege inquiry function needs a role" // writeSessionValues adds current_user's
	}
	role, object, priv := a[0], a[1], a[2]
	text, ok := strings.CutPrefix(priv, "'")
	if text, ok = strings.CutSuffix(text, "'"); !ok || strings.Contains(text, "'") {
		return "", "", "", "the privilege of a privilege inquiry function must be a constant"
	}
	for _, p := range strings.Split(text, ",") {
		p = strings.ToUpper(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.ToUpper(p)), "WITH GRANT OPTION")))
		l, ok := privilegeLetters[p]
		if !ok || !strings.Contains(allowed, l) {
			return "", "", "", fmt.Sprintf("unrecognized privilege type: \"%s\"", strings.ToLower(p))
		}
		letters += l
	}
	return role, object, letters, ""
}

// tablePrivilegeSQL is has_table_privilege's SQL.
func tablePrivilegeSQL(a []string) string {
	role, table, letters, bad := privilegeArgs(a, "rawdDxt")
	if bad != "" {
		return fmt.Sprintf("error('%s')", strings.ReplaceAll(bad, "'", "''"))
	}
	name := "parse_ident(CAST((" + table + ") AS VARCHAR))"
	// Derived tables, so that their columns cannot capture the column
	// references of table (has_table_privilege(oid, …) over pg_class).
	exists := fmt.Sprintf(`EXISTS (SELECT 1 FROM (SELECT c.oid AS weir_eoid, c.relname AS weir_erelname, c.relnamespace AS weir_ens,
			n.nspname AS weir_enspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace) weir_ec
		WHERE CAST(weir_ec.weir_eoid AS VARCHAR) = CAST((%s) AS VARCHAR)
			OR len(%s) = 1 AND weir_ec.weir_erelname = %s[1] AND weir_ec.weir_ens IN (%d, %d)
			OR len(%s) = 2 AND weir_ec.weir_enspname = %s[1] AND weir_ec.weir_erelname = %s[2])`,
		table, name, name, systables.OIDPgCatalog, systables.OIDPublic, name, name, name)
	return fmt.Sprintf(`(CASE WHEN (%s) IS NULL OR (%s) IS NULL THEN NULL WHEN %s THEN %s
		WHEN NOT %s THEN CASE WHEN regexp_full_match(CAST((%s) AS VARCHAR), '[0-9]+') THEN NULL
			ELSE %s END ELSE %s END)`,
		role, table, missingRoleSQL(role), markedErrorSQL(sqlstate.UndefinedObject, "role", role),
		exists, table, markedErrorSQL(sqlstate.UndefinedTable, "relation", table), tableAnswerSQL(role, table, name, letters))
}

// tableAnswerSQL is has_table_privilege's answer for a role and a table
// that exist.
func tableAnswerSQL(role, table, name, letters string) string {
	return fmt.Sprintf(`(SELECT coalesce(bool_or(weir_r.weir_super OR weir_c.weir_owner = weir_r.weir_roid
		OR weir_acl_grants(weir_c.weir_acl, weir_r.weir_rolname, '%s')), false)
		FROM (SELECT c.oid AS weir_oid, c.relname AS weir_relname, n.nspname AS weir_nspname, c.relnamespace AS weir_ns,
			c.relowner AS weir_owner, c.relacl AS weir_acl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace) weir_c,
			(SELECT oid AS weir_roid, rolname AS weir_rolname, rolsuper AS weir_super FROM pg_roles) weir_r
		WHERE weir_r.weir_rolname = (%s) AND (CAST(weir_c.weir_oid AS VARCHAR) = CAST((%s) AS VARCHAR)
			OR len(%s) = 1 AND weir_c.weir_relname = %s[1] AND weir_c.weir_ns IN (%d, %d)
			OR len(%s) = 2 AND weir_c.weir_nspname = %s[1] AND weir_c.weir_relname = %s[2]))`,
		letters, role, table, name, name, systables.OIDPgCatalog, systables.OIDPublic, name, name, name)
}

// schemaPrivilegeSQL is has_schema_privilege's SQL.
func schemaPrivilegeSQL(a []string) string {
	role, schema, letters, bad := privilegeArgs(a, "UC")
	if bad != "" {
		return fmt.Sprintf("error('%s')", strings.ReplaceAll(bad, "'", "''"))
	}
	usage := "false" // USAGE of every schema
	if strings.Contains(letters, "U") {
		usage = "true"
	}
	return fmt.Sprintf(`(CASE WHEN (%s) IS NULL OR (%s) IS NULL THEN NULL WHEN %s THEN %s ELSE %s END)`,
		role, schema, missingRoleSQL(role), markedErrorSQL(sqlstate.UndefinedObject, "role", role), schemaAnswerSQL(role, schema, usage))
}

// schemaAnswerSQL is has_schema_privilege's answer for a role that exists.
func schemaAnswerSQL(role, schema, usage string) string {
	return fmt.Sprintf(`(SELECT coalesce(bool_or(%s OR weir_n.weir_nspname = 'public' OR weir_r.weir_super), false)
		FROM (SELECT oid AS weir_noid, nspname AS weir_nspname FROM pg_namespace) weir_n,
			(SELECT rolname AS weir_rolname, rolsuper AS weir_super FROM pg_roles) weir_r
		WHERE weir_r.weir_rolname = (%s) AND (weir_n.weir_nspname = CAST((%s) AS VARCHAR) OR CAST(weir_n.weir_noid AS VARCHAR) = CAST((%s) AS VARCHAR)))`,
		usage, role, schema, schema)
}

// missingRoleSQL returns the SQL of whether no role is named role.
func missingRoleSQL(role string) string {
	return fmt.Sprintf("NOT EXISTS (SELECT 1 FROM (SELECT rolname AS weir_mrolname FROM pg_roles) weir_mr WHERE weir_mr.weir_mrolname = CAST((%s) AS VARCHAR))", role)
}

// markedErrorSQL returns the SQL of the error code, `<what> "<name>" does
// not exist`, name the text of the SQL x, as sqlstateError marks it.
func markedErrorSQL(code, what, x string) string {
	return fmt.Sprintf(`error('%s%s: %s "' || CAST((%s) AS VARCHAR) || '" does not exist')`, sqlstateMark, code, what, x)
}

// privilegeFuncs are the privilege inquiry functions whose role may be
// left out (the session's).
var privilegeFuncs = map[string]bool{"has_table_privilege": true, "has_any_column_privilege": true, "has_schema_privilege": true}
