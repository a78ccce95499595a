package weir_test

import (
	"bytes"
	"context"
	"os"
	osexec "os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPsqlDescribeCommands runs psql's \d family against a catalog with a
// table (with a primary key), a stream, a materialized view, a plain view,
// a sink, a function and a role, and checks what psql prints: its catalog
// queries read weir's pg_catalog. A role sees the relations it was granted
// and no others, and \dp shows the grant.
func TestPsqlDescribeCommands(t *testing.T) {
	path, err := osexec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required under CI=true")
		}
		t.Skip("psql not installed")
	}
	addr, _ := startAuthServer(t, scramConfig(t, t.TempDir()))
	admin := mustConnectAs(t, addr, "admin", "adminpw")
	for _, s := range []string{
		"CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR(20))",
		`CREATE STREAM readings (sensor INT, reading DOUBLE PRECISION)
		  WITH (connector = 'file', path = 'testdata/data/readings.csv', format = 'csv')`,
		"CREATE MATERIALIZED VIEW per_sensor AS SELECT sensor, count(*) AS n FROM readings GROUP BY sensor",
		"CREATE VIEW londoners AS SELECT id, name FROM users WHERE city = 'london'",
		"CREATE SINK out FROM per_sensor WITH (connector = 'blackhole', type = 'upsert', primary_key = 'sensor')",
		"CREATE FUNCTION twice(x integer) RETURNS integer AS 'SELECT x * 2' LANGUAGE SQL IMMUTABLE",
		"CREATE USER alice WITH PASSWORD 'alicepw'",
		"GRANT SELECT ON users TO alice",
	} {
		wantExec(t, admin, s, "")
	}
	host, port, _ := strings.Cut(addr, ":")
	psql := func(user, password, command string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := osexec.CommandContext(ctx, path, "-X", "-h", host, "-p", port, "-U", user, "-d", "weir", "-c", command)
		cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PAGER=", "PGPASSWORD="+password)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Errorf("psql %s: %v: %s", command, err, out.String())
		}
		return out.String()
	}
	for _, c := range []struct{ user, password, command, want string }{
		{"admin", "adminpw", `\d`, `                List of relations
 Schema |    Name    |       Type        | Owner 
--------+------------+-------------------+-------
 public | londoners  | view              | admin
 public | per_sensor | materialized view | admin
 public | readings   | foreign table     | admin
 public | users      | table             | admin
(4 rows)
`},
		{"admin", "adminpw", `\dt`, `       List of relations
 Schema | Name  | Type  | Owner 
--------+-------+-------+-------
 public | users | table | admin
(1 row)
`},
		{"admin", "adminpw", `\dv`, `         List of relations
 Schema |   Name    | Type | Owner 
--------+-----------+------+-------
 public | londoners | view | admin
(1 row)
`},
		{"admin", "adminpw", `\dm`, `                List of relations
 Schema |    Name    |       Type        | Owner 
--------+------------+-------------------+-------
 public | per_sensor | materialized view | admin
(1 row)
`},
		{"admin", "adminpw", `\dn`, `List of schemas
  Name  | Owner 
--------+-------
 public | admin
(1 row)
`},
		{"admin", "adminpw", `\du`, `                                   List of roles
 Role name |                         Attributes                         | Member of 
-----------+------------------------------------------------------------+-----------
 admin     | Superuser, Create role, Create DB, Replication, Bypass RLS | {}
 alice     |                                                            | {}
`},
		{"admin", "adminpw", `\l`, `                                      List of databases
 Name | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges 
------+-------+----------+---------+-------+------------+-----------------+-------------------
 weir | admin | UTF8     | C       | C     |            | libc            | 
(1 row)
`},
		{"admin", "adminpw", `\df`, `                       List of functions
 Schema | Name  | Result data type | Argument data types | Type 
--------+-------+------------------+---------------------+------
 public | twice | integer          | x integer           | func
(1 row)
`},
		{"admin", "adminpw", `\d users`, `                      Table "public.users"
 Column |         Type          | Collation | Nullable | Default 
--------+-----------------------+-----------+----------+---------
 id     | bigint                |           | not null | 
 name   | character varying     |           | not null | 
 city   | character varying(20) |           |          | 
Indexes:
    "users_pkey" PRIMARY KEY, btree (id)
`},
		{"admin", "adminpw", `\d readings`, `                      Foreign table "public.readings"
 Column  |       Type       | Collation | Nullable | Default | FDW options 
---------+------------------+-----------+----------+---------+-------------
 sensor  | integer          |           |          |         | 
 reading | double precision |           |          |         | 
Server: file
`},
		{"admin", "adminpw", `\d+ per_sensor`, `                                 Materialized view "public.per_sensor"
 Column |  Type   | Collation | Nullable | Default | Storage | Compression | Stats target | Description 
--------+---------+-----------+----------+---------+---------+-------------+--------------+-------------
 sensor | integer |           |          |         | plain   |             |              | 
 n      | bigint  |           |          |         | plain   |             |              | 
View definition:
 SELECT sensor, count(*) AS n FROM readings GROUP BY sensor;
Access method: heap
`},
		{"admin", "adminpw", `\d+ londoners`, `                               View "public.londoners"
 Column |       Type        | Collation | Nullable | Default | Storage  | Description 
--------+-------------------+-----------+----------+---------+----------+-------------
 id     | bigint            |           |          |         | plain    | 
 name   | character varying |           |          |         | extended | 
View definition:
 SELECT id, name FROM users WHERE city = 'london';
`},
		{"admin", "adminpw", `\dt+`, `                                 List of relations
 Schema | Name  | Type  | Owner | Persistence | Access method | Size | Description 
--------+-------+-------+-------+-------------+---------------+------+-------------
 public | users | table | admin | permanent   | heap          |      | 
(1 row)`},
		{"admin", "adminpw", `\di`, `              List of relations
 Schema |    Name    | Type  | Owner | Table 
--------+------------+-------+-------+-------
 public | users_pkey | index | admin | users
(1 row)`},
		{"admin", "adminpw", `\des`, `       List of foreign servers
 Name | Owner | Foreign-data wrapper 
------+-------+----------------------
 file | admin | weir
(1 row)`},
		{"admin", "adminpw", `\df+`, `                                                                           List of functions
 Schema | Name  | Result data type | Argument data types | Type | Volatility | Parallel | Owner | Security | Access privileges | Language | Source code  | Description 
--------+-------+------------------+---------------------+------+------------+----------+-------+----------+-------------------+----------+--------------+-------------
 public | twice | integer          | x integer           | func | immutable  | unsafe   | admin | invoker  |                   | sql      | SELECT x * 2 | 
(1 row)`},
		{"admin", "adminpw", `\l+`, `                                                       List of databases
 Name | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges | Size | Tablespace | Description 
------+-------+----------+---------+-------+------------+-----------------+-------------------+------+------------+-------------
 weir | admin | UTF8     | C       | C     |            | libc            |                   |      | pg_default | 
(1 row)`},
		{"alice", "alicepw", `\d`, `       List of relations
 Schema | Name  | Type  | Owner 
--------+-------+-------+-------
 public | users | table | admin
(1 row)`},
		{"admin", "adminpw", `\dp users`, `                             Access privileges
 Schema | Name  | Type  | Access privileges | Column privileges | Policies 
--------+-------+-------+-------------------+-------------------+----------
 public | users | table | admin=arwd/admin +|                   | 
        |       |       | alice=r/admin     |                   | 
(1 row)`},
	} {
		if got := strings.TrimRight(psql(c.user, c.password, c.command), "\n"); got != strings.TrimRight(c.want, "\n") {
			t.Errorf("%s: %s:\n%s\nwant:\n%s", c.user, c.command, got, c.want)
		}
	}
}

// TestCatalogExtendedProtocol runs catalog queries as drivers send them,
// with the extended protocol: described, with parameters.
func TestCatalogExtendedProtocol(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	mustExec(t, conn, "CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR)")
	var version, db, user string
	if err := conn.QueryRow(ctx, "SELECT version(), current_database(), current_user").Scan(&version, &db, &user); err != nil {
		t.Fatal(err)
	}
	if version != "PostgreSQL 16.0 (weir)" || db != "weir" || user != "weir" {
		t.Errorf("got %q, %q, %q", version, db, user)
	}
	var kind, owner string
	if err := conn.QueryRow(ctx, "SELECT relkind, pg_catalog.pg_get_userbyid(relowner) FROM pg_catalog.pg_class WHERE relname = $1", "users").Scan(&kind, &owner); err != nil {
		t.Fatal(err)
	}
	if kind != "r" || owner != "weir" {
		t.Errorf("got %q, %q", kind, owner)
	}
}
