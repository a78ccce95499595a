package weir_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// debianPython is the interpreter Debian's python3-sqlalchemy,
// python3-psycopg2 and python3-psycopg are installed for (.ci/install-deps):
// the python3 first on PATH may be another.
const debianPython = "/usr/bin/python3"

// runPythonClient runs testdata/clients/script against a weir server
// started for it, whose catalog holds a table users (a primary key, two
// rows), a stream readings, a materialized view per_sensor and a plain
// view londoners. The script checks every answer it gets and exits
// non-zero with what was wrong; modules are the Python modules it needs,
// which CI must have.
func runPythonClient(t *testing.T, script string, modules ...string) {
	t.Helper()
	check := osexec.Command(debianPython, "-c", "import "+strings.Join(modules, ", "))
	if out, err := check.CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s with %s is required under CI=true (.ci/install-deps): %v: %s", debianPython, strings.Join(modules, ", "), err, out)
		}
		t.Skipf("%s cannot import %s: %s", debianPython, strings.Join(modules, ", "), out)
	}
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range []string{
		"CREATE TABLE users (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, city VARCHAR(20), score NUMERIC(10,2), joined TIMESTAMP, ok BOOLEAN, tags TEXT[])",
		`CREATE STREAM readings (sensor INT, reading DOUBLE PRECISION)
		  WITH (connector = 'file', path = 'testdata/data/readings.csv', format = 'csv')`,
		"CREATE MATERIALIZED VIEW per_sensor AS SELECT sensor, count(*) AS n FROM readings GROUP BY sensor",
		"CREATE VIEW londoners AS SELECT id, name FROM users WHERE city = 'london'",
		"INSERT INTO users (id, name, city) VALUES (1, 'ann', 'london'), (2, 'bob', 'paris')",
	} {
		mustExec(t, conn, s)
	}
	u, err := url.Parse(ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := osexec.CommandContext(ctx, debianPython, filepath.Join("testdata", "clients", script))
	cmd.Env = append(os.Environ(), "WEIR_HOST="+u.Hostname(), "WEIR_PORT="+u.Port(), "PGSSLMODE=disable", "PYTHONDONTWRITEBYTECODE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v:\n%s", script, err, out.String())
	}
	// The drivers log the errors of what they send on their own (psycopg
	// 3's DEALLOCATE ALL at a rollback) as "error ignored".
	if got := strings.TrimSpace(out.String()); !strings.HasSuffix(got, "ok") || strings.Contains(got, "error ignored") {
		t.Fatalf("%s printed:\n%s", script, got)
	}
}

// TestSQLAlchemyClient runs SQLAlchemy 1.4's inspector (Debian's
// python3-sqlalchemy, through psycopg2) against weir: it connects, lists
// schemas, tables, foreign tables (streams), plain and materialized views,
// reflects columns with their types and nullability, primary keys, has_table,
// a view's definition, and queries a table reflected into a Table.
func TestSQLAlchemyClient(t *testing.T) {
	runPythonClient(t, "sqlalchemy_inspect.py", "sqlalchemy", "psycopg2")
}

// TestPsycopg2Client runs psycopg2 against weir: simple queries with its
// client-side parameters, COPY FROM STDIN and TO STDOUT through
// copy_expert (text and CSV; a bad row writes nothing), named server-side
// cursors read by itersize, transactions and pg_backend_pid.
func TestPsycopg2Client(t *testing.T) {
	runPythonClient(t, "psycopg2_client.py", "psycopg2")
}

// TestPsycopg3Client runs psycopg 3 against weir: the extended protocol
// with text and binary parameters and results of int, bigint, numeric,
// text, timestamp, bool, date, double and arrays, cursor.copy() with
// write_row (text and binary) and rows(), server-side cursors, transactions
// and pg_backend_pid.
func TestPsycopg3Client(t *testing.T) {
	runPythonClient(t, "psycopg3_client.py", "psycopg")
}
