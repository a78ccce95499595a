package weir_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestClientCatalogQueries replays the catalog queries the clients of
// ../shared/postgres-clients send (Grafana, Metabase, pgjdbc, DBeaver,
// psycopg, pgx, SQLAlchemy; testdata/clients/catalog_queries.sql, their
// placeholders written in) against a catalog with a table, a stream, a
// materialized view and a plain view: each must run, over the simple
// protocol and the extended one, and answer the rows the file holds
// (regenerate them with -rewrite, then read them: they must tell the truth
// about weir's objects).
func TestClientCatalogQueries(t *testing.T) {
	path := filepath.Join("testdata", "clients", "catalog_queries.sql")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	for _, s := range []string{
		"CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR(20), score NUMERIC(10,2), joined TIMESTAMP, ok BOOLEAN, tags TEXT[])",
		`CREATE STREAM readings (sensor INT, reading DOUBLE PRECISION)
		  WITH (connector = 'file', path = 'testdata/data/readings.csv', format = 'csv')`,
		"CREATE MATERIALIZED VIEW per_sensor AS SELECT sensor, count(*) AS n FROM readings GROUP BY sensor",
		"CREATE VIEW londoners AS SELECT id, name FROM users WHERE city = 'london'",
	} {
		mustExec(t, conn, s)
	}
	ctx := context.Background()
	run := func(query string, mode pgx.QueryExecMode) (string, error) {
		rows, err := conn.Query(ctx, query, mode)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return "", err
			}
			for i, v := range vals {
				if i > 0 {
					b.WriteString(" | ")
				}
				b.WriteString(renderValue(v))
			}
			b.WriteString("\n")
		}
		return b.String(), rows.Err()
	}
	var out strings.Builder
	blocks := strings.Split(strings.TrimSpace(string(data)), "\n\n")
	for _, block := range blocks {
		block = strings.Trim(block, "\n")
		if block == "" {
			continue
		}
		query, want, _ := strings.Cut(block, "\n----\n")
		if strings.HasSuffix(query, "\n----") {
			query, want = strings.TrimSuffix(query, "\n----"), ""
		}
		var sqlLines []string
		for _, l := range strings.Split(query, "\n") {
			if !strings.HasPrefix(l, "#") {
				sqlLines = append(sqlLines, l)
			}
		}
		text := strings.Join(sqlLines, "\n")
		ordered := strings.Contains(strings.ToUpper(text), "ORDER BY")
		run := func(text string, mode pgx.QueryExecMode) (string, error) {
			rows, err := run(text, mode)
			if ordered || err != nil {
				return rows, err
			}
			// Rows in no order are compared sorted.
			lines := strings.Split(strings.TrimSuffix(rows, "\n"), "\n")
			slices.Sort(lines)
			return strings.Join(lines, "\n") + "\n", nil
		}
		got, err := run(text, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Errorf("%s\n%v", query, err)
			got = "error: " + err.Error() + "\n"
		} else if ext, err := run(text, pgx.QueryExecModeDescribeExec); err != nil {
			t.Errorf("extended protocol: %s\n%v", query, err)
		} else if ext != got {
			t.Errorf("extended protocol: %s\ngot:\n%s\nsimple protocol:\n%s", query, ext, got)
		}
		out.WriteString(query + "\n----\n" + got + "\n")
		if !*rewrite && strings.TrimSpace(got) != strings.TrimSpace(want) {
			t.Errorf("%s\ngot:\n%s\nwant:\n%s", query, got, want)
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimSuffix(out.String(), "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// renderValue writes a value pgx decoded as the test's files show it:
// NULL, arrays in braces, times in RFC 3339, numerics as their text.
func renderValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(v)
	case string:
		return v
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = renderValue(e)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case driver.Valuer:
		if x, err := v.Value(); err == nil {
			if _, again := x.(driver.Valuer); !again {
				return renderValue(x)
			}
		}
	}
	return fmt.Sprint(v)
}

// TestCatalogFunctionsAnswer checks catalog functions' answers: reg* casts
// print names where Postgres does and compare as OIDs elsewhere, the
// privilege inquiry functions answer from the grants, for a role and for
// the superuser, and _pg_expandarray numbers a key's columns.
func TestCatalogFunctionsAnswer(t *testing.T) {
	ts := startServer(t, memoryConfig())
	admin := connect(t, ts.dsn)
	for _, s := range []string{
		"CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR)",
		"CREATE VIEW londoners AS SELECT id, name FROM users",
		"CREATE USER bob",
		"GRANT SELECT ON users TO bob",
		"CREATE TABLE pairs (a INT, b INT, c INT, PRIMARY KEY (b, a))",
	} {
		mustExec(t, admin, s)
	}
	bob, err := pgx.Connect(context.Background(), strings.Replace(ts.dsn, "weir@", "bob@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close(context.Background())
	one := func(conn *pgx.Conn, query string) string {
		t.Helper()
		var v any
		if err := conn.QueryRow(context.Background(), query, pgx.QueryExecModeSimpleProtocol).Scan(&v); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return renderValue(v)
	}
	for _, c := range []struct {
		conn        *pgx.Conn
		query, want string
	}{
		{admin, "SELECT 'users'::regclass", "users"},
		{admin, "SELECT 'information_schema.tables'::regclass", "information_schema.tables"},
		{admin, "SELECT 'users'::regclass = (SELECT oid FROM pg_class WHERE relname = 'users')", "true"},
		{admin, "SELECT string_agg(oid::regclass::text, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 2200", "londoners,pairs,pairs_pkey,users,users_pkey"},
		{admin, "SELECT 'int4'::regtype", "integer"},
		{admin, "SELECT 1043::regtype::text", "character varying"},
		{admin, "SELECT 'character varying'::text::regtype::oid", "1043"},
		{admin, "SELECT 0::regclass", "-"},
		{admin, "SELECT 'public'::regnamespace::oid", "2200"},
		{admin, "SELECT pg_backend_pid() = (SELECT pid FROM pg_stat_activity WHERE usename = 'weir')", "true"},
		{admin, "SELECT has_table_privilege('bob', 'users', 'select')", "true"},
		{admin, "SELECT has_table_privilege('bob', 'public.users', 'SELECT, INSERT')", "true"},
		{admin, "SELECT has_table_privilege('bob', '\"users\"', 'insert')", "false"},
		{admin, "SELECT has_table_privilege('bob', 'londoners', 'select')", "false"},
		{admin, "SELECT has_table_privilege('weir', 'londoners', 'delete')", "true"},
		{admin, "SELECT has_any_column_privilege('bob', 'users', 'select')", "true"},
		{bob, "SELECT has_table_privilege('users', 'select')", "true"},
		{bob, "SELECT has_table_privilege((SELECT oid FROM pg_class WHERE relname = 'users'), 'update')", "false"},
		{bob, "SELECT has_schema_privilege('public', 'usage')", "true"},
		{bob, "SELECT has_schema_privilege('pg_catalog', 'create')", "false"},
		{admin, "SELECT has_schema_privilege('pg_catalog', 'create')", "true"},
		{admin, "SELECT (parse_ident('\"My Schema\".Users'))[1] || '/' || (parse_ident('\"My Schema\".Users'))[2]", "My Schema/users"},
		{admin, "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'users'", "1"},
		{admin, "SELECT format_type(NULL, NULL) IS NULL", "true"},
		{admin, "SELECT prokind || pronargs || ':' || prorettype::regtype::text FROM pg_proc WHERE proname = 'split_part'", "f3:text"},
		{admin, "SELECT string_agg(prorettype::regtype::text, ',' ORDER BY prorettype) FROM pg_proc WHERE proname = 'sum' AND prokind = 'a'", "bigint,double precision,numeric,numeric"},
		{admin, "SELECT 'upper'::regproc", "upper"},
		{admin, `SELECT string_agg(a.attname || ':' || (s.k).n, ',' ORDER BY (s.k).n)
			FROM (SELECT information_schema._pg_expandarray(conkey) AS k, conrelid FROM pg_constraint WHERE conname = 'pairs_pkey') s
			JOIN pg_attribute a ON a.attrelid = s.conrelid AND a.attnum = (s.k).x`, "b:1,a:2"},
		{admin, "SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'pairs'::regclass", "a,b"},
	} {
		if got := one(c.conn, c.query); got != c.want {
			t.Errorf("%s: got %s, want %s", c.query, got, c.want)
		}
	}
	// A role or relation of no such name fails, as in Postgres; an OID of
	// no relation and a NULL argument answer NULL.
	for _, c := range []struct{ query, code, message string }{
		{"SELECT has_table_privilege('nobody', 'users', 'select')", "42704", `role "nobody" does not exist`},
		{"SELECT has_table_privilege('nosuch', 'select')", "42P01", `relation "nosuch" does not exist`},
		{"SELECT has_table_privilege('bob', 'public.nosuch', 'select')", "42P01", `relation "public.nosuch" does not exist`},
		{"SELECT has_any_column_privilege('nobody', 'users', 'select')", "42704", `role "nobody" does not exist`},
		{"SELECT has_schema_privilege('nobody', 'public', 'usage')", "42704", `role "nobody" does not exist`},
	} {
		_, err := admin.Exec(context.Background(), c.query, pgx.QueryExecModeSimpleProtocol)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != c.code || pe.Message != c.message {
			t.Errorf("%s: got %v, want %s %s", c.query, err, c.code, c.message)
		}
	}
	for _, q := range []string{"SELECT has_table_privilege('bob', 123, 'select') IS NULL", "SELECT has_table_privilege('bob', NULL, 'select') IS NULL"} {
		if got := one(admin, q); got != "true" {
			t.Errorf("%s: got %s, want true", q, got)
		}
	}
}

// TestPgxLoadType runs pgx's LoadType, whose catalog queries
// ($1::text::regtype::oid, pg_type's typtype and typelem) must find weir's
// array types by their names as Postgres does (LoadType of a base type
// fails against Postgres too: it loads derived types).
func TestPgxLoadType(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		oid  uint32
	}{{"_int4", 1007}, {"text[]", 1009}, {"character varying[]", 1015}, {"_numeric", 1231}, {"timestamp without time zone[]", 1115}} {
		typ, err := conn.LoadType(ctx, c.name)
		if err != nil {
			t.Fatalf("LoadType(%s): %v", c.name, err)
		}
		if typ.OID != c.oid {
			t.Errorf("LoadType(%s): OID %d, want %d", c.name, typ.OID, c.oid)
		}
	}
	if _, err := conn.LoadType(ctx, "nosuchtype"); err == nil {
		t.Error("LoadType of no type: no error")
	}
}

// TestPsqlBuiltinFunctions runs psql's \dfS on built-ins: pg_proc lists
// them in pg_catalog with their result and argument types.
func TestPsqlBuiltinFunctions(t *testing.T) {
	path, err := osexec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required under CI=true")
		}
		t.Skip("psql not installed")
	}
	ts := startServer(t, memoryConfig())
	u, err := url.Parse(ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, path, "-X", "-h", u.Hostname(), "-p", u.Port(), "-U", "weir", "-d", "weir", "-c", `\dfS split_part|sum`)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v: %s", err, out)
	}
	want := `                            List of functions
   Schema   |    Name    | Result data type | Argument data types | Type 
------------+------------+------------------+---------------------+------
 pg_catalog | split_part | text             | text, text, integer | func
 pg_catalog | sum        | numeric          | bigint              | agg
 pg_catalog | sum        | double precision | double precision    | agg
 pg_catalog | sum        | bigint           | integer             | agg
 pg_catalog | sum        | numeric          | numeric             | agg
(5 rows)`
	if got := strings.TrimRight(string(out), "\n"); got != want {
		t.Errorf("\\dfS:\n%s\nwant:\n%s", got, want)
	}
}
